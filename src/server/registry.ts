/**
 * A keyed registry of tools, resources, templates or prompts: O(1) add, remove and lookup, with list
 * pages serialised once and cached until the next change (STYLE.md §3: compile once, serve many).
 * Iteration order is insertion order, so `tools/list` is deterministic (2026-07-28: order SHOULD be stable).
 */
import { ErrorCode } from '../jsonrpc/codes.js';
import { McpError } from '../jsonrpc/errors.js';

/** One page of a list. */
export interface Page<T> {
  items: T[];
  nextCursor: string | undefined;
}

/** A registry keyed by name (or URI). */
export class Registry<T> {
  readonly #items = new Map<string, T>();
  #snapshot: T[] | undefined;
  #pages = new Map<string, string>();
  /** Called after every change (used to coalesce list_changed notifications). */
  onChange: (() => void) | undefined;

  /** Number of entries. */
  get size(): number {
    return this.#items.size;
  }

  /** The entry with this key, if any. O(1). */
  get(key: string): T | undefined {
    return this.#items.get(key);
  }

  /** True when an entry has this key. O(1). */
  has(key: string): boolean {
    return this.#items.has(key);
  }

  /** Adds or replaces an entry. O(1); invalidates cached pages. */
  set(key: string, value: T): void {
    this.#items.set(key, value);
    this.#changed();
  }

  /** Removes an entry; returns false when absent. O(1); invalidates cached pages. */
  delete(key: string): boolean {
    if (!this.#items.delete(key)) return false;
    this.#changed();
    return true;
  }

  /** Marks cached pages stale without changing membership (e.g. an entry was enabled or edited). */
  touch(): void {
    this.#changed();
  }

  /** Entries in insertion order. */
  values(): IterableIterator<T> {
    return this.#items.values();
  }

  /**
   * One page of the entries accepted by `filter`, starting at `cursor`.
   * @param pageSize - Entries per page; 0 or less means everything in one page.
   * @throws McpError `-32602` for a cursor this registry did not mint.
   */
  page(cursor: string | undefined, pageSize: number, filter?: (item: T) => boolean): Page<T> {
    if (!this.#snapshot) {
      this.#snapshot = [];
      for (const v of this.#items.values()) if (!filter || filter(v)) this.#snapshot.push(v);
    }
    const all = this.#snapshot;
    const offset = cursor === undefined ? 0 : decodeCursor(cursor);
    if (offset > all.length) throw new McpError(ErrorCode.InvalidParams, 'Invalid cursor: it is past the end of the list');
    if (pageSize <= 0) return { items: offset === 0 ? all : all.slice(offset), nextCursor: undefined };
    const end = offset + pageSize;
    return { items: all.slice(offset, end), nextCursor: end < all.length ? encodeCursor(end) : undefined };
  }

  /**
   * A cached serialisation keyed by `key` (e.g. era + cursor), built by `build` on a miss. Cleared on change.
   */
  cached(key: string, build: () => string): string {
    let json = this.#pages.get(key);
    if (json === undefined) {
      json = build();
      this.#pages.set(key, json);
    }
    return json;
  }

  #changed(): void {
    this.#snapshot = undefined;
    if (this.#pages.size > 0) this.#pages = new Map();
    this.onChange?.();
  }
}

/** Encodes a list offset as an opaque cursor. */
export function encodeCursor(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url');
}

/**
 * Decodes a cursor minted by {@link encodeCursor}.
 * @throws McpError `-32602` for anything else.
 */
export function decodeCursor(cursor: unknown): number {
  if (typeof cursor === 'string' && cursor.length <= 32) {
    const text = Buffer.from(cursor, 'base64url').toString('latin1');
    if (text.startsWith('o:')) {
      const n = Number(text.slice(2));
      if (Number.isSafeInteger(n) && n >= 0) return n;
    }
  }
  throw new McpError(ErrorCode.InvalidParams, 'Invalid cursor');
}
