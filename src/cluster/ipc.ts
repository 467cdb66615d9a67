/**
 * The primary-IPC backend of `velomcp serve --workers N`: the primary process keeps one
 * {@link MemoryClusterState} and serves it to its workers over the `node:cluster` IPC channel; each worker
 * uses {@link ipcBackend}, whose calls are IPC round trips (promises) and whose bus messages the primary
 * routes to the addressed worker. A worker that exits is announced to the others (`onNodeDown`).
 */
import { MemoryClusterState } from './memory.js';
import { ALL_NODES, type ClusterBackend, type ClusterBackendOptions, type ClusterListener, type ClusterMessage, type NodeId } from './types.js';

/** The two ends of an IPC channel (a `cluster.Worker` seen from the primary, `process` from a worker). */
export interface IpcChannel {
  send(message: unknown): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off?(event: 'message', listener: (message: unknown) => void): unknown;
}

type Op = 'sessions.add' | 'sessions.get' | 'sessions.update' | 'sessions.touch' | 'sessions.delete' | 'sessions.size' | 'events.store' | 'events.replay' | 'events.deleteSession' | 'tasks.create' | 'tasks.get' | 'tasks.put' | 'tasks.delete' | 'tasks.listSession';

type Wire =
  | { velo: 'hello'; node: NodeId }
  | { velo: 'op'; id: number; op: Op; args: unknown[] }
  | { velo: 'res'; id: number; value?: unknown; error?: string }
  | { velo: 'bus'; to: NodeId; message: ClusterMessage }
  | { velo: 'msg'; from: NodeId; message: ClusterMessage }
  | { velo: 'down'; node: NodeId };

function isWire(m: unknown): m is Wire {
  return typeof m === 'object' && m !== null && typeof (m as { velo?: unknown }).velo === 'string';
}

/** The primary's side: owns the state and serves every attached worker. */
export class IpcPrimary {
  readonly state: MemoryClusterState;
  readonly #channels = new Map<NodeId, IpcChannel>();

  constructor(options: ClusterBackendOptions = {}) {
    this.state = new MemoryClusterState(options);
  }

  /** Serves one worker's channel; returns the function to call when that worker is gone. */
  attach(channel: IpcChannel): () => void {
    let node: NodeId | undefined;
    const onMessage = (m: unknown): void => {
      if (!isWire(m)) return;
      if (m.velo === 'hello') {
        node = m.node;
        this.#channels.set(node, channel);
      } else if (m.velo === 'op') {
        void this.#run(m.op, m.args).then(
          (value) => channel.send({ velo: 'res', id: m.id, value }),
          (err: unknown) => channel.send({ velo: 'res', id: m.id, error: err instanceof Error ? err.message : String(err) }),
        );
      } else if (m.velo === 'bus' && node !== undefined) {
        const from = node;
        const targets = m.to === ALL_NODES ? [...this.#channels.keys()].filter((n) => n !== from) : [m.to];
        for (const t of targets) this.#channels.get(t)?.send({ velo: 'msg', from, message: m.message });
      }
    };
    channel.on('message', onMessage);
    return () => {
      channel.off?.('message', onMessage);
      if (node === undefined || this.#channels.get(node) !== channel) return;
      this.#channels.delete(node);
      for (const c of this.#channels.values()) c.send({ velo: 'down', node });
    };
  }

  async #run(op: Op, a: unknown[]): Promise<unknown> {
    const s = this.state;
    switch (op) {
      case 'sessions.add':
        return s.sessions.add(a[0] as never);
      case 'sessions.get':
        return s.sessions.get(a[0] as string);
      case 'sessions.update':
        return s.sessions.update(a[0] as string, a[1] as never);
      case 'sessions.touch':
        return s.sessions.touch(a[0] as string, a[1] as number);
      case 'sessions.delete':
        return s.sessions.delete(a[0] as string);
      case 'sessions.size':
        return s.sessions.size();
      case 'events.store':
        return s.events.storeEvent(a[0] as string, a[1] as string);
      case 'events.replay': {
        const out: [string, string][] = [];
        const stream = s.events.replayEventsAfter(a[0] as string, (e, m) => void out.push([e, m]));
        return { stream, out };
      }
      case 'events.deleteSession':
        return s.events.deleteSession(a[0] as string);
      case 'tasks.create':
        return s.tasks.create(a[0] as never);
      case 'tasks.get':
        return s.tasks.get(a[0] as string);
      case 'tasks.put':
        return s.tasks.put(a[0] as never);
      case 'tasks.delete':
        return s.tasks.delete(a[0] as string);
      case 'tasks.listSession':
        return s.tasks.listSession(a[0] as string);
    }
  }
}

/**
 * A worker's backend over `channel` (default: this worker's `process`). Every store call is one IPC round
 * trip; `touch` and bus sends are fire-and-forget, in order.
 * @throws Error when there is no IPC channel (the process was not forked by a primary).
 */
export function ipcBackend(nodeId: NodeId, channel: IpcChannel | undefined = process.send ? (process as unknown as IpcChannel) : undefined): ClusterBackend {
  if (!channel) throw new Error('ipcBackend needs an IPC channel (run under velomcp serve --workers)');
  const ch = channel;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const listeners = new Set<ClusterListener>();
  const down = new Set<(n: NodeId) => void>();
  let next = 0;
  let closed = false;
  const onMessage = (m: unknown): void => {
    if (!isWire(m)) return;
    if (m.velo === 'res') {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.value);
    } else if (m.velo === 'msg') {
      for (const l of listeners) {
        try {
          l(m.message, m.from);
        } catch {
          // One failing listener must not starve the others.
        }
      }
    } else if (m.velo === 'down') for (const l of down) l(m.node);
  };
  ch.on('message', onMessage);
  ch.send({ velo: 'hello', node: nodeId });
  const call = <T>(op: Op, ...args: unknown[]): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (closed) {
        reject(new Error('the cluster backend is closed'));
        return;
      }
      const id = ++next;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      ch.send({ velo: 'op', id, op, args });
    });
  return {
    nodeId,
    local: false,
    sessions: {
      add: (r) => call('sessions.add', r),
      get: (id) => call('sessions.get', id),
      update: (id, patch) => call('sessions.update', id, patch),
      touch: (id, at) => void ch.send({ velo: 'op', id: 0, op: 'sessions.touch', args: [id, at] }),
      delete: (id) => call('sessions.delete', id),
      size: () => call('sessions.size'),
    },
    events: {
      storeEvent: (streamId, message) => call('events.store', streamId, message),
      replayEventsAfter: async (lastEventId, send) => {
        const { stream, out } = await call<{ stream: string | undefined; out: [string, string][] }>('events.replay', lastEventId);
        for (const [e, m] of out) send(e, m);
        return stream;
      },
      deleteStream: () => undefined,
      deleteSession: (id) => call('events.deleteSession', id),
    },
    bus: {
      nodeId,
      send: (to, message) => void ch.send({ velo: 'bus', to, message }),
      subscribe: (l) => {
        const entry: ClusterListener = (m, f) => l(m, f);
        listeners.add(entry);
        return () => listeners.delete(entry);
      },
      onNodeDown: (l) => {
        const entry = (n: NodeId): void => l(n);
        down.add(entry);
        return () => down.delete(entry);
      },
    },
    tasks: {
      create: (r) => call('tasks.create', r),
      get: (id) => call('tasks.get', id),
      put: (r) => call('tasks.put', r),
      delete: (id) => call('tasks.delete', id),
      listSession: (session) => call('tasks.listSession', session),
    },
    close: () => {
      closed = true;
      ch.off?.('message', onMessage);
      for (const p of pending.values()) p.reject(new Error('the cluster backend is closed'));
      pending.clear();
    },
  };
}
