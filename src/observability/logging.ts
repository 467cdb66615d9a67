/**
 * Structured request logs on pino (`velomcp/logging`): one JSON line per served request, with tool arguments
 * hidden unless asked for, and optionally the handlers' MCP `ctx.log(...)` messages (what the server sends
 * as `notifications/message`) bridged to the same logger.
 *
 * Lines go to **stderr** by default, never stdout, which is the protocol channel of a stdio server.
 */
import { pino, type Level, type Logger } from 'pino';
import { subscribe, type HandlerLogEvent, type ServerRequestEvent } from './channels.js';
import { errorTypeOf } from './semconv.js';

/** Options of {@link RequestLogger}. */
export interface RequestLoggerOptions {
  /** The pino logger to write to. Default: `pino({ name: 'velomcp' })` on stderr (file descriptor 2). */
  logger?: Logger;
  /** Level of the line for a request that succeeded. Default `info`. */
  level?: Level;
  /** Level of the line for a request that failed (JSON-RPC error, tool error, cancelled). Default `warn`. */
  errorLevel?: Level;
  /** Log tool and prompt arguments as given. Default false: the line has `"arguments":"[Redacted]"`. */
  logArguments?: boolean;
  /** Bridge handlers' `ctx.log(level, data)` calls to the logger (MCP levels mapped onto pino's). Default false. */
  bridgeMcpLogging?: boolean;
}

/** The fields of one request line (besides pino's `level`, `time`, `pid`, `hostname`, `name`, `msg`). */
export interface RequestLogFields {
  method: string;
  target?: string;
  era: 'legacy' | 'modern';
  protocolVersion: string;
  transport: string;
  sessionId?: string;
  requestId: string | number;
  outcome: string;
  /** Milliseconds, three decimals. */
  durationMs: number;
  errorType?: string;
  errorMessage?: string;
  arguments?: unknown;
}

/** The placeholder logged instead of arguments. */
export const REDACTED = '[Redacted]';

const MCP_TO_PINO: Record<string, Level> = {
  debug: 'debug',
  info: 'info',
  notice: 'info',
  warning: 'warn',
  error: 'error',
  critical: 'fatal',
  alert: 'fatal',
  emergency: 'fatal',
};

/** Subscribes request logging to the velomcp channels until {@link RequestLogger.close}. */
export class RequestLogger {
  /** The logger lines go to. */
  readonly logger: Logger;
  readonly #level: Level;
  readonly #errorLevel: Level;
  readonly #logArguments: boolean;
  readonly #off: () => void;

  constructor(options: RequestLoggerOptions = {}) {
    this.logger = options.logger ?? pino({ name: 'velomcp' }, pino.destination(2));
    this.#level = options.level ?? 'info';
    this.#errorLevel = options.errorLevel ?? 'warn';
    this.#logArguments = options.logArguments ?? false;
    this.#off = subscribe({
      requestEnd: (e) => this.#onEnd(e),
      ...(options.bridgeMcpLogging && { log: (e: HandlerLogEvent) => this.#onLog(e) }),
    });
  }

  #onEnd(e: ServerRequestEvent): void {
    const outcome = e.outcome ?? 'ok';
    const level = outcome === 'ok' ? this.#level : this.#errorLevel;
    if (!this.logger.isLevelEnabled(level)) return;
    const fields: RequestLogFields = {
      method: e.method,
      era: e.era,
      protocolVersion: e.protocolVersion,
      transport: e.transport,
      requestId: e.requestId,
      outcome,
      durationMs: Math.round((e.duration ?? 0) * 1e6) / 1e3,
    };
    if (e.target !== undefined) fields.target = e.target;
    if (e.sessionId !== undefined) fields.sessionId = e.sessionId;
    const errorType = errorTypeOf(outcome, e.error?.code);
    if (errorType !== undefined) fields.errorType = errorType;
    if (e.error) fields.errorMessage = e.error.message;
    const args = e.params?.arguments;
    if (args !== undefined) fields.arguments = this.#logArguments ? args : REDACTED;
    this.logger[level](fields, 'mcp request');
  }

  #onLog(e: HandlerLogEvent): void {
    const level = MCP_TO_PINO[e.level] ?? 'info';
    if (!this.logger.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = { mcpLevel: e.level, method: e.method, requestId: e.requestId, data: e.data };
    if (e.logger !== undefined) fields.logger = e.logger;
    if (e.sessionId !== undefined) fields.sessionId = e.sessionId;
    this.logger[level](fields, 'mcp log');
  }

  /** Stops logging (the logger stays usable). */
  close(): void {
    this.#off();
  }
}
