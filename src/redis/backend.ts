/**
 * The Redis {@link ClusterBackend}: every node of a deployment connects to one Redis (same URL, database and
 * prefix) and shares through it the session table ({@link RedisSessionStore}), the SSE event log
 * ({@link RedisEventStore}), node-addressed messaging ({@link RedisClusterBus}) and task records
 * ({@link RedisTaskStore}). What each part guarantees is in `docs/scaling.md`.
 */
import { newNodeId } from '../cluster/memory.js';
import type { BackendOutage, ClusterBackend, ClusterBackendOptions, NodeId } from '../cluster/types.js';
import { connectRedis, type RedisConnection, type RedisConnectionOptions } from './connection.js';
import { RedisClusterBus } from './cluster-bus.js';
import { RedisEventStore } from './event-store.js';
import { RedisSessionStore } from './session-store.js';
import { RedisTaskStore } from './task-store.js';

/** Options of {@link redisBackend}. */
export interface RedisBackendOptions extends ClusterBackendOptions, RedisConnectionOptions {
  /** An open connection to share (not closed by the backend); otherwise one is opened from `url`. */
  connection?: RedisConnection;
  /** This node's id (default: `n-<8 hex>`); unique among live nodes, without `.` or `#`. */
  nodeId?: NodeId;
  /** See {@link RedisClusterBus}: how often other nodes' liveness is checked, in ms (default 1000). */
  nodeCheckIntervalMs?: number;
  /** See {@link RedisSessionStore}: activity write coalescing, in ms. */
  touchIntervalMs?: number;
}

/** A node of the Redis backend, with its connection. */
export interface RedisClusterBackend extends ClusterBackend {
  readonly sessions: RedisSessionStore;
  readonly events: RedisEventStore;
  readonly bus: RedisClusterBus;
  readonly tasks: RedisTaskStore;
  readonly connection: RedisConnection;
  /** Undefined while Redis is reachable; else why not and when to retry (see `RedisConnection.outage`). */
  unavailable(): BackendOutage | undefined;
}

/**
 * Opens one node of the Redis backend.
 * @throws VeloError `VELO_BACKEND_UNAVAILABLE` when Redis cannot be reached (see `connectRedis`);
 * `VELO_INVALID_CONFIG` for a malformed URL, bound or node id.
 */
export async function redisBackend(options: RedisBackendOptions = {}): Promise<RedisClusterBackend> {
  const nodeId = options.nodeId ?? newNodeId();
  if (!/^[^.#\s]{1,64}$/.test(nodeId)) {
    const { VeloError } = await import('../jsonrpc/errors.js');
    throw new VeloError('VELO_INVALID_CONFIG', `redisBackend: nodeId must be 1-64 characters without ".", "#" or spaces, got ${JSON.stringify(nodeId)}`);
  }
  const owned = options.connection === undefined;
  const connection = options.connection ?? (await connectRedis(options));
  try {
    const ttlMs = options.sessionIdleMs ?? 30 * 60_000;
    const sessions = new RedisSessionStore({
      connection,
      ttlMs,
      ...(options.maxSessions === undefined ? {} : { maxSessions: options.maxSessions }),
      ...(options.touchIntervalMs === undefined ? {} : { touchIntervalMs: options.touchIntervalMs }),
    });
    const events = new RedisEventStore({ connection, ttlMs, ...(options.maxEventsPerStream === undefined ? {} : { maxEventsPerStream: options.maxEventsPerStream }) });
    const tasks = new RedisTaskStore({ connection, ...(options.maxTasks === undefined ? {} : { maxTasks: options.maxTasks }) });
    const bus = await RedisClusterBus.open({ connection, nodeId, ...(options.nodeCheckIntervalMs === undefined ? {} : { nodeCheckIntervalMs: options.nodeCheckIntervalMs }) });
    let closed = false;
    return {
      nodeId,
      local: false,
      sessions,
      events,
      bus,
      tasks,
      connection,
      unavailable: () => connection.outage(),
      onRestored: (listener) => connection.onStateChange((up) => up && listener()),
      close: async () => {
        if (closed) return;
        closed = true;
        await bus.close();
        if (owned) await connection.close();
      },
    };
  } catch (err) {
    if (owned) await connection.close();
    throw err;
  }
}
