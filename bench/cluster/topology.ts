/**
 * The server side of the cluster benchmark: `velomcp serve dist/bench/cluster/server.js --http` processes in
 * the four topologies, each started with no npm wrapper so that the child's pid is the server's, and the
 * CPU of every server process read from `/proc/<pid>/stat` (under `--workers`, the primary and each worker:
 * the workers are found as the primary's children).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processCpuUs } from '../shared/proc.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (this file runs from dist/bench/cluster). */
export const ROOT = join(here, '..', '..', '..');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const SERVER = join(ROOT, 'dist', 'bench', 'cluster', 'server.js');
const READY = /serving MCP over Streamable HTTP/g;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export type TopologyName = 'memory-1' | 'redis-1' | 'redis-3' | 'workers-2';

export const TOPOLOGIES: readonly { name: TopologyName; label: string }[] = [
  { name: 'memory-1', label: '1 node, in-memory' },
  { name: 'redis-1', label: '1 node, Redis' },
  { name: 'redis-3', label: '3 nodes, Redis' },
  { name: 'workers-2', label: '--workers 2 (primary IPC)' },
];

/** A port nothing listens on (the kernel's pick, released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** One `velomcp serve` process (with `--workers`, the primary; its workers are {@link NodeProcess.pids}). */
export class NodeProcess {
  readonly port: number;
  readonly #args: string[];
  #proc: ChildProcess | undefined;
  output = '';

  constructor(port: number, args: string[]) {
    this.port = port;
    this.#args = args;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/mcp`;
  }

  get pid(): number {
    return this.#proc?.pid ?? -1;
  }

  /** Starts it and waits until `processes` processes announce they serve (30 s at most). */
  async start(processes: number): Promise<void> {
    const flags = (process.env.VELOMCP_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean); // diagnosis, e.g. --cpu-prof
    const p = spawn(process.execPath, [...flags, CLI, 'serve', SERVER, '--http', '--port', String(this.port), ...this.#args], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, VELOMCP_STATE_SECRET: 'cluster-bench-secret-0123456789abcdef' },
    });
    this.#proc = p;
    p.stderr?.setEncoding('utf8');
    p.stderr?.on('data', (d: string) => {
      this.output = (this.output + d).slice(-20_000);
    });
    for (let i = 0; i < 300; i++) {
      if ((this.output.match(READY) ?? []).length >= processes) return;
      if (p.exitCode !== null) throw new Error(`node on port ${this.port} exited at startup:\n${this.output}`);
      await sleep(100);
    }
    throw new Error(`node on port ${this.port} did not start within 30 s:\n${this.output}`);
  }

  /** This process and its children (the workers under `--workers`). */
  pids(): { role: string; pid: number }[] {
    const out = [{ role: this.#args.includes('--workers') ? 'primary' : 'node', pid: this.pid }];
    let n = 0;
    for (const child of childrenOf(this.pid)) out.push({ role: `worker${++n}`, pid: child });
    return out;
  }

  /** SIGKILL to the primary first lets it restart nothing; then its workers (by pid), then wait. */
  async stop(): Promise<void> {
    const p = this.#proc;
    if (!p || p.exitCode !== null) return;
    const kids = childrenOf(this.pid);
    const gone = once(p, 'exit');
    p.kill('SIGTERM');
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      for (const k of kids) {
        try {
          process.kill(k, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }, 5000);
    await gone;
    clearTimeout(t);
  }
}

/** Pids whose parent is `pid` (from /proc/<n>/stat). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      /* exited meanwhile */
    }
  }
  return out.sort((a, b) => a - b);
}

/** A running topology. */
export interface Topology {
  name: TopologyName;
  label: string;
  nodes: NodeProcess[];
  /** The endpoint URLs a client round-robins over (one per node; one for `--workers`, the kernel spreads). */
  urls: string[];
  /** The Redis key prefix (Redis topologies). */
  prefix?: string;
  /** Every server process with its role. */
  processes(): { role: string; pid: number }[];
  stop(): Promise<void>;
}

/** Starts one topology; `redisUrl` and `prefix` for the Redis ones. */
export async function startTopology(name: TopologyName, redisUrl: string, prefix: string): Promise<Topology> {
  const label = TOPOLOGIES.find((t) => t.name === name)?.label ?? name;
  const redis = ['--redis', redisUrl, '--redis-prefix', prefix];
  const specs: { args: string[]; processes: number }[] =
    name === 'memory-1' ? [{ args: [], processes: 1 }]
    : name === 'redis-1' ? [{ args: redis, processes: 1 }]
    : name === 'redis-3' ? [0, 1, 2].map(() => ({ args: redis, processes: 1 }))
    : [{ args: ['--workers', '2'], processes: 2 }];
  const nodes: NodeProcess[] = [];
  for (const s of specs) nodes.push(new NodeProcess(await freePort(), s.args));
  try {
    await Promise.all(nodes.map((n, i) => n.start(specs[i]!.processes)));
  } catch (err) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw err;
  }
  return {
    name,
    label,
    nodes,
    urls: nodes.map((n) => n.url),
    ...(name.startsWith('redis') ? { prefix } : {}),
    processes: () =>
      nodes.flatMap((n, i) => n.pids().map((p) => ({ role: nodes.length > 1 ? `node${i + 1}` : p.role, pid: p.pid }))),
    stop: async () => {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}

/** CPU µs of each pid now (null when unreadable). */
export function cpuOf(pids: readonly number[]): (number | null)[] {
  return pids.map((p) => processCpuUs(p));
}
