/**
 * The Redis result cache backend (ioredis): `SET key value PX ttl` under a key prefix, so several caches
 * and other tenants share one database safely. `clear()` deletes only keys under the prefix (SCAN + UNLINK).
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { CacheBackend } from './types.js';

/** Options of {@link RedisCacheBackend}. */
export interface RedisCacheOptions {
  /** An existing client (not closed by `close()`), or connection options / a URL for a new one. */
  client?: Redis;
  url?: string;
  redis?: RedisOptions;
  /** Prefix of every key (default `velomcp:cache:`). */
  prefix?: string;
}

/** See the module comment. */
export class RedisCacheBackend implements CacheBackend {
  readonly name = 'redis';
  readonly #redis: Redis;
  readonly #owned: boolean;
  readonly #prefix: string;
  #closed = false;

  /** @param options - Connection and prefix; see {@link RedisCacheOptions}. */
  constructor(options: RedisCacheOptions = {}) {
    this.#prefix = options.prefix ?? 'velomcp:cache:';
    this.#owned = options.client === undefined;
    // Fail fast instead of queueing commands forever while Redis is down: the result cache then runs uncached.
    const defaults: RedisOptions = { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: true, connectTimeout: 2000 };
    const opts = { ...defaults, ...options.redis } as never;
    this.#redis = options.client ?? (options.url ? new Redis(options.url, opts) : new Redis(opts));
  }

  /** The ioredis client (for health checks). */
  get client(): Redis {
    return this.#redis;
  }

  async get(key: string): Promise<string | undefined> {
    const v = await this.#redis.get(this.#prefix + key);
    return v ?? undefined;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.#redis.set(this.#prefix + key, value, 'PX', Math.max(1, Math.round(ttlMs)));
  }

  async delete(key: string): Promise<void> {
    await this.#redis.del(this.#prefix + key);
  }

  async clear(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', `${this.#prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await this.#redis.unlink(...keys);
    } while (cursor !== '0');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#owned) {
      try {
        await this.#redis.quit();
      } catch {
        this.#redis.disconnect();
      }
    }
  }
}
