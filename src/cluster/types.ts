/**
 * The cluster seams: what several processes (workers on one machine, nodes on many) share so that **any
 * process can serve any request of any legacy session** with no sticky routing (docs/scaling.md).
 *
 * A {@link ClusterBackend} bundles four parts, each an interface with one contract test
 * (`test/cluster/contract.ts`, `runClusterContract`) that every implementation runs:
 *
 * - {@link ClusterSessionStore}: the durable record of each legacy session (MCP 2025-11-25
 *   `basic/transports.mdx`, "Session Management"), written before `initialize` is answered, from which any
 *   node rebuilds the session's connection state.
 * - {@link ClusterEventLog}: the SSE event log behind `Last-Event-ID` ("Resumability and Redelivery"),
 *   shared so a stream cut on one node resumes on another.
 * - {@link ClusterBus}: node-addressed messages: session notifications to the node holding the session's
 *   GET stream, the client's answers to server→client requests to the node awaiting them, cancellation and
 *   progress to the node running the request, session ends, record invalidation and server-wide events.
 * - the task store ({@link TaskStore}, tasks extension), shared so `tasks/get` works on every node.
 *
 * Every method returns a {@link MaybePromise}: the in-memory backend answers synchronously (and the HTTP
 * engine keeps its synchronous fast path when {@link ClusterBackend.local} is true); networked backends
 * (the primary-IPC backend of `velomcp serve --workers`, Redis) return promises.
 */
import type { JsonRpcId } from '../jsonrpc/message.js';
import type { ClientCapabilities, Implementation, LoggingLevel } from '../protocol/types.js';
import type { TaskStore } from '../server/tasks/store.js';
import type { EventStore, MaybePromise, SessionRecord, SessionStore } from '../transports/http/stores.js';

export type { MaybePromise } from '../transports/http/stores.js';

/**
 * A process's identity in a cluster: unique among live nodes, without `.` or `#` (it prefixes request ids
 * `${nodeId}.${uuid}` and stream ids). Example: `w1-3f9a`.
 */
export type NodeId = string;

/** The address of every node but the sender (broadcast). */
export const ALL_NODES = '*';

/**
 * Everything a node needs to serve a legacy session it did not create. Stored as plain JSON (no `Set`s,
 * no `undefined` members), so any backend can serialise it as it is.
 */
export interface ClusterSessionRecord extends SessionRecord {
  /** The principal that created the session (`''` when anonymous); every later exchange must present it. */
  readonly principal: string;
  /** The per-client quota key of its creator (principal, else peer address; `''` when neither is known). */
  readonly client: string;
  /** The client capabilities declared in `initialize` (the protocol-defined members only, bounded). */
  clientCapabilities: ClientCapabilities;
  /** The `clientInfo` of `initialize`, when given. */
  clientInfo?: Implementation;
  /** The level set with `logging/setLevel`; absent until the client sets one. */
  logLevel?: LoggingLevel;
  /** Resource URIs subscribed with `resources/subscribe`, in subscription order, without duplicates. */
  subscriptions: string[];
  /** True once `notifications/initialized` arrived on any node. */
  initialized: boolean;
  /**
   * The node that holds the session's standalone GET stream, and so delivers its session-level
   * notifications (list changes, resource updates); absent when no GET stream is open.
   */
  streamNode?: NodeId;
  /** Bumped by every {@link ClusterSessionStore.update}; lets a node drop an invalidation older than its copy. */
  revision: number;
}

/** One atomic change of a {@link ClusterSessionRecord} (members left out are not changed). */
export interface ClusterSessionPatch {
  logLevel?: LoggingLevel;
  /** Appended unless present. */
  subscribe?: string;
  /** Removed when present. */
  unsubscribe?: string;
  initialized?: boolean;
  /** The node now holding the GET stream; `null` clears it only when it still names `ifStreamNode`. */
  streamNode?: NodeId | null;
  /** With `streamNode: null`: clear only while the record still names this node (another may have taken over). */
  ifStreamNode?: NodeId;
}

/**
 * The shared record of legacy sessions. `add` must not resolve true before a `get` on any node finds the
 * record (it is written before `initialize` is answered); records idle for longer than the store's
 * idle timeout (see {@link ClusterBackendOptions.sessionIdleMs}) may be dropped by the store itself.
 */
export interface ClusterSessionStore extends SessionStore {
  /** Adds a session; resolves false (and adds nothing) when the store is full. Adding an existing id is a no-op true. */
  add(record: ClusterSessionRecord): MaybePromise<boolean>;
  /** A copy of the record, or undefined when unknown, ended or expired. */
  get(id: string): MaybePromise<ClusterSessionRecord | undefined>;
  /**
   * Applies `patch` atomically (two nodes patching at once both take effect) and bumps `revision`.
   * Resolves the new record, or undefined when the session is unknown.
   */
  update(id: string, patch: ClusterSessionPatch): MaybePromise<ClusterSessionRecord | undefined>;
}

/**
 * The shared SSE event log. Event ids are `<streamId>#<sequence>` with sequences increasing by one per
 * stream, assigned by the log, so that two nodes writing one stream never produce the same id. Stream ids
 * of a session start with `<sessionId>.`; replay never crosses streams.
 */
export interface ClusterEventLog extends EventStore {
  /** Forgets every stream of a session (it ended); streams are those whose id starts with `<sessionId>.`. */
  deleteSession(sessionId: string): MaybePromise<void>;
}

/** A server-wide change (every node applies it to its own listeners). */
export type ServerEvent =
  | { readonly type: 'listChanged'; readonly kind: 'tools' | 'prompts' | 'resources' }
  | { readonly type: 'resourceUpdated'; readonly uri: string };

/**
 * A message between nodes. JSON-RPC messages travel as their serialised text (`message`), never re-parsed
 * in transit.
 */
export type ClusterMessage =
  /** A session-level message (no related request) for the session's standalone GET stream: to its `streamNode`. */
  | { readonly type: 'notify'; readonly sessionId: string; readonly message: string }
  /**
   * The client answered a server→client request (or sent a notification about one) on another node: to the
   * node in the request id's `${nodeId}.` prefix (answers), or to every node (`notifications/cancelled`,
   * `notifications/progress`: the node running that request acts on it, others ignore it).
   */
  | { readonly type: 'client'; readonly sessionId: string; readonly message: string }
  /**
   * A node resumed stream `streamId` with `Last-Event-ID` (events after `after` already written) and asks
   * the node producing it (`producer`, from the stream id) to forward later events.
   */
  | { readonly type: 'watch'; readonly sessionId: string; readonly streamId: string; readonly after: string }
  /** One event of a watched stream, to the watching node; `end` closes the stream (its requests are answered). */
  | { readonly type: 'event'; readonly sessionId: string; readonly streamId: string; readonly eventId: string; readonly message: string; readonly end: boolean }
  /** The session ended (DELETE, idle expiry, eviction): every node drops its copy and closes its streams. */
  | { readonly type: 'ended'; readonly sessionId: string }
  /** The session's record changed: every node holding a copy applies `record` (when newer than its own). */
  | { readonly type: 'record'; readonly record: ClusterSessionRecord }
  /** A server-wide change, for every node's listeners (legacy fan-out and modern listen streams). */
  | { readonly type: 'server'; readonly event: ServerEvent }
  /**
   * Tasks across nodes (src/cluster/tasks.ts), to every node: `cancel` (`tasks/cancel`) and `input`
   * (`tasks/update`, params `{ inputResponses }`) for the node running the task; `status` (params: the task
   * record) after a running task changed, for the listen streams of every node.
   */
  | { readonly type: 'task'; readonly taskId: string; readonly op: 'cancel' | 'input' | 'status'; readonly params: unknown };

/** Receives one message and the node that sent it. */
export type ClusterListener = (message: ClusterMessage, from: NodeId) => void;

/**
 * Node-addressed messaging. Delivery is at most once and in order per sender→receiver pair; a message
 * to an unknown or dead node is dropped. A node never receives its own broadcasts.
 */
export interface ClusterBus {
  /** This node's id. */
  readonly nodeId: NodeId;
  /** Sends to one node, or to every other node with {@link ALL_NODES}. */
  send(to: NodeId | typeof ALL_NODES, message: ClusterMessage): MaybePromise<void>;
  /** Listens for messages to this node; returns the function that stops listening. */
  subscribe(listener: ClusterListener): MaybePromise<() => void>;
  /**
   * Optional: tells when a node leaves (crash, exit), so that streams it produced can be failed instead of
   * left hanging. Returns the function that stops listening.
   */
  onNodeDown?(listener: (node: NodeId) => void): MaybePromise<() => void>;
}

/** The state seams of one node of a cluster. */
export interface ClusterBackend {
  /** This node's id (the same as `bus.nodeId`). */
  readonly nodeId: NodeId;
  /**
   * True when this is the only process (the in-memory default): the HTTP engine then skips the bus and
   * keeps its synchronous paths. False for every shared backend.
   */
  readonly local: boolean;
  readonly sessions: ClusterSessionStore;
  readonly events: ClusterEventLog;
  readonly bus: ClusterBus;
  /** Shared task records (tasks extension). */
  readonly tasks: TaskStore;
  /**
   * Optional: undefined while the shared state is reachable; while it is not (Redis lost), why and when to
   * retry. The HTTP transport then answers legacy-session requests with 503 + `Retry-After` and a
   * `BackendUnavailable` (-32013) JSON-RPC error instead of trying (docs/scaling.md, "When things fail").
   */
  unavailable?(): BackendOutage | undefined;
  /**
   * Optional: calls `listener` each time the shared state is reachable again after an outage, when it may
   * have lost what it held (a Redis without persistence restarts empty). Each node then writes back the
   * session records it holds that the store no longer has, so those sessions keep working on every node.
   * Returns the function that stops listening.
   */
  onRestored?(listener: () => void): () => void;
  /** Releases connections and timers. Idempotent. */
  close(): MaybePromise<void>;
}

/** Why a backend is unreachable now (see {@link ClusterBackend.unavailable}). */
export interface BackendOutage {
  /** One line for the error message, e.g. `Redis at redis://127.0.0.1:6379/0 is unavailable (…)`. */
  readonly message: string;
  /** When a retry may succeed, in ms (the reconnect delay; `Retry-After` rounds it up to whole seconds). */
  readonly retryAfterMs: number;
}

/** Options every backend understands. */
export interface ClusterBackendOptions {
  /** Most sessions held cluster-wide. Default 10 000. */
  maxSessions?: number;
  /** A record not touched for this long may be dropped by the store, in ms. Default 30 min. */
  sessionIdleMs?: number;
  /** Events kept per stream. Default 256. */
  maxEventsPerStream?: number;
  /** Most task records. Default 10 000. */
  maxTasks?: number;
}

/** Where a server→client request id (`${nodeId}.${uuid}`) was minted; undefined for ids of another shape. */
export function nodeOfRequestId(id: JsonRpcId | null | undefined): NodeId | undefined {
  if (typeof id !== 'string') return undefined;
  const dot = id.indexOf('.');
  return dot > 0 ? id.slice(0, dot) : undefined;
}

/**
 * The node producing a request stream (`<sessionId>.<nodeId>.<n>`), or undefined for the standalone stream
 * (`<sessionId>.g`) and for single-process stream ids (`<sessionId>.<n>`).
 */
export function producerOfStreamId(streamId: string): NodeId | undefined {
  const parts = streamId.split('.');
  return parts.length === 3 ? parts[1] : undefined;
}

/** The session a stream id (`<sessionId>.<rest>`) or event id belongs to, or undefined. */
export function sessionOfStreamId(streamId: string): string | undefined {
  const dot = streamId.indexOf('.');
  return dot > 0 ? streamId.slice(0, dot) : undefined;
}
