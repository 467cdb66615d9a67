/**
 * Orchestration benchmark (seed 004 targets), each figure side by side with its direct counterpart in the
 * same run:
 * - cached schema lookup (ToolCategories.schema, awaited) vs McpServer.toolDefinition (a map lookup);
 * - start-up with 400 tools in 20 lazy categories vs registering the 400 tools eagerly;
 * - pool acquire+release on a hit;
 * - dispatchParallel of 10 calls to a 50 ms upstream tool (through a mount over Streamable HTTP to an upstream in
 *   its own process) vs one call;
 * - proxy overhead: CPU µs per forwarded call (client → gateway → mount → upstream, all in this process over
 *   in-memory transports) minus CPU µs per direct call (client → upstream);
 * - result cache get/put per backend (memory, SQLite file, Redis db 5 when reachable).
 *
 * Prints JSON to stdout and writes bench/results/orchestration-latest.json (unless `--quick`).
 * Usage: node dist/bench/orchestration/run.js [--quick]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { McpClient, InMemoryClientTransport } from '../../src/client/index.js';
import { McpServer } from '../../src/server/mcp-server.js';
import { ConnectionPool, dispatchParallel, MemoryCacheBackend, mount, ResultCache, SqliteCacheBackend, ToolCategories, type CacheBackend } from '../../src/orchestration/index.js';
import { RedisCacheBackend } from '../../src/orchestration/redis.js';
import { median } from '../shared/stats.js';

const quick = process.argv.includes('--quick');
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const INFO = { name: 'bench', version: '1' };
const log = (s: string): void => void process.stderr.write(`${s}\n`);

async function timeLoop(n: number, fn: () => unknown | Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(1000, n); i++) await fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  return Number(process.hrtime.bigint() - t0) / n / 1000; // µs per op
}

function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function schemaLookup(): Promise<Record<string, number>> {
  const server = new McpServer(INFO);
  const cats = new ToolCategories(server);
  cats.category('pdf', () => [{ name: 'extract', description: 'x', inputSchema: { type: 'object', properties: { p: { type: 'string' } } }, handler: () => ({ content: [] }) }]);
  server.registerTool('direct', { inputSchema: { type: 'object', properties: { p: { type: 'string' } } } }, () => ({ content: [] }));
  await cats.schema('pdf_extract');
  const n = quick ? 20_000 : 200_000;
  const cached = await timeLoop(n, () => cats.schema('pdf_extract'));
  const cachedSync = await timeLoop(n, () => cats.get('pdf')!.schemaLoaded('pdf_extract'));
  const direct = await timeLoop(n, () => server.toolDefinition('direct'));
  return { cached_schema_lookup_us: cached, cached_schema_lookup_sync_us: cachedSync, direct_tool_definition_us: direct, hit_rate: cats.cacheInfo().hits / (cats.cacheInfo().hits + cats.cacheInfo().misses) };
}

function startup(): Record<string, number> {
  const lazy: number[] = [];
  const eager: number[] = [];
  const tools = (c: number) => Array.from({ length: 20 }, (_, i) => ({ name: `t${i}`, description: `tool ${i} of ${c}`, inputSchema: { type: 'object', properties: { x: { type: 'number' } } }, handler: () => ({ content: [] }) }));
  for (let r = 0; r < (quick ? 3 : 7); r++) {
    let t0 = performance.now();
    const s1 = new McpServer(INFO);
    const cats = new ToolCategories(s1);
    for (let c = 0; c < 20; c++) cats.category(`c${c}`, () => tools(c));
    lazy.push(performance.now() - t0);
    t0 = performance.now();
    const s2 = new McpServer(INFO);
    for (let c = 0; c < 20; c++) for (const t of tools(c)) s2.registerTool(`c${c}_${t.name}`, t, t.handler);
    eager.push(performance.now() - t0);
  }
  return { startup_400_tools_20_lazy_categories_ms: median(lazy)!, startup_400_tools_eager_ms: median(eager)! };
}

async function poolAcquire(): Promise<Record<string, number>> {
  const pool = new ConnectionPool({ create: async () => ({}), destroy: async () => undefined }, { max: 10 });
  const n = quick ? 20_000 : 200_000;
  const us = await timeLoop(n, async () => (await pool.acquire('alice')).release());
  const stats = pool.stats;
  await pool.close();
  // With a real upstream connection (an in-process McpClient): a hit does not touch the connection.
  const upstream = new McpServer(INFO);
  upstream.registerTool('x', {}, () => ({ content: [] }));
  const gw = new McpServer(INFO);
  const m = await mount(gw, 'up', { server: upstream });
  await m.callTool('x');
  const real = await timeLoop(quick ? 5000 : 50_000, async () => (await m.pool.acquire('')).release());
  await m.close();
  return { pool_acquire_hit_us: us, pool_acquire_hit_mcp_client_us: real, pool_hit_rate: stats.hitRate };
}

/** Starts the benchmark upstream in its own process over Streamable HTTP; resolves with its URL. */
async function childUpstream(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'cli', 'main.js'), 'serve', join(ROOT, 'dist', 'bench', 'orchestration', 'upstream-server.js'), '--http', '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      err += d;
      const m = /at (http:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`upstream exited with ${code}: ${err}`)));
  });
  return { url, stop: () => void child.kill('SIGTERM') };
}

async function parallel(era: 'legacy' | 'auto'): Promise<Record<string, number>> {
  const up = await childUpstream();
  const gw = new McpServer(INFO);
  const m = await mount(gw, 'up', { url: up.url }, { pool: { max: 10 }, era });
  const client = new McpClient(INFO, { era: 'legacy' });
  await client.connect(new InMemoryClientTransport(gw));
  // The direct counterpart: ten clients straight to the upstream, same era.
  const direct: McpClient[] = [];
  for (let i = 0; i < 10; i++) {
    const c = new McpClient(INFO, { era });
    await c.connect(up.url);
    direct.push(c);
  }
  const calls = Array.from({ length: 10 }, () => ({ name: 'up_sleep50' }));
  await dispatchParallel(client, calls); // warm: ten pooled connections
  const one: number[] = [];
  const ten: number[] = [];
  const tenDirect: number[] = [];
  for (let r = 0; r < (quick ? 5 : 20); r++) {
    let t0 = performance.now();
    await client.callTool({ name: 'up_sleep50' });
    one.push(performance.now() - t0);
    t0 = performance.now();
    const out = await dispatchParallel(client, calls, { maxConcurrent: 10 });
    ten.push(performance.now() - t0);
    if (!out.every((o) => o.ok)) throw new Error('a parallel call failed');
    t0 = performance.now();
    await Promise.all(direct.map((c) => c.callTool({ name: 'sleep50' })));
    tenDirect.push(performance.now() - t0);
  }
  await client.close();
  for (const c of direct) await c.close();
  await m.close();
  up.stop();
  const o = median(one)!;
  const t = median(ten)!;
  return { one_call_50ms_tool_ms: o, dispatch_parallel_10_calls_ms: t, dispatch_parallel_ratio: t / o, direct_10_parallel_calls_ms: median(tenDirect)!, direct_ratio: median(tenDirect)! / o };
}

async function proxyOverhead(): Promise<Record<string, number>> {
  const upstream = new McpServer(INFO);
  upstream.registerTool('echo', { inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }, (a: { text?: string }) => ({ content: [{ type: 'text', text: a.text ?? '' }] }));
  const direct = new McpClient(INFO, { era: 'legacy' });
  await direct.connect(new InMemoryClientTransport(upstream));
  const gw = new McpServer(INFO);
  const m = await mount(gw, 'up', { server: upstream }, { era: 'legacy' });
  const viaGw = new McpClient(INFO, { era: 'legacy' });
  await viaGw.connect(new InMemoryClientTransport(gw));
  const n = quick ? 1000 : 10_000;
  const measure = async (c: McpClient, name: string): Promise<{ cpu: number; wall: number }> => {
    for (let i = 0; i < 500; i++) await c.callTool({ name, arguments: { text: 'hi' } });
    const c0 = cpuUs();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await c.callTool({ name, arguments: { text: 'hi' } });
    return { cpu: (cpuUs() - c0) / n, wall: ((performance.now() - t0) * 1000) / n };
  };
  const runs: Array<{ d: { cpu: number; wall: number }; g: { cpu: number; wall: number } }> = [];
  for (let r = 0; r < 3; r++) runs.push({ d: await measure(direct, 'echo'), g: await measure(viaGw, 'up_echo') });
  await direct.close();
  await viaGw.close();
  await m.close();
  const dc = median(runs.map((x) => x.d.cpu))!;
  const gc = median(runs.map((x) => x.g.cpu))!;
  return {
    direct_call_cpu_us: dc,
    forwarded_call_cpu_us: gc,
    proxy_overhead_cpu_us: gc - dc,
    direct_call_wall_us: median(runs.map((x) => x.d.wall))!,
    forwarded_call_wall_us: median(runs.map((x) => x.g.wall))!,
  };
}

async function redisReachable(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port: 6379 });
    s.setTimeout(1000, () => (s.destroy(), resolve(false)));
    s.once('connect', () => (s.end(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

async function cacheBackends(): Promise<Record<string, Record<string, number> | string>> {
  const dir = mkdtempSync(join(tmpdir(), 'velomcp-bench-cache-'));
  const backends: CacheBackend[] = [new MemoryCacheBackend(), new SqliteCacheBackend({ path: join(dir, 'bench.db') })];
  const out: Record<string, Record<string, number> | string> = {};
  if (await redisReachable()) backends.push(new RedisCacheBackend({ url: 'redis://127.0.0.1:6379/5', prefix: `velomcp:bench:orch:${process.pid}:` }));
  else out.redis = 'skipped: Redis not reachable at 127.0.0.1:6379';
  const result = { content: [{ type: 'text' as const, text: 'x'.repeat(200) }] };
  for (const b of backends) {
    const cache = new ResultCache({ backend: b });
    const n = b.name === 'redis' ? (quick ? 500 : 5000) : quick ? 5000 : 50_000;
    let i = 0;
    const put = await timeLoop(n, () => cache.set(cache.key('tool', { i: i++ % 1000 }, 'alice', 'principal'), result));
    let j = 0;
    const get = await timeLoop(n, () => cache.get(cache.key('tool', { i: j++ % 1000 }, 'alice', 'principal')));
    out[b.name] = { put_us: put, get_us: get, hit_rate: cache.stats.hitRate };
    await cache.clear();
    await cache.close();
  }
  rmSync(dir, { recursive: true, force: true });
  return out;
}

const results: Record<string, unknown> = {};
log('schema lookups…');
results.schema = await schemaLookup();
log('startup…');
results.startup = startup();
log('pool…');
results.pool = await poolAcquire();
log('dispatchParallel…');
results.parallel = await parallel('legacy');
results.parallel_modern_upstream = await parallel('auto');
log('proxy overhead…');
results.proxy = await proxyOverhead();
log('cache backends…');
results.cache = await cacheBackends();

const s = results.schema as Record<string, number>;
const st = results.startup as Record<string, number>;
const p = results.pool as Record<string, number>;
const par = results.parallel as Record<string, number>;
const report = {
  benchmark: 'orchestration',
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  quick,
  results,
  targets: {
    cached_schema_lookup_under_0_1_ms: { value_ms: s.cached_schema_lookup_us! / 1000, met: s.cached_schema_lookup_us! < 100 },
    startup_400_lazy_tools_under_1_s: { value_ms: st.startup_400_tools_20_lazy_categories_ms, met: st.startup_400_tools_20_lazy_categories_ms! < 1000 },
    pool_acquire_hit_under_1_ms: { value_ms: p.pool_acquire_hit_mcp_client_us! / 1000, met: p.pool_acquire_hit_mcp_client_us! < 1000 },
    dispatch_parallel_10_within_1_2x_one_call: { ratio: par.dispatch_parallel_ratio, met: par.dispatch_parallel_ratio! <= 1.2 },
  },
};
const json = JSON.stringify(report, null, 2);
process.stdout.write(`${json}\n`);
if (!quick) {
  try {
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'results', 'orchestration-latest.json'), `${json}\n`);
  } catch (err) {
    log(`could not write bench/results/orchestration-latest.json: ${(err as Error).message}`);
  }
}
process.exit(0);
