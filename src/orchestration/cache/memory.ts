/** The in-memory result cache backend on lru-cache: bounded by entry count, TTL per entry. */
import { LRUCache } from 'lru-cache';
import type { CacheBackend } from './types.js';

/** Options of {@link MemoryCacheBackend}. */
export interface MemoryCacheOptions {
  /** Most entries kept (least recently used go first; default 10 000). */
  maxEntries?: number;
  /** Most total characters of values kept (default 64 Mi). */
  maxChars?: number;
}

/** See the module comment. */
export class MemoryCacheBackend implements CacheBackend {
  readonly name = 'memory';
  readonly #lru: LRUCache<string, string>;

  /** @param options - Bounds; see {@link MemoryCacheOptions}. */
  constructor(options: MemoryCacheOptions = {}) {
    this.#lru = new LRUCache<string, string>({
      max: options.maxEntries ?? 10_000,
      maxSize: options.maxChars ?? 64 * 1024 * 1024,
      sizeCalculation: (v) => Math.max(1, v.length),
      ttlAutopurge: false,
    });
  }

  async get(key: string): Promise<string | undefined> {
    return this.#lru.get(key);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.#lru.set(key, value, { ttl: ttlMs });
  }

  async delete(key: string): Promise<void> {
    this.#lru.delete(key);
  }

  async clear(): Promise<void> {
    this.#lru.clear();
  }

  async close(): Promise<void> {
    this.#lru.clear();
  }
}
