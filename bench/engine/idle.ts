/**
 * Idle-connections benchmark (erlmcp load scenario "idle"): N (default 50 000) connections to one server
 * process per transport — TCP, WebSocket, and legacy Streamable HTTP sessions each holding a GET stream —
 * from several loopback source addresses. Reports the server's RSS growth per connection (after a full GC
 * at both ends of the measurement), then pings every connection and reports how many answered and the
 * ping latency percentiles. A bench, not a test: it needs `nofile` above 2·N (it re-runs itself under
 * `prlimit` when it may, see docs/performance.md).
 *
 *   node dist/bench/engine/idle.js [--connections 50000] [--only tcp,ws,http]
 */
import http from 'node:http';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { percentile } from '../shared/stats.js';
import { connectMany, LineClient, rssKiB, startServer, stopServer } from './tcp-clients.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const script = fileURLToPath(new URL('./servers/idle-server.js', import.meta.url));
const { values } = parseArgs({ options: { connections: { type: 'string', default: '50000' }, only: { type: 'string', default: 'tcp,ws,http' }, 'per-address': { type: 'string', default: '20000' } } });
const PER_ADDRESS = Number(values['per-address']);
const ASKED = Number(values.connections);

function nofile(): number {
  const m = /Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/.exec(readFileSync('/proc/self/limits', 'utf8'));
  return !m || m[1] === 'unlimited' ? Infinity : Number(m[1]);
}
// Each process (this client, the server child) holds about N descriptors; both inherit this limit.
const need = ASKED + 2000;
if (nofile() < need && !process.env.VELOMCP_BENCH_REEXEC) {
  process.stderr.write(`idle bench: raising nofile to ${need} with prlimit\n`);
  const r = spawnSync('prlimit', [`--nofile=${need}:${need}`, '--', process.execPath, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, VELOMCP_BENCH_REEXEC: '1' } });
  if (r.status !== 0 && r.status !== null) process.stderr.write('idle bench: prlimit failed; running with the connections this limit allows\n');
  else process.exit(r.status ?? 1);
}
/** Connections measured: the ask, or what the descriptor limit leaves room for (reported as clamped). */
const N = Math.min(ASKED, nofile() - 2000);
if (N < ASKED) process.stderr.write(`idle bench: nofile is ${nofile()} and cannot be raised here: measuring ${N} connections instead of ${ASKED}\n`);

const addr = (i: number): string => `127.0.0.${2 + Math.floor(i / PER_ADDRESS)}`;
const r2 = (x: number): number => Math.round(x * 100) / 100;

async function gcRss(call: () => Promise<string>, pid: number): Promise<number> {
  await call();
  await new Promise((r) => setTimeout(r, 200));
  await call();
  return rssKiB(pid);
}

async function pingAll(pings: (() => Promise<boolean>)[], parallel = 16): Promise<{ answered: number; p50: number; p95: number; p99: number; max: number }> {
  const times: number[] = [];
  let answered = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < pings.length) {
      const p = pings[next++] as () => Promise<boolean>;
      const t0 = performance.now();
      const ok = await Promise.race([p(), new Promise<boolean>((r) => setTimeout(() => r(false), 30_000))]);
      if (ok) {
        answered++;
        times.push(performance.now() - t0);
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  const s = Float64Array.from(times).sort();
  return { answered, p50: r2(percentile(s, 50)), p95: r2(percentile(s, 95)), p99: r2(percentile(s, 99)), max: r2(s[s.length - 1] ?? NaN) };
}

async function runTcp(port: number, pid: number) {
  const control = new LineClient((await connectMany(port, 1))[0]!);
  await control.initialize();
  const gc = () => control.request('tools/call', { name: 'gc', arguments: {} });
  const before = await gcRss(gc, pid);
  const t0 = performance.now();
  const clients = (await connectMany(port, N, PER_ADDRESS)).map((s) => new LineClient(s));
  for (let i = 0; i < N; i += 1000) await Promise.all(clients.slice(i, i + 1000).map((c) => c.initialize()));
  const setupS = (performance.now() - t0) / 1000;
  const after = await gcRss(gc, pid);
  const ping = await pingAll(clients.map((c) => async () => (await c.request('ping')).includes('"result"')));
  for (const c of clients) c.socket.destroy();
  control.socket.destroy();
  return { before, after, setupS, ping };
}

function wsOpen(port: number, i: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/mcp`, 'mcp', { localAddress: addr(i), perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}
function wsRequest(ws: WebSocket, id: number, method: string, params?: object): Promise<string> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData): void => {
      const text = data.toString();
      if (text.includes(`"id":${id},`) || text.includes(`"id":${id}}`)) {
        ws.off('message', onMessage);
        resolve(text);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) }));
  });
}
const INIT = { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } };

async function runWs(port: number, pid: number) {
  const control = await wsOpen(port, 0);
  await wsRequest(control, 1, 'initialize', INIT);
  let gid = 10;
  const gc = () => wsRequest(control, gid++, 'tools/call', { name: 'gc', arguments: {} });
  const before = await gcRss(gc, pid);
  const t0 = performance.now();
  const sockets: WebSocket[] = new Array(N);
  let next = 0;
  await Promise.all(
    Array.from({ length: 200 }, async () => {
      while (next < N) {
        const i = next++;
        const ws = await wsOpen(port, i);
        await wsRequest(ws, 1, 'initialize', INIT);
        ws.send('{"jsonrpc":"2.0","method":"notifications/initialized"}');
        sockets[i] = ws;
      }
    }),
  );
  const setupS = (performance.now() - t0) / 1000;
  const after = await gcRss(gc, pid);
  const ping = await pingAll(sockets.map((ws) => async () => (await wsRequest(ws, 2, 'ping')).includes('"result"')));
  for (const ws of sockets) ws.terminate();
  control.terminate();
  return { before, after, setupS, ping };
}

/** POST with retries: a keep-alive socket the server closes as it is reused fails with ECONNRESET. */
async function post(port: number, agent: http.Agent, body: object, session?: string): Promise<{ status: number; session: string | undefined; text: string }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await postOnce(port, agent, body, session);
    } catch (err) {
      if (attempt >= 4) throw err;
    }
  }
}

function postOnce(port: number, agent: http.Agent, body: object, session?: string): Promise<{ status: number; session: string | undefined; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/mcp',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(session ? { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' } : {}) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, session: res.headers['mcp-session-id'] as string | undefined, text }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

function openGet(port: number, session: string, i: number): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: '/mcp', method: 'GET', agent: false, localAddress: addr(i), headers: { accept: 'text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' } },
      (res) => {
        if (res.statusCode !== 200) reject(new Error(`GET stream answered ${res.statusCode}`));
        else resolve(req);
        res.on('data', () => {});
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function runHttp(port: number, pid: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const init = async (): Promise<string> => {
    const r = await post(port, agent, { jsonrpc: '2.0', id: 1, method: 'initialize', params: INIT });
    if (!r.session) throw new Error(`initialize answered ${r.status} without a session: ${r.text.slice(0, 200)}`);
    await post(port, agent, { jsonrpc: '2.0', method: 'notifications/initialized' }, r.session);
    return r.session;
  };
  const control = await init();
  let gid = 10;
  const gc = async () => (await post(port, agent, { jsonrpc: '2.0', id: gid++, method: 'tools/call', params: { name: 'gc', arguments: {} } }, control)).text;
  const before = await gcRss(gc, pid);
  const t0 = performance.now();
  const sessions: string[] = new Array(N);
  const streams: http.ClientRequest[] = new Array(N);
  let next = 0;
  await Promise.all(
    Array.from({ length: 200 }, async () => {
      while (next < N) {
        const i = next++;
        sessions[i] = await init();
        streams[i] = await openGet(port, sessions[i]!, i);
      }
    }),
  );
  const setupS = (performance.now() - t0) / 1000;
  // The agent's POST sockets idle out (keep-alive timeout) before the measurement; only GET streams stay.
  agent.destroy();
  await new Promise((r) => setTimeout(r, 6000));
  const agent2 = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const gc2 = async () => (await post(port, agent2, { jsonrpc: '2.0', id: gid++, method: 'tools/call', params: { name: 'gc', arguments: {} } }, control)).text;
  const after = await gcRss(gc2, pid);
  const ping = await pingAll(sessions.map((s) => async () => (await post(port, agent2, { jsonrpc: '2.0', id: 2, method: 'ping' }, s)).text.includes('"result"')));
  for (const r of streams) r.destroy();
  agent2.destroy();
  return { before, after, setupS, ping };
}

const results = [];
for (const kind of values.only.split(',')) {
  const { child, port } = await startServer(script, [kind], ['--expose-gc']);
  try {
    const run = kind === 'tcp' ? runTcp : kind === 'ws' ? runWs : runHttp;
    const r = await run(port, child.pid!);
    const perConnKiB = r2((r.after - r.before) / N);
    const row = { transport: kind === 'http' ? 'http-legacy-session+GET' : kind, connections: N, setupSeconds: r2(r.setupS), serverRssKiB: { before: r.before, after: r.after }, perConnectionKiB: perConnKiB, ping: r.ping, allAnswered: r.ping.answered === N };
    process.stderr.write(`${row.transport}: ${N} connections, ${perConnKiB} KiB each, ping answered ${r.ping.answered}/${N}, P95 ${r.ping.p95} ms\n`);
    results.push(row);
  } finally {
    await stopServer(child);
  }
}
const out = {
  bench: 'engine/idle',
  date: new Date().toISOString(),
  machine: { cpus: os.availableParallelism(), loadavg: os.loadavg().map((x) => r2(x)), node: process.version, memMiB: Math.round(os.totalmem() / 1048576) },
  params: { connections: N, asked: ASKED, nofile: nofile(), clamped: N < ASKED, sourceAddresses: Math.ceil(N / PER_ADDRESS) },
  results,
  targets: { perConnectionKiBAtMost: 5 },
};
mkdirSync(`${root}bench/results`, { recursive: true });
writeFileSync(`${root}bench/results/engine-idle${values.only === 'tcp,ws,http' ? '' : `-${values.only.replace(/,/g, '-')}`}.json`, `${JSON.stringify(out, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
