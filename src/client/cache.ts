/**
 * The client's response cache for modern-era cacheable results (MCP 2026-07-28
 * `server/utilities/caching.mdx`, SEP-2549): an entry stays fresh for its `ttlMs`; `input_required`
 * results are never stored; list_changed and resources/updated invalidate at once.
 */
import { LRUCache } from 'lru-cache';
import type { JsonObject } from '../jsonrpc/message.js';

/** Results of these methods carry cache hints. */
export const CACHEABLE_METHODS: ReadonlySet<string> = new Set(['server/discover', 'tools/list', 'prompts/list', 'resources/list', 'resources/templates/list', 'resources/read']);

/** A bounded, TTL-honouring cache of complete results keyed by method and params. */
export class ResponseCache {
  readonly #entries: LRUCache<string, JsonObject>;

  /** @param maxEntries - Most results kept (least recently used go first). Default 1000. */
  constructor(maxEntries = 1000) {
    this.#entries = new LRUCache<string, JsonObject>({ max: maxEntries, ttlAutopurge: false });
  }

  /** The cache key: the method and the params that matter (`_meta` excluded). */
  static key(method: string, params: JsonObject | undefined): string {
    if (!params) return `${method}\n{}`;
    const { _meta: _ignored, ...rest } = params;
    return `${method}\n${JSON.stringify(rest)}`;
  }

  /** A fresh copy of a stored result, or undefined when absent or stale. */
  get(key: string): JsonObject | undefined {
    const hit = this.#entries.get(key);
    return hit === undefined ? undefined : structuredClone(hit);
  }

  /** Stores a complete result for its `ttlMs` (an absent, zero or negative ttl means: do not store). */
  store(key: string, result: JsonObject): void {
    if (result.resultType !== undefined && result.resultType !== 'complete') return;
    const ttl = result.ttlMs;
    if (typeof ttl !== 'number' || !(ttl > 0)) return;
    this.#entries.set(key, structuredClone(result), { ttl });
  }

  /** Drops every entry of these methods, or only those for `uri` when given. */
  invalidate(methods: readonly string[], uri?: string): void {
    for (const key of [...this.#entries.keys()]) {
      const method = key.slice(0, key.indexOf('\n'));
      if (!methods.includes(method)) continue;
      if (uri !== undefined && (JSON.parse(key.slice(method.length + 1)) as { uri?: unknown }).uri !== uri) continue;
      this.#entries.delete(key);
    }
  }

  /** Drops everything. */
  clear(): void {
    this.#entries.clear();
  }
}
