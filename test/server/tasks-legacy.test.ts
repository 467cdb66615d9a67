/**
 * 2025-11-25 tasks in the legacy era (basic/utilities/tasks.mdx): the `tasks` capability, `params.task` on
 * tools/call, tasks/get|result|list|cancel, status and progress notifications tied to the task, TTL and
 * limits, binding to the session, and the spec's error codes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { McpError } from '../../src/jsonrpc/errors.js';
import { McpServer } from '../../src/server/mcp-server.js';
import { elicit } from '../../src/server/input.js';
import { TASKS_EXTENSION } from '../../src/server/tasks/index.js';
import type { McpServerOptions } from '../../src/server/options.js';
import { Harness, sleep } from './harness.js';

const RELATED = 'io.modelcontextprotocol/related-task';
const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });

function waitAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
}

function server(options: McpServerOptions = {}, probe = { aborted: 0 }): McpServer {
  const s = new McpServer({ name: 's', version: '1' }, options);
  s.registerTool('plain', {}, () => text('plain'));
  s.registerTool('sync_only', { execution: { taskSupport: 'forbidden' } }, () => text('sync'));
  s.registerTool('quick', { execution: { taskSupport: 'optional' } }, async () => {
    await sleep(5);
    return text('quick done');
  });
  s.registerTool('must_task', { execution: { taskSupport: 'required' } }, () => text('done'));
  s.registerTool('halfway', { execution: { taskSupport: 'optional' } }, async (_a, ctx) => {
    await sleep(5);
    ctx.progress(1, 2, 'half');
    ctx.log('info', 'halfway there');
    await sleep(5);
    ctx.progress(2, 2);
    return text('whole');
  });
  s.registerTool('gate', { execution: { taskSupport: 'optional' } }, async (_a, ctx) => {
    try {
      await waitAbort(ctx.signal);
    } finally {
      probe.aborted++;
    }
    return text('unreachable');
  });
  s.registerTool('tool_error', { execution: { taskSupport: 'optional' } }, () => ({ ...text('rate limit exceeded'), isError: true }));
  s.registerTool('protocol_error', { execution: { taskSupport: 'optional' } }, () => {
    throw new McpError(-32603, 'boom');
  });
  s.registerTool('ask', { execution: { taskSupport: 'optional' } }, async (_a, ctx) => {
    const a = await ctx.input({ who: elicit({ message: 'Name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } } } }) });
    return text(`hello ${(a.who as any).content.name}`);
  });
  return s;
}

async function session(s: McpServer, caps = {}): Promise<Harness> {
  const h = new Harness(s);
  await h.initialize(caps);
  return h;
}

async function create(h: Harness, name: string, task: object = {}, extra: object = {}): Promise<any> {
  const r = await h.request('tools/call', { name, arguments: {}, task, ...extra });
  assert.ok(r.result?.task, JSON.stringify(r));
  return r.result.task;
}

describe('legacy-era tasks (2025-11-25): capability and creation', () => {
  test('initialize advertises tasks.list, tasks.cancel and tasks.requests.tools.call when a tool supports tasks', async () => {
    const h = new Harness(server());
    const init = await h.initialize();
    assert.deepEqual(init.result.capabilities.tasks, { list: {}, cancel: {}, requests: { tools: { call: {} } } });
  });

  test('without task-capable tools there is no tasks capability, params.task is ignored and tasks/* are -32601', async () => {
    const s = new McpServer({ name: 's', version: '1' });
    s.registerTool('plain', {}, () => text('plain'));
    const h = await session(s);
    assert.equal(h.sent[0]!.message.result.capabilities.tasks, undefined);
    const r = await h.request('tools/call', { name: 'plain', arguments: {}, task: { ttl: 1000 } });
    assert.deepEqual(r.result.content, [{ type: 'text', text: 'plain' }]);
    for (const m of ['tasks/get', 'tasks/result', 'tasks/cancel']) assert.equal((await h.request(m, { taskId: 'x' })).error.code, -32601, m);
    assert.equal((await h.request('tasks/list', {})).error.code, -32601);
  });

  test('params.task answers a CreateTaskResult { task } in working status; tasks/result returns the tool result with the related-task _meta', async () => {
    const h = await session(server());
    const task = await create(h, 'quick', { ttl: 60_000 });
    assert.equal(task.status, 'working');
    assert.equal(typeof task.taskId, 'string');
    assert.equal(task.ttl, 60_000);
    assert.equal(task.pollInterval, 1000);
    assert.ok(!Number.isNaN(Date.parse(task.createdAt)) && !Number.isNaN(Date.parse(task.lastUpdatedAt)));
    const result = await h.request('tasks/result', { taskId: task.taskId });
    assert.deepEqual(result.result.content, [{ type: 'text', text: 'quick done' }]);
    assert.deepEqual(result.result._meta[RELATED], { taskId: task.taskId });
    const got = await h.request('tasks/get', { taskId: task.taskId });
    assert.equal(got.result.status, 'completed');
    assert.equal(got.result._meta, undefined);
    const status = h.notifications('notifications/tasks/status').map((n) => n.params);
    assert.ok(status.some((p) => p.taskId === task.taskId && p.status === 'completed'), JSON.stringify(status));
  });

  test('the granted ttl is the requested one bounded by TasksOptions.ttlMs (and that bound when none is asked)', async () => {
    const h = await session(server({ tasks: { ttlMs: 2000 } }));
    assert.equal((await create(h, 'quick', { ttl: 999_999 })).ttl, 2000);
    assert.equal((await create(h, 'quick', { ttl: 500 })).ttl, 500);
    assert.equal((await create(h, 'quick', {})).ttl, 2000);
  });

  test('a task past its ttl is gone: tasks/get answers -32602', async () => {
    const h = await session(server());
    const task = await create(h, 'gate', { ttl: 30 });
    await sleep(120);
    const r = await h.request('tasks/get', { taskId: task.taskId });
    assert.equal(r.error.code, -32602);
  });

  test('progress keeps the request progressToken for the task lifetime, carries the related-task _meta and goes out session-level', async () => {
    const h = await session(server());
    const task = await create(h, 'halfway', {}, { _meta: { progressToken: 'p1' } });
    await h.request('tasks/result', { taskId: task.taskId });
    const progress = h.sent.filter((s) => s.message.method === 'notifications/progress');
    assert.deepEqual(progress.map((s) => [s.message.params.progressToken, s.message.params.progress, s.message.params.total]), [['p1', 1, 2], ['p1', 2, 2]]);
    for (const s of progress) {
      assert.deepEqual(s.message.params._meta[RELATED], { taskId: task.taskId });
      assert.equal(s.related, undefined, 'not tied to the already answered tools/call');
    }
    const log = h.notifications('notifications/message')[0];
    assert.deepEqual(log.params._meta[RELATED], { taskId: task.taskId });
  });

  test('a tool error (isError) ends the task failed with a statusMessage; tasks/result still returns that result', async () => {
    const h = await session(server());
    const task = await create(h, 'tool_error');
    const r = await h.request('tasks/result', { taskId: task.taskId });
    assert.equal(r.result.isError, true);
    const got = (await h.request('tasks/get', { taskId: task.taskId })).result;
    assert.equal(got.status, 'failed');
    assert.match(got.statusMessage, /rate limit exceeded/);
  });

  test('a JSON-RPC error of the tool ends the task failed; tasks/result answers that same error', async () => {
    const h = await session(server());
    const task = await create(h, 'protocol_error');
    const r = await h.request('tasks/result', { taskId: task.taskId });
    assert.deepEqual([r.error.code, r.error.message], [-32603, 'boom']);
    assert.equal((await h.request('tasks/get', { taskId: task.taskId })).result.status, 'failed');
  });

  test('input inside a task: the elicitation carries the related-task _meta and the task is input_required until answered', async () => {
    const h = await session(server(), { elicitation: {} });
    const task = await create(h, 'ask');
    const req = await h.waitFor((s) => s.message.method === 'elicitation/create');
    assert.deepEqual(req.message.params._meta[RELATED], { taskId: task.taskId });
    assert.equal((await h.request('tasks/get', { taskId: task.taskId })).result.status, 'input_required');
    h.conn.receive({ jsonrpc: '2.0', id: req.message.id, result: { action: 'accept', content: { name: 'Ada' } } });
    const r = await h.request('tasks/result', { taskId: task.taskId });
    assert.deepEqual(r.result.content, [{ type: 'text', text: 'hello Ada' }]);
  });
});

describe('legacy-era tasks (2025-11-25): cancel, list, binding, limits, bad input', () => {
  test('tasks/cancel aborts the handler, answers the cancelled task, and a blocked tasks/result ends; cancelling again is -32602', async () => {
    const probe = { aborted: 0 };
    const h = await session(server({}, probe));
    const task = await create(h, 'gate');
    const pending = h.request('tasks/result', { taskId: task.taskId });
    await sleep(20);
    assert.equal((await h.request('tasks/get', { taskId: task.taskId })).result.status, 'working');
    const c = await h.request('tasks/cancel', { taskId: task.taskId });
    assert.equal(c.result.status, 'cancelled');
    assert.equal(c.result.taskId, task.taskId);
    assert.equal(probe.aborted, 1);
    const r = await pending;
    assert.equal(r.error.code, -32603);
    assert.match(r.error.message, /cancelled/);
    const again = await h.request('tasks/cancel', { taskId: task.taskId });
    assert.equal(again.error.code, -32602);
    assert.match(again.error.message, /already cancelled/);
    assert.equal((await h.request('tasks/get', { taskId: task.taskId })).result.status, 'cancelled');
  });

  test('tasks/list pages this session\'s tasks in creation order with an opaque cursor; a bad cursor is -32602', async () => {
    const h = await session(server({ pageSize: 2 }));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await create(h, 'quick')).taskId);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const r = (await h.request('tasks/list', cursor ? { cursor } : {})).result;
      pages++;
      seen.push(...r.tasks.map((t: any) => t.taskId));
      for (const t of r.tasks) assert.ok(typeof t.createdAt === 'string' && 'ttl' in t);
      cursor = r.nextCursor;
    } while (cursor && pages < 10);
    assert.deepEqual(seen, ids);
    assert.equal(pages, 3);
    for (const bad of ['garbage!', 'dDE=x', 42]) assert.equal((await h.request('tasks/list', { cursor: bad })).error.code, -32602, String(bad));
  });

  test('a task is bound to its session: another session and a 2026-07-28 request find it unknown (-32602) and do not list it', async () => {
    const s = server();
    const a = await session(s);
    const b = await session(s);
    const task = await create(a, 'gate');
    for (const m of ['tasks/get', 'tasks/result', 'tasks/cancel']) {
      const r = await b.request(m, { taskId: task.taskId });
      assert.equal(r.error.code, -32602, m);
    }
    assert.deepEqual((await b.request('tasks/list', {})).result.tasks, []);
    const modern = await b.modern('tasks/get', { taskId: task.taskId }, { extensions: { [TASKS_EXTENSION]: {} } });
    assert.equal(modern.error.code, -32602);
    assert.equal((await a.request('tasks/get', { taskId: task.taskId })).result.status, 'working');
    await a.request('tasks/cancel', { taskId: task.taskId });
  });

  test('closing a connection-bound session (no transport session id: stdio, WebSocket, TCP) cancels its running tasks: their ctx.signal aborts', async () => {
    const probe = { aborted: 0 };
    const s = server({ tasks: { maxLiveTasksPerPrincipal: 2 } }, probe);
    const h = await session(s);
    const done = await create(h, 'quick');
    await h.request('tasks/result', { taskId: done.taskId });
    await create(h, 'gate');
    await create(h, 'gate');
    h.conn.close();
    await sleep(20);
    assert.equal(probe.aborted, 2);
    // The running count was released: a new session of the same principal may start two tasks again.
    const next = await session(s);
    await create(next, 'gate');
    await create(next, 'gate');
    next.conn.close();
  });

  test('maxLiveTasksPerPrincipal bounds running legacy tasks: past it tools/call is refused and creates none', async () => {
    const h = await session(server({ tasks: { maxLiveTasksPerPrincipal: 1 } }));
    const first = await create(h, 'gate');
    const r = await h.request('tools/call', { name: 'gate', arguments: {}, task: {} });
    assert.equal(r.error.code, -32000);
    assert.equal((await h.request('tasks/list', {})).result.tasks.length, 1);
    await h.request('tasks/cancel', { taskId: first.taskId });
  });

  test('tool-level negotiation: params.task on a forbidden or undeclared tool and a required tool without it are -32601', async () => {
    const h = await session(server());
    for (const name of ['sync_only', 'plain']) {
      const r = await h.request('tools/call', { name, arguments: {}, task: {} });
      assert.equal(r.error.code, -32601, name);
      assert.match(r.error.message, /cannot be called as a task/);
    }
    const r = await h.request('tools/call', { name: 'must_task', arguments: {} });
    assert.equal(r.error.code, -32601);
    const ok = await create(h, 'must_task');
    assert.equal((await h.request('tasks/result', { taskId: ok.taskId })).result.content[0].text, 'done');
    assert.deepEqual((await h.request('tools/call', { name: 'quick', arguments: {} })).result.content, [{ type: 'text', text: 'quick done' }], 'optional tools still run inline');
  });

  test('malformed params.task, missing or unknown task ids are -32602 with a message naming the problem', async () => {
    const h = await session(server());
    for (const task of ['x', [], { ttl: -1 }, { ttl: 'long' }]) {
      const r = await h.request('tools/call', { name: 'quick', arguments: {}, task });
      assert.equal(r.error.code, -32602, JSON.stringify(task));
      assert.match(r.error.message, /task/);
    }
    for (const m of ['tasks/get', 'tasks/result', 'tasks/cancel']) {
      const missing = await h.request(m, {});
      assert.equal(missing.error.code, -32602);
      assert.match(missing.error.message, /taskId/);
      const unknown = await h.request(m, { taskId: 'no-such-task' });
      assert.equal(unknown.error.code, -32602);
      assert.match(unknown.error.message, /task not found/);
    }
    assert.equal((await h.request('tasks/result', { taskId: 'x' }, 'r1')).error.code, -32602);
  });
});
