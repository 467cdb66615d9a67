import { test } from 'node:test';
import assert from 'node:assert/strict';
import { McpServer } from '../../src/server/mcp-server.js';
import type { AdmissionOptions } from '../../src/exec/admission.js';
import { ErrorCode } from '../../src/jsonrpc/codes.js';
import { Harness, sleep, tick } from '../server/harness.js';

/** A server whose `wait` tool runs until the test opens its gate; `quick` answers at once. */
function setup(admission: AdmissionOptions) {
  const server = new McpServer({ name: 'admission-test', version: '1' }, { admission });
  let open!: () => void;
  let gate = new Promise<void>((r) => (open = r));
  const started: string[] = [];
  const aborted: string[] = [];
  server.registerTool('wait', { inputSchema: { type: 'object', properties: { tag: { type: 'string' } } } }, async (args: { tag?: string }, ctx) => {
    started.push(args.tag ?? '');
    ctx.signal.addEventListener('abort', () => aborted.push(args.tag ?? ''));
    await Promise.race([gate, new Promise((r) => ctx.signal.addEventListener('abort', r))]);
    return { content: [{ type: 'text', text: `done ${args.tag ?? ''}` }] };
  });
  server.registerTool('wait2', {}, async () => {
    await gate;
    return { content: [{ type: 'text', text: 'done2' }] };
  });
  server.registerTool('quick', {}, () => ({ content: [{ type: 'text', text: 'quick' }] }));
  return {
    server,
    started,
    aborted,
    release: () => {
      open();
      gate = new Promise<void>((r) => (open = r));
    },
    /** Opens the gate for good: every call, running or still to start, finishes. */
    releaseAll: () => {
      open();
      gate = Promise.resolve();
    },
  };
}

function send(h: Harness, id: number, name: string, args: object = {}, meta: object = {}) {
  h.conn.receive({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, _meta: meta } });
}
const answer = async (h: Harness, id: number) => (await h.waitFor((m) => m.message.id === id, 10_000)).message;

test('10x the concurrency limit: the excess gets -32010 ServerBusy with data, every admitted call completes', async () => {
  const { server, releaseAll } = setup({ maxConcurrent: 4, maxQueue: 8 });
  const h = new Harness(server);
  await h.initialize();
  for (let i = 1; i <= 40; i++) send(h, i, 'wait', { tag: String(i) });
  await tick();
  const busy = h.sent.filter((s) => s.message.error);
  assert.equal(busy.length, 28);
  for (const b of busy) {
    assert.equal(b.message.error.code, ErrorCode.ServerBusy);
    assert.deepEqual(b.message.error.data, { reason: 'queue_full', scope: 'server', limit: 4, retryAfterMs: 1000 });
  }
  const stats = server.admission!.stats();
  assert.equal(stats.inFlight, 4);
  assert.equal(stats.queued, 8);
  releaseAll();
  for (let i = 1; i <= 12; i++) assert.equal((await answer(h, i)).result.content[0].text, `done ${i}`);
  const after = server.admission!.stats();
  assert.equal(after.inFlight, 0);
  assert.equal(after.queued, 0);
  assert.equal(after.completed, 12);
  assert.equal(after.rejectedBusy, 28);
});

test('with maxQueue 0 nothing waits: a call past the limit is refused at once', async () => {
  const { server, release } = setup({ maxConcurrent: 1, maxQueue: 0 });
  const h = new Harness(server);
  await h.initialize();
  send(h, 1, 'wait');
  send(h, 2, 'quick');
  assert.equal((await answer(h, 2)).error.code, ErrorCode.ServerBusy);
  release();
  assert.ok((await answer(h, 1)).result);
});

test('the per-session limit holds one session back while another session runs', async () => {
  const { server, release, started } = setup({ maxConcurrentPerSession: 1 });
  const a = new Harness(server);
  const b = new Harness(server);
  await a.initialize();
  await b.initialize();
  send(a, 1, 'wait', { tag: 'a1' });
  send(a, 2, 'wait', { tag: 'a2' });
  send(b, 1, 'wait', { tag: 'b1' });
  await tick();
  assert.deepEqual(started, ['a1', 'b1']);
  assert.equal(server.admission!.stats().queued, 1);
  release();
  await answer(a, 1);
  await answer(b, 1);
  await sleep(5);
  assert.deepEqual(started, ['a1', 'b1', 'a2']);
  release();
  assert.equal((await answer(a, 2)).result.content[0].text, 'done a2');
});

test('the per-tool limit queues calls of one tool and lets other tools through', async () => {
  const { server, release, started } = setup({ maxConcurrentPerTool: { wait: 1 } });
  const h = new Harness(server);
  await h.initialize();
  send(h, 1, 'wait', { tag: 'w1' });
  send(h, 2, 'wait', { tag: 'w2' });
  send(h, 3, 'quick');
  assert.equal((await answer(h, 3)).result.content[0].text, 'quick');
  assert.deepEqual(started, ['w1']);
  release();
  await answer(h, 1);
  await sleep(5);
  assert.deepEqual(started, ['w1', 'w2']);
  release();
  await answer(h, 2);
});

test('queued calls start in priority order from _meta["velomcp/priority"]', async () => {
  const { server, release, started } = setup({ maxConcurrent: 1, policy: 'priority' });
  const h = new Harness(server);
  await h.initialize();
  send(h, 1, 'wait', { tag: 'first' });
  send(h, 2, 'wait', { tag: 'p1' }, { 'velomcp/priority': 1 });
  send(h, 3, 'wait', { tag: 'p5' }, { 'velomcp/priority': 5 });
  send(h, 4, 'wait', { tag: 'p3' }, { 'velomcp/priority': 3 });
  await tick();
  for (let i = 0; i < 4; i++) {
    release();
    await sleep(5);
  }
  await answer(h, 2);
  assert.deepEqual(started, ['first', 'p5', 'p3', 'p1']);
});

test('a deadline already in the past is refused with -32012 phase "arrival" and the handler never runs', async () => {
  const { server, started } = setup({});
  const h = new Harness(server);
  await h.initialize();
  send(h, 1, 'wait', { tag: 'x' }, { 'velomcp/timeoutMs': 0 });
  send(h, 2, 'wait', { tag: 'y' }, { 'velomcp/deadline': Date.now() - 1000 });
  for (const id of [1, 2]) {
    const r = await answer(h, id);
    assert.equal(r.error.code, ErrorCode.DeadlineExceeded);
    assert.equal(r.error.data.reason, 'deadline_exceeded');
    assert.equal(r.error.data.phase, 'arrival');
  }
  assert.deepEqual(started, []);
});

test('a deadline that passes while queued answers -32012 "queued"; one that passes while running aborts the handler', async () => {
  const { server, release, started, aborted } = setup({ maxConcurrent: 1 });
  const h = new Harness(server);
  await h.initialize();
  send(h, 1, 'wait', { tag: 'runs' }, { 'velomcp/timeoutMs': 150 });
  send(h, 2, 'wait', { tag: 'waits' }, { 'velomcp/timeoutMs': 50 });
  const queued = await answer(h, 2);
  assert.equal(queued.error.code, ErrorCode.DeadlineExceeded);
  assert.equal(queued.error.data.phase, 'queued');
  const running = await answer(h, 1);
  assert.equal(running.error.code, ErrorCode.DeadlineExceeded);
  assert.equal(running.error.data.phase, 'running');
  assert.deepEqual(started, ['runs']);
  assert.deepEqual(aborted, ['runs'], "the running handler's ctx.signal was aborted");
  release();
  await sleep(5);
  assert.equal(server.admission!.stats().inFlight, 0);
});

test('a tool deadline from timeoutsMs applies without any hint', async () => {
  const { server } = setup({ timeoutsMs: { wait: 30 } });
  const h = new Harness(server);
  await h.initialize();
  send(h, 1, 'wait');
  assert.equal((await answer(h, 1)).error.data.phase, 'running');
});

test('the token bucket answers -32011 RateLimited with retryAfterMs and refills with time', async () => {
  let now = 1_000_000;
  const { server } = setup({ rateLimit: { ratePerSec: 2, burst: 2 }, now: () => now });
  const h = new Harness(server);
  const other = new Harness(server);
  await h.initialize();
  await other.initialize();
  assert.ok((await h.request('tools/call', { name: 'quick' })).result);
  assert.ok((await h.request('tools/call', { name: 'quick' })).result);
  const limited = await h.request('tools/call', { name: 'quick' });
  assert.equal(limited.error.code, ErrorCode.RateLimited);
  assert.deepEqual(limited.error.data, { reason: 'rate_limited', scope: 'session', retryAfterMs: 500 });
  assert.ok((await other.request('tools/call', { name: 'quick' })).result, 'another session has its own bucket');
  now += 500;
  assert.ok((await h.request('tools/call', { name: 'quick' })).result);
  assert.equal(server.admission!.stats().rateLimited, 1);
});

test('cancelling a queued call takes it out of the queue at once and sends no answer', async () => {
  const { server, release, started } = setup({ maxConcurrent: 1 });
  const h = new Harness(server);
  await h.initialize();
  send(h, 1, 'wait', { tag: 'a' });
  send(h, 2, 'wait', { tag: 'b' });
  await tick();
  assert.equal(server.admission!.stats().queued, 1);
  h.notify('notifications/cancelled', { requestId: 2 });
  assert.equal(server.admission!.stats().queued, 0);
  assert.equal(server.admission!.stats().cancelledWhileQueued, 1);
  release();
  await answer(h, 1);
  await sleep(10);
  assert.deepEqual(started, ['a']);
  assert.equal(h.sent.filter((s) => s.message.id === 2).length, 0);
});

test('closing a connection releases its queued calls', async () => {
  const { server, release } = setup({ maxConcurrent: 1 });
  const a = new Harness(server);
  const b = new Harness(server);
  await a.initialize();
  await b.initialize();
  send(a, 1, 'wait');
  send(b, 1, 'wait');
  send(b, 2, 'wait');
  await tick();
  assert.equal(server.admission!.stats().queued, 2);
  b.conn.close();
  assert.equal(server.admission!.stats().queued, 0);
  release();
  await answer(a, 1);
});

test('synchronous tools under admission answer without waiting a turn', () => {
  const { server } = setup({ maxConcurrent: 10 });
  const h = new Harness(server);
  h.conn.receive({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'quick', arguments: {}, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } } });
  assert.equal(h.sent.length, 1);
  assert.equal(h.sent[0]!.message.result.content[0].text, 'quick');
});

test('the admission queue publishes its depth on velomcp:server:queue as calls wait and leave', async () => {
  const { subscribe } = await import('node:diagnostics_channel');
  const depths: number[] = [];
  const onQueue = (m: unknown): void => {
    const e = m as { queue: string; depth: number };
    if (e.queue === 'admission') depths.push(e.depth);
  };
  subscribe('velomcp:server:queue', onQueue);
  try {
    const { server, releaseAll } = setup({ maxConcurrent: 1, maxQueue: 8 });
    const h = new Harness(server);
    await h.initialize();
    for (let i = 1; i <= 4; i++) send(h, i, 'wait', { tag: String(i) });
    await tick();
    assert.equal(Math.max(...depths), 3);
    releaseAll();
    for (let i = 1; i <= 4; i++) assert.ok((await answer(h, i)).result);
    assert.equal(depths.at(-1), 0);
  } finally {
    (await import('node:diagnostics_channel')).unsubscribe('velomcp:server:queue', onQueue);
  }
});
