/**
 * A minimal Chrome DevTools Protocol session to a Node process's inspector (`node --inspect`), over the
 * inspector's WebSocket, for `velomcp profile`: the same Profiler / HeapProfiler / Runtime domains that
 * `node:inspector` exposes in-process, used from outside so the profiled server runs unmodified.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { VeloError } from '../jsonrpc/errors.js';

type Listener = (params: Record<string, unknown>) => void;

/** One CDP connection. */
export class InspectorSession {
  readonly #ws: WebSocket;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  readonly #listeners = new Map<string, Set<Listener>>();

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { id?: number; result?: Record<string, unknown>; error?: { message: string }; method?: string; params?: Record<string, unknown> };
      if (msg.id !== undefined) {
        const p = this.#pending.get(msg.id);
        this.#pending.delete(msg.id);
        if (msg.error) p?.reject(new Error(`inspector: ${msg.error.message}`));
        else p?.resolve(msg.result ?? {});
      } else if (msg.method !== undefined) {
        for (const l of this.#listeners.get(msg.method) ?? []) l(msg.params ?? {});
      }
    });
    ws.on('close', () => {
      for (const p of this.#pending.values()) p.reject(new Error('inspector: the connection closed'));
      this.#pending.clear();
    });
  }

  /**
   * Connects to an inspector WebSocket URL (`ws://127.0.0.1:PORT/UUID`, as `node --inspect` prints it).
   * @throws VeloError `VELO_INVALID_CONFIG` when the URL is not a ws:// URL; Error when it cannot connect.
   */
  static connect(url: string, timeoutMs = 10_000): Promise<InspectorSession> {
    if (!/^ws:\/\//.test(url)) throw new VeloError('VELO_INVALID_CONFIG', `--inspect-url must be the ws:// URL node --inspect prints, got ${url}`);
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { handshakeTimeout: timeoutMs, maxPayload: 2 ** 30 });
      ws.once('open', () => resolve(new InspectorSession(ws)));
      ws.once('error', (err) => reject(new Error(`could not connect to the inspector at ${url}: ${err.message}`)));
    });
  }

  /** Sends a CDP command and resolves with its result. */
  post(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Subscribes to a CDP event; returns the unsubscribe function. */
  on(method: string, listener: Listener): () => void {
    let set = this.#listeners.get(method);
    if (set === undefined) this.#listeners.set(method, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Evaluates an expression in the process's main context and returns its value (JSON-able). */
  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.post('Runtime.evaluate', { expression, returnByValue: true });
    const result = r.result as { value?: T } | undefined;
    if (r.exceptionDetails !== undefined) throw new Error(`inspector: ${expression} threw`);
    return result?.value as T;
  }

  close(): void {
    this.#ws.close();
  }
}

/** A server started for profiling: its MCP URL, its inspector URL, and how to stop it. */
export interface ProfiledServer {
  mcpUrl: string;
  inspectorUrl: string;
  close(): Promise<void>;
}

const CLI = join(dirname(fileURLToPath(import.meta.url)), 'main.js');

/**
 * Starts `node --inspect=127.0.0.1:0 velomcp serve <module> --http --port 0` and resolves once both the
 * inspector and the MCP endpoint are announced on stderr.
 * @throws VeloError `VELO_INVALID_MODULE` (with the child's stderr) when the server exits or does not
 *   start within `timeoutMs`.
 */
export function startInspectedServer(module: string, timeoutMs = 20_000): Promise<ProfiledServer> {
  const child: ChildProcess = spawn(process.execPath, ['--inspect=127.0.0.1:0', CLI, 'serve', module, '--http', '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let exited = false;
  const exit = new Promise<void>((r) => child.once('exit', () => ((exited = true), r())));
  const close = async (): Promise<void> => {
    if (!exited) child.kill('SIGKILL');
    await Promise.race([exit, new Promise((r) => setTimeout(r, 5_000).unref())]);
  };
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void close().then(() => reject(new VeloError('VELO_INVALID_MODULE', `${why}: ${stderr.trim().slice(-800) || 'no stderr'}`)));
    };
    const timer = setTimeout(() => fail(`the server did not start within ${timeoutMs} ms`), timeoutMs);
    child.once('exit', (code, signal) => fail(`the server exited (${signal ?? `code ${String(code)}`})`));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      stderr = (stderr + d).slice(-32_768);
      const inspector = /Debugger listening on (ws:\/\/\S+)/.exec(stderr);
      const mcp = /serving MCP over Streamable HTTP at (\S+)/.exec(stderr);
      if (inspector && mcp && !settled) {
        settled = true;
        clearTimeout(timer);
        resolve({ mcpUrl: mcp[1] as string, inspectorUrl: inspector[1] as string, close });
      }
    });
  });
}
