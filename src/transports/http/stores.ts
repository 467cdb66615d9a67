/**
 * The pluggable state seams of the HTTP transport, each with a bounded in-memory default:
 *
 * - {@link SessionStore}: the record of legacy-era sessions (MCP 2025-11-25 `basic/transports.mdx`,
 *   "Session Management"). The live connection of a session always stays in the process that serves it;
 *   the store holds what another process would need to know about it.
 * - {@link EventStore}: SSE events of legacy-era streams for `Last-Event-ID` resumability ("Resumability
 *   and Redelivery"). Event ids encode their stream, and replay never crosses streams.
 * - {@link NotificationBus}: fan-out of server notifications (list changes, resource updates) to every
 *   process serving the same server.
 *
 * Every method may return a value or a promise, so networked implementations (Redis) fit the same shapes.
 * Each interface has one contract test (`test/http/stores.contract.test.ts`) that every implementation runs.
 */

/** A value, or a promise of it. */
export type MaybePromise<T> = T | Promise<T>;

/** What a {@link SessionStore} keeps about one legacy session. */
export interface SessionRecord {
  /** The `Mcp-Session-Id`. */
  readonly id: string;
  /** The negotiated protocol revision. */
  protocolVersion: string;
  /** Creation time, ms since the epoch. */
  readonly createdAt: number;
  /** Last activity, ms since the epoch. */
  lastSeenAt: number;
}

/** The record of legacy sessions. */
export interface SessionStore {
  /** Adds a session; resolves false (and adds nothing) when the store is full. */
  add(record: SessionRecord): MaybePromise<boolean>;
  /** The session, or undefined when unknown or ended. */
  get(id: string): MaybePromise<SessionRecord | undefined>;
  /** Records activity at `at` (ms since the epoch). Unknown ids are ignored. */
  touch(id: string, at: number): MaybePromise<void>;
  /** Ends a session; resolves false when it was unknown. */
  delete(id: string): MaybePromise<boolean>;
  /** Number of sessions held. */
  size(): MaybePromise<number>;
}

/** Options of {@link InMemorySessionStore}. */
export interface InMemorySessionStoreOptions {
  /** Most sessions held at once (default 10 000). */
  maxSessions?: number;
}

/** A {@link SessionStore} in a `Map`, bounded by `maxSessions`. */
export class InMemorySessionStore implements SessionStore {
  readonly #sessions = new Map<string, SessionRecord>();
  readonly #max: number;

  constructor(options: InMemorySessionStoreOptions = {}) {
    this.#max = options.maxSessions ?? 10_000;
  }

  add(record: SessionRecord): boolean {
    if (this.#sessions.has(record.id)) return true;
    if (this.#sessions.size >= this.#max) return false;
    this.#sessions.set(record.id, { ...record });
    return true;
  }

  get(id: string): SessionRecord | undefined {
    const r = this.#sessions.get(id);
    return r && { ...r };
  }

  touch(id: string, at: number): void {
    const r = this.#sessions.get(id);
    if (r && at > r.lastSeenAt) r.lastSeenAt = at;
  }

  delete(id: string): boolean {
    return this.#sessions.delete(id);
  }

  size(): number {
    return this.#sessions.size;
  }
}

/**
 * Stores SSE events so that a client can resume a stream with `Last-Event-ID`. Event ids must encode the
 * stream they belong to, and {@link EventStore.replayEventsAfter} must replay only that stream.
 */
export interface EventStore {
  /** Stores one message of `streamId` and returns its new event id. */
  storeEvent(streamId: string, message: string): MaybePromise<string>;
  /**
   * Replays, in order, the events of the stream `lastEventId` belongs to that came after it.
   * Resolves with that stream's id, or undefined when the event id is unknown (or was evicted).
   */
  replayEventsAfter(lastEventId: string, send: (eventId: string, message: string) => void): MaybePromise<string | undefined>;
  /** Forgets a stream's events (its session ended). */
  deleteStream?(streamId: string): MaybePromise<void>;
}

/** Options of {@link InMemoryEventStore}. */
export interface InMemoryEventStoreOptions {
  /** Events kept per stream; older ones are dropped first (default 256). */
  maxEventsPerStream?: number;
  /** Streams kept; the least recently written is dropped first (default 4096). */
  maxStreams?: number;
}

interface StreamLog {
  /** Sequence number of `events[0]`. */
  first: number;
  events: string[];
}

/**
 * A bounded {@link EventStore} in memory. Event ids are `<streamId>#<sequence>`; stream ids must not
 * contain `#`.
 */
export class InMemoryEventStore implements EventStore {
  readonly #streams = new Map<string, StreamLog>();
  readonly #maxEvents: number;
  readonly #maxStreams: number;

  constructor(options: InMemoryEventStoreOptions = {}) {
    this.#maxEvents = options.maxEventsPerStream ?? 256;
    this.#maxStreams = options.maxStreams ?? 4096;
  }

  storeEvent(streamId: string, message: string): string {
    let log = this.#streams.get(streamId);
    if (log) {
      // Re-insert to keep the map in least-recently-written order.
      this.#streams.delete(streamId);
    } else {
      log = { first: 0, events: [] };
      if (this.#streams.size >= this.#maxStreams) {
        const oldest = this.#streams.keys().next().value;
        if (oldest !== undefined) this.#streams.delete(oldest);
      }
    }
    this.#streams.set(streamId, log);
    log.events.push(message);
    if (log.events.length > this.#maxEvents) {
      log.events.shift();
      log.first++;
    }
    return `${streamId}#${log.first + log.events.length - 1}`;
  }

  replayEventsAfter(lastEventId: string, send: (eventId: string, message: string) => void): string | undefined {
    const cut = lastEventId.lastIndexOf('#');
    if (cut <= 0) return undefined;
    const streamId = lastEventId.slice(0, cut);
    const seqText = lastEventId.slice(cut + 1);
    if (!/^\d{1,15}$/.test(seqText)) return undefined;
    const seq = Number(seqText);
    const log = this.#streams.get(streamId);
    if (!log || seq >= log.first + log.events.length) return undefined;
    for (let i = Math.max(seq + 1, log.first); i < log.first + log.events.length; i++) {
      send(`${streamId}#${i}`, log.events[i - log.first] as string);
    }
    return streamId;
  }

  deleteStream(streamId: string): void {
    this.#streams.delete(streamId);
  }
}

/** A notification published on a {@link NotificationBus}. */
export type BusEvent =
  | { readonly type: 'listChanged'; readonly kind: 'tools' | 'prompts' | 'resources' }
  | { readonly type: 'resourceUpdated'; readonly uri: string };

/** Fans server notifications out to every process serving the same server. */
export interface NotificationBus {
  /** Publishes an event to every subscriber (including this process's). */
  publish(event: BusEvent): MaybePromise<void>;
  /** Subscribes; returns the unsubscribe function. */
  subscribe(listener: (event: BusEvent) => void): MaybePromise<() => void>;
}

/** A {@link NotificationBus} within one process. Delivery is synchronous, in subscription order. */
export class InMemoryNotificationBus implements NotificationBus {
  readonly #listeners = new Set<(event: BusEvent) => void>();

  publish(event: BusEvent): void {
    for (const l of [...this.#listeners]) {
      try {
        l(event);
      } catch {
        // One failing subscriber must not starve the others.
      }
    }
  }

  subscribe(listener: (event: BusEvent) => void): () => void {
    // Wrap so the same function can subscribe twice and unsubscribe independently.
    const entry = (e: BusEvent): void => listener(e);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }
}
