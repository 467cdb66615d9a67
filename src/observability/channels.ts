/**
 * The observability seam: `node:diagnostics_channel` events that the server, its transports and the client
 * publish, and that metrics, tracing, logs and the dashboard subscribe to (`velomcp/observability`).
 *
 * Every publish is guarded by `channel.hasSubscribers` (a request's end by the presence of its start event,
 * a field of the request context), so a process that subscribes to nothing pays one property read per event
 * and allocates nothing. Event objects are plain and mutable: a request's start
 * and end are the *same* object, so a subscriber may keep state on it between the two (in a WeakMap keyed
 * by the event; never by adding properties others could read).
 *
 * Channel names are stable API (`velomcp:` prefix); see docs/operating.md. Publishers check only the opening
 * channel of a pair (request start, session open, connection open): subscribe to it too when using
 * `diagnostics_channel` directly ({@link subscribe} does this for you).
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import type { JsonObject, JsonRpcErrorObject, JsonRpcId } from '../jsonrpc/index.js';

/** How one request ended: a result, a JSON-RPC error, a tool result with `isError: true`, or a cancellation. */
export type RequestOutcome = 'ok' | 'error' | 'tool_error' | 'cancelled';

/**
 * A request served by the dispatcher (`velomcp:server:request:start` and `velomcp:server:request:end`; the
 * same object for both). Times are `performance.now()` milliseconds; `duration` is in seconds.
 */
export interface ServerRequestEvent {
  readonly method: string;
  /** The tool or prompt name (`params.name`) or resource URI (`params.uri`) the request is about, if any. */
  readonly target: string | undefined;
  /** What {@link ServerRequestEvent.target} is: `tool`, `prompt`, `resource` or undefined. */
  readonly targetKind: 'tool' | 'prompt' | 'resource' | undefined;
  readonly era: 'legacy' | 'modern';
  /** The MCP protocol revision of the request. */
  readonly protocolVersion: string;
  /** The transport kind: `stdio`, `http`, `sse`, `ws`, `tcp`, or `memory` (in-process). */
  readonly transport: string;
  /** The legacy session id (HTTP sessions), if any; never set for 2026-07-28 traffic. */
  readonly sessionId: string | undefined;
  readonly requestId: JsonRpcId;
  /** The request params as received (arguments included: subscribers decide what to record). */
  readonly params: JsonObject | undefined;
  /** The handler context of the request (an `McpServer` `RequestContext`). */
  readonly context: object;
  readonly startTime: number;
  /** Set at end. (Every field exists from the start, so the object keeps one shape.) */
  outcome: RequestOutcome | undefined;
  /** Set at end, in seconds. */
  duration: number | undefined;
  /** Set at end when `outcome` is `error`. */
  error: JsonRpcErrorObject | undefined;
  /** Set at end for `ok` and `tool_error`: the handler's result object (not a copy). */
  result: unknown;
  /**
   * Set by a start subscriber that needs the handler to run inside its context (velomcp/tracing makes the
   * server span active this way). Wrap any function already here rather than replacing it.
   */
  runInContext: (<T>(fn: () => T) => T) | undefined;
}

/** A message the dispatcher answered with an error before any handler ran (`velomcp:server:request:rejected`). */
export interface RejectedMessageEvent {
  /** The request id, or null when none could be recovered (parse errors, invalid messages). */
  readonly requestId: JsonRpcId | null;
  readonly error: JsonRpcErrorObject;
  readonly transport: string;
  readonly sessionId: string | undefined;
}

/** A legacy session opened by `initialize` (`velomcp:server:session:open` / `:close`; the same object). */
export interface SessionEvent {
  readonly sessionId: string | undefined;
  readonly protocolVersion: string;
  readonly transport: string;
  readonly startTime: number;
  /** Set at close, in seconds. */
  duration: number | undefined;
}

/** A transport connection of the server (`velomcp:server:connection:open` / `:close`; the same object). */
export interface ConnectionEvent {
  readonly transport: string;
  readonly sessionId: string | undefined;
  readonly startTime: number;
  /** Set at close, in seconds. */
  duration: number | undefined;
}

/** One server→client notification sent to many listeners (`velomcp:server:fanout`). */
export interface FanoutEvent {
  readonly method: string;
  /** Listeners written to. */
  readonly recipients: number;
  /** Seconds spent writing to all of them. */
  readonly duration: number;
}

/**
 * A request sent by `McpClient` (`velomcp:client:request:start` / `:end`; the same object). Subscribers may
 * add trace context keys to {@link ClientRequestEvent.meta}: the client merges them into `params._meta`.
 */
export interface ClientRequestEvent {
  readonly method: string;
  readonly target: string | undefined;
  readonly targetKind: 'tool' | 'prompt' | 'resource' | undefined;
  readonly era: 'legacy' | 'modern' | undefined;
  readonly protocolVersion: string | undefined;
  readonly params: JsonObject | undefined;
  /** Filled by subscribers at start (W3C `traceparent`, `tracestate`, `baggage`); sent in `params._meta`. */
  readonly meta: Record<string, string>;
  readonly startTime: number;
  outcome: RequestOutcome | undefined;
  duration: number | undefined;
  /** Set at end when `outcome` is `error`: the thrown error. */
  error: unknown;
  result: unknown;
}

/** A handler's `ctx.log(...)` call (`velomcp:server:log`), published whatever the client's log level. */
export interface HandlerLogEvent {
  /** The MCP (syslog) level: debug, info, notice, warning, error, critical, alert, emergency. */
  readonly level: string;
  readonly data: unknown;
  readonly logger: string | undefined;
  readonly method: string;
  readonly requestId: JsonRpcId;
  readonly sessionId: string | undefined;
}

/**
 * The depth of a work queue changed (`velomcp:server:queue`): for admission control, worker pools and
 * schedulers to publish, and metrics and the dashboard to show. Publish behind `hasSubscribers`.
 */
export interface QueueEvent {
  /** The queue's name, e.g. `admission` or `workers`. */
  readonly queue: string;
  /** Items waiting now. */
  readonly depth: number;
}

/**
 * A circuit breaker changed state (`velomcp:orchestration:breaker`): the breaker of a mounted upstream, or of
 * one of its tools. Published by `velomcp/orchestration` mounts.
 */
export interface BreakerEvent {
  /** The mount prefix of the upstream. */
  readonly upstream: string;
  /** The upstream tool name for a per-tool breaker; undefined for the upstream's own breaker. */
  readonly tool: string | undefined;
  /** The new state. */
  readonly state: 'CLOSED' | 'OPEN' | 'HALF_OPEN';
}

/**
 * One result-cache operation (`velomcp:orchestration:cache`): a lookup that hit or missed, a result stored, or
 * a backend failure (the call ran uncached, or its result was not stored). Published by `ResultCache`.
 */
export interface CacheEvent {
  /** The backend's name: `memory`, `sqlite`, `redis`, or a custom backend's. */
  readonly backend: string;
  readonly result: 'hit' | 'miss' | 'store' | 'error';
}

/** The channels, by stable name. */
export const channels = {
  requestStart: diagnostics_channel.channel('velomcp:server:request:start'),
  requestEnd: diagnostics_channel.channel('velomcp:server:request:end'),
  requestRejected: diagnostics_channel.channel('velomcp:server:request:rejected'),
  sessionOpen: diagnostics_channel.channel('velomcp:server:session:open'),
  sessionClose: diagnostics_channel.channel('velomcp:server:session:close'),
  connectionOpen: diagnostics_channel.channel('velomcp:server:connection:open'),
  connectionClose: diagnostics_channel.channel('velomcp:server:connection:close'),
  fanout: diagnostics_channel.channel('velomcp:server:fanout'),
  log: diagnostics_channel.channel('velomcp:server:log'),
  queue: diagnostics_channel.channel('velomcp:server:queue'),
  clientRequestStart: diagnostics_channel.channel('velomcp:client:request:start'),
  clientRequestEnd: diagnostics_channel.channel('velomcp:client:request:end'),
  breaker: diagnostics_channel.channel('velomcp:orchestration:breaker'),
  cache: diagnostics_channel.channel('velomcp:orchestration:cache'),
} as const;

/** Names of {@link channels}. */
export type ChannelName = keyof typeof channels;

/** The subscription shape of each channel. */
export interface ChannelMessages {
  requestStart: ServerRequestEvent;
  requestEnd: ServerRequestEvent;
  requestRejected: RejectedMessageEvent;
  sessionOpen: SessionEvent;
  sessionClose: SessionEvent;
  connectionOpen: ConnectionEvent;
  connectionClose: ConnectionEvent;
  fanout: FanoutEvent;
  log: HandlerLogEvent;
  queue: QueueEvent;
  clientRequestStart: ClientRequestEvent;
  clientRequestEnd: ClientRequestEvent;
  breaker: BreakerEvent;
  cache: CacheEvent;
}

const noop = (): void => {};
const PAIRS: ReadonlyArray<[ChannelName, ChannelName]> = [
  ['requestEnd', 'requestStart'],
  ['sessionClose', 'sessionOpen'],
  ['connectionClose', 'connectionOpen'],
  ['clientRequestEnd', 'clientRequestStart'],
];

/** Handlers for some channels, as given to {@link subscribe}. */
export type Subscribers = { [K in ChannelName]?: (event: ChannelMessages[K]) => void };

/**
 * Subscribes `handlers` to their channels and returns the function that unsubscribes them all.
 *
 * @example
 * ```ts
 * const off = subscribe({ requestEnd: (e) => console.log(e.method, e.duration) });
 * ```
 */
export function subscribe(handlers: Subscribers): () => void {
  const done: Array<() => void> = [];
  const all: Subscribers = { ...handlers };
  // Publishers test only the opening channel (one property read on the hot path): an end or close subscriber
  // needs a listener on its start or open channel too.
  for (const [end, start] of PAIRS) if (all[end] && !all[start]) (all as Record<string, () => void>)[start] = noop;
  for (const name of Object.keys(all) as ChannelName[]) {
    const fn = all[name] as ((message: unknown, name: string | symbol) => void) | undefined;
    if (!fn) continue;
    const ch = channels[name];
    ch.subscribe(fn);
    done.push(() => ch.unsubscribe(fn));
  }
  return () => {
    for (const off of done.splice(0)) off();
  };
}

// ---- publishing helpers (used by the server, its transports and the client; call only behind hasSubscribers) ----


function targetOf(params: JsonObject | undefined, method: string): [string | undefined, ServerRequestEvent['targetKind']] {
  if (!params) return [undefined, undefined];
  if (method === 'tools/call' && typeof params.name === 'string') return [params.name, 'tool'];
  if (method === 'prompts/get' && typeof params.name === 'string') return [params.name, 'prompt'];
  if (typeof params.uri === 'string' && method.startsWith('resources/')) return [params.uri, 'resource'];
  return [undefined, undefined];
}

/** What the dispatcher knows of the connection a request arrived on. */
export interface ConnectionFacts {
  readonly transport: string;
  readonly sessionId: string | undefined;
}

/** What the dispatcher's request context offers the seam: its facts, and a slot that holds the event. */
export interface ObservedContext {
  readonly requestId: JsonRpcId;
  readonly method: string;
  readonly era: 'legacy' | 'modern';
  readonly protocolVersion: string;
  observed: object | undefined;
}

/** @internal Publishes a request start; the event waits in `context.observed` until {@link publishRequestEnd}. */
export function publishRequestStart(conn: ConnectionFacts, context: ObservedContext, params: JsonObject | undefined): void {
  // One object per request, reused at its end; the target is worked out inline (no tuple per call).
  const method = context.method;
  let target: string | undefined;
  let targetKind: ServerRequestEvent['targetKind'];
  if (params !== undefined) {
    if (method === 'tools/call') {
      if (typeof params.name === 'string') (target = params.name), (targetKind = 'tool');
    } else if (method === 'prompts/get') {
      if (typeof params.name === 'string') (target = params.name), (targetKind = 'prompt');
    } else if (typeof params.uri === 'string' && method.startsWith('resources/')) (target = params.uri), (targetKind = 'resource');
  }
  const era = context.era;
  const event: ServerRequestEvent = {
    method,
    target,
    targetKind,
    era,
    protocolVersion: context.protocolVersion,
    transport: conn.transport,
    sessionId: era === 'legacy' ? conn.sessionId : undefined,
    requestId: context.requestId,
    params,
    context,
    startTime: performance.now(),
    outcome: undefined,
    duration: undefined,
    error: undefined,
    result: undefined,
    runInContext: undefined,
  };
  context.observed = event;
  channels.requestStart.publish(event);
}

/** @internal Runs the handler of an observed request inside the context its subscribers asked for. */
export function runObserved<T>(context: ObservedContext, fn: () => T): T {
  const run = (context.observed as ServerRequestEvent | undefined)?.runInContext;
  return run ? run(fn) : fn();
}

/** @internal The wrapper a start subscriber asked the handler to run in, if any (see {@link ServerRequestEvent.runInContext}). */
export function observedRunner(context: ObservedContext): (<T>(fn: () => T) => T) | undefined {
  const event = context.observed as ServerRequestEvent | undefined;
  return event === undefined ? undefined : event.runInContext;
}

/** @internal Publishes the end of a request started with {@link publishRequestStart} (no-op otherwise). */
export function publishRequestEnd(context: ObservedContext, outcome: RequestOutcome, resultOrError?: unknown): void {
  const event = context.observed as ServerRequestEvent | undefined;
  if (!event) return;
  context.observed = undefined;
  event.duration = (performance.now() - event.startTime) / 1000;
  if (outcome === 'error') event.error = resultOrError as JsonRpcErrorObject;
  else if (outcome === 'ok') {
    event.result = resultOrError;
    const r = resultOrError as { isError?: unknown } | undefined;
    if (event.method === 'tools/call' && r !== null && typeof r === 'object' && r.isError === true) outcome = 'tool_error';
  }
  event.outcome = outcome;
  channels.requestEnd.publish(event);
}

const openEvents = new WeakMap<object, SessionEvent>();

/** @internal Publishes a session open; `owner` keys it until {@link publishSessionClose}. */
export function publishSessionOpen(owner: object, conn: ConnectionFacts, protocolVersion: string): void {
  const event: SessionEvent = { sessionId: conn.sessionId, protocolVersion, transport: conn.transport, startTime: performance.now(), duration: undefined };
  openEvents.set(owner, event);
  channels.sessionOpen.publish(event);
}

/** @internal */
export function publishSessionClose(owner: object): void {
  const event = openEvents.get(owner);
  if (!event) return;
  openEvents.delete(owner);
  event.duration = (performance.now() - event.startTime) / 1000;
  channels.sessionClose.publish(event);
}

const connectionEvents = new WeakMap<object, ConnectionEvent>();

/** @internal Publishes a connection open; `owner` keys it until {@link publishConnectionClose}. */
export function publishConnectionOpen(owner: object, conn: ConnectionFacts): void {
  const event: ConnectionEvent = { transport: conn.transport, sessionId: conn.sessionId, startTime: performance.now(), duration: undefined };
  connectionEvents.set(owner, event);
  channels.connectionOpen.publish(event);
}

/** @internal */
export function publishConnectionClose(owner: object): void {
  const event = connectionEvents.get(owner);
  if (!event) return;
  connectionEvents.delete(owner);
  event.duration = (performance.now() - event.startTime) / 1000;
  channels.connectionClose.publish(event);
}

/** @internal */
export function publishRejected(conn: ConnectionFacts, requestId: JsonRpcId | null, error: JsonRpcErrorObject): void {
  channels.requestRejected.publish({ requestId, error, transport: conn.transport, sessionId: conn.sessionId } satisfies RejectedMessageEvent);
}

/** @internal `started` is a `performance.now()` reading taken before the writes. */
export function publishFanout(method: string, recipients: number, started: number): void {
  channels.fanout.publish({ method, recipients, duration: (performance.now() - started) / 1000 } satisfies FanoutEvent);
}

/** @internal A `performance.now()` reading for {@link publishFanout}, or 0 when nobody listens. */
export function fanoutClock(): number {
  return channels.fanout.hasSubscribers ? performance.now() : 0;
}

/** @internal Publishes a client request start; returns the event for {@link publishClientRequestEnd}. */
export function publishClientRequestStart(method: string, params: JsonObject | undefined, era: 'legacy' | 'modern' | undefined, protocolVersion: string | undefined): ClientRequestEvent {
  const [target, targetKind] = targetOf(params, method);
  const event: ClientRequestEvent = { method, target, targetKind, era, protocolVersion, params, meta: {}, startTime: performance.now(), outcome: undefined, duration: undefined, error: undefined, result: undefined };
  channels.clientRequestStart.publish(event);
  return event;
}

/** @internal */
export function publishClientRequestEnd(event: ClientRequestEvent, outcome: RequestOutcome, resultOrError?: unknown): void {
  event.duration = (performance.now() - event.startTime) / 1000;
  if (outcome === 'error') event.error = resultOrError;
  else {
    event.result = resultOrError;
    const r = resultOrError as { isError?: unknown } | undefined;
    if (event.method === 'tools/call' && r !== null && typeof r === 'object' && r.isError === true) outcome = 'tool_error';
  }
  event.outcome = outcome;
  channels.clientRequestEnd.publish(event);
}
