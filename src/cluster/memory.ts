/**
 * The in-memory cluster backend: {@link MemoryClusterState} holds sessions, events and tasks in one
 * process, and {@link memoryCluster} hands out nodes that share it. One node of it (`memoryBackend()`) is
 * the single-process default; the primary of `velomcp serve --workers` keeps one state and serves it to
 * its workers over IPC (`ipc.ts`). Every method answers synchronously.
 */
import { randomUUID } from 'node:crypto';
import { InMemoryTaskStore } from '../server/tasks/store.js';
import { InMemoryEventStore } from '../transports/http/stores.js';
import {
  ALL_NODES,
  type ClusterBackend,
  type ClusterBackendOptions,
  type ClusterBus,
  type ClusterEventLog,
  type ClusterListener,
  type ClusterMessage,
  type ClusterSessionPatch,
  type ClusterSessionRecord,
  type ClusterSessionStore,
  type NodeId,
} from './types.js';

function copy(r: ClusterSessionRecord): ClusterSessionRecord {
  return { ...r, subscriptions: [...r.subscriptions] };
}

/** A {@link ClusterSessionStore} in a `Map`, bounded, dropping records idle past `sessionIdleMs` when read. */
export class MemorySessionStore implements ClusterSessionStore {
  readonly #records = new Map<string, ClusterSessionRecord>();
  readonly #max: number;
  readonly #idleMs: number;

  constructor(options: ClusterBackendOptions = {}) {
    this.#max = options.maxSessions ?? 10_000;
    this.#idleMs = options.sessionIdleMs ?? 30 * 60_000;
  }

  #live(id: string): ClusterSessionRecord | undefined {
    const r = this.#records.get(id);
    if (r && Date.now() - r.lastSeenAt > this.#idleMs) {
      this.#records.delete(id);
      return undefined;
    }
    return r;
  }

  add(record: ClusterSessionRecord): boolean {
    if (this.#live(record.id)) return true;
    if (this.#records.size >= this.#max) this.#sweep();
    if (this.#records.size >= this.#max) return false;
    this.#records.set(record.id, copy(record));
    return true;
  }

  get(id: string): ClusterSessionRecord | undefined {
    const r = this.#live(id);
    return r && copy(r);
  }

  update(id: string, patch: ClusterSessionPatch): ClusterSessionRecord | undefined {
    const r = this.#live(id);
    if (!r) return undefined;
    applyPatch(r, patch);
    return copy(r);
  }

  touch(id: string, at: number): void {
    const r = this.#records.get(id);
    if (r && at > r.lastSeenAt) r.lastSeenAt = at;
  }

  delete(id: string): boolean {
    return this.#records.delete(id);
  }

  size(): number {
    return this.#records.size;
  }

  #sweep(): void {
    const now = Date.now();
    for (const [id, r] of this.#records) if (now - r.lastSeenAt > this.#idleMs) this.#records.delete(id);
  }
}

/** Applies a {@link ClusterSessionPatch} in place (the semantics every store implements atomically). */
export function applyPatch(r: ClusterSessionRecord, patch: ClusterSessionPatch): void {
  if (patch.logLevel !== undefined) r.logLevel = patch.logLevel;
  if (patch.subscribe !== undefined && !r.subscriptions.includes(patch.subscribe)) r.subscriptions.push(patch.subscribe);
  if (patch.unsubscribe !== undefined) {
    const i = r.subscriptions.indexOf(patch.unsubscribe);
    if (i >= 0) r.subscriptions.splice(i, 1);
  }
  if (patch.initialized !== undefined) r.initialized = patch.initialized;
  if (patch.streamNode === null) {
    if (patch.ifStreamNode === undefined || r.streamNode === patch.ifStreamNode) delete r.streamNode;
  } else if (patch.streamNode !== undefined) r.streamNode = patch.streamNode;
  r.revision++;
}

/** The bounded in-memory event log, with {@link ClusterEventLog.deleteSession}. */
export class MemoryEventLog extends InMemoryEventStore implements ClusterEventLog {
  readonly #bySession = new Map<string, Set<string>>();

  override storeEvent(streamId: string, message: string): string {
    const sid = streamId.slice(0, Math.max(0, streamId.indexOf('.')));
    let set = this.#bySession.get(sid);
    if (!set) this.#bySession.set(sid, (set = new Set()));
    set.add(streamId);
    return super.storeEvent(streamId, message);
  }

  override deleteStream(streamId: string): void {
    super.deleteStream(streamId);
  }

  deleteSession(sessionId: string): void {
    const set = this.#bySession.get(sessionId);
    if (!set) return;
    this.#bySession.delete(sessionId);
    for (const s of set) super.deleteStream(s);
  }
}

/** Routes {@link ClusterMessage}s between the nodes of one process (or the workers of one primary). */
export class MemoryBusHub {
  readonly #nodes = new Map<NodeId, Set<ClusterListener>>();
  readonly #down = new Set<(node: NodeId) => void>();

  /** Registers a node; its listeners receive what is addressed to it. */
  join(node: NodeId): void {
    if (!this.#nodes.has(node)) this.#nodes.set(node, new Set());
  }

  /** Removes a node and tells every `onNodeDown` listener. */
  leave(node: NodeId): void {
    if (!this.#nodes.delete(node)) return;
    for (const l of [...this.#down]) l(node);
  }

  /** The nodes registered now. */
  get nodes(): NodeId[] {
    return [...this.#nodes.keys()];
  }

  /** Delivers on a microtask, in send order; unknown targets are dropped. */
  send(from: NodeId, to: NodeId, message: ClusterMessage): void {
    const targets = to === ALL_NODES ? [...this.#nodes.keys()].filter((n) => n !== from) : [to];
    for (const t of targets) {
      const listeners = this.#nodes.get(t);
      if (!listeners || listeners.size === 0) continue;
      queueMicrotask(() => {
        for (const l of listeners) {
          try {
            l(message, from);
          } catch {
            // One failing listener must not starve the others.
          }
        }
      });
    }
  }

  listen(node: NodeId, listener: ClusterListener): () => void {
    this.join(node);
    const set = this.#nodes.get(node) as Set<ClusterListener>;
    const entry: ClusterListener = (m, f) => listener(m, f);
    set.add(entry);
    return () => set.delete(entry);
  }

  onNodeDown(listener: (node: NodeId) => void): () => void {
    const entry = (n: NodeId): void => listener(n);
    this.#down.add(entry);
    return () => this.#down.delete(entry);
  }
}

/** Everything nodes of one in-memory cluster share. */
export class MemoryClusterState {
  readonly sessions: MemorySessionStore;
  readonly events: MemoryEventLog;
  readonly tasks: InMemoryTaskStore;
  readonly hub = new MemoryBusHub();

  constructor(options: ClusterBackendOptions = {}) {
    this.sessions = new MemorySessionStore(options);
    this.events = new MemoryEventLog(options.maxEventsPerStream === undefined ? {} : { maxEventsPerStream: options.maxEventsPerStream });
    this.tasks = new InMemoryTaskStore(options.maxTasks === undefined ? {} : { maxTasks: options.maxTasks });
  }
}

class MemoryBus implements ClusterBus {
  readonly nodeId: NodeId;
  readonly #hub: MemoryBusHub;

  constructor(hub: MemoryBusHub, nodeId: NodeId) {
    this.#hub = hub;
    this.nodeId = nodeId;
    hub.join(nodeId);
  }

  send(to: NodeId, message: ClusterMessage): void {
    this.#hub.send(this.nodeId, to, message);
  }

  subscribe(listener: ClusterListener): () => void {
    return this.#hub.listen(this.nodeId, listener);
  }

  onNodeDown(listener: (node: NodeId) => void): () => void {
    return this.#hub.onNodeDown(listener);
  }
}

/** A fresh node id: `<prefix>-<8 hex>`, safe in request and stream ids. */
export function newNodeId(prefix = 'n'): NodeId {
  return `${prefix.replace(/[.#]/g, '_')}-${randomUUID().slice(0, 8)}`;
}

/**
 * Nodes sharing one in-memory state, for tests and for several servers in one process.
 * @returns `node(id?)` makes a backend (`local: false`, so the HTTP engine routes through the bus exactly as
 *   across processes); `state` is what they share.
 */
export function memoryCluster(options: ClusterBackendOptions = {}): { state: MemoryClusterState; node(id?: NodeId): ClusterBackend } {
  const state = new MemoryClusterState(options);
  return { state, node: (id?: NodeId) => nodeOf(state, id ?? newNodeId(), false) };
}

/** The single-process backend (`local: true`): what the HTTP engine uses when given none. */
export function memoryBackend(options: ClusterBackendOptions = {}): ClusterBackend {
  return nodeOf(new MemoryClusterState(options), newNodeId('local'), true);
}

function nodeOf(state: MemoryClusterState, nodeId: NodeId, local: boolean): ClusterBackend {
  const bus = new MemoryBus(state.hub, nodeId);
  return {
    nodeId,
    local,
    sessions: state.sessions,
    events: state.events,
    bus,
    tasks: state.tasks,
    close: () => state.hub.leave(nodeId),
  };
}
