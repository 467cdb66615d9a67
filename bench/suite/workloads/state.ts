/**
 * Workloads of velomcp's tables: the tool registry (register, lookup, unregister one, bulk removal; erlmcp's
 * bottleneck was unregister), the outbound-request correlation table (src/protocol/outbound.ts), the session
 * store (memory, and Redis database 6 when it is reachable) and the orchestration connection pool. Peers: the
 * official SDK v1's `McpServer` registry where it has one, and a raw reference (a `Map`, an array) that does
 * the bare job.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { McpServer as SdkMcpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpServer } from '../../../src/server/mcp-server.js';
import { OutboundRequests } from '../../../src/protocol/outbound.js';
import { InMemorySessionStore, type SessionRecord } from '../../../src/transports/http/stores.js';
import { ConnectionPool } from '../../../src/orchestration/pool/pool.js';
import { connectRedis, RedisSessionStore, type RedisConnection } from '../../../src/redis/index.js';
import type { Implementation, Operation, Workload } from '../types.js';

const text = { content: [{ type: 'text' as const, text: 'ok' }] };
const OBJECT_SCHEMA = { type: 'object' } as const;
/** Tools registered before lookups and single removals, so the table is not trivially small. */
const TABLE = 1000;
/** Tools removed in one bulk-removal operation. */
const BULK = 1000;

interface Registrar {
  add(name: string): () => void;
  lookup(name: string): unknown;
}

function velomcpRegistrar(): Registrar {
  const s = new McpServer({ name: 'bench', version: '1' });
  return {
    add: (name) => {
      const r = s.registerTool(name, { inputSchema: OBJECT_SCHEMA }, () => text);
      return () => r.remove();
    },
    lookup: (name) => s.toolDefinition(name),
  };
}

function sdkRegistrar(): Registrar {
  const s = new SdkMcpServer({ name: 'bench', version: '1' });
  // The SDK has no public lookup: its tools/call handler reads this object, so the benchmark does too.
  const table = (s as unknown as { _registeredTools: Record<string, unknown> })._registeredTools;
  return {
    add: (name) => {
      const r = s.registerTool(name, {}, () => text);
      return () => r.remove();
    },
    lookup: (name) => table[name],
  };
}

function rawRegistrar(): Registrar {
  const m = new Map<string, { handler: () => unknown }>();
  return {
    add: (name) => {
      m.set(name, { handler: () => text });
      return () => m.delete(name);
    },
    lookup: (name) => m.get(name),
  };
}

const REGISTRARS: [string, () => Registrar][] = [
  ['velomcp', velomcpRegistrar],
  ['sdk-v1', sdkRegistrar],
  ['raw', rawRegistrar],
];

function registryImpls(make: (reg: Registrar, planned: number) => Operation): Implementation[] {
  return REGISTRARS.map(([name, factory]) => ({ name, setup: async (planned) => make(factory(), planned) }));
}

const fail = (what: string): never => {
  throw new Error(`bench: ${what}`);
};

function registryWorkloads(): Workload[] {
  return [
    {
      id: 'registry_register',
      group: 'registry',
      description: 'register one tool (object input schema) into a growing registry',
      operations: 20_000,
      warmup: 2000,
      batch: 10,
      implementations: registryImpls((reg) => ({ run: (i) => void reg.add(`tool_${i}`) })),
    },
    {
      id: 'registry_lookup',
      group: 'registry',
      description: `look one tool up by name among ${TABLE}`,
      operations: 200_000,
      warmup: 20_000,
      batch: 100,
      implementations: registryImpls((reg) => {
        for (let k = 0; k < TABLE; k++) reg.add(`tool_${k}`);
        return { run: (i) => void (reg.lookup(`tool_${(i * 7) % TABLE}`) ?? fail('lookup missed')) };
      }),
    },
    {
      id: 'registry_unregister',
      group: 'registry',
      description: `unregister one tool from a registry of at least ${TABLE}`,
      operations: 20_000,
      warmup: 2000,
      batch: 10,
      implementations: registryImpls((reg, planned) => {
        const removers: (() => void)[] = [];
        for (let k = 0; k < planned + TABLE; k++) removers.push(reg.add(`tool_${k}`));
        return { run: (i) => removers[i]!() };
      }),
    },
    {
      id: 'registry_bulk_remove',
      group: 'registry',
      description: `remove ${BULK} tools one after another (registered untimed before each operation)`,
      operations: 300,
      warmup: 30,
      implementations: registryImpls((reg) => {
        let removers: (() => void)[] = [];
        return {
          prepare: (i) => {
            removers = [];
            for (let k = 0; k < BULK; k++) removers.push(reg.add(`bulk_${i}_${k}`));
          },
          run: () => {
            for (const r of removers) r();
          },
        };
      }),
      note: 'per-operation figures are for the whole batch of removals',
    },
  ];
}

/** The raw correlation table: a Map of pending resolvers with a timeout timer each, as any client needs. */
class RawCorrelation {
  readonly #pending = new Map<number, { resolve: (r: unknown) => void; timer: NodeJS.Timeout }>();
  #next = 0;
  request(send: (text: string) => void, method: string): Promise<unknown> {
    const id = ++this.#next;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error('timeout'));
      }, 60_000);
      this.#pending.set(id, { resolve, timer });
      send(JSON.stringify({ jsonrpc: '2.0', id, method }));
    });
  }
  handle(id: number, result: unknown): boolean {
    const p = this.#pending.get(id);
    if (p === undefined) return false;
    this.#pending.delete(id);
    clearTimeout(p.timer);
    p.resolve(result);
    return true;
  }
}

/** Requests left pending in the table while the measured one goes through it. */
const PENDING = 1000;

function outboundWorkload(): Workload {
  const velomcp: Implementation = {
    name: 'velomcp',
    async setup() {
      let lastId = 0;
      const table = new OutboundRequests((message) => {
        lastId = Number(/"id":(\d+)/.exec(message)?.[1]);
      });
      for (let k = 0; k < PENDING; k++) table.request('ping', undefined).catch(() => {});
      return {
        run: async () => {
          const p = table.request('ping', undefined);
          table.handleResponse({ jsonrpc: '2.0', id: lastId, result: {} });
          await p;
        },
        close: () => table.close(),
      };
    },
  };
  const raw: Implementation = {
    name: 'raw',
    async setup() {
      let lastId = 0;
      const table = new RawCorrelation();
      const send = (message: string): void => {
        lastId = Number(/"id":(\d+)/.exec(message)?.[1]);
      };
      const idle: number[] = [];
      for (let k = 0; k < PENDING; k++) {
        table.request(send, 'ping').catch(() => {});
        idle.push(lastId);
      }
      return {
        run: async () => {
          const p = table.request(send, 'ping');
          table.handle(lastId, {});
          await p;
        },
        close: () => {
          for (const id of idle) table.handle(id, {});
        },
      };
    },
  };
  return {
    id: 'outbound_correlate',
    group: 'protocol',
    description: `send a request and correlate its response, with ${PENDING} others pending`,
    operations: 100_000,
    warmup: 10_000,
    batch: 10,
    implementations: [velomcp, raw],
    note: 'both arm and clear a timeout timer per request; velomcp also serialises the request envelope',
  };
}

const record = (id: string): SessionRecord => ({ id, protocolVersion: '2025-11-25', createdAt: Date.now(), lastSeenAt: Date.now() });

function memoryStoreWorkload(): Workload {
  return {
    id: 'session_store_memory',
    group: 'sessions',
    description: 'put one session record, then get it back (in memory)',
    operations: 100_000,
    warmup: 10_000,
    batch: 10,
    implementations: [
      {
        name: 'velomcp',
        async setup(planned) {
          const store = new InMemorySessionStore({ maxSessions: planned + 1 });
          const ids = Array.from({ length: planned }, () => randomUUID());
          return { run: (i) => void (store.add(record(ids[i]!)) && store.get(ids[i]!) !== undefined ? undefined : fail('store lost a record')) };
        },
      },
      {
        name: 'raw',
        async setup(planned) {
          const m = new Map<string, SessionRecord>();
          const ids = Array.from({ length: planned }, () => randomUUID());
          return {
            run: (i) => {
              m.set(ids[i]!, record(ids[i]!));
              if (m.get(ids[i]!) === undefined) fail('map lost a record');
            },
          };
        },
      },
    ],
  };
}

/** The Redis database of this suite (the team's split: suite uses 6). */
export const BENCH_REDIS_URL = process.env.VELOMCP_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/6';

/** Resolves undefined when Redis answers at `url`, else the reason to skip (`skipped: Redis unreachable at …`). */
export async function redisProbe(url = BENCH_REDIS_URL): Promise<string | undefined> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    await r.ping();
    return undefined;
  } catch {
    return `skipped: Redis unreachable at ${url}`;
  } finally {
    r.disconnect();
  }
}

async function dropKeys(r: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await r.del(...keys);
  } while (cursor !== '0');
}

function redisStoreWorkload(): Workload {
  const prefix = (): string => `velomcp:bench:${process.pid}:${randomUUID().slice(0, 8)}:`;
  return {
    id: 'session_store_redis',
    group: 'sessions',
    description: 'put one session record, then get it back (Redis database 6, one connection, sequential)',
    operations: 4000,
    warmup: 400,
    probe: () => redisProbe(),
    implementations: [
      {
        name: 'velomcp',
        async setup(planned) {
          const p = prefix();
          const conn: RedisConnection = await connectRedis({ url: BENCH_REDIS_URL, prefix: p, connectTimeoutMs: 2000 });
          const store = new RedisSessionStore({ connection: conn, maxSessions: planned + 10, ttlMs: 600_000 });
          const ids = Array.from({ length: planned }, () => randomUUID());
          return {
            run: async (i) => {
              if (!(await store.add(record(ids[i]!))) || (await store.get(ids[i]!)) === undefined) fail('Redis store lost a record');
            },
            close: async () => {
              await conn.run((c) => dropKeys(c, p));
              await conn.close();
            },
          };
        },
      },
      {
        name: 'raw',
        async setup(planned) {
          const p = prefix();
          const r = new Redis(BENCH_REDIS_URL, { maxRetriesPerRequest: 1 });
          const ids = Array.from({ length: planned }, () => randomUUID());
          return {
            run: async (i) => {
              const rec = record(ids[i]!);
              await r.set(`${p}${rec.id}`, JSON.stringify(rec), 'PX', 600_000);
              if ((await r.get(`${p}${rec.id}`)) === null) fail('Redis lost a record');
            },
            close: async () => {
              await dropKeys(r, p);
              r.disconnect();
            },
          };
        },
      },
    ],
    note: 'velomcp runs its atomic add script (bounded table, TTL) and HGETALL; raw is SET PX + GET of a JSON string',
  };
}

function poolWorkload(): Workload {
  interface Conn {
    n: number;
  }
  return {
    id: 'pool_checkout_checkin',
    group: 'pool',
    description: 'check one idle connection out of a pool of 10 for a principal and back in',
    operations: 100_000,
    warmup: 10_000,
    batch: 10,
    implementations: [
      {
        name: 'velomcp',
        async setup() {
          let n = 0;
          const pool = new ConnectionPool<Conn>({ create: async () => ({ n: n++ }), destroy: async () => {} }, { max: 10 });
          const warm = await Promise.all(Array.from({ length: 10 }, () => pool.acquire('alice')));
          for (const l of warm) l.release();
          return {
            run: async () => {
              const lease = await pool.acquire('alice');
              lease.release();
            },
            close: () => pool.close(),
            extra: () => ({ hit_rate: Number(pool.stats.hitRate.toFixed(4)) }),
          };
        },
      },
      {
        name: 'raw',
        async setup() {
          const idle = new Map<string, Conn[]>([['alice', Array.from({ length: 10 }, (_, n) => ({ n }))]]);
          return {
            run: async () => {
              const list = idle.get('alice')!;
              const c = list.pop() ?? fail('raw pool empty');
              list.push(c);
            },
          };
        },
      },
    ],
    note: 'velomcp also keeps per-principal isolation, idle-time health checks, waiters and stats',
  };
}

export function stateWorkloads(): Workload[] {
  return [...registryWorkloads(), outboundWorkload(), memoryStoreWorkload(), redisStoreWorkload(), poolWorkload()];
}
