/**
 * The tool result cache: keyed by tool, canonical arguments and principal (never shared across principals
 * unless the tool says its result is public), with a TTL and hit/miss/error counters. A failing backend never
 * fails a call: the error is counted and reported, and the call runs uncached.
 */
import { createHash } from 'node:crypto';
import type { CallToolResult, ToolAnnotations } from '../../protocol/types.js';
import { channels, type CacheEvent } from '../../observability/channels.js';
import { MemoryCacheBackend } from './memory.js';
import type { CacheBackend } from './types.js';

/** Per-tool caching: `true`/`false`, or a TTL and a scope. */
export type ToolCachePolicy = boolean | { ttlMs?: number; scope?: 'principal' | 'public' };

/** Options of {@link ResultCache}. */
export interface ResultCacheOptions {
  /** Where entries live (default: a {@link MemoryCacheBackend}). */
  backend?: CacheBackend;
  /** Time to live of an entry in milliseconds (default 60 000). */
  ttlMs?: number;
  /** A namespace mixed into every key (e.g. the mount prefix). */
  namespace?: string;
  /** Receives backend failures (the call went on uncached). */
  onError?: (error: Error, operation: 'get' | 'set') => void;
}

/** Counters of a {@link ResultCache}. */
export interface ResultCacheStats {
  backend: string;
  hits: number;
  misses: number;
  stores: number;
  /** Backend failures (each one a call that ran uncached or a result not stored). */
  errors: number;
  /** hits / (hits + misses); 0 before the first lookup. */
  hitRate: number;
}

/** JSON with object keys sorted, so equal arguments give equal keys whatever their order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value as object).sort();
  const parts: string[] = [];
  for (const k of keys) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined) parts.push(`${JSON.stringify(k)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

/**
 * Whether and how a tool's results are cached. An explicit policy wins; otherwise read-only tools
 * (`annotations.readOnlyHint`) are cached per principal and everything else is not.
 */
export function resolveCachePolicy(policy: ToolCachePolicy | undefined, annotations: ToolAnnotations | undefined, defaultTtlMs: number): { ttlMs: number; scope: 'principal' | 'public' } | undefined {
  if (policy === false) return undefined;
  if (policy === undefined && annotations?.readOnlyHint !== true) return undefined;
  const o = typeof policy === 'object' ? policy : {};
  return { ttlMs: o.ttlMs ?? defaultTtlMs, scope: o.scope ?? 'principal' };
}

/** See the module comment. */
export class ResultCache {
  readonly backend: CacheBackend;
  readonly ttlMs: number;
  readonly #namespace: string;
  readonly #onError: ((error: Error, operation: 'get' | 'set') => void) | undefined;
  #hits = 0;
  #misses = 0;
  #stores = 0;
  #errors = 0;
  readonly #tags = new Map<string, string>();

  /** @param options - See {@link ResultCacheOptions}. */
  constructor(options: ResultCacheOptions = {}) {
    this.backend = options.backend ?? new MemoryCacheBackend();
    this.ttlMs = options.ttlMs ?? 60_000;
    this.#namespace = options.namespace ?? '';
    this.#onError = options.onError;
  }

  /** Counters now. */
  get stats(): ResultCacheStats {
    const n = this.#hits + this.#misses;
    return { backend: this.backend.name, hits: this.#hits, misses: this.#misses, stores: this.#stores, errors: this.#errors, hitRate: n === 0 ? 0 : this.#hits / n };
  }

  /**
   * The key of one call: namespace, tool, scope (`public` or the principal) and a SHA-256 of the canonical
   * arguments. Principals are hashed too, so keys never carry user names.
   */
  key(tool: string, args: unknown, principal: string, scope: 'principal' | 'public'): string {
    const who = scope === 'public' ? 'public' : this.#principalTag(principal);
    const digest = createHash('sha256').update(canonicalJson(args ?? {})).digest('base64url');
    return `${this.#namespace}|${tool}|${who}|${digest}`;
  }

  /** A cached result, or undefined on a miss or a backend failure. */
  async get(key: string): Promise<CallToolResult | undefined> {
    let text: string | undefined;
    try {
      text = await this.backend.get(key);
    } catch (err) {
      this.#fail(err, 'get');
      return undefined;
    }
    if (text === undefined) {
      this.#misses++;
      this.#publish('miss');
      return undefined;
    }
    try {
      const result = JSON.parse(text) as CallToolResult;
      this.#hits++;
      this.#publish('hit');
      return result;
    } catch (err) {
      this.#fail(err, 'get');
      return undefined;
    }
  }

  /** Stores a successful result (`isError` results are never stored); backend failures are counted, not thrown. */
  async set(key: string, result: CallToolResult, ttlMs: number = this.ttlMs): Promise<void> {
    if (result.isError) return;
    try {
      await this.backend.set(key, JSON.stringify(result), ttlMs);
      this.#stores++;
      this.#publish('store');
    } catch (err) {
      this.#fail(err, 'set');
    }
  }

  /**
   * Returns the cached result of a call or runs it and stores its result.
   * @param run - The call itself; its errors propagate and are not cached.
   */
  async through(key: string, ttlMs: number, run: () => Promise<CallToolResult>): Promise<CallToolResult> {
    const hit = await this.get(key);
    if (hit) return hit;
    const result = await run();
    await this.set(key, result, ttlMs);
    return result;
  }

  /** Removes every entry of the backend. */
  clear(): Promise<void> {
    return this.backend.clear();
  }

  /** Closes the backend. */
  close(): Promise<void> {
    return this.backend.close();
  }

  /** `p.<hash of the principal>`, memoised (principals are few; the memo is bounded). */
  #principalTag(principal: string): string {
    let tag = this.#tags.get(principal);
    if (tag === undefined) {
      tag = `p.${createHash('sha256').update(principal).digest('base64url').slice(0, 22)}`;
      if (this.#tags.size >= 10_000) this.#tags.clear();
      this.#tags.set(principal, tag);
    }
    return tag;
  }

  /** Publishes on `velomcp:orchestration:cache` when someone listens. */
  #publish(result: CacheEvent['result']): void {
    if (channels.cache.hasSubscribers) channels.cache.publish({ backend: this.backend.name, result } satisfies CacheEvent);
  }

  #fail(err: unknown, op: 'get' | 'set'): void {
    this.#errors++;
    this.#publish('error');
    this.#onError?.(err instanceof Error ? err : new Error(String(err)), op);
  }
}
