/**
 * The result cache's backend seam. Every backend (memory, SQLite, Redis) passes the one contract test file
 * `test/orchestration/cache-backends.contract.test.ts`.
 */

/** Stores cache entries: opaque string values under string keys, each with a time to live. */
export interface CacheBackend {
  /** A short name for stats and logs (`memory`, `sqlite`, `redis`). */
  readonly name: string;
  /** The value under `key`, or undefined when absent or expired. */
  get(key: string): Promise<string | undefined>;
  /** Stores `value` under `key` for `ttlMs` milliseconds (> 0). */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Removes one entry; no error when absent. */
  delete(key: string): Promise<void>;
  /** Removes every entry of this backend (its namespace or key prefix only). */
  clear(): Promise<void>;
  /** Releases connections and files. Idempotent. */
  close(): Promise<void>;
}
