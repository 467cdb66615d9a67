/**
 * @internal One legacy (2025-03-26…2025-11-25) Streamable HTTP session and the reply channels of its POSTs:
 * JSON or SSE per POST, the standalone GET stream, and events kept for `Last-Event-ID` resumption
 * (`basic/transports.mdx`, "Resumability and Redelivery").
 */
import type { ClusterSessionRecord, NodeId } from '../../cluster/types.js';
import type { JsonRpcId } from '../../jsonrpc/message.js';
import type { ConnectionSink, ServerConnection } from '../../server/connection.js';
import type { HttpEngine } from './engine.js';
import type { OutHeaders, ResponsePort } from './ports.js';
import { SseWriter } from './sse-writer.js';
import { JSON_HEADERS, SSE_BASE, idJsonOf, responseKind } from './wire.js';
import { background } from '../../cluster/background.js';

/** The reply channel of one legacy POST (one request, or a 2025-03-26 batch). */
export class LegacyStream {
  readonly session: Session;
  readonly streamId: string;
  readonly pending = new Set<JsonRpcId>();
  readonly batch: boolean;
  readonly extraHeaders: OutHeaders;
  res: ResponsePort | undefined;
  sse: SseWriter | undefined;
  /** 0 nothing sent yet, 1 streaming, 2 complete. */
  state = 0;
  /** Cluster: the node that resumed this stream with `Last-Event-ID` and gets its later events forwarded. */
  watcher: NodeId | undefined;
  #head: string | undefined;

  constructor(session: Session, streamId: string, res: ResponsePort, batch: boolean, extraHeaders: OutHeaders) {
    this.session = session;
    this.streamId = streamId;
    this.res = res;
    this.batch = batch;
    this.extraHeaders = extraHeaders;
  }

  isFinal(message: string, related: JsonRpcId): boolean {
    if (this.batch) return false;
    this.#head = `{"jsonrpc":"2.0","id":${idJsonOf(related)},`;
    return responseKind(message, this.#head) !== '';
  }

  deliver(message: string, final: boolean): void {
    const engine = this.session.engine;
    if (this.state === 0 && final) {
      this.state = 2;
      this.session.streamDone(this);
      if (this.res) {
        const res = this.res;
        this.res = undefined;
        res.respond(200, { ...JSON_HEADERS, ...this.extraHeaders }, message);
        this.session.httpDone();
      }
      return;
    }
    if (this.state === 0) {
      this.state = 1;
      if (this.res) {
        this.sse = new SseWriter(this.res.openStream({ ...SSE_BASE, ...this.extraHeaders }), engine.keepAliveMs);
        this.session.prime(this.sse, this.streamId, this.pending);
      }
    }
    this.session.emit(this.streamId, message, () => this.sse, () => {
      if (final) this.finish();
    });
  }

  finish(): void {
    this.state = 2;
    if (this.watcher !== undefined) this.session.engine.cluster?.endWatch(this);
    this.session.streamDone(this);
    if (this.sse) {
      this.sse.end();
      this.sse = undefined;
    }
    if (this.res) {
      this.res = undefined;
      this.session.httpDone();
    }
  }

  /** The POST's HTTP response went away (client disconnect, overflow, or server close for polling). */
  detach(): void {
    this.sse?.stop();
    this.sse = undefined;
    if (this.res) {
      this.res = undefined;
      this.session.httpDone();
    }
  }
}

/** A legacy session: its connection, its open streams, its activity. */
export class Session implements ConnectionSink {
  readonly engine: HttpEngine;
  readonly id: string;
  /** The principal that created the session (`''` when anonymous); every later exchange must present it. */
  readonly principal: string;
  /** The quota key of the client that created it (see `HttpEngine.clientKey`). */
  readonly client: string;
  readonly createdAt = Date.now();
  conn!: ServerConnection;
  /** Cluster: this node's copy of the shared record. */
  record: ClusterSessionRecord | undefined;
  /** Cluster: streams produced on other nodes and resumed here, by stream id. */
  remote: Map<string, { w: SseWriter; last: number }> | undefined;
  /** Created here by `initialize` (counts towards the client's quota), not rebuilt from the record. */
  counted = false;
  /** When activity was last written to the session store (ms). */
  touchedAt = 0;
  /** Messages held while the record is being written (before `initialize` is answered). */
  held: [string, JsonRpcId | undefined][] | undefined;
  // Created on first use and released when empty: an idle session holds no collections.
  #streams: Map<JsonRpcId, LegacyStream> | undefined;
  #byStreamId: Map<string, LegacyStream> | undefined;
  /** The stream of a POSTed batch without requests, while the connection answers it (synchronously). */
  anonymousBatch: LegacyStream | undefined;
  readonly standaloneId: string;
  standalone: SseWriter | undefined;
  lastSeen = Date.now();
  openHttp = 0;
  #nextStream = 0;
  #chain: Promise<void> | undefined;
  ended = false;

  constructor(engine: HttpEngine, id: string, principal = '', client = '') {
    this.engine = engine;
    this.id = id;
    this.principal = principal;
    this.client = client;
    this.standaloneId = `${id}.g`;
  }

  /** Open request streams by request id. */
  get streams(): Map<JsonRpcId, LegacyStream> {
    return (this.#streams ??= new Map());
  }

  /** Streams by stream id (kept after they finish unseen, for `Last-Event-ID` resumption). */
  get byStreamId(): Map<string, LegacyStream> {
    return (this.#byStreamId ??= new Map());
  }

  /** Drops collections that became empty. */
  #compact(): void {
    if (this.#streams?.size === 0) this.#streams = undefined;
    if (this.#byStreamId?.size === 0) this.#byStreamId = undefined;
  }

  get busy(): boolean {
    return this.openHttp > 0 || this.conn.inFlight > 0;
  }

  get protocolVersion(): string | undefined {
    return this.conn.session?.protocolVersion;
  }

  newStream(res: ResponsePort, batch: boolean, extraHeaders: OutHeaders): LegacyStream {
    const cluster = this.engine.cluster;
    const n = this.#nextStream++;
    const s = new LegacyStream(this, cluster ? `${this.id}.${cluster.nodeId}.${n}` : `${this.id}.${n}`, res, batch, extraHeaders);
    this.byStreamId.set(s.streamId, s);
    this.openHttp++;
    res.onAbort(() => s.detach());
    return s;
  }

  httpDone(): void {
    this.openHttp--;
    this.lastSeen = Date.now();
    this.#compact();
  }

  streamDone(s: LegacyStream): void {
    // A stream finished while nobody listened stays resumable until the session ends.
    if (s.res || s.sse) this.#byStreamId?.delete(s.streamId);
    this.#compact();
  }

  send(message: string, related?: JsonRpcId): void {
    if (this.held) {
      this.held.push([message, related]);
      return;
    }
    if (message.charCodeAt(0) === 91 /* [ */) {
      // A batch answer: `related` is its first request's id, which finds the batch's own stream.
      const s = related === undefined ? this.anonymousBatch : this.#streams?.get(related);
      if (!s?.batch) return;
      for (const rid of s.pending) if (this.#streams?.get(rid) === s) this.#streams.delete(rid);
      s.pending.clear();
      s.deliver(message, true);
      return;
    }
    if (related === undefined) {
      // Cluster: session-level messages go to the node holding the GET stream.
      if (this.engine.cluster?.relayNotification(this, message)) return;
      this.emit(this.standaloneId, message, () => this.standalone, undefined);
      return;
    }
    const s = this.#streams?.get(related);
    if (!s) return; // the request is gone; nothing listens for it
    const final = s.isFinal(message, related);
    if (final) {
      this.#streams?.delete(related);
      s.pending.delete(related);
    }
    s.deliver(message, final && s.pending.size === 0);
  }

  /**
   * Closes the POST stream of request `related` without ending it (SSE polling): the client resumes with
   * GET and `Last-Event-ID`. Needs an event store and a resumable revision (2025-03-26+; priming events are sent there too, as the conformance suite expects).
   */
  closeStream(related: JsonRpcId): boolean {
    const s = this.streams.get(related);
    if (!s || !this.engine.eventStore || (this.protocolVersion ?? '') < '2025-03-26' || !s.res || s.state === 2) return false;
    if (s.state === 0) {
      s.state = 1;
      s.sse = new SseWriter(s.res.openStream({ ...SSE_BASE, ...s.extraHeaders }), this.engine.keepAliveMs);
      this.prime(s.sse, s.streamId, s.pending);
    }
    const w = s.sse;
    // After the events written so far (the store may be asynchronous), end the HTTP response.
    const close = (): void => {
      w?.end();
      if (s.sse === w) s.detach();
    };
    if (this.#chain) this.#chain = this.#chain.then(close);
    else close();
    return true;
  }

  /**
   * Sends the priming event (an id with empty data) and `retry:` on resumable revisions (2025-03-26+: SSE
   * event ids exist there; an id-only event is valid SSE). In a cluster the stored priming event also
   * names the stream's requests, so a node resuming it after its producer died can fail them.
   */
  prime(w: SseWriter, streamId: string, pending?: ReadonlySet<JsonRpcId>): void {
    const store = this.engine.eventStore;
    if (!store || (this.protocolVersion ?? '') < '2025-03-26') return;
    this.emit(streamId, this.engine.cluster && pending ? primingMarker(pending) : '', () => w, undefined);
  }

  /** Stores an event (when resumable) and writes it to whatever writer is attached then, in order. */
  emit(streamId: string, message: string, writer: () => SseWriter | undefined, after: (() => void) | undefined): void {
    const store = this.engine.eventStore;
    // An event the store failed to keep (its backend went away) is still written, without an id: the client
    // gets it, it just cannot be resumed from; dropping it would leave the request hanging.
    const write = (id: string | undefined): void => {
      const w = writer();
      if (w && !(id === undefined && store && isPriming(message))) {
        const ok = isPriming(message) ? w.raw(`id: ${id}\nretry: ${this.engine.retryMs}\ndata: \n\n`) : w.event(message, id);
        if (!ok) this.#overflow(streamId);
      }
      if (id !== undefined) this.engine.cluster?.forward(this, streamId, id, message);
      after?.();
    };
    if (!store) {
      if (!isPriming(message)) write(undefined);
      else after?.();
      return;
    }
    if (this.#chain) {
      this.#chain = this.#chain.then(() => Promise.resolve(store.storeEvent(streamId, message)).then(write, () => write(undefined))).then(undefined, () => undefined);
      return;
    }
    let id: string | Promise<string>;
    try {
      id = store.storeEvent(streamId, message);
    } catch {
      write(undefined);
      return;
    }
    if (typeof id === 'string') write(id);
    else {
      this.#chain = id.then(write, () => write(undefined)).then(undefined, () => undefined);
    }
  }

  #overflow(streamId: string): void {
    if (streamId === this.standaloneId) {
      this.standalone?.end();
      this.standalone = undefined;
      return;
    }
    this.byStreamId.get(streamId)?.detach();
  }

  /** Runs `step` after the event writes queued so far (immediately when none is pending). */
  sequence(step: () => unknown): void {
    if (this.#chain) this.#chain = this.#chain.then(step).then(() => undefined, () => undefined);
    else {
      const out = step();
      if (out instanceof Promise) this.#chain = out.then(() => undefined, () => undefined);
    }
  }

  /** Ends the session here; `forget` false keeps its events (a cluster node dropping only its copy). */
  end(forget = true): void {
    if (this.ended) return;
    this.ended = true;
    this.conn.close();
    if (this.remote) for (const r of this.remote.values()) r.w.end();
    this.remote = undefined;
    for (const s of this.byStreamId.values()) {
      s.sse?.end();
      s.detach();
    }
    this.standalone?.end();
    this.standalone = undefined;
    const store = this.engine.eventStore;
    if (forget && store?.deleteStream && !this.engine.cluster) {
      for (const sid of this.byStreamId.keys()) background(store.deleteStream(sid), 'events.deleteStream');
      background(store.deleteStream(this.standaloneId), 'events.deleteStream');
    }
    this.byStreamId.clear();
    this.streams.clear();
  }
}

/** True for a stored priming event: empty, or (cluster) a NUL-led marker naming the stream's requests. */
export function isPriming(message: string): boolean {
  return message === '' || message.charCodeAt(0) === 0;
}

/** The stored priming event of a cluster stream: NUL, then the JSON array of its request ids. */
export function primingMarker(pending: ReadonlySet<JsonRpcId>): string {
  return `\u0000${JSON.stringify([...pending])}`;
}
