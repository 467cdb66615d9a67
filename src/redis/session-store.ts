/**
 * A {@link SessionStore} in Redis: one hash per session (`<prefix>session:<id>`, the record as JSON plus its
 * last activity) with a TTL, and a sorted set (`<prefix>sessions`) of live ids scored by expiry that bounds
 * the table. Adding at the bound, touching and deleting are Lua scripts, so nodes racing on one table never
 * overshoot `maxSessions` (MCP 2025-11-25 `basic/transports.mdx`, "Session Management").
 *
 * Activity writes are coalesced: a session touched again within `touchIntervalMs` of its last write is
 * remembered locally (and merged into {@link RedisSessionStore.get} on this node) instead of costing a
 * round trip, so a busy session refreshes its TTL at most once per interval.
 */
import { LRUCache } from 'lru-cache';
import { VeloError } from '../jsonrpc/errors.js';
import type { SessionRecord, SessionStore } from '../transports/http/stores.js';
import type { RedisConnection } from './connection.js';
import { runScript } from './scripts.js';

/** Options of {@link RedisSessionStore}. */
export interface RedisSessionStoreOptions {
  /** The connection (see `connectRedis`); not closed by the store. */
  connection: RedisConnection;
  /** Most sessions in the whole table, over every node (default 10 000). */
  maxSessions?: number;
  /** A session with no activity for this long expires in Redis, in ms (default 30 min). */
  ttlMs?: number;
  /** Activity of one session is written at most once per this many ms (default `min(ttlMs / 10, 10 000)`). */
  touchIntervalMs?: number;
}

function positive(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isFinite(v) || v <= 0) throw new VeloError('VELO_INVALID_CONFIG', `RedisSessionStore: ${name} must be a positive number, got ${String(v)}`);
  return v;
}

/** See the module comment. `R` is the record shape (extra fields are stored as JSON with it). */
export class RedisSessionStore<R extends SessionRecord = SessionRecord> implements SessionStore {
  readonly #conn: RedisConnection;
  readonly #max: number;
  readonly #ttl: number;
  readonly #interval: number;
  readonly #index: string;
  /** Local time of the last activity write per session. */
  readonly #written = new LRUCache<string, number>({ max: 100_000 });
  /** Activity not yet written (newest `at` per session). */
  readonly #pending = new LRUCache<string, number>({ max: 100_000 });

  /** @param options - See {@link RedisSessionStoreOptions}. @throws VeloError `VELO_INVALID_CONFIG` for non-positive bounds. */
  constructor(options: RedisSessionStoreOptions) {
    this.#conn = options.connection;
    this.#max = Math.floor(positive('maxSessions', options.maxSessions, 10_000));
    this.#ttl = Math.ceil(positive('ttlMs', options.ttlMs, 30 * 60_000));
    this.#interval = options.touchIntervalMs === 0 ? 0 : positive('touchIntervalMs', options.touchIntervalMs, Math.min(this.#ttl / 10, 10_000));
    this.#index = this.#conn.key('sessions');
  }

  #key(id: string): string {
    return this.#conn.key(`session:${id}`);
  }

  /** Adds a session unless the table holds `maxSessions` live ones; an existing id resolves true unchanged. */
  async add(record: R): Promise<boolean> {
    const { lastSeenAt, ...rest } = record;
    const ok = await this.#conn.run((c) => runScript(c, 'veloSessionAdd', [this.#index, this.#key(record.id)], [record.id, this.#ttl, this.#max, JSON.stringify(rest), lastSeenAt]));
    if (ok === 1) this.#written.set(record.id, Date.now());
    return ok === 1;
  }

  /** A copy of the record, with activity not yet written by this node merged in. */
  async get(id: string): Promise<R | undefined> {
    const h = await this.#conn.run((c) => c.hmget(this.#key(id), 'r', 'l'));
    const [r, l] = h;
    if (r === null || r === undefined) return undefined;
    const rec = JSON.parse(r) as R;
    rec.lastSeenAt = Math.max(Number(l), this.#pending.get(id) ?? -Infinity);
    return rec;
  }

  /** Records activity (and refreshes the TTL), coalesced per `touchIntervalMs`; unknown ids are ignored. */
  async touch(id: string, at: number): Promise<void> {
    const last = this.#written.get(id);
    const now = Date.now();
    const newest = Math.max(at, this.#pending.get(id) ?? -Infinity);
    if (last !== undefined && now - last < this.#interval) {
      this.#pending.set(id, newest);
      return;
    }
    this.#pending.delete(id);
    const found = await this.#conn.run((c) => runScript(c, 'veloSessionTouch', [this.#index, this.#key(id)], [id, this.#ttl, newest]));
    if (found === 1) this.#written.set(id, now);
  }

  /** Replaces the record (not its activity) of a live session; resolves false when it is unknown. */
  async update(record: R): Promise<boolean> {
    const { lastSeenAt: _l, ...rest } = record;
    return (await this.#conn.run((c) => runScript(c, 'veloSessionUpdate', [this.#key(record.id)], [JSON.stringify(rest)]))) === 1;
  }

  /** Ends a session on every node that reads this table; resolves false when it was unknown. */
  async delete(id: string): Promise<boolean> {
    this.#pending.delete(id);
    this.#written.delete(id);
    return (await this.#conn.run((c) => runScript(c, 'veloSessionDelete', [this.#index, this.#key(id)], [id]))) === 1;
  }

  /** Live sessions in the table (all nodes). */
  async size(): Promise<number> {
    return Number(await this.#conn.run((c) => runScript(c, 'veloSessionSize', [this.#index], [])));
  }
}
