/**
 * The live dashboard (`velomcp/dashboard`): a loopback HTTP listener serving a page that updates every second
 * over SSE (`/events`), the latest snapshot as JSON (`/snapshot`), and, when given, `/metrics`, `/healthz`
 * and `/readyz`. Charts are drawn with uPlot, served from node_modules.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { healthRoutes, type HealthOptions } from '../health.js';
import { serveRoutes, type RoutesListener } from '../listener.js';
import type { McpMetrics } from '../metrics.js';
import { metricsHandler } from '../metrics.js';
import { DASHBOARD_HTML, DASHBOARD_JS } from './page.js';
import { LiveStats, type LiveStatsOptions } from './stats.js';

/** Options of {@link serveDashboard}. */
export interface DashboardOptions extends LiveStatsOptions {
  /** Interface to bind. Default 127.0.0.1: the dashboard has no authentication, keep it on loopback. */
  host?: string;
  /** Port; 0 (the default) picks a free one. */
  port?: number;
  /** Also serve `/metrics` from these metrics. */
  metrics?: McpMetrics;
  /** Also serve `/healthz` and `/readyz` with these checks. */
  health?: HealthOptions;
}

/** A running dashboard. */
export interface DashboardHandle {
  /** `http://host:port/` */
  readonly url: string;
  readonly port: number;
  readonly stats: LiveStats;
  close(): Promise<void>;
}

type Route = (req: IncomingMessage, res: ServerResponse) => void;

function staticRoute(body: string | Buffer, type: string): Route {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' }).end(body);
  };
}

/** Starts the dashboard and its statistics; `close()` stops both. */
export async function serveDashboard(options: DashboardOptions = {}): Promise<DashboardHandle> {
  const require = createRequire(import.meta.url);
  const uplotJs = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'));
  const uplotCss = readFileSync(require.resolve('uplot/dist/uPlot.min.css'));
  const stats = new LiveStats(options);
  const streams = new Set<ServerResponse>();
  stats.onSnapshot = (s) => {
    const frame = `data: ${JSON.stringify(s)}\n\n`;
    for (const res of streams) res.write(frame);
  };
  const routes: Record<string, Route> = {
    '/': staticRoute(DASHBOARD_HTML, 'text/html; charset=utf-8'),
    '/assets/dashboard.js': staticRoute(DASHBOARD_JS, 'text/javascript; charset=utf-8'),
    '/assets/uPlot.iife.min.js': staticRoute(uplotJs, 'text/javascript; charset=utf-8'),
    '/assets/uPlot.min.css': staticRoute(uplotCss, 'text/css; charset=utf-8'),
    '/snapshot': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(stats.history.at(-1) ?? null));
    },
    '/events': (req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' });
      res.write(`retry: 1000\nevent: history\ndata: ${JSON.stringify(stats.history)}\n\n`);
      streams.add(res);
      req.once('close', () => streams.delete(res));
    },
    ...(options.metrics && { '/metrics': metricsHandler(options.metrics) }),
    ...(options.health && healthRoutes(options.health)),
  };
  let listener: RoutesListener;
  try {
    listener = await serveRoutes({ host: options.host ?? '127.0.0.1', port: options.port ?? 0, routes });
  } catch (err) {
    stats.close();
    throw err;
  }
  return {
    url: `${listener.url}/`,
    port: listener.port,
    stats,
    close: async () => {
      stats.close();
      for (const res of streams) res.end();
      streams.clear();
      await listener.close();
    },
  };
}
