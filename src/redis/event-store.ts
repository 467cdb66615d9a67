/**
 * The SSE event log on Redis Streams, both an {@link EventStore} (HTTP transport seam) and a
 * {@link ClusterEventLog} (cluster seam): one stream per SSE stream (`<prefix>events:<streamId>`), trimmed to
 * `maxEventsPerStream` entries on every write and expiring `ttlMs` after its last write, plus one set per
 * session of its stream keys (for {@link RedisEventStore.deleteSession}). Event ids are
 * `<streamId>#<sequence>`, the sequence growing by one per stream whichever node writes (entry ids `0-<seq>`
 * assigned by Redis), so an id names its stream and a replay reads only that stream (MCP 2025-11-25
 * `basic/transports.mdx`, "Resumability and Redelivery": never replay another stream's messages).
 *
 * Storing is one script (`XADD … MAXLEN` + `PEXPIRE` + `SADD`), replaying one script that tells an unknown
 * id (nothing replayed) from one trimmed away (everything left is replayed, as the in-memory store does).
 * The events stored within one tick (a resource update fanned out to this node's subscribers writes one
 * per GET stream) travel together: one script call per {@link BATCH_MAX} events instead of one each, so the
 * round trips and the client-side command cost of a fan-out do not grow with the subscribers. Each
 * `storeEvent` still resolves only once its event is in Redis, in order per stream.
 */
import { VeloError } from '../jsonrpc/errors.js';
import { sessionOfStreamId, type ClusterEventLog } from '../cluster/types.js';
import type { EventStore } from '../transports/http/stores.js';
import type { RedisConnection } from './connection.js';
import { runScript } from './scripts.js';

/** Options of {@link RedisEventStore}. */
export interface RedisEventStoreOptions {
  /** The connection (see `connectRedis`); not closed by the store. */
  connection: RedisConnection;
  /** Events kept per stream; older ones are trimmed first (default 256). */
  maxEventsPerStream?: number;
  /** A stream not written for this long expires, in ms (default 30 min, the default session idle timeout). */
  ttlMs?: number;
}

const SEQUENCE = /^\d{1,15}$/;

/** Most events per script call of a batch (bounds how long one call holds the Redis server). */
export const BATCH_MAX = 256;

interface Pending {
  key: string;
  owner: string;
  streamId: string;
  message: string;
  resolve: (id: string) => void;
  reject: (err: unknown) => void;
}

/** See the module comment. Stream ids must not contain `#`. */
export class RedisEventStore implements EventStore, ClusterEventLog {
  readonly #conn: RedisConnection;
  readonly #max: number;
  readonly #ttl: number;

  /** @param options - See {@link RedisEventStoreOptions}. @throws VeloError `VELO_INVALID_CONFIG` for non-positive bounds. */
  constructor(options: RedisEventStoreOptions) {
    this.#conn = options.connection;
    const max = options.maxEventsPerStream ?? 256;
    const ttl = options.ttlMs ?? 30 * 60_000;
    if (!Number.isInteger(max) || max < 1) throw new VeloError('VELO_INVALID_CONFIG', `RedisEventStore: maxEventsPerStream must be a positive integer, got ${String(max)}`);
    if (!Number.isFinite(ttl) || ttl <= 0) throw new VeloError('VELO_INVALID_CONFIG', `RedisEventStore: ttlMs must be a positive number, got ${String(ttl)}`);
    this.#max = max;
    this.#ttl = Math.ceil(ttl);
  }

  #key(streamId: string): string {
    return this.#conn.key(`events:${streamId}`);
  }

  #sessionKey(sessionId: string): string {
    return this.#conn.key(`eventsof:${sessionId}`);
  }

  /** Appends `message` to `streamId` and returns its event id (see the module comment on batching). */
  async storeEvent(streamId: string, message: string): Promise<string> {
    if (streamId.includes('#')) throw new VeloError('VELO_INVALID_CONFIG', `RedisEventStore: stream ids must not contain "#": ${JSON.stringify(streamId)}`);
    const owner = this.#sessionKey(sessionOfStreamId(streamId) ?? streamId);
    return new Promise<string>((resolve, reject) => {
      if (this.#queue === undefined) {
        this.#queue = [];
        queueMicrotask(() => this.#flush());
      }
      this.#queue.push({ key: this.#key(streamId), owner, streamId, message, resolve, reject });
    });
  }

  /** Events queued this tick, sent when it ends. */
  #queue: Pending[] | undefined;

  #flush(): void {
    const queue = this.#queue ?? [];
    this.#queue = undefined;
    for (let at = 0; at < queue.length; at += BATCH_MAX) {
      const batch = queue.slice(at, at + BATCH_MAX);
      if (batch.length === 1) {
        const e = batch[0] as Pending;
        this.#conn.run((c) => runScript(c, 'veloEventStore', [e.key, e.owner], [this.#max, e.message, this.#ttl])).then((seq) => e.resolve(`${e.streamId}#${String(seq)}`), e.reject);
        continue;
      }
      const keys = batch.flatMap((e) => [e.key, e.owner]);
      this.#conn.run((c) => runScript(c, 'veloEventStoreMany', keys, [this.#max, this.#ttl, ...batch.map((e) => e.message)])).then(
        (seqs) => batch.forEach((e, i) => e.resolve(`${e.streamId}#${String((seqs as unknown[])[i])}`)),
        (err: unknown) => batch.forEach((e) => e.reject(err)),
      );
    }
  }

  /** Replays the events of `lastEventId`'s stream after it, in order; see the module comment. */
  async replayEventsAfter(lastEventId: string, send: (eventId: string, message: string) => void): Promise<string | undefined> {
    const cut = lastEventId.lastIndexOf('#');
    if (cut <= 0) return undefined;
    const streamId = lastEventId.slice(0, cut);
    const seq = lastEventId.slice(cut + 1);
    if (!SEQUENCE.test(seq)) return undefined;
    const rows = (await this.#conn.run((c) => runScript(c, 'veloEventReplay', [this.#key(streamId)], [seq]))) as [string, string[]][] | null;
    if (rows === null) return undefined;
    for (const [id, fields] of rows) send(`${streamId}#${id.slice(2)}`, fields[1] ?? '');
    return streamId;
  }

  /** Forgets a stream (its session ended). */
  async deleteStream(streamId: string): Promise<void> {
    await this.#conn.run((c) => c.unlink(this.#key(streamId)));
  }

  /** Forgets every stream of a session (those whose id starts with `<sessionId>.`), written by any node. */
  async deleteSession(sessionId: string): Promise<void> {
    await this.#conn.run((c) => runScript(c, 'veloEventDeleteSession', [this.#sessionKey(sessionId)], []));
  }
}
