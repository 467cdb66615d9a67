/**
 * Where steps with a `cache` policy keep their outputs, keyed by a digest of what they call, their resolved
 * input and the run's cache scope (e.g. the principal). A failing cache never fails a step: a get that
 * throws counts as a miss and a set that throws is ignored.
 */
import { LRUCache } from 'lru-cache';

/** A step-output cache. Values are JSON data; `ttlMs` is per entry. */
export interface StepCache {
  get(key: string): unknown | Promise<unknown>;
  set(key: string, value: unknown, ttlMs: number): void | Promise<void>;
}

/** Statistics of a {@link MemoryStepCache}. */
export interface StepCacheStats {
  hits: number;
  misses: number;
  size: number;
}

/** An in-memory {@link StepCache} on lru-cache, bounded by entries. */
export class MemoryStepCache implements StepCache {
  readonly #lru: LRUCache<string, { v: unknown }>;
  #hits = 0;
  #misses = 0;

  /** @param max - Most entries kept (least recently used go first). Default 1000. */
  constructor(max = 1000) {
    this.#lru = new LRUCache({ max, ttlAutopurge: false });
  }

  get(key: string): unknown {
    const e = this.#lru.get(key);
    if (e === undefined) this.#misses++;
    else this.#hits++;
    return e === undefined ? undefined : structuredClone(e.v);
  }

  set(key: string, value: unknown, ttlMs: number): void {
    this.#lru.set(key, { v: structuredClone(value) }, { ttl: ttlMs });
  }

  stats(): StepCacheStats {
    return { hits: this.#hits, misses: this.#misses, size: this.#lru.size };
  }
}

/** Wraps a cache so that its failures count as misses (get) or are dropped (set). */
export function tolerant(cache: StepCache): StepCache {
  return {
    async get(key) {
      try {
        return await cache.get(key);
      } catch {
        return undefined;
      }
    },
    async set(key, value, ttlMs) {
      try {
        await cache.set(key, value, ttlMs);
      } catch {
        // The step's output still flows on; only caching is lost.
      }
    },
  };
}
