import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { McpServer } from '../../src/server/mcp-server.js';
import { WorkerPool, configureSharedWorkerPool, sharedWorkerPool, closeSharedWorkerPool } from '../../src/exec/pool.js';
import { registerWorkerTool } from '../../src/exec/worker-tool.js';
import { ErrorCode } from '../../src/jsonrpc/codes.js';
import { Harness, sleep } from '../server/harness.js';

const MODULE = new URL('./fixtures/workers.js', import.meta.url);
const pools: WorkerPool[] = [];
after(async () => {
  await Promise.all(pools.map((p) => p.close()));
  await closeSharedWorkerPool();
});

/** `spinTimeoutMs` applies to the `spin` tool only, so the calls after it are not bound by it on a loaded machine. */
function setup(poolOptions: ConstructorParameters<typeof WorkerPool>[0] = {}, spinTimeoutMs?: number) {
  const pool = new WorkerPool({ maxThreads: 1, ...poolOptions });
  pools.push(pool);
  const server = new McpServer({ name: 'pool-test', version: '1' });
  const tool = (name: string, exp: string, inputSchema: Record<string, unknown> = { type: "object" }, extra: object = {}) =>
    registerWorkerTool(server, name, { module: MODULE, export: exp, pool, inputSchema, ...extra });
  tool('echo', 'echo', { type: 'object', properties: { value: { type: 'string' } }, required: ['value'] });
  tool('progress', 'withProgress');
  tool('fails', 'fails');
  tool('crash', 'crash');
  tool('spin', 'spin', { type: 'object' }, spinTimeoutMs === undefined ? {} : { timeoutMs: spinTimeoutMs });
  tool('cooperative', 'cooperative');
  const h = new Harness(server);
  return { pool, server, h };
}

/** Resolves when a worker says `started` on `channel` (bounded). */
function started(channel: string): Promise<void> {
  const bc = new BroadcastChannel(channel);
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => (bc.close(), reject(new Error('the worker never started'))), 20_000);
    bc.onmessage = (e) => {
      if ((e as MessageEvent).data === 'started') (clearTimeout(timer), bc.close(), resolve());
    };
  });
}

const call = (h: Harness, name: string, args: object, id?: number, meta?: object) =>
  h.request('tools/call', { name, arguments: args, ...(meta ? { _meta: meta } : {}) }, id);

test('a worker tool answers with the result computed on a worker thread', async () => {
  const { h } = setup();
  await h.initialize();
  const r = await call(h, 'echo', { value: 'hi' });
  assert.equal(r.result.content[0].text, 'echo hi');
  assert.ok(r.result.structuredContent.threadId > 0, 'ran on a worker thread, not the main thread (threadId 0)');
});

test('arguments are validated on the main thread: invalid ones never reach the pool', async () => {
  const { h, pool } = setup();
  await h.initialize();
  const r = await call(h, 'echo', { value: 42 });
  assert.equal(r.result.isError, true);
  assert.match(r.result.content[0].text, /Input validation error/);
  assert.equal(pool.stats().completed, 0);
});

test('progress and log notifications from the worker reach the client', async () => {
  const { h } = setup();
  await h.initialize();
  const r = await call(h, 'progress', { steps: 3 }, 7, { progressToken: 'p1' });
  assert.equal(r.result.content[0].text, 'done 3');
  const progress = h.notifications('notifications/progress').map((n) => n.params);
  assert.deepEqual(progress.map((p) => [p.progressToken, p.progress, p.total, p.message]), [
    ['p1', 1, 3, 'step 1'],
    ['p1', 2, 3, 'step 2'],
    ['p1', 3, 3, 'step 3'],
  ]);
  const logs = h.notifications('notifications/message').map((n) => n.params);
  assert.deepEqual(logs.map((l) => l.data.step), [1, 2, 3]);
  assert.equal(logs[0].logger, 'worker');
});

test('a throw inside the worker function is an isError result with its message', async () => {
  const { h } = setup();
  await h.initialize();
  const r = await call(h, 'fails', {});
  assert.equal(r.result.isError, true);
  assert.equal(r.result.content[0].text, 'boom in the worker');
});

test('a crashed worker thread answers the call as a tool error and the pool replaces the thread', async () => {
  const { h, pool } = setup();
  await h.initialize();
  const r = await call(h, 'crash', {});
  assert.equal(r.result.isError, true);
  assert.match(r.result.content[0].text, /crashed/);
  assert.equal(pool.stats().crashed, 1);
  const next = await call(h, 'echo', { value: 'after' });
  assert.equal(next.result.content[0].text, 'echo after');
});

test('a worker that overruns its timeout is stopped and the call answers "timed out"', async () => {
  const { h, pool } = setup({}, 200);
  await h.initialize();
  const r = await call(h, 'spin', { ms: 60_000 });
  assert.equal(r.result.isError, true);
  assert.match(r.result.content[0].text, /timed out after 200 ms/);
  // The single thread was stopped (it never yields), or this call would wait a minute behind it.
  const next = await call(h, 'echo', { value: 'free' });
  assert.equal(next.result.content[0].text, 'echo free');
  assert.equal(pool.stats().timedOut, 1);
});

test('cancelling a running call whose worker ignores the signal frees its slot at once', async () => {
  const { h, pool } = setup();
  await h.initialize();
  const channel = `spin-${process.pid}-r`;
  const running = started(channel);
  h.conn.receive({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'spin', arguments: { ms: 60_000, channel } } });
  await running;
  await sleep(20);
  h.notify('notifications/cancelled', { requestId: 1, reason: 'user' });
  // One thread: the next call can only run if the spinning thread was stopped.
  const next = await call(h, 'echo', { value: 'next' });
  assert.equal(next.result.content[0].text, 'echo next');
  await sleep(20);
  assert.equal(h.sent.filter((s) => s.message.id === 1).length, 0, 'a cancelled request gets no answer');
  assert.equal(pool.stats().cancelled, 1);
});

test('cancelling a queued call removes it from the pool queue without running it', async () => {
  const { h, pool } = setup({ cancelGraceMs: 0 });
  await h.initialize();
  const channel = `coop-${process.pid}-q`;
  const running = started(channel);
  h.conn.receive({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'cooperative', arguments: { ms: 1000, channel } } });
  await running;
  h.conn.receive({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { value: 'queued' } } });
  for (let i = 0; i < 200 && pool.stats().queued === 0; i++) await sleep(5);
  assert.equal(pool.stats().queued, 1);
  h.notify('notifications/cancelled', { requestId: 2 });
  assert.equal(pool.stats().queued, 0, 'the queued call left the queue at once');
  const first = await h.waitFor((m) => m.message.id === 1, 10_000);
  assert.equal(first.message.result.content[0].text, 'finished');
  assert.equal(h.sent.filter((s) => s.message.id === 2).length, 0);
});

test('cancellation reaches the worker: its ctx.signal aborts and cooperative work stops', async () => {
  const { h } = setup({ cancelGraceMs: 10_000 });
  await h.initialize();
  const channel = `coop-${process.pid}-c`;
  const bc = new BroadcastChannel(channel);
  const messages: string[] = [];
  const heard = (what: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} from the worker; heard ${JSON.stringify(messages)}`)), 20_000);
      const check = (): void => {
        const m = messages.find((x) => what.test(x));
        if (m !== undefined) (clearTimeout(timer), resolve(m));
      };
      bc.onmessage = (e) => (messages.push((e as MessageEvent).data as string), check());
      check();
    });
  h.conn.receive({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'cooperative', arguments: { ms: 60_000, channel } } });
  await heard(/^started$/); // cancel only once the worker runs, so the signal (not a queue removal) is what stops it
  await sleep(20);
  h.notify('notifications/cancelled', { requestId: 1 });
  assert.equal(await heard(/^aborted/), 'aborted: cancelled');
  bc.close();
  const next = await call(h, 'echo', { value: 'x' });
  assert.equal(next.result.content[0].text, 'echo x');
});

test('a full pool queue answers -32010 ServerBusy with retry data', async () => {
  const { h, pool } = setup({ maxQueue: 1 });
  await h.initialize();
  const channel = `coop-${process.pid}-f`;
  await call(h, 'echo', { value: 'warm' }); // the thread is up, so the first call runs instead of queueing
  h.conn.receive({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'cooperative', arguments: { ms: 300, channel } } });
  await sleep(100);
  h.conn.receive({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { value: 'q' } } });
  const r = await call(h, 'echo', { value: 'over' }, 3);
  assert.equal(r.error.code, ErrorCode.ServerBusy);
  assert.deepEqual(r.error.data, { reason: 'queue_full', scope: 'pool', limit: 1, retryAfterMs: 1000 });
  assert.equal((await h.waitFor((m) => m.message.id === 2, 10_000)).message.result.content[0].text, 'echo q');
  assert.equal(pool.stats().rejected, 1);
});

test('the shared pool takes its options before it starts and refuses them after', async () => {
  configureSharedWorkerPool({ maxThreads: 1, maxQueue: 5 });
  const pool = sharedWorkerPool();
  assert.equal(pool.maxThreads, 1);
  assert.equal(pool.maxQueue, 5);
  assert.throws(() => configureSharedWorkerPool({ maxThreads: 2 }), { code: 'VELO_INVALID_CONFIG' });
  await closeSharedWorkerPool();
});

test('bad pool options are refused with VELO_INVALID_CONFIG', () => {
  assert.throws(() => new WorkerPool({ maxThreads: 0 }), { code: 'VELO_INVALID_CONFIG' });
  assert.throws(() => new WorkerPool({ maxQueue: -1 }), { code: 'VELO_INVALID_CONFIG' });
});

test('a request deadline (admission control) stops a worker that ignores its signal and answers -32012', async () => {
  const pool = new WorkerPool({ maxThreads: 1 });
  pools.push(pool);
  const server = new McpServer({ name: 'pool-deadline', version: '1' }, { admission: {} });
  registerWorkerTool(server, 'spin', { module: MODULE, export: 'spin', pool });
  registerWorkerTool(server, 'echo', { module: MODULE, export: 'echo', pool });
  const h = new Harness(server);
  await h.initialize();
  const r = await call(h, 'spin', { ms: 60_000 }, 1, { 'velomcp/timeoutMs': 300 });
  assert.equal(r.error.code, ErrorCode.DeadlineExceeded);
  assert.equal(r.error.data.phase, 'running');
  // One thread: this runs only because the spinning thread was stopped at the deadline.
  const next = await call(h, 'echo', { value: 'after' }, 2);
  assert.equal(next.result.content[0].text, 'echo after');
  assert.equal(server.admission!.stats().inFlight, 0);
});

test('ctx.input() in a worker reaches the client: legacy server→client request, modern input_required round trip', async () => {
  const pool = new WorkerPool({ maxThreads: 1 });
  pools.push(pool);
  const server = new McpServer({ name: 'pool-input', version: '1' });
  registerWorkerTool(server, 'asks', { module: MODULE, export: 'asks', pool });
  // Legacy era: the elicitation goes to the client, the worker resumes with the answer.
  const legacy = new Harness(server);
  await legacy.initialize({ elicitation: {} });
  legacy.conn.receive({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'asks', arguments: {} } });
  const ask = await legacy.waitFor((m) => m.message.method === 'elicitation/create', 10_000);
  legacy.conn.receive({ jsonrpc: '2.0', id: ask.message.id, result: { action: 'accept', content: { name: 'Ada' } } });
  assert.equal((await legacy.waitFor((m) => m.message.id === 1 && 'result' in m.message, 10_000)).message.result.content[0].text, 'hello Ada');
  // Modern era: the first attempt ends with input_required; the retry carries the answer.
  const modern = new Harness(server);
  const first = await modern.modern('tools/call', { name: 'asks', arguments: {} }, { elicitation: {} });
  assert.equal(first.result.resultType, 'input_required');
  assert.equal(first.result.inputRequests.name.method, 'elicitation/create');
  const second = await modern.modern('tools/call', { name: 'asks', arguments: {}, inputResponses: { name: { action: 'accept', content: { name: 'Grace' } } }, requestState: first.result.requestState }, { elicitation: {} });
  assert.equal(second.result.content[0].text, 'hello Grace');
  // A client without the capability: the call answers with the capability error, the pool keeps serving.
  const bare = new Harness(server);
  const refused = await bare.modern('tools/call', { name: 'asks', arguments: {} }, {});
  assert.equal(refused.error.code, ErrorCode.MissingRequiredClientCapability);
});
