/**
 * Helpers of the Redis tier tests: connections to the shared Redis (127.0.0.1:6379, database 2, keys under a
 * per-test prefix that {@link dropPrefix} removes), and throwaway `redis-server` processes on free ports for
 * the tests that stop and restart Redis (never the shared one).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, createConnection } from 'node:net';
import { Redis } from 'ioredis';
import { connectRedis, type RedisConnection, type RedisConnectionOptions } from '../../src/redis/index.js';

/** The shared Redis database of these tests. */
export const REDIS_URL = 'redis://127.0.0.1:6379/2';

let n = 0;
/** A fresh key prefix, unique to this process and call. */
export function testPrefix(name = 't'): string {
  return `velomcp:test:redis:${process.pid}:${name}:${n++}:`;
}

/** Connects to the shared test database; fails with a clear message when Redis is not running. */
export async function connectShared(prefix: string, extra: Omit<RedisConnectionOptions, 'url' | 'prefix'> = {}): Promise<RedisConnection> {
  try {
    return await connectRedis({ url: REDIS_URL, prefix, connectTimeoutMs: 3000, ...extra });
  } catch (err) {
    throw new Error(`these tests need Redis at 127.0.0.1:6379 (database 2): ${(err as Error).message}`);
  }
}

/** Deletes every key under `prefix` in `url`'s database. */
export async function dropPrefix(prefix: string, url = REDIS_URL): Promise<void> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await r.connect();
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await r.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

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

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** A throwaway `redis-server` (no persistence) that a test may stop and start again on the same port. */
export class ThrowawayRedis {
  readonly port: number;
  #proc: ChildProcess | undefined;

  private constructor(port: number) {
    this.port = port;
  }

  /** Starts one on `preferredPort` when nothing listens there, else on a free port. */
  static async start(preferredPort?: number): Promise<ThrowawayRedis> {
    const port = preferredPort !== undefined && !(await accepts(preferredPort)) ? preferredPort : await freePort();
    const r = new ThrowawayRedis(port);
    await r.start();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  get running(): boolean {
    return this.#proc !== undefined;
  }

  /** Starts the server (again) and waits until it accepts connections (10 s at most). */
  async start(): Promise<void> {
    if (this.#proc) return;
    const p = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], { stdio: 'ignore' });
    this.#proc = p;
    p.once('exit', () => {
      if (this.#proc === p) this.#proc = undefined;
    });
    for (let i = 0; i < 200; i++) {
      if (await accepts(this.port)) return;
      if (!this.#proc) throw new Error(`redis-server on port ${this.port} exited at startup (is redis-server installed?)`);
      await sleep(50);
    }
    throw new Error(`redis-server on port ${this.port} did not accept connections within 10 s`);
  }

  /** Freezes the server (SIGSTOP): connections stay open and commands get no answer, as when Redis hangs. */
  pause(): void {
    this.#proc?.kill('SIGSTOP');
  }

  /** Lets a paused server go on (SIGCONT). */
  resume(): void {
    this.#proc?.kill('SIGCONT');
  }

  /** Kills the server (SIGKILL: no goodbye to clients) and waits for its exit. */
  async stop(): Promise<void> {
    const p = this.#proc;
    if (!p) return;
    this.#proc = undefined;
    const gone = once(p, 'exit');
    p.kill('SIGKILL');
    p.kill('SIGCONT');
    await gone;
  }
}

/** Polls `cond` every 10 ms until it holds or `ms` passed; resolves whether it held. */
export async function until(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await sleep(10);
  }
  return cond();
}
