/**
 * Binding a listening socket, shared by every transport that serves one (HTTP, WebSocket, TCP) and by the
 * side listeners (metrics routes, the OAuth loopback redirect).
 */
import type { AddressInfo, Server } from 'node:net';

/**
 * Starts `server` listening on `host:port` (port 0 picks a free one) and resolves with the bound port once
 * it listens. The `error` listener used to catch a failed bind is removed again on success, so later
 * errors reach the caller's own listeners.
 * @throws The `listen` error (e.g. `EADDRINUSE`, `EACCES`), as a rejection.
 */
export function listenOn(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** `host` as it appears in a URL's authority: IPv6 literals in brackets (RFC 3986 §3.2.2), others as given. */
export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
