/**
 * Health endpoints: `/healthz` (liveness: the process answers) and `/readyz` (readiness: every check, such
 * as a session store or Redis ping, passed within its timeout). Plain `node:http` handlers with JSON bodies.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** One readiness check: resolves (or returns) when the dependency is reachable, throws or rejects otherwise. */
export type ReadinessCheck = () => unknown;

/**
 * A readiness check that a session store (or event store, or anything with `size()`) answers: one round trip
 * to Redis or whatever backs it. `healthRoutes({ checks: { sessions: storeReachable(sessionStore) } })`.
 */
export function storeReachable(store: { size(): unknown }): ReadinessCheck {
  return () => store.size();
}

/** Options of {@link healthRoutes}. */
export interface HealthOptions {
  /** Readiness checks by name (e.g. `{ redis: () => redis.ping() }`). Default none: ready while serving. */
  checks?: Readonly<Record<string, ReadinessCheck>>;
  /** Milliseconds each check may take before it counts as failed. Default 2000. */
  timeoutMs?: number;
  /** Returns false while the server is not (or no longer) accepting work, e.g. while draining. Default: always true. */
  accepting?: () => boolean;
}

/** The JSON body of `/readyz`. */
export interface ReadinessReport {
  status: 'ready' | 'not_ready';
  checks: Record<string, { ok: boolean; error?: string; ms: number }>;
}

function withTimeout(check: ReadinessCheck, ms: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    timer.unref();
    Promise.resolve()
      .then(check)
      .then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
  });
}

/** Runs every check once and reports (never throws). */
export async function readiness(options: HealthOptions = {}): Promise<ReadinessReport> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const checks: ReadinessReport['checks'] = {};
  let ok = options.accepting?.() ?? true;
  if (!ok) checks.accepting = { ok: false, error: 'not accepting work', ms: 0 };
  await Promise.all(
    Object.entries(options.checks ?? {}).map(async ([name, check]) => {
      const t0 = performance.now();
      try {
        await withTimeout(check, timeoutMs);
        checks[name] = { ok: true, ms: Math.round(performance.now() - t0) };
      } catch (err) {
        ok = false;
        checks[name] = { ok: false, error: (err as Error).message, ms: Math.round(performance.now() - t0) };
      }
    }),
  );
  return { status: ok ? 'ready' : 'not_ready', checks };
}

/**
 * `/healthz` and `/readyz` handlers, ready to spread into `serveHttp`'s `routes` or a standalone listener.
 * `/healthz` answers 200 `{"status":"ok"}`; `/readyz` answers 200 or 503 with a {@link ReadinessReport}.
 */
export function healthRoutes(options: HealthOptions = {}): Record<'/healthz' | '/readyz', (req: IncomingMessage, res: ServerResponse) => void> {
  return {
    '/healthz': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end('{"status":"ok"}');
    },
    '/readyz': (_req, res) => {
      void readiness(options).then((report) => {
        res.writeHead(report.status === 'ready' ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(report));
      });
    },
  };
}
