/**
 * Shared pieces of the client tests: paths, handlers, a leak check and small servers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { McpClientOptions } from '../../src/client/index.js';

/** The repository root, from the compiled test file (dist/test/client/*.js). */
export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
/** `velomcp serve <reference server>` arguments for `process.execPath`. */
export const SERVE_ARGS: string[] = [join(ROOT, 'dist', 'src', 'cli', 'main.js'), 'serve', join(ROOT, 'dist', 'examples', 'everything', 'server.js')];
/** A compiled fixture script under dist/test/client/fixtures. */
export const fixture = (name: string): string => join(ROOT, 'dist', 'test', 'client', 'fixtures', name);

/** Handlers that accept everything (elicitation accepts with no fields, so schema defaults apply). */
export const HANDLERS: NonNullable<McpClientOptions['handlers']> = {
  elicitation: (p) => (p.mode === 'url' ? { action: 'accept' } : { action: 'accept', content: {} }),
  sampling: () => ({ role: 'assistant', content: { type: 'text', text: 'sampled' }, model: 'test-model' }),
  roots: () => [{ uri: 'file:///workspace', name: 'workspace' }],
};

/** Counts of active handles by type (sockets, timers, child processes, servers). */
export function resources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

/**
 * Waits (up to 2 s) until no resource type has more handles than in `before`; fails with the difference.
 * Sockets closed by the peer take a tick or two to disappear.
 */
export async function assertNoLeaks(before: Record<string, number>): Promise<void> {
  let extra: Record<string, number> = {};
  for (let i = 0; i < 40; i++) {
    const now = resources();
    extra = {};
    for (const [k, n] of Object.entries(now)) if (n > (before[k] ?? 0)) extra[k] = n - (before[k] ?? 0);
    if (Object.keys(extra).length === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`leaked handles: ${JSON.stringify(extra)}`);
}

/** A raw HTTP server on 127.0.0.1:0 with a handler; `url` is its `/mcp` endpoint. */
export async function rawServer(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    // DELETE ends a legacy session; the fault servers have nothing to clean up.
    req.on('end', () => (req.method === 'DELETE' ? void res.writeHead(200).end() : handler(req, res, body)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Writes a JSON body. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
