/**
 * The interactive user agent for native clients (RFC 8252 §7.3, loopback interface redirection): a
 * one-shot HTTP listener on a loopback IP literal receives the authorization response, while the user
 * opens the authorization URL in a browser. `velomcp call --oauth` uses it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VeloError } from '../../jsonrpc/errors.js';
import type { AuthorizationUserAgent } from './oauth-client.js';
import { urlHost } from '../../transports/shared/listen.js';

/** A listening loopback redirect endpoint. */
export interface LoopbackRedirect {
  /** The redirect URI to register, e.g. `http://127.0.0.1:53122/callback`. */
  readonly redirectUri: string;
  /** The user agent for {@link OAuthClient}'s authorization code grant. */
  readonly userAgent: AuthorizationUserAgent;
  /** Stops listening. Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link startLoopbackRedirect}. */
export interface LoopbackRedirectOptions {
  /** `127.0.0.1` (default) or `::1`; never `localhost`, which may resolve elsewhere (RFC 8252 §8.3). */
  host?: '127.0.0.1' | '::1';
  /** Port (default 0: a free one). */
  port?: number;
  /** Callback path (default `/callback`). */
  path?: string;
  /** How long to wait for the user, in milliseconds (default 300 000). */
  timeoutMs?: number;
  /** Shows the authorization URL to the user (default: print it on stderr). */
  onAuthorizationUrl?: (url: URL) => void;
}

/**
 * Starts the loopback listener. Only a request to the callback path whose `state` matches the pending
 * authorization completes it; anything else gets 404 and is ignored.
 * @throws VeloError `VELO_UNAUTHORIZED` from the user agent when the user does not finish in time.
 */
export async function startLoopbackRedirect(options: LoopbackRedirectOptions = {}): Promise<LoopbackRedirect> {
  const host = options.host ?? '127.0.0.1';
  const path = options.path ?? '/callback';
  let pending: { state: string | null; resolve: (u: URL) => void } | undefined;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', redirectUri);
    if (req.method !== 'GET' || url.pathname !== path || !pending || url.searchParams.get('state') !== pending.state) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    const ok = !url.searchParams.has('error');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`<!doctype html><title>velomcp</title><p>${ok ? 'Authorization complete.' : 'Authorization was refused.'} You can close this window.</p>`);
    const p = pending;
    pending = undefined;
    p.resolve(url);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const redirectUri = `http://${urlHost(host)}:${port}${path}`;
  const show = options.onAuthorizationUrl ?? ((u: URL) => process.stderr.write(`Open this URL in your browser to authorize:\n  ${u.href}\n`));
  const userAgent: AuthorizationUserAgent = (authorizationUrl) =>
    new Promise<URL>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending = undefined;
        reject(new VeloError('VELO_UNAUTHORIZED', `no authorization response on ${redirectUri} within ${options.timeoutMs ?? 300_000} ms`));
      }, options.timeoutMs ?? 300_000);
      pending = {
        state: authorizationUrl.searchParams.get('state'),
        resolve: (u) => {
          clearTimeout(timer);
          resolve(u);
        },
      };
      show(authorizationUrl);
    });
  return {
    redirectUri,
    userAgent,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
