/**
 * The fan-out scenario: `subscribers` legacy (2025-11-25) sessions spread round-robin over the nodes of a
 * Redis-backed topology, each subscribed to `test://watched-resource` (`resources/subscribe`) and holding its
 * standalone GET stream on its node; then, per round, one `test_trigger_resource_update` call on the first
 * node, and the time from sending it until each subscriber's stream carried
 * `notifications/resources/updated`.
 *
 * The sessions come from several loopback source addresses (127.0.0.2, …) so that no node's per-client
 * session quota (`maxSessionsPerClient`, counted per peer address) is what limits the scenario.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { headersFor, openSession, postAsync, MODERN_META } from '../http/loadgen.js';
import { percentile } from '../shared/stats.js';
import { attributedDelta, type CommandMonitor } from './redis.js';
import { cpuOf, type Topology } from './topology.js';

export interface FanoutOptions {
  subscribers: number;
  rounds: number;
  /** Concurrent handshakes while opening the subscribers. */
  setupConcurrency: number;
  /** A round fails (missing deliveries counted) after this long. */
  roundTimeoutMs: number;
  timeoutMs: number;
  /** Counts the topology's Redis commands over the rounds. */
  monitor?: CommandMonitor;
}

export interface FanoutRound {
  delivered: number;
  missing: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** Until the trigger call was answered. */
  triggerMs: number;
}

export interface FanoutSample {
  subscribers: number;
  nodes: number;
  /** Subscribers per node. */
  perNode: number[];
  setupSeconds: number;
  rounds: FanoutRound[];
  /** Medians over the rounds. */
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  missing: number;
  /** Server CPU (all nodes) per delivered notification over the rounds, µs. */
  serverCpuUsPerDelivery: number;
  processes: { role: string; pid: number; cpuUsPerDelivery: number }[];
  /** Redis commands naming the topology's prefix per delivered notification (sent + inside scripts), and by name per round. */
  redisCommandsPerDelivery: number | null;
  redisCommandsPerRound: Record<string, number> | null;
  loadavg: number[];
}

const SOURCES = 8;
const URI = 'test://watched-resource';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Sub {
  sid: string;
  node: number;
  req?: http.ClientRequest;
  /** Time of this round's delivery (performance.now()), or undefined. */
  got?: number;
}

async function pool<T>(n: number, width: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

/** Opens a GET stream and calls `onUpdate` for each `notifications/resources/updated` it carries. */
function openStream(port: number, sid: string, localAddress: string, onUpdate: () => void, timeoutMs: number): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: '/mcp', method: 'GET', agent: false, localAddress, headers: { accept: 'text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' } },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`GET stream: HTTP ${res.statusCode}`));
          res.resume();
          return;
        }
        res.setEncoding('utf8');
        let buf = '';
        res.on('data', (c: string) => {
          buf += c;
          let at: number;
          while ((at = buf.indexOf('\n\n')) !== -1) {
            const event = buf.slice(0, at);
            buf = buf.slice(at + 2);
            if (event.includes('notifications/resources/updated')) onUpdate();
          }
        });
        res.on('error', () => {});
        resolve(req);
      },
    );
    req.on('error', (e) => reject(e));
    req.setTimeout(timeoutMs, () => {}); // streams stay open; the timeout only bounds the connect
    req.end();
  });
}

export async function runFanout(topo: Topology, opts: FanoutOptions): Promise<FanoutSample> {
  const ports = topo.urls.map((u) => Number(new URL(u).port));
  const agents = new Map<string, http.Agent>();
  const agentFor = (node: number, src: string): http.Agent => {
    const key = `${node}/${src}`;
    let a = agents.get(key);
    if (!a) agents.set(key, (a = new http.Agent({ keepAlive: true, maxSockets: 8, localAddress: src })));
    return a;
  };
  const subs: Sub[] = [];
  try {
    const t0 = performance.now();
    const opened = await pool(opts.subscribers, opts.setupConcurrency, async (i) => {
      const node = i % ports.length;
      const src = `127.0.0.${2 + (Math.floor(i / ports.length) % SOURCES)}`;
      const agent = agentFor(node, src);
      const sid = await openSession(agent, ports[node]!, opts.timeoutMs, i + 1);
      const b = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'resources/subscribe', params: { uri: URI } });
      const ex = await postAsync(agent, ports[node]!, headersFor('legacy', b, sid, 'resources/subscribe'), b, opts.timeoutMs);
      if (ex.status !== 200 || !ex.body.includes('"result"')) throw new Error(`resources/subscribe on node ${node + 1}: HTTP ${ex.status} ${ex.body.slice(0, 200)}`);
      const sub: Sub = { sid, node };
      sub.req = await openStream(ports[node]!, sid, src, () => {
        sub.got ??= performance.now();
      }, opts.timeoutMs);
      return sub;
    });
    subs.push(...opened);
    const setupSeconds = (performance.now() - t0) / 1000;
    // Let the last GET streams' record updates (streamNode) reach every node.
    await sleep(500);

    const procs = topo.processes();
    const cpu0 = cpuOf(procs.map((p) => p.pid));
    const mon0 = opts.monitor?.snapshot(topo.prefix ?? '');
    const rounds: FanoutRound[] = [];
    const trigger = agentFor(0, '127.0.0.1');
    for (let r = 0; r < opts.rounds; r++) {
      for (const s of subs) delete s.got;
      const b = JSON.stringify({ jsonrpc: '2.0', id: 10_000 + r, method: 'tools/call', params: { _meta: MODERN_META, name: 'test_trigger_resource_update', arguments: {} } });
      const start = performance.now();
      const ex = await postAsync(trigger, ports[0]!, headersFor('modern', b, undefined, 'tools/call', 'test_trigger_resource_update'), b, opts.timeoutMs);
      const triggerMs = performance.now() - start;
      if (ex.status !== 200 || !ex.body.includes('"result"')) throw new Error(`trigger: HTTP ${ex.status} ${ex.body.slice(0, 200)}`);
      const deadline = start + opts.roundTimeoutMs;
      while (performance.now() < deadline && subs.some((s) => s.got === undefined)) await sleep(5);
      const lat = Float64Array.from(subs.filter((s) => s.got !== undefined).map((s) => (s.got as number) - start)).sort();
      rounds.push({ delivered: lat.length, missing: subs.length - lat.length, p50Ms: percentile(lat, 50), p95Ms: percentile(lat, 95), maxMs: lat[lat.length - 1] ?? NaN, triggerMs });
      await sleep(300);
    }
    const cpu1 = cpuOf(procs.map((p) => p.pid));
    await sleep(100); // MONITOR lines of the last round's commands
    const mon = mon0 && opts.monitor ? attributedDelta(mon0, opts.monitor.snapshot(topo.prefix ?? '')) : undefined;
    const delivered = rounds.reduce((s, r) => s + r.delivered, 0);
    const processes = procs.map((p, i) => ({ role: p.role, pid: p.pid, cpuUsPerDelivery: ((cpu1[i] ?? NaN) - (cpu0[i] ?? NaN)) / Math.max(1, delivered) }));
    const med = (xs: number[]): number => {
      const s = [...xs].sort((a, b) => a - b);
      const m = s.length >> 1;
      return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
    };
    return {
      subscribers: subs.length,
      nodes: ports.length,
      perNode: ports.map((_, n) => subs.filter((s) => s.node === n).length),
      setupSeconds,
      rounds,
      p50Ms: med(rounds.map((r) => r.p50Ms)),
      p95Ms: med(rounds.map((r) => r.p95Ms)),
      maxMs: med(rounds.map((r) => r.maxMs)),
      missing: rounds.reduce((s, r) => s + r.missing, 0),
      redisCommandsPerDelivery: mon ? (mon.sent + mon.inScripts) / Math.max(1, delivered) : null,
      redisCommandsPerRound: mon ? Object.fromEntries(Object.entries(mon.byName).map(([k, v]) => [k, Math.round((v / opts.rounds) * 10) / 10])) : null,
      serverCpuUsPerDelivery: processes.reduce((s, p) => s + p.cpuUsPerDelivery, 0),
      processes,
      loadavg: (await import('node:os')).loadavg(),
    };
  } finally {
    for (const s of subs) s.req?.destroy();
    for (const a of agents.values()) a.destroy();
  }
}
