/**
 * `velomcp serve --http --redis URL [--redis-prefix P]`: makes this process one node of a Redis-backed
 * cluster (docs/scaling.md). The Redis tier is imported only when the flag is given.
 */
import type { ClusterBackend } from '../cluster/types.js';
import { VeloError } from '../jsonrpc/errors.js';

/** The flags this module reads. */
export interface RedisFlags {
  redis?: string;
  redisPrefix?: string;
}

/**
 * Opens this node's Redis backend when `--redis` is set; undefined otherwise.
 * @throws VeloError `VELO_INVALID_CONFIG` for a malformed URL or `--redis-prefix` without `--redis`;
 *   `VELO_BACKEND_UNAVAILABLE` when Redis cannot be reached (the CLI exits 5).
 */
export async function redisBackendFromFlags(flags: RedisFlags): Promise<ClusterBackend | undefined> {
  if (flags.redis === undefined) {
    if (flags.redisPrefix !== undefined) throw new VeloError('VELO_INVALID_CONFIG', '--redis-prefix needs --redis');
    return undefined;
  }
  const { redisBackend } = await import('../redis/backend.js');
  return redisBackend({ url: flags.redis, ...(flags.redisPrefix === undefined ? {} : { prefix: flags.redisPrefix }) });
}

/**
 * `velomcp serve --workers N --redis URL`, in the primary: checks once that Redis answers (then closes the
 * connection), so an unreachable Redis stops the start with exit 5 instead of crash-looping the workers.
 * Resolves false when `--redis` is not set.
 * @throws VeloError as {@link redisBackendFromFlags}.
 */
export async function checkRedisFlags(flags: RedisFlags): Promise<boolean> {
  if (flags.redis === undefined) {
    if (flags.redisPrefix !== undefined) throw new VeloError('VELO_INVALID_CONFIG', '--redis-prefix needs --redis');
    return false;
  }
  const { connectRedis } = await import('../redis/connection.js');
  const conn = await connectRedis({ url: flags.redis, ...(flags.redisPrefix === undefined ? {} : { prefix: flags.redisPrefix }) });
  await conn.close();
  return true;
}
