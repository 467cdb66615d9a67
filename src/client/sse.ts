/**
 * Reading a `text/event-stream` body with `eventsource-parser` (HTML Living Standard, "Server-sent events").
 */
import type { IncomingMessage } from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { VeloError } from '../jsonrpc/errors.js';

/** Callbacks of {@link readSseStream}. */
export interface SseHandlers {
  /** One complete event. */
  onEvent(event: EventSourceMessage): void;
  /** The server set the reconnection delay (`retry:`), in milliseconds. */
  onRetry?(ms: number): void;
}

/**
 * Feeds a response body through the SSE parser until it ends. Resolves when the stream ends (cleanly or
 * not: `clean` is false when it was cut); rejects only with a VeloError `VELO_MESSAGE_TOO_LARGE` when one
 * event exceeds `maxEventChars`.
 */
export function readSseStream(body: IncomingMessage, handlers: SseHandlers, maxEventChars: number): Promise<{ clean: boolean }> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (clean: boolean): void => {
      if (settled) return;
      settled = true;
      resolve({ clean });
    };
    const parser = createParser({
      onEvent: (e) => handlers.onEvent(e),
      onRetry: (ms) => handlers.onRetry?.(ms),
      maxBufferSize: maxEventChars,
      onError: (err) => {
        if ((err as { type?: string }).type === 'max-buffer-size-exceeded' && !settled) {
          settled = true;
          body.destroy();
          reject(new VeloError('VELO_MESSAGE_TOO_LARGE', `Server sent an SSE event over ${maxEventChars} characters`));
        }
      },
    });
    body.setEncoding('utf8');
    body.on('data', (text: string) => {
      if (!settled) parser.feed(text);
    });
    body.once('end', () => done(body.complete));
    body.once('error', () => done(false));
    body.once('close', () => done(body.complete));
  });
}
