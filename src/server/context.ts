/**
 * The context every handler receives: cancellation, progress, logging, the request's `_meta`, the client's
 * capabilities, and one way to ask the client for input in both eras.
 */
import { ErrorCode } from '../jsonrpc/codes.js';
import { McpError, VeloError } from '../jsonrpc/errors.js';
import type { JsonObject, JsonRpcId } from '../jsonrpc/message.js';
import { serializeNotification } from '../jsonrpc/message.js';
import type { OutboundRequests } from '../protocol/outbound.js';
import type { ProtocolEra } from '../protocol/versions.js';
import type { ClientCapabilities, Implementation, InputRequest, LoggingLevel, Meta } from '../protocol/types.js';
import { LOGGING_LEVELS } from '../protocol/types.js';
import { channels, type HandlerLogEvent } from '../observability/channels.js';
import { InputRequiredSignal, type InputRequests, type InputResponses } from './input.js';

/** What a handler can see and do while it serves one request. */
export interface RequestContext {
  /** The JSON-RPC id of the request. */
  readonly requestId: JsonRpcId;
  /** The JSON-RPC method. */
  readonly method: string;
  /** `legacy` (initialize/session) or `modern` (2026-07-28, stateless). */
  readonly era: ProtocolEra;
  /** The protocol revision in force for this request. */
  readonly protocolVersion: string;
  /** The request's `params._meta` (an empty object when absent). */
  readonly _meta: Meta;
  /** The client's declared capabilities (session capabilities in the legacy era, `_meta` in the modern era). */
  readonly clientCapabilities: ClientCapabilities;
  /** The client's Implementation, when it sent one. */
  readonly clientInfo: Implementation | undefined;
  /** The legacy session id (HTTP sessions), if any. */
  readonly sessionId: string | undefined;
  /** The authenticated principal, or `''` when anonymous. */
  readonly principal: string;
  /** Aborted when the client cancels the request or the connection closes. */
  readonly signal: AbortSignal;
  /** Modern era: the answers the client sent with this retry (MRTR), verbatim. */
  readonly inputResponses: InputResponses | undefined;
  /** Modern era: the verified state the handler returned in its last `inputRequired` result. */
  readonly requestState: unknown;
  /**
   * Reports progress when the client asked for it (`_meta.progressToken`); otherwise does nothing.
   * @param progress - Progress so far (should increase). @param total - Total, when known.
   */
  progress(progress: number, total?: number, message?: string): void;
  /**
   * Sends `notifications/message` when the client's log level admits `level`. Legacy era: the session's
   * `logging/setLevel` level (everything until set); modern era: `_meta` `logLevel`, and nothing when absent.
   */
  log(level: LoggingLevel, data: unknown, logger?: string): void;
  /**
   * Asks the client for input and resolves with its answers, keyed like `requests`.
   * Legacy era: sends the server→client requests and awaits them. Modern era: returns the answers when the
   * retried request carries them, else ends this attempt with an `input_required` result (by throwing
   * an internal signal; let it propagate) and the handler runs again from the start on the retry,
   * so handlers must ask in the same order each time.
   * @throws McpError `-32021` (modern) or VeloError `VELO_CAPABILITY_MISSING` (legacy) when the client did
   * not declare the capability a request needs.
   */
  input(requests: InputRequests): Promise<InputResponses>;
  /**
   * Legacy era over Streamable HTTP: closes this request's SSE stream without ending the request; the
   * result reaches the client when it reconnects with `Last-Event-ID` (SSE polling, SEP-1699). Returns
   * false where the transport cannot do that (stdio, the modern era, no event store).
   */
  closeSseStream(): boolean;
}

/** What a context needs from the connection that created it. */
export interface ContextHost {
  send(message: string, related: JsonRpcId): void;
  /** Closes the transport stream of a request without ending it (HTTP polling); optional. */
  closeStream?(related: JsonRpcId): boolean;
  /** Server→client requests (legacy era only). */
  readonly outbound: OutboundRequests | undefined;
  /** The session's log level (legacy era), undefined when never set. */
  readonly sessionLogLevel: LoggingLevel | undefined;
  readonly sessionId: string | undefined;
  readonly principal: string;
}

/** Shared `_meta` of requests that carry none (frozen: handlers must not write to it). */
const NO_META: Meta = Object.freeze({});

const LEVEL_RANK = new Map<string, number>(LOGGING_LEVELS.map((l, i) => [l, i]));

/** The missing capability an input request needs, or undefined when the client has it. */
export function missingCapability(request: InputRequest, caps: ClientCapabilities): ClientCapabilities | undefined {
  switch (request.method) {
    case 'sampling/createMessage':
      return caps.sampling ? undefined : { sampling: {} };
    case 'roots/list':
      return caps.roots ? undefined : { roots: {} };
    case 'elicitation/create': {
      const el = caps.elicitation as { form?: object; url?: object } | undefined;
      if (!el) return { elicitation: (request.params?.mode === 'url' ? { url: {} } : { form: {} }) };
      if (request.params?.mode === 'url') return el.url ? undefined : { elicitation: { url: {} } };
      // An empty elicitation object means form mode only (2025-11-25).
      return el.form || !el.url ? undefined : { elicitation: { form: {} } };
    }
    default:
      return undefined;
  }
}

/** @internal The context implementation; also the connection's record of the request in flight. */
export class ServerRequestContext implements RequestContext {
  readonly requestId: JsonRpcId;
  readonly method: string;
  readonly era: ProtocolEra;
  readonly protocolVersion: string;
  readonly _meta: Meta;
  readonly clientCapabilities: ClientCapabilities;
  readonly clientInfo: Implementation | undefined;
  readonly params: JsonObject | undefined;
  /** True once cancelled; a late result is then dropped. */
  cancelled = false;
  inputResponses: InputResponses | undefined;
  requestState: unknown;
  /** Modern era: answers of completed rounds, in order (carried in the sealed requestState). */
  rounds: InputResponses[] = [];
  /** Called when the request is cancelled (listen subscriptions end through it). */
  onCancel: (() => void) | undefined;
  #host: ContextHost;
  #controller: AbortController | undefined;
  #roundCursor = 0;
  /** True when this retry's inputResponses were consumed by an `input()` call. */
  consumedResponses = false;
  /** @internal The observability event of this request while it is served (set only when someone listens). */
  observed: object | undefined = undefined;

  constructor(
    host: ContextHost,
    id: JsonRpcId,
    method: string,
    params: JsonObject | undefined,
    era: ProtocolEra,
    protocolVersion: string,
    clientCapabilities: ClientCapabilities,
    clientInfo: Implementation | undefined,
  ) {
    this.#host = host;
    this.requestId = id;
    this.method = method;
    this.params = params;
    this.era = era;
    this.protocolVersion = protocolVersion;
    this._meta = (params?._meta as Meta | undefined) ?? NO_META;
    this.clientCapabilities = clientCapabilities;
    this.clientInfo = clientInfo;
  }

  get sessionId(): string | undefined {
    return this.#host.sessionId;
  }

  get principal(): string {
    return this.#host.principal;
  }

  get signal(): AbortSignal {
    // Created on first use: most handlers never look at it.
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.cancelled) this.#controller.abort(new VeloError('VELO_REQUEST_CANCELLED', 'Request cancelled'));
    }
    return this.#controller.signal;
  }

  /**
   * @internal What admission limits "per session" count by: the legacy session id when the transport gave
   * one, else the connection itself (stdio, WebSocket, TCP); modern-era requests over HTTP share one key
   * per principal.
   */
  get sessionKey(): unknown {
    return this.#host.sessionId ?? (this.era === 'modern' && this.#host.principal !== '' ? `principal:${this.#host.principal}` : this.#host);
  }

  /**
   * @internal Aborts the handler's signal without cancelling the request, so its answer (e.g. a deadline
   * error) is still sent. Used by admission control when a request's deadline passes.
   */
  abortWork(reason: Error): void {
    if (this.cancelled) return;
    const signal = this.signal;
    if (!signal.aborted) this.#controller?.abort(reason);
  }

  /** Marks the request cancelled and aborts its signal. */
  cancel(reason: unknown): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.#controller?.abort(reason instanceof Error ? reason : new VeloError('VELO_REQUEST_CANCELLED', typeof reason === 'string' ? reason : 'Request cancelled'));
    this.onCancel?.();
  }

  closeSseStream(): boolean {
    return !this.cancelled && (this.#host.closeStream?.(this.requestId) ?? false);
  }

  /** Sends a notification related to this request (on its stream over HTTP). */
  notify(method: string, params: JsonObject): void {
    if (this.cancelled) return;
    this.#host.send(serializeNotification(method, params), this.requestId);
  }

  progress(progress: number, total?: number, message?: string): void {
    const token = this._meta.progressToken;
    if (token === undefined || this.cancelled) return;
    const params: JsonObject = { progressToken: token, progress };
    if (total !== undefined) params.total = total;
    if (message !== undefined) params.message = message;
    this.#host.send(serializeNotification('notifications/progress', params), this.requestId);
  }

  log(level: LoggingLevel, data: unknown, logger?: string): void {
    if (channels.log.hasSubscribers) channels.log.publish({ level, data, logger, method: this.method, requestId: this.requestId, sessionId: this.sessionId } satisfies HandlerLogEvent);
    const threshold = this.era === 'modern' ? (this._meta['io.modelcontextprotocol/logLevel'] as string | undefined) : this.#host.sessionLogLevel;
    if (this.era === 'modern' && threshold === undefined) return;
    if (threshold !== undefined && (LEVEL_RANK.get(level) ?? 0) < (LEVEL_RANK.get(threshold) ?? 0)) return;
    const params: JsonObject = { level, data };
    if (logger !== undefined) params.logger = logger;
    this.notify('notifications/message', params);
  }

  async input(requests: InputRequests): Promise<InputResponses> {
    const keys = Object.keys(requests);
    if (this.era === 'modern') {
      const round = this.#roundCursor++;
      const earlier = this.rounds[round];
      if (earlier) return earlier;
      const given = this.inputResponses;
      if (round === this.rounds.length && given && !this.consumedResponses && keys.every((k) => given[k] !== undefined)) {
        const answers: InputResponses = {};
        for (const k of keys) {
          const answer = given[k];
          if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
            throw new McpError(ErrorCode.InvalidParams, `Invalid params: inputResponses["${k}"] must be an object (an ElicitResult, CreateMessageResult or ListRootsResult)`);
          }
          answers[k] = answer;
        }
        this.rounds.push(answers);
        this.consumedResponses = true;
        return answers;
      }
      for (const k of keys) {
        const missing = missingCapability(requests[k] as InputRequest, this.clientCapabilities);
        if (missing) {
          throw new McpError(ErrorCode.MissingRequiredClientCapability, `The client did not declare the capability ${Object.keys(missing)[0]} that this request needs`, {
            requiredCapabilities: missing,
          });
        }
      }
      throw new InputRequiredSignal(requests);
    }
    const outbound = this.#host.outbound;
    if (!outbound) throw new VeloError('VELO_NOT_CONNECTED', 'This connection cannot send requests to the client');
    for (const k of keys) {
      const missing = missingCapability(requests[k] as InputRequest, this.clientCapabilities);
      if (missing) throw new VeloError('VELO_CAPABILITY_MISSING', `The client did not declare the capability ${Object.keys(missing)[0]} needed for ${(requests[k] as InputRequest).method}`);
    }
    const answers = await Promise.all(
      keys.map((k) => {
        const r = requests[k] as InputRequest;
        let params = r.params;
        // `mode` exists from 2025-11-25 on; older sessions get plain form-mode params.
        if (params?.mode === 'form' && this.protocolVersion < '2025-11-25') {
          const { mode: _mode, ...rest } = params;
          params = rest;
        }
        return outbound.request(r.method, params, { relatedRequestId: this.requestId, signal: this.signal });
      }),
    );
    const out: InputResponses = {};
    keys.forEach((k, i) => (out[k] = answers[i] as JsonObject));
    return out;
  }
}
