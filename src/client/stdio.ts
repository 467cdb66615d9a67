/**
 * The stdio client transport (MCP `basic/transports.mdx`, "stdio"): spawns the server as a child process
 * and exchanges newline-delimited JSON-RPC on its stdin/stdout. stderr is captured (a bounded tail, and
 * optionally streamed to a callback) so crashes can be explained.
 *
 * Supervision: a spawn failure rejects `start()`; an exit or crash closes the transport with a VeloError
 * naming the exit code or signal and the tail of stderr; `close()` ends stdin, then sends SIGTERM, then
 * SIGKILL, each after a bounded wait (MCP `basic/lifecycle.mdx`, "Shutdown", stdio).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { DEFAULT_MAX_MESSAGE_BYTES, LineDecoder } from '../jsonrpc/framing.js';
import { VeloError } from '../jsonrpc/errors.js';
import { deliverFrame, type ClientTransport, type TransportCloseInfo } from './transport.js';

/** Options of {@link StdioClientTransport}. */
export interface StdioClientOptions {
  /** The program to run. */
  command: string;
  /** Its arguments. */
  args?: readonly string[];
  /** Environment (default: the current one). */
  env?: NodeJS.ProcessEnv;
  /** Working directory (default: the current one). */
  cwd?: string;
  /** Largest accepted inbound message in bytes (default 4 MiB); larger lines are reported via `onerror` and skipped. */
  maxMessageBytes?: number;
  /** Receives stderr text as it arrives (it is always kept as a bounded tail too). */
  onStderr?: (chunk: string) => void;
  /** Bytes of stderr kept for error messages (default 8192). */
  stderrTailBytes?: number;
  /** Milliseconds to wait after closing stdin before SIGTERM (default 1000). */
  closeGraceMs?: number;
  /** Milliseconds to wait after SIGTERM before SIGKILL (default 2000). */
  killTimeoutMs?: number;
}

/** Spawns and supervises an MCP server process. One instance is one process; create a new one to restart. */
export class StdioClientTransport implements ClientTransport {
  readonly #options: StdioClientOptions;
  #child: ChildProcess | undefined;
  #stderr = '';
  #closed = false;
  #closing = false;
  #exited: Promise<void> | undefined;
  onmessage: ((message: unknown) => void) | undefined;
  onerror: ((error: Error) => void) | undefined;
  onclose: ((info: TransportCloseInfo) => void) | undefined;

  /** @param options - What to run; see {@link StdioClientOptions}. */
  constructor(options: StdioClientOptions) {
    this.#options = options;
  }

  /** The child's process id once started. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** The last bytes the child wrote to stderr (bounded by `stderrTailBytes`). */
  get stderrTail(): string {
    return this.#stderr;
  }

  /**
   * Spawns the process and resolves once it is running.
   * @throws VeloError `VELO_CONNECTION_CLOSED` when it cannot be spawned (missing program, permissions) or after `close()`.
   */
  start(): Promise<void> {
    if (this.#closed) return Promise.reject(new VeloError('VELO_CONNECTION_CLOSED', 'stdio transport is closed'));
    if (this.#child) return Promise.resolve();
    const o = this.#options;
    const child = spawn(o.command, [...(o.args ?? [])], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: o.env ?? process.env,
      ...(o.cwd !== undefined && { cwd: o.cwd }),
      windowsHide: true,
    });
    this.#child = child;
    const limit = o.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    const decoder = new LineDecoder(
      {
        onLine: (line) => deliverFrame(this, line),
        onOversize: (bytes) => this.onerror?.(new VeloError('VELO_MESSAGE_TOO_LARGE', `Server sent a message of at least ${bytes} bytes; the limit is ${limit}`)),
      },
      limit,
    );
    const tailMax = o.stderrTailBytes ?? 8192;
    child.stdout!.on('data', (chunk: Buffer) => decoder.push(chunk));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      this.#stderr = (this.#stderr + text).slice(-tailMax);
      o.onStderr?.(text);
    });
    // EPIPE when the child dies while we write: the exit handler reports it.
    child.stdin!.on('error', () => {});
    this.#exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    return new Promise<void>((resolve, reject) => {
      const onSpawnError = (err: Error): void => {
        this.#closed = true;
        reject(new VeloError('VELO_CONNECTION_CLOSED', `Cannot start ${o.command}: ${err.message}`, { cause: err }));
      };
      child.once('error', onSpawnError);
      child.once('spawn', () => {
        child.off('error', onSpawnError);
        child.on('error', (err) => this.onerror?.(err));
        child.once('close', (code, signal) => {
          decoder.end();
          this.#finish(code, signal);
        });
        resolve();
      });
    });
  }

  /**
   * Writes one message and a newline to the child's stdin.
   * @throws VeloError `VELO_CONNECTION_CLOSED` when the process is not running.
   */
  send(message: string): Promise<void> {
    const stdin = this.#child?.stdin;
    if (this.#closed || this.#closing || !stdin || stdin.destroyed || !stdin.writable) {
      return Promise.reject(new VeloError('VELO_CONNECTION_CLOSED', 'The server process is not running'));
    }
    return new Promise<void>((resolve, reject) => {
      stdin.write(`${message}\n`, (err) => (err ? reject(new VeloError('VELO_CONNECTION_CLOSED', `Cannot write to the server process: ${err.message}`, { cause: err })) : resolve()));
    });
  }

  /** Ends stdin, then SIGTERM after `closeGraceMs`, then SIGKILL after `killTimeoutMs`; resolves when the process is gone. */
  async close(): Promise<void> {
    const child = this.#child;
    if (!child || this.#closed) {
      this.#closed = true;
      if (this.#exited) await this.#exited;
      return;
    }
    this.#closing = true;
    const exited = this.#exited!;
    const waitFor = (ms: number): Promise<boolean> => {
      let timer: NodeJS.Timeout | undefined;
      return Promise.race([exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)))]).finally(() => clearTimeout(timer));
    };
    child.stdin?.end();
    if (!(await waitFor(this.#options.closeGraceMs ?? 1000))) {
      child.kill('SIGTERM');
      if (!(await waitFor(this.#options.killTimeoutMs ?? 2000))) {
        child.kill('SIGKILL');
        await exited;
      }
    }
  }

  #finish(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#closed) return;
    this.#closed = true;
    const child = this.#child;
    child?.stdout?.destroy();
    child?.stderr?.destroy();
    child?.stdin?.destroy();
    if (this.#closing) {
      this.onclose?.({ remote: false });
      return;
    }
    const how = signal ? `was killed by ${signal}` : `exited with code ${String(code)}`;
    const tail = this.#stderr.trim();
    const error = new VeloError('VELO_CONNECTION_CLOSED', `The server process ${how}${tail ? `; stderr: ${tail.slice(-1000)}` : ''}`);
    this.onclose?.({ remote: true, error });
  }
}
