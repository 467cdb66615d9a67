/**
 * The web-standard Streamable HTTP handler: `fetch(Request) → Promise<Response>`, for mounting in hono,
 * fastify, express (through an adapter), Deno or Bun. Same protocol logic as the node handler.
 */
import type { McpServer } from '../../server/mcp-server.js';
import { HttpEngine, type HttpHandlerOptions, type HttpNotifier } from './engine.js';
import { BodyError, type OutHeaders, type RequestPort, type ResponsePort, type StreamPort } from './ports.js';

/** A fetch-style MCP handler. */
export interface FetchHandler {
  /** Handles one request. Never rejects. */
  fetch(request: Request): Promise<Response>;
  /** Ends every session and stream and stops timers. */
  close(): void;
  /** Cluster-wide notifications (through `options.bus` when given). */
  readonly notify: HttpNotifier;
}

async function readFetchBody(request: Request, limit: number, timeoutMs: number): Promise<string> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) throw new BodyError(413, `body of ${declared} bytes exceeds the limit of ${limit} bytes`);
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BodyError(408, `body not received within ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
  });
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), timeout]);
      if (done) break;
      size += value.byteLength;
      if (size > limit) throw new BodyError(413, `body exceeds the limit of ${limit} bytes`);
      chunks.push(value);
    }
  } catch (err) {
    void reader.cancel().catch(() => undefined);
    throw err instanceof BodyError ? err : new BodyError(400, (err as Error).message);
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

const encoder = new TextEncoder();

/** Creates a fetch-style handler serving `server` (both eras on one endpoint). */
export function createFetchHandler(server: McpServer, options: HttpHandlerOptions = {}): FetchHandler {
  const engine = new HttpEngine(server, options);
  const maxBuffer = engine.maxStreamBufferBytes;
  return {
    notify: engine.notify,
    close: () => engine.close(),
    fetch(request: Request): Promise<Response> {
      const url = new URL(request.url);
      const port: RequestPort = {
        method: request.method.toUpperCase(),
        path: url.pathname,
        query: url.search.slice(1),
        header: (name) => request.headers.get(name) ?? undefined,
        loopback: false,
        peer: undefined,
        readBody: (limit, timeoutMs) => readFetchBody(request, limit, timeoutMs),
        raw: request,
      };
      return new Promise<Response>((resolve) => {
        const aborts: (() => void)[] = [];
        let finished = false;
        const fireAbort = (): void => {
          if (finished) return;
          finished = true;
          for (const a of aborts.splice(0)) a();
        };
        request.signal?.addEventListener('abort', fireAbort, { once: true });
        const out: ResponsePort = {
          respond(status: number, headers: OutHeaders, body: string): void {
            finished = true;
            resolve(new Response(body === '' || status === 204 ? null : body, { status, headers }));
          },
          openStream(headers: OutHeaders): StreamPort {
            let controller!: ReadableStreamDefaultController<Uint8Array>;
            let closed = false;
            const stream = new ReadableStream<Uint8Array>(
              {
                start: (c) => {
                  controller = c;
                },
                cancel: () => {
                  closed = true;
                  fireAbort();
                },
              },
              { highWaterMark: maxBuffer, size: (chunk) => chunk.byteLength },
            );
            resolve(new Response(stream, { status: 200, headers }));
            // Unread data is measured after the turn's writes, as the node handler does: a burst the consumer
            // pulls at once does not count, and the newest event never does.
            let newest = 0;
            let scheduled = false;
            const check = (): void => {
              scheduled = false;
              if (closed) return;
              const queued = maxBuffer - (controller.desiredSize ?? 0);
              if (queued - newest > maxBuffer) {
                closed = true;
                controller.error(new Error(`SSE consumer too slow: more than ${maxBuffer} bytes unread`));
                fireAbort();
              }
            };
            return {
              write(chunk: string): boolean {
                if (closed) return false;
                const bytes = encoder.encode(chunk);
                controller.enqueue(bytes);
                newest = bytes.byteLength;
                if (!scheduled && (controller.desiredSize ?? 0) < 0) {
                  scheduled = true;
                  setImmediate(check);
                }
                return true;
              },
              end(): void {
                if (closed) return;
                closed = true;
                finished = true;
                controller.close();
              },
              get closed(): boolean {
                return closed;
              },
            };
          },
          onAbort(listener: () => void): void {
            aborts.push(listener);
          },
        };
        try {
          engine.handle(port, out);
        } catch (err) {
          resolve(new Response(`Internal error: ${(err as Error).message}`, { status: 500 }));
        }
      });
    },
  };
}
