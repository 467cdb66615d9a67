/**
 * The session table in Redis, both a {@link SessionStore} (HTTP transport seam) and a
 * {@link ClusterSessionStore} (cluster seam): one hash per session (`<prefix>session:<id>`) with a TTL of the
 * idle timeout, and a sorted set (`<prefix>sessions`) of live ids scored by expiry that bounds the table.
 * Adding at the bound, touching, patching and deleting are Lua scripts, so nodes racing on one table never
 * overshoot `maxSessions` and two patches at once both take effect (MCP 2025-11-25 `basic/transports.mdx`,
 * "Session Management").
 *
 * Hash layout: `r` the fixed part of the record as JSON (id, version, creation, principal, client,
 * capabilities, client info); `l` last activity; `lv` log level; `s:<uri>` one field per subscription
 * (value: its order); `i` initialized; `n` the stream node; `v` the revision. Mutable members live in their
 * own fields so that a patch never rewrites (or re-encodes) the JSON.
 *
 * Activity writes are coalesced: a session touched again within `touchIntervalMs` of this node's last
 * write is remembered locally (and merged into {@link RedisSessionStore.get} on this node) instead of
 * costing a round trip, so a busy session refreshes its TTL at most once per interval and node.
 */
import { LRUCache } from 'lru-cache';
import type { ClusterSessionPatch, ClusterSessionRecord, ClusterSessionStore } from '../cluster/types.js';
import { VeloError } from '../jsonrpc/errors.js';
import type { LoggingLevel } from '../protocol/types.js';
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
  /** Activity of one session is written at most once per this many ms and node (default `min(ttlMs / 10, 10 000)`; 0 writes every touch). */
  touchIntervalMs?: number;
}

/** The members of a {@link ClusterSessionRecord} kept outside the JSON field. */
const MUTABLE = new Set(['lastSeenAt', 'logLevel', 'subscriptions', 'initialized', 'streamNode', 'revision']);

function positive(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isFinite(v) || v <= 0) throw new VeloError('VELO_INVALID_CONFIG', `RedisSessionStore: ${name} must be a positive number, got ${String(v)}`);
  return v;
}

/** The hash fields of a new record. */
function toFields(record: SessionRecord | ClusterSessionRecord): string[] {
  const fixed: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) if (!MUTABLE.has(k)) fixed[k] = v;
  const f = ['r', JSON.stringify(fixed), 'l', String(record.lastSeenAt)];
  const c = record as Partial<ClusterSessionRecord>;
  if (c.logLevel !== undefined) f.push('lv', c.logLevel);
  if (c.subscriptions !== undefined) {
    f.push('so', String(c.subscriptions.length));
    c.subscriptions.forEach((uri, i) => f.push(`s:${uri}`, String(i + 1)));
  }
  if (c.initialized !== undefined) f.push('i', c.initialized ? '1' : '0');
  if (c.streamNode !== undefined) f.push('n', c.streamNode);
  if (c.revision !== undefined) f.push('v', String(c.revision));
  return f;
}

/** Rebuilds a record from its hash (`HGETALL` as a flat array or an object). */
function fromHash(h: Record<string, string>): ClusterSessionRecord | undefined {
  if (h.r === undefined) return undefined;
  const rec = JSON.parse(h.r) as ClusterSessionRecord;
  rec.lastSeenAt = Number(h.l);
  if (h.lv !== undefined) rec.logLevel = h.lv as LoggingLevel;
  if (h.so !== undefined) {
    const subs: [string, number][] = [];
    for (const [k, v] of Object.entries(h)) if (k.startsWith('s:')) subs.push([k.slice(2), Number(v)]);
    rec.subscriptions = subs.sort((a, b) => a[1] - b[1]).map(([u]) => u);
  }
  if (h.i !== undefined) rec.initialized = h.i === '1';
  if (h.n !== undefined) rec.streamNode = h.n;
  if (h.v !== undefined) rec.revision = Number(h.v);
  return rec;
}

function pairs(flat: string[]): Record<string, string> {
  const o: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) o[flat[i] as string] = flat[i + 1] as string;
  return o;
}

/** See the module comment. */
export class RedisSessionStore implements ClusterSessionStore, SessionStore {
  readonly #conn: RedisConnection;
  readonly #max: number;
  readonly #ttl: number;
  readonly #interval: number;
  readonly #index: string;
  /** Local time of this node's last activity write per session. */
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

  #merge(id: string, rec: ClusterSessionRecord): ClusterSessionRecord {
    const p = this.#pending.get(id);
    if (p !== undefined && p > rec.lastSeenAt) rec.lastSeenAt = p;
    return rec;
  }

  /** Adds a session unless the table holds `maxSessions` live ones; an existing id resolves true unchanged. */
  async add(record: SessionRecord | ClusterSessionRecord): Promise<boolean> {
    const ok = await this.#conn.run((c) => runScript(c, 'veloSessionAdd', [this.#index, this.#key(record.id)], [record.id, this.#ttl, this.#max, ...toFields(record)]));
    if (ok === 1) this.#written.set(record.id, Date.now());
    return ok === 1;
  }

  /** A copy of the record, with activity not yet written by this node merged in. */
  async get(id: string): Promise<ClusterSessionRecord | undefined> {
    const rec = fromHash(await this.#conn.run((c) => c.hgetall(this.#key(id))));
    return rec && this.#merge(id, rec);
  }

  /** Applies `patch` atomically (a Lua script) and bumps the revision; undefined when the session is unknown. */
  async update(id: string, patch: ClusterSessionPatch): Promise<ClusterSessionRecord | undefined> {
    const mode = patch.streamNode === null ? 'clear' : patch.streamNode !== undefined ? 'set' : '';
    const args = [patch.logLevel ?? '', patch.subscribe ?? '', patch.unsubscribe ?? '', patch.initialized === undefined ? '' : patch.initialized ? '1' : '0', mode, patch.streamNode ?? '', patch.ifStreamNode ?? ''];
    const flat = (await this.#conn.run((c) => runScript(c, 'veloSessionPatch', [this.#key(id)], args))) as string[] | null;
    const rec = flat ? fromHash(pairs(flat)) : undefined;
    return rec && this.#merge(id, rec);
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

  /** Ends a session for every node that reads this table; resolves false when it was unknown. */
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
