/**
 * A minimal stdio JSON-RPC peer for the engine benchmarks: spawns a server process, writes requests as
 * lines, matches answers by id, and times them. Notifications from the server are counted, not parsed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export interface Answer {
  message: any;
  ms: number;
}

export class StdioPeer {
  readonly child: ChildProcess;
  #buf = '';
  #next = 1;
  #pending = new Map<number, { t0: number; resolve: (a: Answer) => void }>();
  notifications = 0;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (chunk: string) => {
      this.#buf += chunk;
      let i: number;
      while ((i = this.#buf.indexOf('\n')) >= 0) {
        const line = this.#buf.slice(0, i);
        this.#buf = this.#buf.slice(i + 1);
        if (!line.startsWith('{"jsonrpc":"2.0","id"') && !line.includes('"result"') && !line.includes('"error"')) {
          this.notifications++;
          continue;
        }
        const m = JSON.parse(line);
        const p = this.#pending.get(m.id);
        if (!p) continue;
        this.#pending.delete(m.id);
        p.resolve({ message: m, ms: performance.now() - p.t0 });
      }
    });
  }

  /** Sends a request and resolves with its answer and round-trip time in ms. */
  request(method: string, params?: object): Promise<Answer> {
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#pending.set(id, { t0: performance.now(), resolve });
      this.child.stdin!.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) })}\n`);
    });
  }

  notify(method: string, params?: object): void {
    this.child.stdin!.write(`${JSON.stringify({ jsonrpc: '2.0', method, ...(params ? { params } : {}) })}\n`);
  }

  async initialize(): Promise<void> {
    const r = await this.request('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } });
    if (!r.message.result) throw new Error(`initialize failed: ${JSON.stringify(r.message)}`);
    this.notify('notifications/initialized');
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGKILL');
    await exited;
  }
}
