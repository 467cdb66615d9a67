/**
 * A minimal HTTP request helper on `node:http`/`node:https` with a per-owner keep-alive agent, so a client
 * that closes can destroy every socket it opened (nothing lingers in a global pool).
 */
import http from 'node:http';
import https from 'node:https';

/** A response whose body has not been read yet. */
export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: http.IncomingMessage;
}

/** Owns the agents of one transport. */
export class HttpAgentPool {
  readonly #http = new http.Agent({ keepAlive: true });
  readonly #https = new https.Agent({ keepAlive: true });
  readonly #requests = new Set<http.ClientRequest>();

  /**
   * Starts a request; resolves with the response head. The `signal` aborts it at any point (also while the
   * body is being read). Rejects with the socket error (ECONNREFUSED, ECONNRESET…) or the abort reason.
   */
  request(url: URL, method: string, headers: Record<string, string>, body: string | undefined, signal?: AbortSignal): Promise<RawResponse> {
    return new Promise<RawResponse>((resolve, reject) => {
      const mod = url.protocol === 'https:' ? https : http;
      const req = mod.request(url, {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent: url.protocol === 'https:' ? this.#https : this.#http,
        ...(signal && { signal }),
      });
      this.#requests.add(req);
      req.once('close', () => this.#requests.delete(req));
      req.once('error', reject);
      req.once('response', (res) => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res });
      });
      req.end(body);
    });
  }

  /** Aborts every request in flight and closes every pooled socket. */
  destroy(): void {
    for (const req of this.#requests) req.destroy();
    this.#requests.clear();
    this.#http.destroy();
    this.#https.destroy();
  }
}

/** Reads a whole body as UTF-8 text, up to `limit` bytes (then rejects). */
export function readText(res: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        res.destroy();
        reject(new Error(`response body exceeds ${limit} bytes`));
        return;
      }
      parts.push(chunk);
    });
    res.once('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    res.once('error', reject);
    res.once('aborted', () => reject(new Error('response aborted')));
  });
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(value: string | string[] | undefined): string {
  const v = Array.isArray(value) ? value[0] : value;
  return (v ?? '').split(';')[0]!.trim().toLowerCase();
}

/** One header value as a string (first of repeated headers). */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
