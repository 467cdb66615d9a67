/** Graceful drain of one HTTP worker: stop accepting, let in-flight calls finish, then close. */
import type { Server } from 'node:http';

/**
 * Counts the server's in-flight requests (long-lived GET streams excluded) and returns the drain function:
 * it stops accepting connections, closes idle keep-alive ones, waits until no counted request is open
 * (polling every 20 ms, at most `timeoutMs`), then calls `close`.
 */
export function drainableHttp(server: Server, close: () => Promise<void>, timeoutMs = 25_000): () => Promise<void> {
  let open = 0;
  server.on('request', (req, res) => {
    if (req.method === 'GET') return;
    open++;
    res.once('close', () => open--);
  });
  return async () => {
    server.close();
    const deadline = Date.now() + timeoutMs;
    while (open > 0 && Date.now() < deadline) {
      server.closeIdleConnections();
      await new Promise((r) => setTimeout(r, 20));
    }
    await close();
  };
}
