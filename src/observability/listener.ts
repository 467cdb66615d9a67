/**
 * A small standalone HTTP listener for routes such as `/metrics`, `/healthz` and `/readyz`, for servers that
 * do not speak HTTP themselves (stdio, TCP, WebSocket) or that keep operations off the MCP port.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenOn, urlHost } from '../transports/shared/listen.js';

/** Options of {@link serveRoutes}. */
export interface RoutesListenerOptions {
  /** Interface to bind. Default 127.0.0.1. */
  host?: string;
  /** Port; 0 (the default) picks a free one. */
  port?: number;
  /** Handlers by exact path; any other path answers 404. */
  routes: Readonly<Record<string, (req: IncomingMessage, res: ServerResponse) => void>>;
}

/** A running listener. */
export interface RoutesListener {
  /** `http://host:port`, without a trailing slash. */
  readonly url: string;
  readonly port: number;
  readonly httpServer: Server;
  close(): Promise<void>;
}

/** Serves `routes` on `host:port` until closed. */
export async function serveRoutes(options: RoutesListenerOptions): Promise<RoutesListener> {
  const host = options.host ?? '127.0.0.1';
  const routes = options.routes;
  const httpServer = createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const route = routes[q === -1 ? url : url.slice(0, q)];
    if (route) route(req, res);
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  const port = await listenOn(httpServer, options.port ?? 0, host);
  return {
    url: `http://${urlHost(host)}:${port}`,
    port,
    httpServer,
    close: () =>
      new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      }),
  };
}
