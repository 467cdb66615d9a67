/**
 * Server processes for the HTTP benchmark: spawn, the stdin/stdout control
 * channel (`servers/admin.ts`), and `/proc` readings (CPU, RSS).
 *
 * Each server is `process.execPath [--expose-gc] <compiled script>`, with no
 * npm/npx wrapper, so the child's pid is the server's pid and `/proc/<pid>`
 * describes the server alone.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { clockTicks } from '../shared/proc.js';

export { processCpuUs } from '../shared/proc.js';

/** VmRSS of a process in KiB (from /proc/<pid>/status); null if unreadable. */
export function vmRssKiB(pid: number): number | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) : null;
}

export interface ServerStats {
  sessions: number | null;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

function reasonOf(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const errLine = lines.find((l) => /^(\w*Error|Error)\b/.test(l) || /Error \[/.test(l));
  const t = stderr.trim();
  return errLine ?? (t.length > 300 ? '…' + t.slice(-300) : t);
}

/** One server child: started, listening, controllable; always killed by its own pid. */
export class ServerProcess {
  readonly proc: ChildProcessWithoutNullStreams;
  port = 0;
  stderr = '';
  exited = false;
  exitInfo = '';
  /** Called once if the child exits while it is being used. */
  onExit: () => void = () => {};
  readonly #exit: Promise<void>;
  #partial = '';
  #waiters: ((msg: Record<string, unknown>) => boolean)[] = [];

  constructor(script: string, nodeFlags: readonly string[]) {
    this.proc = spawn(process.execPath, [...nodeFlags, script], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdout.setEncoding('utf8');
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (d: string) => {
      this.stderr += d;
      if (this.stderr.length > 16_384) this.stderr = this.stderr.slice(-8_192);
    });
    this.proc.stdin.on('error', () => {});
    this.proc.on('error', (err) => {
      this.stderr += `\nspawn error: ${err.message}`;
    });
    this.#exit = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        this.exited = true;
        this.exitInfo = signal !== null ? `signal ${signal}` : `exit code ${String(code)}`;
        this.onExit();
        resolve();
      });
    });
    this.proc.stdout.on('data', (chunk: string) => {
      this.#partial += chunk;
      let nl: number;
      while ((nl = this.#partial.indexOf('\n')) !== -1) {
        const line = this.#partial.slice(0, nl);
        this.#partial = this.#partial.slice(nl + 1);
        let msg: unknown;
        try {
          msg = JSON.parse(line);
        } catch {
          continue; // a stray log line: not ours
        }
        if (typeof msg !== 'object' || msg === null) continue;
        const i = this.#waiters.findIndex((w) => w(msg as Record<string, unknown>));
        if (i !== -1) this.#waiters.splice(i, 1);
      }
    });
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  /** Why the child is unusable, from its exit status and stderr. */
  get failure(): string {
    return `server exited (${this.exitInfo}): ${reasonOf(this.stderr) || 'no stderr'}`;
  }

  /** Waits for the next control line carrying `key`; resolves with the whole line. */
  #await(key: string, timeoutMs: number, what: string): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const waiter = (msg: Record<string, unknown>): boolean => {
        if (!(key in msg) || settled) return false;
        settled = true;
        clearTimeout(timer);
        resolve(msg);
        return true;
      };
      const timer = setTimeout(() => {
        settled = true;
        const i = this.#waiters.indexOf(waiter);
        if (i !== -1) this.#waiters.splice(i, 1);
        reject(new Error(this.exited ? this.failure : `${what}: no answer within ${timeoutMs} ms${this.stderr ? `; stderr: ${reasonOf(this.stderr)}` : ''}`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** Resolves once the server listens on 127.0.0.1; {@link port} is then set. */
  async ready(timeoutMs: number): Promise<void> {
    const exited = new Promise<never>((_, reject) => {
      void this.#exit.then(() => reject(new Error(this.failure)));
    });
    exited.catch(() => {});
    const msg = await Promise.race([this.#await('ready', timeoutMs, 'server start'), exited]);
    this.port = Number(msg.port);
    if (!Number.isInteger(this.port) || this.port <= 0) throw new Error(`server announced no port: ${JSON.stringify(msg)}`);
  }

  /** Server-side stats through the control channel. */
  async stats(timeoutMs = 5_000): Promise<ServerStats> {
    const p = this.#await('stats', timeoutMs, 'stats');
    this.proc.stdin.write('stats\n');
    return (await p).stats as ServerStats;
  }

  /** Full GC in the server (only effective under --expose-gc); resolves whether it ran. */
  async gc(timeoutMs = 10_000): Promise<boolean> {
    const p = this.#await('gc', timeoutMs, 'gc');
    this.proc.stdin.write('gc\n');
    return (await p).gc === true;
  }

  /** Starts the in-process CPU profiler (see `servers/admin.ts`). */
  async profileStart(timeoutMs = 5_000): Promise<void> {
    const p = this.#await('profile', timeoutMs, 'profile-start');
    this.proc.stdin.write('profile-start\n');
    const r = (await p).profile;
    if (r !== 'started') throw new Error(`profile-start: ${String(r)}`);
  }

  /** Stops the profiler and has the server write the `.cpuprofile` to `file`. */
  async profileStop(file: string, timeoutMs = 30_000): Promise<void> {
    const p = this.#await('profile', timeoutMs, 'profile-stop');
    this.proc.stdin.write(`profile-stop ${file}\n`);
    const r = (await p).profile;
    if (r !== file) throw new Error(`profile-stop: ${String(r)}`);
  }

  /**
   * Stops the server: with `graceful`, first closes its stdin (the server exits on its own, which lets
   * `--cpu-prof` write its profile) and waits up to 10 s; then SIGKILL (our own child, by pid); waits for
   * the exit, bounded.
   */
  async kill(graceful = false): Promise<void> {
    this.onExit = () => {};
    if (graceful && !this.exited) {
      this.proc.stdin.end();
      await Promise.race([this.#exit, new Promise((r) => setTimeout(r, 10_000).unref())]);
    }
    if (!this.exited) {
      try {
        this.proc.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
    await Promise.race([this.#exit, new Promise((r) => setTimeout(r, 5_000).unref())]);
  }
}

/**
 * Aggregate CPU times of the machine from /proc/stat, in µs: `task` (user+nice+system, what processes
 * are charged), `irq` (irq+softirq: loopback TCP delivery lands here, for our own traffic too) and steal.
 */
export function machineCpuUs(): { task: number; irq: number; steal: number } | null {
  let stat: string;
  try {
    stat = readFileSync('/proc/stat', 'utf8');
  } catch {
    return null;
  }
  const first = stat.slice(0, stat.indexOf('\n')).trim().split(/\s+/);
  if (first[0] !== 'cpu') return null;
  const f = first.slice(1).map(Number);
  const at = (i: number): number => f[i] ?? 0;
  const toUs = 1e6 / clockTicks();
  // user nice system idle iowait irq softirq steal guest guest_nice (guest is already counted in user)
  return { task: (at(0) + at(1) + at(2)) * toUs, irq: (at(5) + at(6)) * toUs, steal: at(7) * toUs };
}
