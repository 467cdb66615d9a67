/**
 * Helpers the official-SDK bench servers share. They stand in for what an
 * Express app would do in front of the SDK transports (`express.json()` and
 * the localhost Host guard), written for plain `node:http` so that no
 * framework cost is added to the competitors.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The echo tool's description and text, identical on every server. */
export const ECHO_DESCRIPTION = 'Echo';

/** Reads and parses a JSON body (what `express.json()` does before the SDK sees the request). */
export function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', reject);
    req.on('end', () => {
      try {
        resolve(JSON.parse(chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8')));
      } catch (err) {
        reject(err);
      }
    });
  });
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * DNS-rebinding guard: the Host header's hostname must be a loopback name
 * (velomcp does the same check on loopback sockets by default, so the SDK
 * servers do equivalent work). Answers 403 itself and returns false when it
 * rejects.
 */
export function localHostGuard(req: IncomingMessage, res: ServerResponse): boolean {
  const host = req.headers.host ?? '';
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  if (name !== undefined && LOCAL_HOSTS.has(name)) return true;
  res.writeHead(403, { 'content-type': 'application/json' });
  res.end('{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"Forbidden: invalid Host header"}}');
  return false;
}

/** A JSON-RPC error answer. */
export function jsonError(res: ServerResponse, status: number, code: number, message: string, id: unknown = null): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } }));
}

/** The id of a JSON-RPC request body, or null. */
export function idOf(body: unknown): unknown {
  return typeof body === 'object' && body !== null && 'id' in body ? (body as { id: unknown }).id : null;
}
