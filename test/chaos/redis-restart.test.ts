/**
 * Chaos: this test's own redis-server (port 6391 when free, no persistence) killed and started again under
 * a steady load of legacy calls on 2 real nodes. No node dies; during the outage every answer is a success
 * or a retryable 503 (Retry-After, -32013); after the restart calls succeed again with no restart of the
 * nodes; events are never duplicated or reordered, and a stream resumed on the other node after the restart
 * gets the rest of its events once, in order.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from '../cluster-nginx/harness.js';
import { liveSse, type LiveSse } from '../cluster/sse.js';
import { parseSse, type RawResponse, type SseEvent } from '../http/helpers.js';
import { ThrowawayRedis, until } from '../redis/helpers.js';
import { assertOnceInOrder, openSession, request, sessionHeaders, startNodes, urlOf } from './helpers.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Tally {
  /** When the first 503 and the first success after the restart arrived (ms since the epoch). */
  first503?: number;
  firstOkAfterRestart?: number;
  ok: number;
  okAfterRestart: number;
  unavailable: number;
  sessionLost: number;
  unexpected: string[];
}

describe('Redis killed and restarted under a steady load of legacy calls', { timeout: 110_000 }, () => {
  let redis: ThrowawayRedis;
  let nodes: Node[] = [];
  const open: LiveSse[] = [];

  before(async () => {
    redis = await ThrowawayRedis.start(6391);
    nodes = await startNodes(2, redis.url, 'velomcp:chaos:');
  });
  after(async () => {
    for (const s of open) s.close();
    for (const n of nodes) await n.stop('SIGKILL');
    await redis.stop();
  });

  /** Checks one answered call: events once and in order, progress 1..k, one result. */
  function checkCall(r: RawResponse, id: number): string | undefined {
    if (!String(r.headers['content-type']).startsWith('text/event-stream')) {
      return r.json?.result ? undefined : `call ${id}: 200 without a result: ${r.text.slice(0, 200)}`;
    }
    const events = parseSse(r.text);
    // Events the log kept have ids (increasing); once Redis is gone they come without one.
    let last = -Infinity;
    for (const e of events) {
      if (e.id === undefined) continue;
      const n = Number(e.id.slice(e.id.lastIndexOf('#') + 1));
      if (!(n > last)) return `call ${id}: event ${e.id} duplicated or out of order`;
      last = n;
    }
    const msgs = events.filter((e) => e.data !== '').map((e) => JSON.parse(e.data));
    const progress = msgs.filter((m) => m.method === 'notifications/progress').map((m) => m.params.progress as number);
    if (progress.some((v, i) => v !== i + 1)) return `call ${id}: progress ${progress.join(',')}`;
    const answers = msgs.filter((m) => m.id === id);
    if (answers.length !== 1 || !answers[0].result) return `call ${id}: answers ${JSON.stringify(answers)}`;
    return undefined;
  }

  function isRetryable503(r: RawResponse): boolean {
    return r.status === 503 && Number(r.headers['retry-after']) >= 1 && r.json?.error?.code === -32013 && r.json.error.data?.code === 'VELO_BACKEND_UNAVAILABLE';
  }

  /** One client: sequential calls alternating between the nodes until `stop()` says so. */
  async function client(t: Tally, offset: number, stop: () => boolean, restarted: () => boolean): Promise<void> {
    let sid: string | undefined;
    let id = 1000 * offset;
    for (let i = offset; !stop() && i < 100_000; i++) {
      const url = urlOf(nodes[i % nodes.length] as Node);
      try {
        if (sid === undefined) {
          const o = await openSession(url);
          if ('sid' in o) sid = o.sid;
          else if (isRetryable503(o.refused)) t.unavailable++;
          else t.unexpected.push(`initialize: ${o.refused.status} ${o.refused.text.slice(0, 200)}`);
          if (!sid) await sleep(100);
          continue;
        }
        const r = await request(url, sid, ++id, 'tools/call', { name: 'cluster_wait', arguments: { ms: 120 }, _meta: { progressToken: `p${id}` } });
        if (r.status === 200) {
          const problem = checkCall(r, id);
          if (problem) t.unexpected.push(problem);
          else {
            t.ok++;
            if (restarted()) {
              t.okAfterRestart++;
              t.firstOkAfterRestart ??= Date.now();
            }
          }
        } else if (isRetryable503(r)) {
          t.unavailable++;
          t.first503 ??= Date.now();
          await sleep(100);
        } else if (r.status === 404 && restarted()) {
          // The restarted Redis kept nothing: a node without a copy of the session no longer knows it.
          t.sessionLost++;
          sid = undefined;
        } else t.unexpected.push(`call ${id}: ${r.status} ${r.text.slice(0, 200)}`);
      } catch (err) {
        t.unexpected.push(`request failed: ${(err as Error).message}`);
      }
    }
  }

  test('no node dies, outage answers are 503/-32013 with Retry-After, calls succeed again after the restart, events once and in order', async (tc) => {
    const t: Tally = { ok: 0, okAfterRestart: 0, unavailable: 0, sessionLost: 0, unexpected: [] };
    let stopping = false;
    let restarted = false;
    const timings: { killedAt?: number; restartedAt?: number } = {};
    const clients = [0, 1].map((k) => client(t, k, () => stopping, () => restarted));
    try {
      assert.ok(await until(() => t.ok >= 6, 20_000), `steady state before the outage (ok ${t.ok})`);
      const killedAt = Date.now();
      await redis.stop();
      timings.killedAt = killedAt;
      assert.ok(await until(() => t.unavailable >= 4, 20_000), `retryable refusals during the outage (${t.unavailable})`);
      await sleep(1000);
      await redis.start();
      timings.restartedAt = Date.now();
      restarted = true;
      assert.ok(await until(() => t.okAfterRestart >= 6, 30_000), `calls succeed again after the restart (ok after: ${t.okAfterRestart}, unavailable ${t.unavailable}, lost ${t.sessionLost}, unexpected ${JSON.stringify(t.unexpected)})`);
    } finally {
      stopping = true;
      await Promise.all(clients);
    }
    const since = (a?: number, b?: number): string => (a === undefined || b === undefined ? '?' : `${a - b} ms`);
    tc.diagnostic(`ok ${t.ok} (after restart ${t.okAfterRestart}), 503 ${t.unavailable}, sessions lost ${t.sessionLost}; kill to first 503 ${since(t.first503, timings.killedAt)}, restart to first success ${since(t.firstOkAfterRestart, timings.restartedAt)}`);
    assert.deepEqual(t.unexpected, []);
    for (const n of nodes) {
      assert.ok(n.proc && n.proc.exitCode === null && n.proc.signalCode === null, `node ${n.port} still running`);
      assert.doesNotMatch(n.output, /Unhandled|uncaught|VeloError:/i, `node ${n.port} printed no crash`);
    }
  });

  test('after the restart a stream cut on one node resumes on the other: the rest of its events once, in order, then the result', async () => {
    const [a, b] = nodes as [Node, Node];
    await until(async () => 'sid' in (await openSession(urlOf(a))), 20_000);
    const opened = await openSession(urlOf(a));
    assert.ok('sid' in opened);
    const sid = opened.sid;
    const first = await liveSse(urlOf(a), {
      method: 'POST',
      headers: sessionHeaders(sid),
      body: JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'cluster_wait', arguments: { ms: 2000 }, _meta: { progressToken: 'p5' } } }),
    });
    open.push(first);
    assert.ok(await until(() => first.events.filter((e) => e.data.includes('notifications/progress')).length >= 3, 10_000));
    first.close();
    const seen: SseEvent[] = [...first.events];
    const last = [...seen].reverse().find((e) => e.id !== undefined)?.id as string;
    const resumed = await liveSse(urlOf(b), { headers: { ...sessionHeaders(sid), accept: 'text/event-stream', 'last-event-id': last } });
    open.push(resumed);
    assert.equal(resumed.status, 200);
    const result = await resumed.waitFor((m) => m.id === 5, 'the result through the resumed stream', 15_000);
    assert.equal(result.result.content[0].text, 'completed');
    const msgs = assertOnceInOrder([...seen, ...resumed.events], 'resumed stream');
    const progress = msgs.filter((m) => m.method === 'notifications/progress').map((m) => m.params.progress as number);
    progress.forEach((v, i) => assert.equal(v, i + 1, `progress once, in order: ${progress.join(',')}`));
    assert.equal(msgs.filter((m) => m.id === 5).length, 1);
  });
});
