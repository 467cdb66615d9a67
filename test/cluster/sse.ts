/** A live SSE reader for cluster tests: collects messages as they arrive and can wait for one. */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { parseSse, type SseEvent } from '../http/helpers.js';

export interface LiveSse {
  status: number;
  headers: IncomingHttpHeaders;
  events: SseEvent[];
  /** Parsed JSON of the non-empty events so far. */
  messages(): any[];
  /** Resolves with the first message matching `pred` (bounded wait). */
  waitFor(pred: (m: any) => boolean, what: string, timeoutMs?: number): Promise<any>;
  /** Resolves when the server ended the response. */
  ended: Promise<void>;
  close(): void;
}

/** Sends a request whose answer is an SSE stream and reads it as it comes. */
export function liveSse(url: string, init: { method?: string; headers: Record<string, string>; body?: string }): Promise<LiveSse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: init.method ?? 'GET', headers: init.headers, agent: false }, (res) => {
      let buf = '';
      const events: SseEvent[] = [];
      const waiters = new Set<() => void>();
      let endResolve!: () => void;
      const ended = new Promise<void>((r) => (endResolve = r));
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        buf += c;
        const cut = buf.lastIndexOf('\n\n');
        if (cut < 0) return;
        events.push(...parseSse(buf.slice(0, cut + 2)));
        buf = buf.slice(cut + 2);
        for (const w of [...waiters]) w();
      });
      res.on('end', () => {
        if (buf.trim() !== '') events.push(...parseSse(buf));
        for (const w of [...waiters]) w();
        endResolve();
      });
      res.on('error', () => endResolve());
      res.on('close', () => endResolve());
      const messages = (): any[] => events.filter((e) => e.data !== '').map((e) => JSON.parse(e.data));
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        events,
        messages,
        ended,
        close: () => req.destroy(),
        waitFor: (pred, what, timeoutMs = 5000) =>
          new Promise((ok, fail) => {
            const check = (): void => {
              const hit = messages().find(pred);
              if (hit !== undefined) {
                waiters.delete(check);
                clearTimeout(timer);
                ok(hit);
              }
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`timed out waiting for ${what}; got ${JSON.stringify(messages())}`));
            }, timeoutMs);
            waiters.add(check);
            check();
          }),
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}
