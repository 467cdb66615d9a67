/**
 * Mounting an upstream MCP server under a prefix (MCP++ "P2P service manager"; FastMCP `mount()`,
 * ContextForge and agentgateway style gateways). The upstream's tools, prompts, resources and templates are
 * listed once, registered on the downstream server under namespaced names (`<prefix>_<tool>`,
 * `<prefix>_<prompt>`, resource URIs `<prefix>+<uri>`) and listed again when the upstream says its lists
 * changed. Calls, reads, prompt gets and completions are forwarded through a per-principal connection pool
 * and the upstream's resilience policy; progress, cancellation, logging and sampling/elicitation/roots
 * requests travel through in both eras.
 *
 * When the breaker opens, the upstream's tools are dropped from `tools/list` (`whenUnhealthy: 'drop'`, the
 * default; toolhive does the same) or kept and answered at once with a tool error (`'keep'`); a probe (`ping`)
 * runs after the breaker's half-open delay and the tools come back when it succeeds.
 */
import { BrokenCircuitError, BulkheadRejectedError } from 'cockatiel';
import type { CallOptions } from '../../client/options.js';
import { ErrorCode } from '../../jsonrpc/codes.js';
import { McpError, VeloError } from '../../jsonrpc/errors.js';
import type { JsonObject } from '../../jsonrpc/message.js';
import type { CallToolResult, Prompt, Resource, ResourceTemplate, Tool } from '../../protocol/types.js';
import type { RequestContext } from '../../server/context.js';
import { InputRequiredSignal } from '../../server/input.js';
import type { McpServer } from '../../server/mcp-server.js';
import type { Registration } from '../../server/options.js';
import { resolveCachePolicy, type ResultCache, type ToolCachePolicy } from '../cache/result-cache.js';
import { ConnectionPool, type PoolOptions, type PoolStats } from '../pool/pool.js';
import { isUpstreamFailure, UpstreamPolicy, type BreakerState, type ResilienceOptions } from '../resilience/policy.js';
import { ToolBreakers, ToolCircuitOpenError, type ToolBreakerStats } from '../resilience/tool-breakers.js';
import { listAll, registerPrompts, registerResources, registerTools, upstreamResult, type ListHost } from './lists.js';
import { describeTarget, UpstreamConnection, type CallBinding, type UpstreamConnectOptions, type UpstreamTarget } from './upstream.js';

/** Options of {@link mount}. */
export interface MountOptions extends UpstreamConnectOptions {
  /** Between prefix and name (default `_`). */
  separator?: string;
  /** Connection pool of this upstream (default max 10 per upstream). */
  pool?: PoolOptions;
  /** Breaker, timeout, retry and bulkhead of this upstream. */
  resilience?: ResilienceOptions;
  /** What happens to the tools while the breaker is open: `drop` (default) hides them, `keep` lists them and fails calls at once. */
  whenUnhealthy?: 'drop' | 'keep';
  /** A result cache for this upstream's tools (read-only tools by default; see `toolCache`). */
  cache?: ResultCache;
  /** Per upstream tool name: cache or not, TTL and scope (`public` results are shared by all principals). */
  toolCache?: Record<string, ToolCachePolicy>;
  /** Per upstream tool name: a timeout in milliseconds other than `resilience.timeoutMs` (0: none). */
  toolTimeoutMs?: Record<string, number>;
  /** Problems that do not belong to one call: a list that failed to refresh, a tool that could not be registered. */
  onError?: (error: Error) => void;
  /** The breaker changed state. */
  onHealthChange?: (state: BreakerState) => void;
  /** The breaker of one upstream tool (its upstream name) changed state. */
  onToolHealthChange?: (tool: string, state: BreakerState) => void;
}

/** Counters of a mount. */
export interface MountStats {
  prefix: string;
  upstream: string;
  state: BreakerState;
  tools: number;
  prompts: number;
  resources: number;
  pool: PoolStats;
  breaker: UpstreamPolicy['stats'];
  /** The per-tool breakers of the tools called so far, by upstream tool name (empty when they are off). */
  toolBreakers: Record<string, ToolBreakerStats>;
  cache: ResultCache['stats'] | undefined;
  /** List refreshes done after list_changed. */
  refreshes: number;
}

const PREFIX = /^[A-Za-z][A-Za-z0-9.-]{0,31}$/;
type ListKind = 'tools' | 'prompts' | 'resources';

function toolError(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

/** An upstream mounted on a server; made by {@link mount}. */
export class Mount {
  readonly prefix: string;
  readonly separator: string;
  readonly target: UpstreamTarget;
  readonly pool: ConnectionPool<UpstreamConnection>;
  readonly policy: UpstreamPolicy;
  /** The per-tool breakers, unless `resilience.toolBreaker` is `false`. */
  readonly toolBreakers: ToolBreakers | undefined;
  readonly #options: MountOptions;
  readonly #tools = new Map<string, Registration>();
  readonly #prompts = new Map<string, Registration>();
  readonly #resources = new Map<string, Registration>();
  readonly #host: ListHost;
  #control: UpstreamConnection | undefined;
  #controlOpening: Promise<UpstreamConnection> | undefined;
  #pending = new Set<ListKind>();
  #refreshing: Promise<void> | undefined;
  #refreshTimer: NodeJS.Timeout | undefined;
  #probeTimer: NodeJS.Timeout | undefined;
  /** Per tool whose breaker opened (with `whenUnhealthy: 'drop'`): the timer that lists it again for the probe call. */
  readonly #toolTimers = new Map<string, NodeJS.Timeout>();
  #refreshes = 0;
  #closed = false;

  /** @internal Use {@link mount}. */
  constructor(server: McpServer, prefix: string, target: UpstreamTarget, options: MountOptions) {
    if (!PREFIX.test(prefix)) throw new VeloError('VELO_INVALID_CONFIG', `Invalid mount prefix ${JSON.stringify(prefix)}: a letter, then up to 31 of A-Z a-z 0-9 . - (it also prefixes URI schemes)`);
    this.prefix = prefix;
    this.separator = options.separator ?? '_';
    this.target = target;
    this.#options = options;
    this.#host = {
      server,
      prefix,
      separator: this.separator,
      mountUri: (uri) => this.mountUri(uri),
      upstreamUri: (uri) => this.upstreamUri(uri),
      callTool: (name, args, ctx, annotations) => this.callTool(name, args, ctx, annotations),
      forward: (ctx, what, call) => this.#forwardOther(ctx, what, call),
      onError: (err) => this.#options.onError?.(err),
    };
    this.policy = new UpstreamPolicy(options.resilience, { onStateChange: (s) => this.#health(s) });
    const tb = options.resilience?.toolBreaker;
    this.toolBreakers = tb === false ? undefined : new ToolBreakers(tb ?? {}, (tool, s) => this.#toolHealth(tool, s));
    this.pool = new ConnectionPool<UpstreamConnection>(
      {
        create: () => UpstreamConnection.open(target, options),
        destroy: (c) => c.close(),
        isAlive: (c) => c.alive,
        check: async (c) => {
          await c.client.ping({ timeoutMs: 5000 });
          return true;
        },
      },
      options.pool,
    );
  }

  /** The breaker's state: CLOSED (healthy), OPEN (failing; tools dropped or failing fast) or HALF_OPEN (probing). */
  get state(): BreakerState {
    return this.policy.state;
  }

  /** Names of the downstream tools this mount registered. */
  get toolNames(): string[] {
    return [...this.#tools.keys()];
  }

  /** Counters now. */
  get stats(): MountStats {
    return {
      prefix: this.prefix,
      upstream: describeTarget(this.target),
      state: this.state,
      tools: this.#tools.size,
      prompts: this.#prompts.size,
      resources: this.#resources.size,
      pool: this.pool.stats,
      breaker: this.policy.stats,
      toolBreakers: this.toolBreakers?.stats ?? {},
      cache: this.#options.cache?.stats,
      refreshes: this.#refreshes,
    };
  }

  /** Prefixes a URI (or URI template) so two upstreams' resources never collide: `<prefix>+<uri>`. */
  mountUri(uri: string): string {
    return `${this.prefix}+${uri}`;
  }

  /** The upstream URI of a downstream one, or undefined when it is not this mount's. */
  upstreamUri(uri: string): string | undefined {
    return uri.startsWith(`${this.prefix}+`) ? uri.slice(this.prefix.length + 1) : undefined;
  }

  /**
   * Connects the control link and registers every list. @throws what connecting or listing threw.
   * @internal Called by {@link mount}.
   */
  async start(): Promise<void> {
    const control = await this.#controlLink();
    await this.#refreshAll(control);
  }

  /** Lists again now (what a list_changed does, without waiting for the debounce). */
  async refresh(kinds: ListKind[] = ['tools', 'prompts', 'resources']): Promise<void> {
    for (const k of kinds) this.#pending.add(k);
    await this.#drain();
  }

  /**
   * Calls an upstream tool by its upstream name, through the pool, the policy and the cache, as the tool
   * handler does. Failures of the upstream come back as `isError` results; JSON-RPC errors the upstream
   * answered with are thrown as `McpError`.
   * @param ctx - The downstream request (for principal, cancellation, progress, logging and input); optional.
   */
  async callTool(name: string, args: JsonObject = {}, ctx?: RequestContext, annotations?: Tool['annotations']): Promise<CallToolResult> {
    const cache = this.#options.cache;
    const policy = cache ? resolveCachePolicy(this.#options.toolCache?.[name], annotations, cache.ttlMs) : undefined;
    const idempotent = annotations?.readOnlyHint === true || annotations?.idempotentHint === true;
    const timeoutMs = this.#options.toolTimeoutMs?.[name] ?? this.policy.timeoutMs;
    const run = (): Promise<CallToolResult> => this.#callTool(name, args, ctx, idempotent, timeoutMs);
    if (!cache || !policy) return run();
    return cache.through(cache.key(`${this.prefix}/${name}`, args, ctx?.principal ?? '', policy.scope), policy.ttlMs, run);
  }

  /** Unregisters everything, closes the pool and the control link. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#refreshTimer);
    clearTimeout(this.#probeTimer);
    for (const t of this.#toolTimers.values()) clearTimeout(t);
    this.#toolTimers.clear();
    for (const regs of [this.#tools, this.#prompts, this.#resources]) {
      for (const r of regs.values()) r.remove();
      regs.clear();
    }
    await this.pool.close();
    const control = this.#control;
    this.#control = undefined;
    await control?.close();
  }

  // ------------------------------------------------------------------ forwarding

  async #callTool(name: string, args: JsonObject, ctx: RequestContext | undefined, idempotent: boolean, timeoutMs: number): Promise<CallToolResult> {
    const forward = (): Promise<CallToolResult> =>
      this.#forward(ctx, idempotent, timeoutMs, (client, opts, modern) =>
        client.callTool({ name, arguments: args, ...(modern && { _meta: { 'io.modelcontextprotocol/logLevel': 'debug' } }) }, opts).then(upstreamResult),
      );
    try {
      return await (this.toolBreakers ? this.toolBreakers.execute(name, forward) : forward());
    } catch (err) {
      if (err instanceof McpError || err instanceof InputRequiredSignal) throw err;
      if (err instanceof VeloError && err.code === 'VELO_REQUEST_CANCELLED' && ctx?.signal.aborted) throw err;
      return toolError(this.#explain(err, `tool ${name}`, timeoutMs));
    }
  }

  /** Runs one upstream request for a downstream request: lease, bind, call, release. */
  #forward<T>(ctx: RequestContext | undefined, idempotent: boolean, timeoutMs: number, call: (client: UpstreamConnection['client'], options: CallOptions, modern: boolean) => Promise<T>): Promise<T> {
    return this.policy.execute(
      async (signal) => {
        const lease = await this.pool.acquire(ctx?.principal ?? '', signal);
        const conn = lease.connection;
        const binding: CallBinding = { ctx, abort: new AbortController(), inputSignal: undefined, rounds: 0 };
        const onAbort = (): void => binding.abort.abort(signal.reason);
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
        conn.current = binding;
        let broken = false;
        try {
          const opts: CallOptions = { signal: binding.abort.signal };
          if (timeoutMs > 0) opts.timeoutMs = timeoutMs;
          if (ctx && ctx._meta.progressToken !== undefined) opts.onProgress = (p) => ctx.progress(p.progress, p.total, p.message);
          return await call(conn.client, opts, conn.client.era === 'modern');
        } catch (err) {
          if (binding.inputSignal) throw binding.inputSignal;
          // Transport failures and timeouts (a timed-out call may have left the connection stuck): never reuse it.
          broken = isUpstreamFailure(err) || !conn.alive;
          throw err;
        } finally {
          conn.current = undefined;
          signal.removeEventListener('abort', onAbort);
          lease.release(broken);
        }
      },
      { idempotent, ...(ctx && { signal: ctx.signal }) },
    );
  }

  /** Forwards a non-tool request; upstream failures become JSON-RPC errors (-32603) with a clear message. */
  async #forwardOther<T extends object>(ctx: RequestContext | undefined, what: string, call: (client: UpstreamConnection['client'], options: CallOptions) => Promise<T>): Promise<T> {
    try {
      return upstreamResult(await this.#forward(ctx, true, this.policy.timeoutMs, (c, o) => call(c, o)));
    } catch (err) {
      if (err instanceof McpError || err instanceof InputRequiredSignal) throw err;
      if (err instanceof VeloError && err.code === 'VELO_REQUEST_CANCELLED' && ctx?.signal.aborted) throw err;
      throw new McpError(ErrorCode.InternalError, this.#explain(err, what), { upstream: this.prefix });
    }
  }

  #explain(err: unknown, what: string, timeoutMs = this.policy.timeoutMs): string {
    if (err instanceof ToolCircuitOpenError)
      return `Tool ${err.tool} of upstream "${this.prefix}" is unavailable: its circuit breaker is open after repeated failures; ${what} was not sent. The next call after about ${Math.ceil(err.retryAfterMs / 1000)} s is let through as a probe.`;
    if (err instanceof BrokenCircuitError) return `Upstream "${this.prefix}" is unavailable: its circuit breaker is open after repeated failures; ${what} was not sent. It is probed again within ${Math.ceil(this.policy.halfOpenAfterMs / 1000)} s.`;
    if (err instanceof BulkheadRejectedError) return `Upstream "${this.prefix}" is saturated (too many calls in flight and queued); ${what} was not sent.`;
    if (err instanceof VeloError && err.code === 'VELO_REQUEST_TIMEOUT') return `Upstream "${this.prefix}" did not answer ${what} in time (${timeoutMs} ms)`;
    return `Upstream "${this.prefix}" failed on ${what}: ${err instanceof Error ? err.message : String(err)}`;
  }

  // ------------------------------------------------------------------ lists

  #controlLink(): Promise<UpstreamConnection> {
    const c = this.#control;
    if (c?.alive) return Promise.resolve(c);
    return (this.#controlOpening ??= (async () => {
      try {
        const conn = await UpstreamConnection.open(this.target, this.#options, (kind) => this.#listChanged(kind));
        if (conn.client.era === 'modern') {
          // Modern upstreams announce list changes on a listen stream.
          await conn.client.listen({ toolsListChanged: true, promptsListChanged: true, resourcesListChanged: true }, {
            onNotification: (n) => {
              if (n.method === 'notifications/tools/list_changed') this.#listChanged('tools');
              else if (n.method === 'notifications/prompts/list_changed') this.#listChanged('prompts');
              else if (n.method === 'notifications/resources/list_changed') this.#listChanged('resources');
            },
          });
        }
        if (this.#closed) {
          await conn.close();
          throw new VeloError('VELO_CONNECTION_CLOSED', 'The mount was closed');
        }
        this.#control = conn;
        return conn;
      } finally {
        this.#controlOpening = undefined;
      }
    })());
  }

  #listChanged(kind: ListKind): void {
    if (this.#closed) return;
    this.#pending.add(kind);
    // Debounce: a burst of changes upstream gives one refresh.
    if (this.#refreshTimer) return;
    this.#refreshTimer = setTimeout(() => {
      this.#refreshTimer = undefined;
      this.#drain().catch((err: Error) => this.#options.onError?.(err));
    }, 10);
  }

  async #drain(): Promise<void> {
    while (this.#refreshing) await this.#refreshing;
    if (this.#pending.size === 0) return;
    const kinds = [...this.#pending];
    this.#pending.clear();
    this.#refreshing = (async () => {
      const control = await this.#controlLink();
      await this.#refreshKinds(control, kinds);
      this.#refreshes++;
    })().finally(() => (this.#refreshing = undefined));
    await this.#refreshing;
  }

  async #refreshAll(control: UpstreamConnection): Promise<void> {
    await this.#refreshKinds(control, ['tools', 'prompts', 'resources']);
  }

  async #refreshKinds(control: UpstreamConnection, kinds: ListKind[]): Promise<void> {
    const caps = control.client.serverCapabilities ?? {};
    const client = control.client;
    const [tools, prompts, resources, templates] = await Promise.all([
      kinds.includes('tools') && caps.tools ? listAll<Tool>((cursor) => client.listTools(cursor ? { cursor } : {}), 'tools') : undefined,
      kinds.includes('prompts') && caps.prompts ? listAll<Prompt>((cursor) => client.listPrompts(cursor ? { cursor } : {}), 'prompts') : undefined,
      kinds.includes('resources') && caps.resources ? listAll<Resource>((cursor) => client.listResources(cursor ? { cursor } : {}), 'resources') : undefined,
      kinds.includes('resources') && caps.resources ? listAll<ResourceTemplate>((cursor) => client.listResourceTemplates(cursor ? { cursor } : {}), 'resourceTemplates') : undefined,
    ]);
    if (this.#closed) return;
    const completions = caps.completions !== undefined;
    const drop = (this.#options.whenUnhealthy ?? 'drop') === 'drop';
    const upstreamDown = this.state !== 'CLOSED';
    const hide = (tool: string): boolean => drop && (upstreamDown || this.#toolTimers.has(tool));
    if (kinds.includes('tools')) registerTools(this.#host, this.#tools, tools ?? [], hide);
    if (kinds.includes('prompts')) registerPrompts(this.#host, this.#prompts, prompts ?? [], completions);
    if (kinds.includes('resources')) registerResources(this.#host, this.#resources, resources ?? [], templates ?? [], completions);
  }

  // ------------------------------------------------------------------ health

  #health(state: BreakerState): void {
    this.#options.onHealthChange?.(state);
    if (this.#closed) return;
    const drop = (this.#options.whenUnhealthy ?? 'drop') === 'drop';
    if (state === 'OPEN') {
      if (drop) for (const r of this.#tools.values()) r.disable();
      clearTimeout(this.#probeTimer);
      this.#probeTimer = setTimeout(() => void this.#probe(), this.policy.halfOpenAfterMs + 5);
      this.#probeTimer.unref();
    } else if (state === 'CLOSED') {
      clearTimeout(this.#probeTimer);
      // Back after an outage (perhaps restarted): every tool starts over with a closed breaker.
      this.toolBreakers?.reset();
      for (const t of this.#toolTimers.values()) clearTimeout(t);
      this.#toolTimers.clear();
      for (const r of this.#tools.values()) r.enable();
    }
  }

  /**
   * One tool's breaker changed state. With `whenUnhealthy: 'drop'` an open tool leaves `tools/list` and is
   * listed again after the half-open delay, so that the next call can probe it; `'keep'` leaves it listed
   * (calls fail at once until the probe).
   */
  #toolHealth(tool: string, state: BreakerState): void {
    this.#options.onToolHealthChange?.(tool, state);
    if (this.#closed || (this.#options.whenUnhealthy ?? 'drop') !== 'drop') return;
    const reg = this.#tools.get(`${this.prefix}${this.separator}${tool}`);
    clearTimeout(this.#toolTimers.get(tool));
    this.#toolTimers.delete(tool);
    if (state === 'OPEN') {
      reg?.disable();
      const timer = setTimeout(() => {
        this.#toolTimers.delete(tool);
        if (!this.#closed && this.state === 'CLOSED') this.#tools.get(`${this.prefix}${this.separator}${tool}`)?.enable();
      }, this.toolBreakers!.halfOpenAfterMs + 5);
      timer.unref();
      this.#toolTimers.set(tool, timer);
    } else if (state === 'CLOSED' && this.state === 'CLOSED') {
      reg?.enable();
    }
  }

  /** Half-open probe: one `ping` through the breaker on a fresh or pooled connection; success closes it. */
  async #probe(): Promise<void> {
    if (this.#closed || this.state !== 'OPEN') return;
    try {
      await this.policy.breaker.execute(async () => {
        const lease = await this.pool.acquire('');
        try {
          await lease.connection.client.ping({ timeoutMs: 5000 });
          lease.release();
        } catch (err) {
          lease.release(true);
          throw err;
        }
      });
      // Recovered: the upstream may have restarted with other lists.
      await this.refresh().catch((err: Error) => this.#options.onError?.(err));
    } catch {
      // Still failing: the breaker re-opened and #health scheduled the next probe.
    }
  }
}

/**
 * Mounts an upstream on `server` under `prefix`: connects, lists, registers, and keeps the lists fresh.
 * @throws VeloError `VELO_INVALID_CONFIG` (bad prefix); whatever connecting or listing the upstream threw
 *   (nothing stays registered then).
 */
export async function mount(server: McpServer, prefix: string, target: UpstreamTarget, options: MountOptions = {}): Promise<Mount> {
  const m = new Mount(server, prefix, target, options);
  try {
    await m.start();
  } catch (err) {
    await m.close();
    throw err;
  }
  return m;
}
