/**
 * Many raw TCP JSON-RPC clients for the engine benchmarks: opens connections from several loopback source
 * addresses (127.0.0.2, 127.0.0.3, … so no single source runs out of ephemeral ports), performs a legacy or
 * modern handshake on each, and tracks per-socket answers by id with minimal parsing.
 */
import net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export const MODERN_META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };

/** One client socket: sends lines, resolves answers by id, and calls `onNote` for each notification line. */
export class LineClient {
  readonly socket: net.Socket;
  #buf = '';
  #next = 1;
  readonly #waiting = new Map<number, (line: string) => void>();
  onNote: ((line: string) => void) | undefined;

  constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.#buf += chunk;
      let i: number;
      while ((i = this.#buf.indexOf('\n')) >= 0) {
        const line = this.#buf.slice(0, i);
        this.#buf = this.#buf.slice(i + 1);
        if (line.startsWith('{"jsonrpc":"2.0","method"')) {
          this.onNote?.(line);
          continue;
        }
        const m = /"id":(\d+)/.exec(line);
        const id = m ? Number(m[1]) : NaN;
        const w = this.#waiting.get(id);
        if (w) {
          this.#waiting.delete(id);
          w(line);
        }
      }
    });
    socket.on('error', () => {});
  }

  request(method: string, params?: object): Promise<string> {
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve);
      this.socket.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) })}\n`);
    });
  }

  /** Sends a request and resolves with its round-trip time in ms. */
  async timed(method: string, params?: object): Promise<number> {
    const t0 = performance.now();
    await this.request(method, params);
    return performance.now() - t0;
  }

  notify(method: string, params?: object): void {
    this.socket.write(`${JSON.stringify({ jsonrpc: '2.0', method, ...(params ? { params } : {}) })}\n`);
  }

  async initialize(): Promise<void> {
    await this.request('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } });
    this.notify('notifications/initialized');
  }
}

/** Opens one connection from `localAddress`. */
export function connect(port: number, localAddress: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress });
    s.setNoDelay(true);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Opens `n` connections, `perAddress` per source address from 127.0.0.2 up, `parallel` at a time. */
export async function connectMany(port: number, n: number, perAddress = 20_000, parallel = 200): Promise<net.Socket[]> {
  const out: net.Socket[] = new Array(n);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      const addr = `127.0.0.${2 + Math.floor(i / perAddress)}`;
      out[i] = await connect(port, addr);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return out;
}

/** A benchmark server child process that prints `PORT n`. */
export async function startServer(script: string, args: string[], nodeArgs: string[] = []): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, port };
}

export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** VmRSS of a process in KiB (Linux). */
export async function rssKiB(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}
