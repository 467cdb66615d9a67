/**
 * Redis readings of the cluster benchmark: `INFO commandstats` (server-wide command counts, so the runner also
 * measures the background rate with no load and reports it), the Redis server's own CPU (`INFO cpu`), and
 * deleting a run's keys (by prefix, in the run's database).
 */
import { Redis } from 'ioredis';

/** Calls per command name, from `INFO commandstats`. */
export type CommandStats = Record<string, number>;

export class RedisProbe {
  readonly #r: Redis;

  private constructor(r: Redis) {
    this.#r = r;
  }

  /** Connects (3 s at most). @throws Error naming the URL when Redis does not answer. */
  static async open(url: string): Promise<RedisProbe> {
    const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3000, enableOfflineQueue: false, retryStrategy: () => null });
    r.on('error', () => {});
    try {
      await r.connect();
      await r.ping();
    } catch (err) {
      r.disconnect();
      throw new Error(`bench:cluster needs Redis at ${url} (start one: redis-server --port 6379): ${err instanceof Error ? err.message : String(err)}`);
    }
    return new RedisProbe(r);
  }

  /** Command calls since the Redis server started, by command (`cmdstat_<name>:calls=N,...`). */
  async commandStats(): Promise<CommandStats> {
    const text = await this.#r.info('commandstats');
    const out: CommandStats = {};
    for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out[m[1] as string] = Number(m[2]);
    return out;
  }

  /** The Redis server's CPU (user + system of the main process and its threads), in µs. */
  async cpuUs(): Promise<number> {
    const text = await this.#r.info('cpu');
    const num = (k: string): number => Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(text)?.[1] ?? 0);
    return (num('used_cpu_user') + num('used_cpu_sys')) * 1e6;
  }

  /** The Redis server's version string. */
  async version(): Promise<string> {
    return /^redis_version:(\S+)/m.exec(await this.#r.info('server'))?.[1] ?? 'unknown';
  }

  /** Deletes every key starting with `prefix` in the connected database; resolves how many. */
  async dropPrefix(prefix: string): Promise<number> {
    let cursor = '0';
    let n = 0;
    do {
      const [next, keys] = await this.#r.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) n += await this.#r.unlink(...keys);
    } while (cursor !== '0');
    return n;
  }

  close(): void {
    this.#r.disconnect();
  }
}

/** `b - a` per command, only the commands that moved. */
export function statsDelta(a: CommandStats, b: CommandStats): CommandStats {
  const out: CommandStats = {};
  for (const [k, v] of Object.entries(b)) {
    const d = v - (a[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}

/** The sum of a {@link CommandStats}, leaving out the probe's own `info` calls. */
export function totalCommands(s: CommandStats): number {
  let t = 0;
  for (const [k, v] of Object.entries(s)) if (k !== 'info') t += v;
  return t;
}

/** Commands attributed to one key prefix by {@link CommandMonitor}. */
export interface Attributed {
  /** Commands sent by clients (round trips, EVALSHA counted once). */
  sent: number;
  /** Commands run inside Lua scripts (MONITOR source `lua`). */
  inScripts: number;
  byName: CommandStats;
}

/**
 * Counts the commands naming a key or channel under given prefixes through `MONITOR` on its own connection,
 * so a shared Redis's other traffic is not charged to the benchmark (`INFO commandstats` counts everything).
 * A command is attributed to a prefix when one of its arguments starts with it (every velomcp key and channel
 * carries the node's `--redis-prefix`; script bodies pass their keys as arguments).
 */
export class CommandMonitor {
  readonly #r: Redis;
  readonly #counts = new Map<string, Attributed>();
  #monitor: { disconnect(): void } | undefined;

  private constructor(r: Redis) {
    this.#r = r;
  }

  static async open(url: string, prefixes: readonly string[]): Promise<CommandMonitor> {
    const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3000, retryStrategy: () => null });
    r.on('error', () => {});
    const m = new CommandMonitor(r);
    for (const p of prefixes) m.#counts.set(p, { sent: 0, inScripts: 0, byName: {} });
    const mon = await r.monitor();
    mon.on('error', () => {});
    mon.on('monitor', (_time: string, args: string[], source: string) => {
      for (const [p, c] of m.#counts) {
        if (!args.some((a) => typeof a === 'string' && a.startsWith(p))) continue;
        if (source === 'lua') c.inScripts++;
        else c.sent++;
        const name = String(args[0]).toLowerCase() + (source === 'lua' ? ' (in script)' : '');
        c.byName[name] = (c.byName[name] ?? 0) + 1;
        break;
      }
    });
    m.#monitor = mon;
    return m;
  }

  /** A copy of the counts of `prefix` so far. */
  snapshot(prefix: string): Attributed {
    const c = this.#counts.get(prefix) ?? { sent: 0, inScripts: 0, byName: {} };
    return { sent: c.sent, inScripts: c.inScripts, byName: { ...c.byName } };
  }

  close(): void {
    this.#monitor?.disconnect();
    this.#r.disconnect();
  }
}

/** `b - a` of two {@link CommandMonitor.snapshot}s. */
export function attributedDelta(a: Attributed, b: Attributed): Attributed {
  return { sent: b.sent - a.sent, inScripts: b.inScripts - a.inScripts, byName: statsDelta(a.byName, b.byName) };
}
