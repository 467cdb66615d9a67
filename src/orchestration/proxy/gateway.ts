/**
 * A gateway server built from a config object (what `velomcp proxy <config.json>` serves): an
 * {@link McpServer} with one {@link Mount} per upstream and, optionally, one result cache shared by them.
 *
 * ```json
 * {
 *   "name": "my-gateway",
 *   "upstreams": {
 *     "files": { "command": "node", "args": ["files-server.js"] },
 *     "search": { "url": "http://127.0.0.1:3001/mcp", "resilience": { "timeoutMs": 5000 } }
 *   },
 *   "pool": { "max": 8 },
 *   "cache": { "backend": "sqlite", "path": "cache.db", "ttlMs": 30000 }
 * }
 * ```
 */
import { resolve } from 'node:path';
import type { EraOption } from '../../client/options.js';
import { VeloError } from '../../jsonrpc/errors.js';
import { McpServer } from '../../server/mcp-server.js';
import { MemoryCacheBackend } from '../cache/memory.js';
import { ResultCache } from '../cache/result-cache.js';
import { SqliteCacheBackend } from '../cache/sqlite.js';
import type { CacheBackend } from '../cache/types.js';
import { mount, type Mount, type MountOptions } from '../mount/mount.js';
import type { UpstreamTarget } from '../mount/upstream.js';
import type { PoolOptions } from '../pool/pool.js';
import type { ResilienceOptions } from '../resilience/policy.js';

/** Per-upstream settings of a gateway config. */
export type GatewayUpstream = UpstreamTarget & { era?: EraOption; pool?: PoolOptions; resilience?: ResilienceOptions; whenUnhealthy?: 'drop' | 'keep' };

/** The gateway config (JSON). */
export interface GatewayConfig {
  name?: string;
  version?: string;
  /** Prefix → upstream. */
  upstreams: Record<string, GatewayUpstream>;
  /** Defaults for every upstream. */
  pool?: PoolOptions;
  resilience?: ResilienceOptions;
  whenUnhealthy?: 'drop' | 'keep';
  /** A result cache for read-only tools of every upstream. Redis: `{ "backend": "redis", "url": "redis://127.0.0.1:6379/5" }`. */
  cache?: { backend?: 'memory' | 'sqlite' | 'redis'; path?: string; url?: string; prefix?: string; ttlMs?: number; maxEntries?: number };
}

/** A running gateway. */
export interface Gateway {
  server: McpServer;
  mounts: Map<string, Mount>;
  cache: ResultCache | undefined;
  /** Closes every mount and the cache. */
  close(): Promise<void>;
}

async function cacheBackend(c: NonNullable<GatewayConfig['cache']>, baseDir: string): Promise<CacheBackend> {
  switch (c.backend ?? 'memory') {
    case 'memory':
      return new MemoryCacheBackend(c.maxEntries === undefined ? {} : { maxEntries: c.maxEntries });
    case 'sqlite':
      return new SqliteCacheBackend({ path: c.path === undefined || c.path === ':memory:' ? ':memory:' : resolve(baseDir, c.path) });
    case 'redis': {
      const { RedisCacheBackend } = await import('../cache/redis.js');
      return new RedisCacheBackend({ ...(c.url !== undefined && { url: c.url }), ...(c.prefix !== undefined && { prefix: c.prefix }) });
    }
    default:
      throw new VeloError('VELO_INVALID_CONFIG', `Unknown cache backend ${JSON.stringify(c.backend)} (memory, sqlite or redis)`);
  }
}

/**
 * Builds and starts a gateway. Relative stdio working directories and SQLite paths resolve against `baseDir`.
 * @throws VeloError `VELO_INVALID_CONFIG` for a malformed config; the first upstream that failed to mount
 *   (the others are closed again).
 */
export async function createGateway(config: GatewayConfig, options: { baseDir?: string; onError?: (error: Error) => void } = {}): Promise<Gateway> {
  if (!config || typeof config !== 'object' || !config.upstreams || typeof config.upstreams !== 'object') {
    throw new VeloError('VELO_INVALID_CONFIG', 'A gateway config needs an "upstreams" object (prefix → {command, args} or {url})');
  }
  const baseDir = options.baseDir ?? process.cwd();
  const server = new McpServer({ name: config.name ?? 'velomcp-gateway', version: config.version ?? '0.1.0' });
  const cache = config.cache ? new ResultCache({ backend: await cacheBackend(config.cache, baseDir), ...(config.cache.ttlMs !== undefined && { ttlMs: config.cache.ttlMs }) }) : undefined;
  const mounts = new Map<string, Mount>();
  const close = async (): Promise<void> => {
    await Promise.all([...mounts.values()].map((m) => m.close()));
    await cache?.close();
  };
  try {
    for (const [prefix, up] of Object.entries(config.upstreams)) {
      const { era, pool, resilience, whenUnhealthy, ...target } = up as GatewayUpstream & Record<string, unknown>;
      if (!('command' in target) && !('url' in target)) throw new VeloError('VELO_INVALID_CONFIG', `Upstream ${prefix} needs "command" (stdio) or "url" (Streamable HTTP)`);
      if ('command' in target && target.cwd === undefined) (target as { cwd?: string }).cwd = baseDir;
      const opts: MountOptions = {
        ...(era !== undefined && { era }),
        ...((pool ?? config.pool) && { pool: { ...config.pool, ...pool } }),
        ...((resilience ?? config.resilience) && { resilience: { ...config.resilience, ...resilience } }),
        ...((whenUnhealthy ?? config.whenUnhealthy) && { whenUnhealthy: whenUnhealthy ?? config.whenUnhealthy! }),
        ...(cache && { cache }),
        ...(options.onError && { onError: options.onError }),
      };
      mounts.set(prefix, await mount(server, prefix, target as UpstreamTarget, opts));
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { server, mounts, cache, close };
}
