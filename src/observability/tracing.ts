/**
 * OpenTelemetry tracing for velomcp on `@opentelemetry/api` only (`velomcp/tracing`); the SDK, exporters and
 * propagators are the application's choice. Spans follow the MCP semantic conventions
 * (`semantic-conventions-genai` `docs/gen-ai/mcp.md`):
 *
 * - Server span per request, kind SERVER, named `{mcp.method.name} {target}` (target: tool or prompt name),
 *   parented by the trace context the client put in `params._meta` (`traceparent`, `tracestate`, `baggage`,
 *   reserved by 2026-07-28 `basic/index.mdx`, SEP-414); the ambient context (e.g. the HTTP request's span) is
 *   linked when both exist, and is the parent when `_meta` carries none. The handler runs with the server
 *   span active (`context.with`), so spans it starts are children of it.
 * - Client span per `McpClient` request, kind CLIENT, whose context is injected into `params._meta`, so the
 *   server span becomes its child over every transport and in both eras.
 *
 * Extraction and injection use the globally configured propagator (`propagation.setGlobalPropagator`, which
 * the OpenTelemetry Node SDK sets to W3C Trace Context + Baggage); with none configured nothing propagates.
 * Arguments and results are recorded only with `captureContent: true`.
 */
import {
  context as otelContext,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  ProxyTracer,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { subscribe, type ClientRequestEvent, type ServerRequestEvent } from './channels.js';
import { Attr, errorTypeOf, networkOf } from './semconv.js';

/** Options of {@link McpTracing}. */
export interface McpTracingOptions {
  /** Where tracers come from. Default: the global provider (`trace.getTracerProvider()`). */
  tracerProvider?: TracerProvider;
  /**
   * Record `gen_ai.tool.call.arguments` and `gen_ai.tool.call.result` (JSON strings) on tool-call spans. They may
   * hold secrets or personal data; the conventions make them opt-in. Default false.
   */
  captureContent?: boolean;
  /** Create server spans. Default true. */
  server?: boolean;
  /** Create client spans and inject their context into `params._meta`. Default true. */
  client?: boolean;
}

const requestContexts = new WeakMap<object, Context>();
const TRACER_NAME = 'velomcp';
const TRACER_VERSION = '0.1.0';

function hasTraceparent(meta: unknown): boolean {
  return meta !== null && typeof meta === 'object' && !Array.isArray(meta) && typeof (meta as Record<string, unknown>).traceparent === 'string';
}

/**
 * The OpenTelemetry context of the server span of a request, for handlers that start child spans:
 * `tracer.startActiveSpan('db', {}, traceContextOf(ctx) ?? context.active(), fn)`. Undefined when tracing is
 * off or the request is not (or no longer) being served.
 */
export function traceContextOf(requestContext: object): Context | undefined {
  return requestContexts.get(requestContext);
}

function spanName(method: string, target: string | undefined, kind: ServerRequestEvent['targetKind']): string {
  return target !== undefined && (kind === 'tool' || kind === 'prompt') ? `${method} ${target}` : method;
}

function requestAttributes(e: ServerRequestEvent | ClientRequestEvent, capture: boolean): Attributes {
  const a: Attributes = { [Attr.methodName]: e.method };
  if (e.protocolVersion !== undefined) a[Attr.protocolVersion] = e.protocolVersion;
  if (e.targetKind === 'tool' && e.target !== undefined) {
    a[Attr.toolName] = e.target;
    a[Attr.operationName] = 'execute_tool';
    if (capture && e.params?.arguments !== undefined) a[Attr.toolCallArguments] = JSON.stringify(e.params.arguments);
  } else if (e.targetKind === 'prompt' && e.target !== undefined) a[Attr.promptName] = e.target;
  else if (e.targetKind === 'resource' && e.target !== undefined) a[Attr.resourceUri] = e.target;
  return a;
}

function endSpan(span: Span, e: ServerRequestEvent | ClientRequestEvent, code: number | string | undefined, message: string | undefined, capture: boolean): void {
  const errorType = errorTypeOf(e.outcome ?? 'ok', code);
  if (errorType !== undefined) {
    span.setAttribute(Attr.errorType, errorType);
    span.setStatus(message === undefined ? { code: SpanStatusCode.ERROR } : { code: SpanStatusCode.ERROR, message });
  }
  if (typeof code === 'number') span.setAttribute(Attr.statusCode, String(code));
  if (capture && e.targetKind === 'tool' && e.outcome === 'ok' && e.result !== undefined) span.setAttribute(Attr.toolCallResult, JSON.stringify(e.result));
  span.end();
}

/**
 * Subscribes span creation to the velomcp channels until {@link McpTracing.close}.
 *
 * @example
 * ```ts
 * import { McpTracing } from 'velomcp/tracing';
 * const tracing = new McpTracing(); // uses the global tracer provider and propagator
 * ```
 */
export class McpTracing {
  readonly #tracer: Tracer;
  /**
   * The global proxy provider while it has no SDK behind it (our tracer is then the API's no-op one): a server
   * request without a remote or ambient parent needs no span at all then. Cleared once an SDK is installed.
   */
  #waitingFor: ProxyTracerProvider | undefined;
  readonly #capture: boolean;
  readonly #spans = new WeakMap<object, Span>();
  readonly #off: () => void;

  constructor(options: McpTracingOptions = {}) {
    const provider = options.tracerProvider ?? trace.getTracerProvider();
    this.#tracer = provider.getTracer(TRACER_NAME, TRACER_VERSION);
    this.#waitingFor = this.#tracer instanceof ProxyTracer && provider instanceof ProxyTracerProvider ? provider : undefined;
    this.#capture = options.captureContent ?? false;
    this.#off = subscribe({
      ...(options.server !== false && {
        requestStart: (e: ServerRequestEvent) => this.#serverStart(e),
        requestEnd: (e: ServerRequestEvent) => this.#serverEnd(e),
      }),
      ...(options.client !== false && {
        clientRequestStart: (e: ClientRequestEvent) => this.#clientStart(e),
        clientRequestEnd: (e: ClientRequestEvent) => this.#clientEnd(e),
      }),
    });
  }

  #serverStart(e: ServerRequestEvent): void {
    const meta = e.params?._meta;
    const ambient = otelContext.active();
    if (this.#waitingFor !== undefined) {
      if (this.#waitingFor.getDelegateTracer(TRACER_NAME, TRACER_VERSION) !== undefined) this.#waitingFor = undefined;
      // No SDK: the no-op tracer's span would be invalid (nothing to record, end or propagate) unless the
      // request carries a trace context or the ambient context has a span; skip building it.
      else if (!hasTraceparent(meta)) {
        const ambientSpan = trace.getSpanContext(ambient);
        if (ambientSpan === undefined || !trace.isSpanContextValid(ambientSpan)) return;
      }
    }
    let parent = ambient;
    const links: Link[] = [];
    if (hasTraceparent(meta)) {
      parent = propagation.extract(ROOT_CONTEXT, meta as Record<string, unknown>, defaultTextMapGetter);
      const ambientSpan = trace.getSpanContext(ambient);
      if (ambientSpan && trace.isSpanContextValid(ambientSpan)) links.push({ context: ambientSpan });
    }
    const attributes = requestAttributes(e, this.#capture);
    attributes[Attr.requestId] = String(e.requestId);
    if (e.sessionId !== undefined) attributes[Attr.sessionId] = e.sessionId;
    const net = networkOf(e.transport);
    if (net.transport) attributes[Attr.networkTransport] = net.transport;
    if (net.protocol) attributes[Attr.networkProtocolName] = net.protocol;
    const span = this.#tracer.startSpan(spanName(e.method, e.target, e.targetKind), { kind: SpanKind.SERVER, attributes, links }, parent);
    // No SDK (the API's no-op tracer) and no remote parent: nothing to record, end or propagate.
    if (!span.isRecording() && !trace.isSpanContextValid(span.spanContext())) return;
    this.#spans.set(e, span);
    const active = trace.setSpan(parent, span);
    requestContexts.set(e.context, active);
    // The handler runs with the server span active: its own spans and instrumented calls become children.
    const outer = e.runInContext;
    e.runInContext = outer ? <T>(fn: () => T): T => outer(() => otelContext.with(active, fn)) : <T>(fn: () => T): T => otelContext.with(active, fn);
  }

  #serverEnd(e: ServerRequestEvent): void {
    const span = this.#spans.get(e);
    if (!span) return;
    this.#spans.delete(e);
    requestContexts.delete(e.context);
    endSpan(span, e, e.outcome === 'error' ? e.error?.code : undefined, e.error?.message, this.#capture);
  }

  #clientStart(e: ClientRequestEvent): void {
    const parent = otelContext.active();
    const span = this.#tracer.startSpan(spanName(e.method, e.target, e.targetKind), { kind: SpanKind.CLIENT, attributes: requestAttributes(e, this.#capture) }, parent);
    this.#spans.set(e, span);
    propagation.inject(trace.setSpan(parent, span), e.meta, defaultTextMapSetter);
  }

  #clientEnd(e: ClientRequestEvent): void {
    const span = this.#spans.get(e);
    if (!span) return;
    this.#spans.delete(e);
    const err = e.error as { code?: unknown; message?: unknown } | undefined;
    const code = e.outcome === 'error' && (typeof err?.code === 'number' || typeof err?.code === 'string') ? err.code : undefined;
    endSpan(span, e, code, typeof err?.message === 'string' ? err.message : undefined, this.#capture);
  }

  /** Stops creating spans; spans already started end with their requests only if those end before this. */
  close(): void {
    this.#off();
  }
}
