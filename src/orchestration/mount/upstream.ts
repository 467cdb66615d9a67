/**
 * An upstream target and one connection to it: an {@link McpClient} whose server→client requests (sampling,
 * elicitation, roots) and log messages go to the downstream request currently holding the connection.
 *
 * Input pass-through works in both downstream eras: a legacy downstream client gets real requests
 * (`ctx.input` sends them and awaits the answers); for a modern downstream client `ctx.input` ends the
 * attempt with `input_required`, so the bridge records that, aborts the upstream call, and the forwarding
 * handler re-throws it; the client retries with the answers and the call is replayed upstream, which asks
 * again and now gets them (MRTR: handlers run again from the start on each retry).
 */
import { McpClient, type EraOption, type ServerNotification } from '../../client/client.js';
import { InMemoryClientTransport } from '../../client/memory.js';
import { StdioClientTransport } from '../../client/stdio.js';
import type { ClientTransport } from '../../client/transport.js';
import { ErrorCode } from '../../jsonrpc/codes.js';
import { McpError, VeloError } from '../../jsonrpc/errors.js';
import type { JsonObject } from '../../jsonrpc/message.js';
import type { Implementation, InputRequest, LoggingLevel } from '../../protocol/types.js';
import type { RequestContext } from '../../server/context.js';
import { InputRequiredSignal } from '../../server/input.js';
import type { McpServer } from '../../server/mcp-server.js';

/** Where an upstream lives. */
export type UpstreamTarget =
  /** An `McpServer` in this process (through an in-memory transport). */
  | { server: McpServer }
  /** A child process speaking stdio. */
  | { command: string; args?: string[]; env?: NodeJS.ProcessEnv; cwd?: string }
  /** A Streamable HTTP endpoint (`sse` for a legacy HTTP+SSE server). */
  | { url: string; transport?: 'streamable-http' | 'sse' | 'auto'; headers?: Record<string, string> }
  /** Any other transport (WebSocket, TCP, …): a factory called once per connection. */
  | { connect: () => ClientTransport };

/** Options of the connections made to an upstream. */
export interface UpstreamConnectOptions {
  era?: EraOption;
  clientInfo?: Implementation;
  /** The client's own request timeout in milliseconds (default 120 000; the mount's policy usually fires first). */
  requestTimeoutMs?: number;
  onError?: (error: Error) => void;
}

/** The downstream request a leased connection serves. */
export interface CallBinding {
  ctx: RequestContext | undefined;
  /** Aborts the upstream request (set by the bridge when the downstream needs an MRTR round). */
  readonly abort: AbortController;
  /** Set when the downstream's `ctx.input` asked for an `input_required` round. */
  inputSignal: InputRequiredSignal | undefined;
  /** Input requests relayed so far in this call (keys `upstream_0`, `upstream_1`, …). */
  rounds: number;
}

const DEFAULT_INFO: Implementation = { name: 'velomcp-gateway', version: '0.1.0' };

function transportOf(target: UpstreamTarget): ClientTransport | string {
  if ('server' in target) return new InMemoryClientTransport(target.server);
  if ('command' in target) return new StdioClientTransport({ command: target.command, ...(target.args && { args: target.args }), ...(target.env && { env: target.env }), ...(target.cwd && { cwd: target.cwd }) });
  if ('connect' in target) return target.connect();
  return target.url;
}

/** A short description of a target for messages (`stdio:node`, `http://…`, `in-process`). */
export function describeTarget(target: UpstreamTarget): string {
  if ('server' in target) return `in-process ${target.server.serverInfo.name}`;
  if ('command' in target) return `stdio ${target.command}`;
  if ('connect' in target) return 'custom transport';
  return target.url;
}

/** One connection to an upstream; see the module comment. */
export class UpstreamConnection {
  readonly client: McpClient;
  /** The downstream request holding this connection now (a lease is exclusive). */
  current: CallBinding | undefined;
  #alive = true;
  readonly #onListChanged: ((kind: 'tools' | 'prompts' | 'resources') => void) | undefined;

  private constructor(target: UpstreamTarget, options: UpstreamConnectOptions, onListChanged?: (kind: 'tools' | 'prompts' | 'resources') => void) {
    this.#onListChanged = onListChanged;
    const http = 'url' in target ? { transport: target.transport ?? 'streamable-http', ...(target.headers && { headers: target.headers }) } : undefined;
    this.client = new McpClient(options.clientInfo ?? DEFAULT_INFO, {
      ...(http && { http }),
      era: options.era ?? 'auto',
      reconnect: false,
      cache: false,
      requestTimeoutMs: options.requestTimeoutMs ?? 120_000,
      handlers: {
        sampling: (params) => this.#input({ method: 'sampling/createMessage', params: params as unknown as JsonObject }) as never,
        elicitation: (params) => this.#input({ method: 'elicitation/create', params: params as unknown as JsonObject }) as never,
        roots: async () => ((await this.#input({ method: 'roots/list', params: {} })) as { roots: never[] }).roots,
      },
      onNotification: (n) => this.#notification(n),
      onClose: () => {
        this.#alive = false;
      },
      ...(options.onError && { onError: options.onError }),
    });
  }

  /**
   * Opens a connection and negotiates the era.
   * @param onListChanged - Receives the upstream's list_changed notifications (the mount's control link).
   * @throws whatever `McpClient.connect` throws (spawn failure, HTTP error, timeout, protocol error).
   */
  static async open(target: UpstreamTarget, options: UpstreamConnectOptions, onListChanged?: (kind: 'tools' | 'prompts' | 'resources') => void): Promise<UpstreamConnection> {
    const conn = new UpstreamConnection(target, options, onListChanged);
    try {
      await conn.client.connect(transportOf(target));
    } catch (err) {
      conn.#alive = false;
      throw err;
    }
    return conn;
  }

  /** False once the connection closed (crash, disconnect, close). */
  get alive(): boolean {
    return this.#alive;
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    this.#alive = false;
    await this.client.close();
  }

  async #input(request: InputRequest): Promise<unknown> {
    const b = this.current;
    if (!b?.ctx) throw new McpError(ErrorCode.InvalidRequest, `The gateway has no downstream request to relay ${request.method} to`);
    const key = `upstream_${b.rounds++}`;
    try {
      const answers = await b.ctx.input({ [key]: request });
      return answers[key];
    } catch (err) {
      if (err instanceof InputRequiredSignal) {
        b.inputSignal = err;
        b.abort.abort(new VeloError('VELO_REQUEST_CANCELLED', 'The downstream client is asked for input; the call is replayed on its retry'));
        throw new McpError(ErrorCode.InternalError, 'The downstream client is asked for input; the call is replayed on its retry');
      }
      if (err instanceof McpError) throw err;
      // e.g. VELO_CAPABILITY_MISSING: the downstream client cannot answer this kind of request.
      throw new McpError(ErrorCode.InvalidRequest, (err as Error).message);
    }
  }

  #notification(n: ServerNotification): void {
    switch (n.method) {
      case 'notifications/message': {
        const ctx = this.current?.ctx;
        const p = n.params ?? {};
        if (ctx && typeof p.level === 'string') ctx.log(p.level as LoggingLevel, p.data, typeof p.logger === 'string' ? p.logger : undefined);
        return;
      }
      case 'notifications/tools/list_changed':
        this.#onListChanged?.('tools');
        return;
      case 'notifications/prompts/list_changed':
        this.#onListChanged?.('prompts');
        return;
      case 'notifications/resources/list_changed':
        this.#onListChanged?.('resources');
        return;
      default:
        return;
    }
  }
}
