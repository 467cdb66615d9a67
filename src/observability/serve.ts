/**
 * @internal The observability side of `velomcp serve`: `--metrics [port]`, `--metrics-token`, `--dashboard [port]`
 * and `--log-requests [level]`. Kept here so the CLI only parses flags and passes them on.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino, type Level } from 'pino';
import { VeloError } from '../jsonrpc/errors.js';
import { healthRoutes } from './health.js';
import { serveRoutes, type RoutesListener } from './listener.js';
import { McpMetrics, metricsHandler } from './metrics.js';
import { RequestLogger } from './logging.js';
import type { DashboardHandle } from './dashboard/server.js';

/** The flags, as commander parses them (`true` when given without a value). */
export interface ObservabilityFlags {
  metrics?: boolean | number;
  metricsToken?: string;
  dashboard?: boolean | number;
  logRequests?: boolean | string;
}

/** What the transport needs, and how to stop it all. */
export interface ObservabilitySetup {
  /** Routes for the MCP HTTP server itself (`--metrics` without a port, over `--http`). */
  httpRoutes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> | undefined;
  /** Lines for stderr that say where things are. */
  notes: string[];
  close(): Promise<void>;
}

/** Starts what the flags ask for; `http` tells whether the MCP server itself speaks HTTP. */
export async function setUpObservability(flags: ObservabilityFlags, http: boolean): Promise<ObservabilitySetup> {
  const notes: string[] = [];
  const closers: Array<() => unknown> = [];
  let httpRoutes: ObservabilitySetup['httpRoutes'];
  const token = flags.metricsToken ?? (process.env.VELOMCP_METRICS_TOKEN || undefined);
  let metrics: McpMetrics | undefined;
  if (flags.metrics !== undefined && flags.metrics !== false) {
    metrics = new McpMetrics();
    closers.push(() => metrics?.close());
    const routes = { '/metrics': metricsHandler(metrics, token === undefined ? {} : { token }), ...healthRoutes() };
    if (flags.metrics === true && http) {
      httpRoutes = routes;
      notes.push('metrics at /metrics, health at /healthz and /readyz on the MCP HTTP server');
    } else {
      const listener: RoutesListener = await serveRoutes({ port: flags.metrics === true ? 0 : flags.metrics, routes });
      closers.push(() => listener.close());
      notes.push(`metrics at ${listener.url}/metrics, health at ${listener.url}/healthz and /readyz`);
    }
  }
  if (flags.dashboard !== undefined && flags.dashboard !== false) {
    const { serveDashboard } = await import('./dashboard/server.js');
    metrics ??= new McpMetrics();
    const own = metrics;
    const dashboard: DashboardHandle = await serveDashboard({ port: flags.dashboard === true ? 0 : flags.dashboard, metrics: own, health: {} });
    closers.push(() => dashboard.close(), () => own.close());
    notes.push(`dashboard at ${dashboard.url}`);
  }
  if (flags.logRequests !== undefined && flags.logRequests !== false) {
    const level = (flags.logRequests === true ? 'info' : flags.logRequests) as Level;
    if (!(level in pino.levels.values) || level === ('silent' as Level)) {
      await Promise.all(closers.map((close) => close()));
      throw new VeloError('VELO_INVALID_CONFIG', `--log-requests: unknown level "${level}" (one of ${Object.keys(pino.levels.values).join(', ')})`);
    }
    const log = new RequestLogger({ level });
    closers.push(() => log.close());
    notes.push(`request logs at level ${level} on stderr`);
  }
  return {
    httpRoutes,
    notes,
    close: async () => {
      for (const close of closers.reverse()) await close();
    },
  };
}
