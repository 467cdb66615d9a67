/**
 * Prometheus metrics for velomcp on prom-client (`velomcp/metrics`): the MCP semantic-convention histograms
 * (seconds, the conventions' bucket boundaries) and velomcp's own counters and gauges, fed by the
 * diagnostics-channel seam. Importing this module subscribes nothing; {@link McpMetrics} does, and
 * {@link McpMetrics.close} unsubscribes.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { subscribe, type ClientRequestEvent, type ServerRequestEvent } from './channels.js';
import { DURATION_BUCKETS, errorTypeOf, networkOf } from './semconv.js';
import { SeriesHistogram, type HistogramSeries } from './series-histogram.js';

/** Options of {@link McpMetrics}. */
export interface McpMetricsOptions {
  /** Where the metrics are registered. Default: a new prom-client `Registry` of its own. */
  registry?: Registry;
  /** Also collect prom-client's default process metrics (heap, RSS, event-loop lag, GC, handles). Default true. */
  defaultMetrics?: boolean;
  /** Histogram bucket boundaries in seconds. Default: the conventions' {@link DURATION_BUCKETS}. */
  buckets?: readonly number[];
  /**
   * Most distinct tool/prompt names kept as label values; later names are recorded as `_OTHER`, so clients
   * calling made-up names cannot grow the series without bound. Default 1000.
   */
  maxTargets?: number;
}

type Labels<T extends string> = Partial<Record<T, string>>;

/** Requests in flight on one transport kind. */
interface InFlight {
  n: number;
}

/** The server histogram series of one label set, with its error counter child and its transport's in-flight counter. */
interface ServerSeries {
  readonly histogram: HistogramSeries;
  readonly errors: { inc(): void } | undefined;
  readonly inFlight: InFlight;
}

/**
 * Subscribes prom-client metrics to the velomcp channels. Metric names (Prometheus form of the
 * conventions' names; see docs/operating.md for the full list):
 *
 * - `mcp_server_operation_duration_seconds`, `mcp_client_operation_duration_seconds` (histograms; labels
 *   `mcp_method_name`, `mcp_protocol_version`, `network_transport`, `network_protocol_name`,
 *   `gen_ai_tool_name`, `gen_ai_prompt_name`, `gen_ai_operation_name`, `rpc_response_status_code`, `error_type`)
 * - `mcp_server_session_duration_seconds` (histogram; `mcp_protocol_version`, `network_transport`, `network_protocol_name`)
 * - `velomcp_sessions_active{transport}`, `velomcp_connections_active{transport}`, `velomcp_requests_in_flight{transport}`
 * - `velomcp_errors_total{error_type,mcp_method_name}`, `velomcp_rejected_messages_total{error_type,transport}`
 * - `velomcp_fanout_duration_seconds{mcp_method_name}`, `velomcp_fanout_recipients_total{mcp_method_name}`
 * - `velomcp_breaker_state{upstream,tool}`, `velomcp_breaker_transitions_total{upstream,tool,state}`,
 *   `velomcp_cache_operations_total{backend,result}` (orchestration mounts and result caches)
 */
export class McpMetrics {
  /** The registry holding every metric (expose it with {@link McpMetrics.metrics} or {@link metricsHandler}). */
  readonly registry: Registry;
  readonly serverOperationDuration: SeriesHistogram;
  readonly clientOperationDuration: SeriesHistogram;
  readonly serverSessionDuration: Histogram<'mcp_protocol_version' | 'network_transport' | 'network_protocol_name'>;
  readonly sessions: Gauge<'transport'>;
  readonly connections: Gauge<'transport'>;
  readonly inFlight: Gauge<'transport'>;
  readonly errors: Counter<'error_type' | 'mcp_method_name'>;
  readonly rejected: Counter<'error_type' | 'transport'>;
  readonly fanoutDuration: Histogram<'mcp_method_name'>;
  readonly fanoutRecipients: Counter<'mcp_method_name'>;
  readonly queueDepth: Gauge<'queue'>;
  readonly breakerState: Gauge<'upstream' | 'tool'>;
  readonly breakerTransitions: Counter<'upstream' | 'tool' | 'state'>;
  readonly cacheOperations: Counter<'backend' | 'result'>;
  readonly #targets = new Set<string>();
  /** Histogram children (and the error counter child) by label key: label hashing happens once per series. */
  readonly #serverSeries = new Map<string, ServerSeries>();
  /**
   * Successful requests' series by method → target → protocol version → transport: lookups by strings the
   * dispatcher already holds (hashes cached), without building a key per call.
   */
  readonly #okSeries = new Map<string, Map<string, Map<string, Map<string, ServerSeries>>>>();
  /**
   * The last successful request's facts and series: consecutive requests for the same method, target,
   * version and transport (the common case) skip the maps with four string comparisons.
   */
  #lastMethod = '';
  #lastTarget: string | undefined = undefined;
  #lastVersion = '';
  #lastTransport = '';
  #lastOk: ServerSeries | undefined = undefined;
  readonly #clientSeries = new Map<string, HistogramSeries>();
  /** Requests in flight by transport (a counter object each, so a request start is one increment); read into the gauge at scrape time. */
  readonly #inFlight = new Map<string, InFlight>();
  /** The in-flight counter of the transport of the last request start. */
  #startTransport = '';
  #startInFlight: InFlight | undefined = undefined;
  readonly #maxTargets: number;
  readonly #off: () => void;

  constructor(options: McpMetricsOptions = {}) {
    const registers = [(this.registry = options.registry ?? new Registry())];
    const buckets = [...(options.buckets ?? DURATION_BUCKETS)];
    this.#maxTargets = options.maxTargets ?? 1000;
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.serverOperationDuration = new SeriesHistogram({
      name: 'mcp_server_operation_duration_seconds',
      help: 'MCP request duration as observed by the server (mcp.server.operation.duration), in seconds.',
      buckets,
      registers,
    });
    this.clientOperationDuration = new SeriesHistogram({
      name: 'mcp_client_operation_duration_seconds',
      help: 'MCP request duration as observed by the client, from send until the answer (mcp.client.operation.duration), in seconds.',
      buckets,
      registers,
    });
    this.serverSessionDuration = new Histogram({
      name: 'mcp_server_session_duration_seconds',
      help: 'Duration of legacy-era MCP sessions on the server, from initialize to close (mcp.server.session.duration), in seconds.',
      labelNames: ['mcp_protocol_version', 'network_transport', 'network_protocol_name'],
      buckets,
      registers,
    });
    this.sessions = new Gauge({ name: 'velomcp_sessions_active', help: 'Open legacy-era sessions.', labelNames: ['transport'], registers });
    this.connections = new Gauge({ name: 'velomcp_connections_active', help: 'Open server connections by velomcp transport kind.', labelNames: ['transport'], registers });
    const inFlight = this.#inFlight;
    this.inFlight = new Gauge({
      name: 'velomcp_requests_in_flight',
      help: 'Requests being served right now.',
      labelNames: ['transport'],
      registers,
      collect(this: Gauge<'transport'>) {
        for (const [transport, c] of inFlight) this.set({ transport }, c.n < 0 ? 0 : c.n);
      },
    });
    this.errors = new Counter({ name: 'velomcp_errors_total', help: 'Requests that ended in an error, by error.type (JSON-RPC code, tool_error, cancelled).', labelNames: ['error_type', 'mcp_method_name'], registers });
    this.rejected = new Counter({ name: 'velomcp_rejected_messages_total', help: 'Messages answered with an error before any handler ran (parse errors, unknown methods, bad _meta).', labelNames: ['error_type', 'transport'], registers });
    this.fanoutDuration = new Histogram({ name: 'velomcp_fanout_duration_seconds', help: 'Time to write one notification to all its listeners, in seconds.', labelNames: ['mcp_method_name'], buckets: [0.0001, 0.0005, 0.001, 0.005, ...buckets], registers });
    this.fanoutRecipients = new Counter({ name: 'velomcp_fanout_recipients_total', help: 'Notifications written by fan-out, counted per listener.', labelNames: ['mcp_method_name'], registers });

    this.queueDepth = new Gauge({ name: 'velomcp_queue_depth', help: 'Items waiting in a work queue (admission, workers), as last published.', labelNames: ['queue'], registers });

    this.breakerState = new Gauge({ name: 'velomcp_breaker_state', help: 'State of a circuit breaker of a mounted upstream (tool "" is the upstream\'s own): 0 closed, 1 half-open, 2 open.', labelNames: ['upstream', 'tool'], registers });
    this.breakerTransitions = new Counter({ name: 'velomcp_breaker_transitions_total', help: 'Circuit breaker state changes, by the state entered.', labelNames: ['upstream', 'tool', 'state'], registers });
    this.cacheOperations = new Counter({ name: 'velomcp_cache_operations_total', help: 'Result cache operations: hit, miss, store, error (backend failures).', labelNames: ['backend', 'result'], registers });

    this.#off = subscribe({
      queue: (e) => this.queueDepth.set({ queue: e.queue }, e.depth),
      breaker: (e) => {
        const tool = e.tool ?? '';
        this.breakerState.set({ upstream: e.upstream, tool }, e.state === 'CLOSED' ? 0 : e.state === 'HALF_OPEN' ? 1 : 2);
        this.breakerTransitions.inc({ upstream: e.upstream, tool, state: e.state });
      },
      cache: (e) => this.cacheOperations.inc({ backend: e.backend, result: e.result }),
      requestStart: (e) => {
        const c = e.transport === this.#startTransport ? this.#startInFlight : undefined;
        if (c !== undefined) c.n++;
        else this.#inFlightOf(e.transport).n++;
      },
      requestEnd: (e) => this.#onServerEnd(e),
      requestRejected: (e) => this.rejected.inc({ error_type: String(e.error.code), transport: e.transport }),
      sessionOpen: (e) => this.sessions.inc({ transport: e.transport }),
      sessionClose: (e) => {
        this.sessions.dec({ transport: e.transport });
        const net = networkOf(e.transport);
        const labels: Labels<'mcp_protocol_version' | 'network_transport' | 'network_protocol_name'> = { mcp_protocol_version: e.protocolVersion };
        if (net.transport) labels.network_transport = net.transport;
        if (net.protocol) labels.network_protocol_name = net.protocol;
        this.serverSessionDuration.observe(labels, e.duration ?? 0);
      },
      connectionOpen: (e) => this.connections.inc({ transport: e.transport }),
      connectionClose: (e) => this.connections.dec({ transport: e.transport }),
      fanout: (e) => {
        this.fanoutDuration.observe({ mcp_method_name: e.method }, e.duration);
        this.fanoutRecipients.inc({ mcp_method_name: e.method }, e.recipients);
      },
      clientRequestEnd: (e) => this.#onClientEnd(e),
    });
  }

  #target(name: string): string {
    if (this.#targets.has(name)) return name;
    if (this.#targets.size >= this.#maxTargets) return '_OTHER';
    this.#targets.add(name);
    return name;
  }

  #labels(e: ServerRequestEvent | ClientRequestEvent, transport: string | undefined, code: number | string | undefined): Record<string, string> {
    const labels: Record<string, string> = { mcp_method_name: e.method };
    if (e.protocolVersion !== undefined) labels.mcp_protocol_version = e.protocolVersion;
    if (transport !== undefined) {
      const net = networkOf(transport);
      if (net.transport) labels.network_transport = net.transport;
      if (net.protocol) labels.network_protocol_name = net.protocol;
    }
    if (e.target !== undefined && e.targetKind === 'tool') {
      labels.gen_ai_tool_name = this.#target(e.target);
      labels.gen_ai_operation_name = 'execute_tool';
    } else if (e.target !== undefined && e.targetKind === 'prompt') labels.gen_ai_prompt_name = this.#target(e.target);
    const errorType = errorTypeOf(e.outcome ?? 'ok', code);
    if (errorType !== undefined) labels.error_type = errorType;
    if (typeof code === 'number') labels.rpc_response_status_code = String(code);
    return labels;
  }

  #inFlightOf(transport: string): InFlight {
    let c = this.#inFlight.get(transport);
    if (c === undefined) this.#inFlight.set(transport, (c = { n: 0 }));
    this.#startTransport = transport;
    this.#startInFlight = c;
    return c;
  }

  #onServerEnd(e: ServerRequestEvent): void {
    if (e.outcome === 'ok') {
      let s = this.#lastOk;
      if (s === undefined || e.method !== this.#lastMethod || e.target !== this.#lastTarget || e.protocolVersion !== this.#lastVersion || e.transport !== this.#lastTransport) s = this.#okSeriesOf(e);
      s.inFlight.n--;
      this.serverOperationDuration.observe(s.histogram, e.duration ?? 0);
      return;
    }
    const target = e.target === undefined || e.targetKind === 'resource' ? '' : this.#target(e.target);
    const code = e.outcome === 'error' ? e.error?.code : undefined;
    const k = `${e.method}\u0000${target}\u0000${e.protocolVersion}\u0000${e.transport}\u0000${e.outcome ?? ''}\u0000${code ?? ''}`;
    let s = this.#serverSeries.get(k);
    if (!s) {
      const labels = this.#labels(e, e.transport, code);
      const errorType = labels.error_type;
      s = {
        histogram: this.serverOperationDuration.series(k, labels),
        errors: errorType === undefined ? undefined : this.errors.labels({ error_type: errorType, mcp_method_name: e.method }),
        inFlight: this.#inFlight.get(e.transport) ?? this.#inFlightOf(e.transport),
      };
      this.#serverSeries.set(k, s);
    }
    s.inFlight.n--;
    this.serverOperationDuration.observe(s.histogram, e.duration ?? 0);
    s.errors?.inc();
  }

  /** The series of a successful request, through the maps; remembered as the last one. */
  #okSeriesOf(e: ServerRequestEvent): ServerSeries {
    const target = e.target === undefined || e.targetKind === 'resource' ? '' : this.#target(e.target);
    let byTarget = this.#okSeries.get(e.method);
    if (!byTarget) this.#okSeries.set(e.method, (byTarget = new Map()));
    let byVersion = byTarget.get(target);
    if (!byVersion) byTarget.set(target, (byVersion = new Map()));
    let byTransport = byVersion.get(e.protocolVersion);
    if (!byTransport) byVersion.set(e.protocolVersion, (byTransport = new Map()));
    let series = byTransport.get(e.transport);
    if (!series) {
      const k = `${e.method}\u0000${target}\u0000${e.protocolVersion}\u0000${e.transport}\u0000ok\u0000`;
      series = {
        histogram: this.serverOperationDuration.series(k, this.#labels(e, e.transport, undefined)),
        errors: undefined,
        inFlight: this.#inFlight.get(e.transport) ?? this.#inFlightOf(e.transport),
      };
      byTransport.set(e.transport, series);
    }
    // The raw target is remembered: the same raw name always resolves to the same label (the set only grows).
    this.#lastMethod = e.method;
    this.#lastTarget = e.target;
    this.#lastVersion = e.protocolVersion;
    this.#lastTransport = e.transport;
    this.#lastOk = series;
    return series;
  }

  #onClientEnd(e: ClientRequestEvent): void {
    const err = e.error as { code?: unknown } | undefined;
    const code = e.outcome === 'error' && (typeof err?.code === 'number' || typeof err?.code === 'string') ? err.code : undefined;
    const target = e.target === undefined || e.targetKind === 'resource' ? '' : this.#target(e.target);
    const k = `${e.method}\u0000${target}\u0000${e.protocolVersion ?? ''}\u0000${e.outcome ?? ''}\u0000${code ?? ''}`;
    let h = this.#clientSeries.get(k);
    if (!h) this.#clientSeries.set(k, (h = this.clientOperationDuration.series(k, this.#labels(e, undefined, code))));
    this.clientOperationDuration.observe(h, e.duration ?? 0);
  }

  /** The Prometheus text exposition of every metric in the registry. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** Unsubscribes from the channels (the registry keeps its last values). */
  close(): void {
    this.#off();
  }
}

/** Options of {@link metricsHandler}. */
export interface MetricsHandlerOptions {
  /**
   * When set, `/metrics` answers 401 unless the request carries `Authorization: Bearer <token>`. Prometheus
   * sends it with `authorization: { credentials: ... }` (or `bearer_token` in older versions).
   */
  token?: string;
}

/**
 * A `node:http` handler that answers with the exposition of `source` (GET/HEAD; 405 otherwise).
 * Pass it to `serveHttp` as `routes: { '/metrics': metricsHandler(metrics) }`.
 */
export function metricsHandler(source: McpMetrics | Registry, options: MetricsHandlerOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const registry = source instanceof McpMetrics ? source.registry : source;
  const expected = options.token === undefined ? undefined : Buffer.from(`Bearer ${options.token}`);
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (expected !== undefined && !sameSecret(req.headers.authorization, expected)) {
      res.writeHead(401, { 'www-authenticate': 'Bearer realm="metrics"', 'content-type': 'text/plain' }).end('unauthorized\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? undefined : text),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics collection failed: ${err.message}\n`),
    );
  };
}

function sameSecret(given: string | undefined, expected: Buffer): boolean {
  if (given === undefined) return false;
  const b = Buffer.from(given);
  return b.length === expected.length && timingSafeEqual(b, expected);
}
