/**
 * @internal Legacy sessions across a cluster (docs/scaling.md): any node serves any request of any session.
 * A node that does not hold a session rebuilds it from the shared record; the bus carries what must reach
 * one particular node:
 *
 * - session-level notifications to the node holding the GET stream (`record.streamNode`), which alone joins
 *   this server's fan-out for that session, so each notification is delivered once;
 * - the client's answers to server→client requests to the node whose id prefix they carry
 *   (`${nodeId}.${uuid}`), and `notifications/cancelled` / `notifications/progress` to every node;
 * - later events of a stream resumed with `Last-Event-ID` on another node than the one producing it;
 * - session ends and record changes, which every node applies to its copy;
 * - task operations and status changes (../../cluster/tasks.ts).
 */
import { randomUUID } from 'node:crypto';
import { attachTasks } from '../../cluster/tasks.js';
import { ALL_NODES, nodeOfRequestId, producerOfStreamId, type ClusterBackend, type ClusterMessage, type ClusterSessionPatch, type ClusterSessionRecord, type NodeId } from '../../cluster/types.js';
import { ErrorCode } from '../../jsonrpc/codes.js';
import { serializeError, type JsonRpcId } from '../../jsonrpc/message.js';
import type { LegacySessionChange } from '../../server/connection.js';
import type { HttpEngine } from './engine.js';
import { isPriming, Session, type LegacyStream } from './legacy-session.js';
import type { SseWriter } from './sse-writer.js';
import { idJsonOf, responseKind } from './wire.js';
import { background } from '../../cluster/background.js';

/** Sequence number of an event id `<streamId>#<n>`, or -1. */
function seqOf(eventId: string): number {
  const cut = eventId.lastIndexOf('#');
  const n = cut < 0 ? NaN : Number(eventId.slice(cut + 1));
  return Number.isInteger(n) ? n : -1;
}

/** @internal One node's link to the cluster, for the legacy sessions of one HTTP engine. */
export class ClusterLink {
  readonly nodeId: NodeId;
  readonly backend: ClusterBackend;
  readonly #engine: HttpEngine;
  readonly #loading = new Map<string, Promise<Session | undefined>>();
  readonly #down = new Set<NodeId>();
  readonly #offs: (() => void)[] = [];
  /** How often a session's activity is written to the store, at most (ms). */
  readonly touchEveryMs: number;
  /** Makes server→client request ids that name this node. */
  readonly nextId = (): string => `${this.nodeId}.${randomUUID()}`;

  constructor(engine: HttpEngine, backend: ClusterBackend, idleMs: number) {
    this.#engine = engine;
    this.backend = backend;
    this.nodeId = backend.nodeId;
    this.touchEveryMs = Math.max(10, Math.min(1000, Math.floor(idleMs / 4)));
    background(Promise.resolve(backend.bus.subscribe((m, from) => this.#onMessage(m, from))).then((off) => this.#offs.push(off)), 'bus.subscribe');
    if (backend.bus.onNodeDown) background(Promise.resolve(backend.bus.onNodeDown((n) => this.#nodeDown(n))).then((off) => this.#offs.push(off)), 'bus.onNodeDown');
    // Tasks (both eras): operations and status changes reach the node running the task / every listen stream.
    if (!backend.local) this.#offs.push(attachTasks(engine.server, backend));
    if (backend.onRestored) this.#offs.push(backend.onRestored(() => this.#restore()));
  }

  /**
   * The shared state is back after an outage and may have lost the session table (Redis restarted empty):
   * the records of the sessions this node holds are written back where missing (`add` leaves a record the
   * store still has unchanged), so every node finds them again. Their event logs are not restored: a
   * `Last-Event-ID` from before the loss answers 404.
   */
  #restore(): void {
    const now = Date.now();
    for (const s of this.#sessions().values()) {
      if (s.ended || !s.record) continue;
      background(this.backend.sessions.add({ ...s.record, lastSeenAt: now }), 'sessions.add (restore)');
    }
  }

  close(): void {
    for (const off of this.#offs.splice(0)) off();
  }

  #sessions(): Map<string, Session> {
    return this.#engine.legacySessions.sessions;
  }

  /** The session, rebuilt from the shared record when this node has no copy (undefined when unknown). */
  load(id: string): Promise<Session | undefined> {
    let p = this.#loading.get(id);
    if (!p) {
      p = Promise.resolve(this.backend.sessions.get(id)).then((record) => {
        this.#loading.delete(id);
        const have = this.#sessions().get(id);
        if (have) return have;
        return record ? this.rebuild(record) : undefined;
      });
      p.catch(() => this.#loading.delete(id));
      this.#loading.set(id, p);
    }
    return p;
  }

  /** A local copy of a session recorded by another node. */
  rebuild(record: ClusterSessionRecord): Session {
    const engine = this.#engine;
    const s = new Session(engine, record.id, record.principal, record.client);
    s.record = record;
    s.conn = engine.server.connect(s, {
      sessionId: record.id,
      modern: false,
      principal: record.principal,
      transport: 'http',
      fanout: false,
      outbound: { nextId: this.nextId },
      onSessionChange: (c) => this.changed(s, c),
      legacySession: {
        protocolVersion: record.protocolVersion,
        clientCapabilities: record.clientCapabilities,
        ...(record.clientInfo === undefined ? {} : { clientInfo: record.clientInfo }),
        ...(record.logLevel === undefined ? {} : { logLevel: record.logLevel }),
        subscriptions: record.subscriptions,
        initialized: record.initialized,
      },
    });
    this.#sessions().set(record.id, s);
    return s;
  }

  /**
   * Records a change of the session's state and tells every node; resolves once the record is stored and the
   * message to the other nodes is sent (the request that made the change is answered then: a request the
   * client sends next, to any node, is handled after every node heard of it). Failures are also reported in
   * the background, so callers that do not wait leave no unhandled rejection.
   */
  changed(s: Session, change: LegacySessionChange | ClusterSessionPatch): Promise<void> {
    const done = Promise.resolve(this.backend.sessions.update(s.id, change)).then(async (record) => {
      if (!record) return;
      this.#adopt(s, record);
      await this.backend.bus.send(ALL_NODES, { type: 'record', record });
    });
    background(done, 'sessions.update');
    return done;
  }

  /** This node now holds (or gave up) the session's GET stream. */
  holdStream(s: Session, held: boolean): void {
    s.conn.setFanout(held);
    this.changed(s, held ? { streamNode: this.nodeId } : { streamNode: null, ifStreamNode: this.nodeId });
  }

  /** Session ended here: tell every node. */
  ended(id: string): void {
    background(this.backend.bus.send(ALL_NODES, { type: 'ended', sessionId: id }), 'bus.send');
    background(this.backend.events.deleteSession(id), 'events.deleteSession');
  }

  /**
   * Sends a session-level message to the node holding the session's GET stream; false when that is this
   * node (or none is known), and the caller emits it here.
   */
  relayNotification(s: Session, message: string): boolean {
    const node = s.record?.streamNode;
    if (node === undefined || node === this.nodeId || s.standalone) return false;
    background(this.backend.bus.send(node, { type: 'notify', sessionId: s.id, message }), 'bus.send');
    return true;
  }

  /**
   * A message from the client that concerns another node: an answer to a server→client request minted
   * elsewhere goes there (true: not for this node); cancellation and progress go everywhere (false: also here).
   */
  routeClientMessage(s: Session, body: unknown): boolean {
    const b = body as { id?: JsonRpcId; method?: string };
    if (b.method === undefined) {
      const node = nodeOfRequestId(b.id);
      if (node === undefined || node === this.nodeId) return false;
      background(this.backend.bus.send(node, { type: 'client', sessionId: s.id, message: JSON.stringify(body) }), 'bus.send');
      return true;
    }
    if (b.method === 'notifications/cancelled' || b.method === 'notifications/progress') {
      background(this.backend.bus.send(ALL_NODES, { type: 'client', sessionId: s.id, message: JSON.stringify(body) }), 'bus.send');
    }
    return false;
  }

  /** Forwards an event of a stream some other node resumed. */
  forward(s: Session, streamId: string, eventId: string, message: string): void {
    const watcher = s.byStreamId.get(streamId)?.watcher;
    if (watcher !== undefined) background(this.backend.bus.send(watcher, { type: 'event', sessionId: s.id, streamId, eventId, message, end: false }), 'bus.send');
  }

  /** A watched stream completed: its watcher ends its response. */
  endWatch(stream: LegacyStream): void {
    const watcher = stream.watcher;
    if (watcher === undefined) return;
    const s = stream.session;
    // After the events queued so far have been stored and forwarded.
    s.sequence(() => background(this.backend.bus.send(watcher, { type: 'event', sessionId: s.id, streamId: stream.streamId, eventId: '', message: '', end: true }), 'bus.send'));
  }

  /**
   * Resumes here a stream another node produces: `replayed` were written already; later events are forwarded
   * by the producer, or, when it is gone, the stream's unanswered requests are failed.
   */
  resumeRemote(s: Session, streamId: string, w: SseWriter, replayed: [string, string][], lastEventId: string): void {
    const last = replayed.length > 0 ? (replayed[replayed.length - 1] as [string, string])[0] : lastEventId;
    const producer = producerOfStreamId(streamId);
    if (producer === undefined || this.#down.has(producer)) {
      background(this.#failCut(s, streamId, w), 'fail cut stream');
      return;
    }
    (s.remote ??= new Map()).set(streamId, { w, last: seqOf(last) });
    background(this.backend.bus.send(producer, { type: 'watch', sessionId: s.id, streamId, after: last }), 'bus.send');
  }

  /**
   * Ends a stream whose producer died: an error for every request of it that the log holds no answer to. The
   * whole stream is read again (its first event, the priming marker, names the requests, and the client may
   * have resumed past it); each error is stored in the stream, so a later resumption replays it instead of
   * failing the request twice.
   */
  async #failCut(s: Session, streamId: string, w: SseWriter): Promise<void> {
    try {
      const all: [string, string][] = [];
      await this.backend.events.replayEventsAfter(`${streamId}#0`, (eid, m) => void all.push([eid, m]));
      const marker = all.find(([, m]) => m.charCodeAt(0) === 0)?.[1];
      let ids: JsonRpcId[] = [];
      try {
        ids = marker ? (JSON.parse(marker.slice(1)) as JsonRpcId[]) : [];
      } catch {
        ids = [];
      }
      for (const id of ids) {
        const head = `{"jsonrpc":"2.0","id":${idJsonOf(id)},`;
        if (all.some(([, m]) => responseKind(m, head) !== '')) continue;
        const error = serializeError(id, { code: ErrorCode.InternalError, message: 'Internal error: the server process running this request stopped; send it again' });
        let eid: string | undefined;
        try {
          eid = await this.backend.events.storeEvent(streamId, error);
        } catch {
          eid = undefined;
        }
        if (!s.ended) w.event(error, eid);
      }
    } finally {
      w.end();
    }
  }

  #adopt(s: Session, record: ClusterSessionRecord): void {
    if (s.record && s.record.revision >= record.revision) return;
    s.record = record;
    s.conn.applySession(record);
    if (typeof record.streamNode === 'string' && record.streamNode !== this.nodeId && s.standalone) {
      // Another node took the GET stream over: this one stops delivering. (A record without a stream node
      // may predate this node's own claim, still being written: it never ends the stream here.)
      s.standalone.end();
      s.standalone = undefined;
      s.conn.setFanout(false);
    }
  }

  #nodeDown(node: NodeId): void {
    this.#down.add(node);
    for (const s of this.#sessions().values()) {
      if (!s.remote) continue;
      for (const [sid, r] of s.remote) {
        if (producerOfStreamId(sid) !== node) continue;
        s.remote.delete(sid);
        background(this.#failCut(s, sid, r.w), 'fail cut stream');
      }
    }
  }

  #onMessage(m: ClusterMessage, from: NodeId): void {
    if (m.type === 'server') {
      this.#engine.server.deliverServerEvent(m.event);
      return;
    }
    if (m.type === 'record') {
      const s = this.#sessions().get(m.record.id);
      if (s) this.#adopt(s, m.record);
      return;
    }
    if (m.type === 'task') return;
    const s = this.#sessions().get(m.sessionId);
    if (!s || s.ended) {
      if (m.type === 'watch') background(this.#replayTo(from, m.sessionId, m.streamId, m.after, undefined), 'watch replay');
      return;
    }
    switch (m.type) {
      case 'ended':
        this.#engine.legacySessions.dropLocal(s);
        return;
      case 'notify':
        s.emit(s.standaloneId, m.message, () => s.standalone, undefined);
        return;
      case 'client':
        s.conn.receiveText(m.message);
        return;
      case 'watch': {
        const stream = s.byStreamId.get(m.streamId);
        s.sequence(() => this.#replayTo(from, s.id, m.streamId, m.after, stream));
        return;
      }
      case 'event': {
        const r = s.remote?.get(m.streamId);
        if (!r) return;
        if (m.end) {
          r.w.end();
          s.remote?.delete(m.streamId);
          return;
        }
        const seq = seqOf(m.eventId);
        if (seq <= r.last) return;
        r.last = seq;
        if (!isPriming(m.message)) r.w.event(m.message, m.eventId);
        return;
      }
      default:
        return;
    }
  }

  /** Answers a watch: the stream's events after `after` from the log, then live ones (or its end). */
  async #replayTo(to: NodeId, sessionId: string, streamId: string, after: string, stream: LegacyStream | undefined): Promise<void> {
    const bus = this.backend.bus;
    const events: [string, string][] = [];
    await this.backend.events.replayEventsAfter(after, (eid, msg) => void events.push([eid, msg]));
    for (const [eventId, message] of events) background(bus.send(to, { type: 'event', sessionId, streamId, eventId, message, end: false }), 'bus.send');
    if (stream && stream.state !== 2) stream.watcher = to;
    else background(bus.send(to, { type: 'event', sessionId, streamId, eventId: '', message: '', end: true }), 'bus.send');
  }
}
