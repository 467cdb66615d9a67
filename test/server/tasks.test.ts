import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { McpError } from '../../src/jsonrpc/errors.js';
import { McpServer } from '../../src/server/mcp-server.js';
import { elicit, inputRequired } from '../../src/server/input.js';
import { startTask, taskIdOf, TASKS_EXTENSION } from '../../src/server/tasks/index.js';
import type { McpServerOptions } from '../../src/server/options.js';
import { Harness, modernMeta, sleep } from './harness.js';

const EXT = { extensions: { [TASKS_EXTENSION]: {} } };
const EXT_ELICIT = { ...EXT, elicitation: {} };
const FORM = { message: 'Name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } };
const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });

function waitAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
}

interface Probe {
  aborted: number;
}

function server(options: McpServerOptions = {}, probe: Probe = { aborted: 0 }): McpServer {
  const s = new McpServer({ name: 's', version: '1' }, options);
  s.registerTool('plain', {}, () => text('plain'));
  s.registerTool('sync_only', { execution: { taskSupport: 'forbidden' } }, () => text('sync'));
  s.registerTool('quick', { execution: { taskSupport: 'optional' } }, (_a, ctx) => text(`task=${taskIdOf(ctx) ?? 'none'}`));
  s.registerTool('gate', { execution: { taskSupport: 'optional' } }, async (_a, ctx) => {
    try {
      await waitAbort(ctx.signal);
    } finally {
      probe.aborted++;
    }
    return text('unreachable');
  });
  s.registerTool('must_task', { execution: { taskSupport: 'required' } }, () => text('done'));
  s.registerTool('tool_error', { execution: { taskSupport: 'optional' } }, () => ({ ...text('bad'), isError: true }));
  s.registerTool('thrower', { execution: { taskSupport: 'optional' } }, () => {
    throw new Error('plain exception');
  });
  s.registerTool('protocol_error', { execution: { taskSupport: 'optional' } }, () => {
    throw new McpError(-32603, 'boom');
  });
  s.registerTool('ask', { execution: { taskSupport: 'optional' } }, async (_a, ctx) => {
    const a = await ctx.input({ who: elicit(FORM) });
    const b = await ctx.input({ who: elicit({ ...FORM, message: 'Again?' }) });
    return text(`${(a.who as any).content.name}+${(b.who as any).content.name}`);
  });
  s.registerTool('ask_two', { execution: { taskSupport: 'optional' } }, async (_a, ctx) => {
    const [a, b] = await Promise.all([ctx.input({ x: elicit(FORM) }), ctx.input({ y: elicit(FORM) })]);
    return text(`${(a.x as any).content.name}/${(b.y as any).content.name}`);
  });
  s.registerTool('lowlevel', { execution: { taskSupport: 'optional' } }, (_a, ctx) => {
    if (!ctx.inputResponses) return inputRequired({ inputRequests: { ok: elicit(FORM) }, requestState: 7 });
    return text(`state=${JSON.stringify(ctx.requestState)} name=${(ctx.inputResponses.ok as any).content.name}`);
  });
  s.registerTool('mrtr_then_task', { execution: { taskSupport: 'required' }, task: { start: 'handler', ttlMs: 5000, pollIntervalMs: 250 } }, async (_a, ctx) => {
    const a = await ctx.input({ user_name: elicit(FORM) });
    const id = await startTask(ctx);
    await sleep(20);
    return text(`hi ${(a.user_name as any).content.name} in ${id}`);
  });
  s.registerTool('maybe_task', { execution: { taskSupport: 'optional' }, task: { start: 'handler' } }, async (a: { go?: boolean }, ctx) => {
    if (a.go) await startTask(ctx);
    return text(`task=${taskIdOf(ctx) ?? 'none'}`);
  });
  s.registerTool('needs_sampling', { execution: { taskSupport: 'optional' } }, async (_a, ctx) => {
    await ctx.input({ s: { method: 'sampling/createMessage', params: { messages: [], maxTokens: 1 } } });
    return text('never');
  });
  return s;
}

async function create(h: Harness, name: string, args: object = {}, caps: object = EXT): Promise<any> {
  const r = await h.modern('tools/call', { name, arguments: args as any }, caps as any);
  assert.equal(r.result?.resultType, 'task', JSON.stringify(r));
  return r.result;
}

async function get(h: Harness, taskId: string, caps: object = EXT): Promise<any> {
  return h.modern('tasks/get', { taskId }, caps as any);
}

async function until(h: Harness, taskId: string, ok: (t: any) => boolean, timeoutMs = 3000): Promise<any> {
  const start = Date.now();
  for (;;) {
    const r = await get(h, taskId);
    assert.ok(r.result, JSON.stringify(r));
    if (ok(r.result)) return r.result;
    if (Date.now() - start > timeoutMs) assert.fail(`task ${taskId} stuck in ${JSON.stringify(r.result)}`);
    await sleep(5);
  }
}

const terminal = (t: any): boolean => ['completed', 'failed', 'cancelled'].includes(t.status);

describe('tasks: capability negotiation', () => {
  test('server/discover advertises the extension under capabilities.extensions only when tasks are offered', async () => {
    const h = new Harness(server());
    const d = await h.modern('server/discover');
    assert.deepEqual(d.result.capabilities.extensions, { [TASKS_EXTENSION]: {} });
    assert.equal(d.result.capabilities.tasks, undefined);
    // The legacy initialize result is unchanged.
    const legacy = new Harness(server());
    const init = await legacy.initialize();
    assert.equal(init.result.capabilities.extensions, undefined);
    // No task tools and no options.tasks: no extension, and tasks/* are unknown methods.
    const plain = new Harness();
    plain.server.registerTool('x', {}, () => text('x'));
    const d2 = await plain.modern('server/discover');
    assert.equal(d2.result.capabilities.extensions, undefined);
    assert.equal((await plain.modern('tasks/get', { taskId: 'a' }, EXT)).error.code, -32601);
    // options.tasks alone turns it on.
    const on = new Harness(undefined, { tasks: {} });
    on.server.registerTool('x', {}, () => text('x'));
    assert.ok((await on.modern('server/discover')).result.capabilities.extensions[TASKS_EXTENSION]);
  });

  test('a client without the extension gets ordinary results, -32021 for required tools and for tasks/*', async () => {
    const h = new Harness(server());
    const r = await h.modern('tools/call', { name: 'quick', arguments: {} });
    assert.equal(r.result.resultType, 'complete');
    assert.equal(r.result.content[0].text, 'task=none');
    const req = await h.modern('tools/call', { name: 'must_task', arguments: {} });
    assert.equal(req.error.code, -32021);
    assert.deepEqual(req.error.data, { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } });
    for (const [method, params] of [
      ['tasks/get', { taskId: 'x' }],
      ['tasks/update', { taskId: 'x', inputResponses: {} }],
      ['tasks/cancel', { taskId: 'x' }],
    ] as const) {
      assert.equal((await h.modern(method, params)).error.code, -32021, method);
    }
  });

  test('a 2025-06-18 session runs task tools inline and has no tasks/* methods; a 2025-11-25 session must call a required tool as a task', async () => {
    const old = new Harness(server());
    const init = await old.initialize({}, '2025-06-18');
    assert.equal(init.result.capabilities.tasks, undefined);
    const r = await old.request('tools/call', { name: 'must_task', arguments: {} });
    assert.deepEqual(r.result.content, [{ type: 'text', text: 'done' }]);
    assert.equal((await old.request('tasks/get', { taskId: 'x' })).error.code, -32601);
    const h = new Harness(server());
    await h.initialize();
    const refused = await h.request('tools/call', { name: 'must_task', arguments: {} });
    assert.equal(refused.error.code, -32601);
    assert.match(refused.error.message, /must_task.*params\.task/);
    assert.equal((await h.request('tasks/get', { taskId: 'x' })).error.code, -32602);
  });

  test('tools/list shows execution.taskSupport verbatim and nothing of the task options', async () => {
    const h = new Harness(server());
    const tools = (await h.modern('tools/list')).result.tools as any[];
    const t = tools.find((x) => x.name === 'mrtr_then_task');
    assert.deepEqual(t.execution, { taskSupport: 'required' });
    assert.equal(t.task, undefined);
  });
});

describe('tasks: lifecycle', () => {
  test('forbidden and plain tools never become tasks, even for a declaring client', async () => {
    const h = new Harness(server());
    for (const name of ['plain', 'sync_only']) {
      const r = await h.modern('tools/call', { name, arguments: {}, task: { ttl: 1000 } }, EXT);
      assert.equal(r.result.resultType, 'complete');
      assert.equal(r.result.taskId, undefined);
    }
  });

  test('CreateTaskResult is flat, then tasks/get inlines the result', async () => {
    const h = new Harness(server());
    const c = await create(h, 'quick');
    assert.match(c.taskId, /^[0-9a-f-]{36}$/);
    assert.equal(c.status, 'working');
    assert.equal(c.ttlMs, 3_600_000);
    assert.equal(c.pollIntervalMs, 1000);
    assert.match(c.createdAt, /^\d{4}-\d{2}-\d{2}T/);
    assert.ok(c.lastUpdatedAt);
    for (const k of ['task', 'result', 'error', 'inputRequests', 'requestState', 'ttl', 'pollInterval']) assert.equal(k in c, false, k);
    assert.ok(c._meta['io.modelcontextprotocol/serverInfo']);
    const done = await until(h, c.taskId, terminal);
    assert.equal(done.status, 'completed');
    assert.equal(done.resultType, 'complete');
    assert.deepEqual(done.result, { content: [{ type: 'text', text: `task=${c.taskId}` }] });
    assert.equal('requestState' in done, false);
  });

  test('tool errors complete with isError; McpErrors fail with the error; plain exceptions are tool errors', async () => {
    const h = new Harness(server());
    const e1 = await until(h, (await create(h, 'tool_error')).taskId, terminal);
    assert.equal(e1.status, 'completed');
    assert.equal(e1.result.isError, true);
    const e2 = await until(h, (await create(h, 'protocol_error')).taskId, terminal);
    assert.equal(e2.status, 'failed');
    assert.deepEqual(e2.error, { code: -32603, message: 'boom' });
    assert.equal('result' in e2, false);
    const e3 = await until(h, (await create(h, 'thrower')).taskId, terminal);
    assert.equal(e3.status, 'completed');
    assert.equal(e3.result.isError, true);
  });

  test('a task outlives the connection that created it and is visible from another connection', async () => {
    const s = server();
    const a = new Harness(s);
    const c = await create(a, 'quick');
    a.conn.close();
    const b = new Harness(s);
    const done = await until(b, c.taskId, terminal);
    assert.equal(done.status, 'completed');
  });

  test('another principal sees the task as unknown', async () => {
    const s = server();
    const a = new Harness(s);
    const c = await create(a, 'gate');
    const other = s.connect({ send: () => {} }, { principal: 'mallory' });
    const sent: any[] = [];
    const spy = s.connect({ send: (m) => sent.push(JSON.parse(m)) }, { principal: 'mallory' });
    spy.receive({ jsonrpc: '2.0', id: 1, method: 'tasks/get', params: { taskId: c.taskId, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': EXT } } });
    await sleep(10);
    assert.equal(sent[0].error.code, -32602);
    other.close();
    await a.modern('tasks/cancel', { taskId: c.taskId }, EXT);
  });
});

describe('tasks: cancellation', () => {
  test('tasks/cancel acks with an empty result, aborts ctx.signal and settles cancelled; cancelling again is idempotent', async () => {
    const probe = { aborted: 0 };
    const h = new Harness(server({}, probe));
    const c = await create(h, 'gate');
    assert.equal((await get(h, c.taskId)).result.status, 'working');
    const ack = await h.modern('tasks/cancel', { taskId: c.taskId }, EXT);
    assert.equal(ack.result.resultType, 'complete');
    for (const k of ['taskId', 'status', 'result', 'error', 'inputRequests']) assert.equal(k in ack.result, false, k);
    const t = (await get(h, c.taskId)).result;
    assert.equal(t.status, 'cancelled');
    await sleep(5);
    assert.equal(probe.aborted, 1);
    const again = await h.modern('tasks/cancel', { taskId: c.taskId }, EXT);
    assert.equal(again.result.resultType, 'complete');
    // A completed task stays completed.
    const q = await create(h, 'quick');
    await until(h, q.taskId, terminal);
    await h.modern('tasks/cancel', { taskId: q.taskId }, EXT);
    assert.equal((await get(h, q.taskId)).result.status, 'completed');
  });

  test('closing the creating connection does not cancel the task', async () => {
    const probe = { aborted: 0 };
    const s = server({}, probe);
    const a = new Harness(s);
    const c = await create(a, 'gate');
    a.conn.close();
    await sleep(10);
    assert.equal(probe.aborted, 0);
    const b = new Harness(s);
    assert.equal((await get(b, c.taskId)).result.status, 'working');
    await b.modern('tasks/cancel', { taskId: c.taskId }, EXT);
    await sleep(5);
    assert.equal(probe.aborted, 1);
  });
});

describe('tasks: input_required and tasks/update', () => {
  test('ctx.input() parks the task; tasks/update resumes it; keys are unique over the task', async () => {
    const h = new Harness(server());
    const c = await create(h, 'ask', {}, EXT_ELICIT);
    const t1 = await until(h, c.taskId, (t) => t.status === 'input_required');
    assert.deepEqual(Object.keys(t1.inputRequests), ['who']);
    assert.equal(t1.inputRequests.who.method, 'elicitation/create');
    // Unknown keys are ignored; the ack is empty.
    const ack = await h.modern('tasks/update', { taskId: c.taskId, inputResponses: { nope: { action: 'accept' } } }, EXT);
    assert.equal(ack.result.resultType, 'complete');
    assert.equal('status' in ack.result, false);
    assert.equal((await get(h, c.taskId)).result.status, 'input_required');
    await h.modern('tasks/update', { taskId: c.taskId, inputResponses: { who: { action: 'accept', content: { name: 'Ada' } } } }, EXT);
    const t2 = await until(h, c.taskId, (t) => t.status === 'input_required' && !('who' in t.inputRequests));
    assert.deepEqual(Object.keys(t2.inputRequests), ['who#2']);
    // A late answer to the first round's key is ignored.
    await h.modern('tasks/update', { taskId: c.taskId, inputResponses: { who: { action: 'accept', content: { name: 'X' } } } }, EXT);
    await h.modern('tasks/update', { taskId: c.taskId, inputResponses: { 'who#2': { action: 'accept', content: { name: 'Bob' } } } }, EXT);
    const done = await until(h, c.taskId, terminal);
    assert.equal(done.result.content[0].text, 'Ada+Bob');
    assert.equal('inputRequests' in done, false);
  });

  test('parallel inputs: partial answers leave the other key pending', async () => {
    const h = new Harness(server());
    const c = await create(h, 'ask_two', {}, EXT_ELICIT);
    const t = await until(h, c.taskId, (x) => x.status === 'input_required' && Object.keys(x.inputRequests).length === 2);
    assert.deepEqual(Object.keys(t.inputRequests).sort(), ['x', 'y']);
    await h.modern('tasks/update', { taskId: c.taskId, inputResponses: { x: { action: 'accept', content: { name: '1' } } } }, EXT);
    const mid = (await get(h, c.taskId)).result;
    assert.equal(mid.status, 'input_required');
    assert.deepEqual(Object.keys(mid.inputRequests), ['y']);
    await h.modern('tasks/update', { taskId: c.taskId, inputResponses: { y: { action: 'accept', content: { name: '2' } } } }, EXT);
    assert.equal((await until(h, c.taskId, terminal)).result.content[0].text, '1/2');
  });

  test('handlers that return inputRequired() are re-run with the answers inside the task', async () => {
    const h = new Harness(server());
    const c = await create(h, 'lowlevel', {}, EXT_ELICIT);
    await until(h, c.taskId, (t) => t.status === 'input_required');
    await h.modern('tasks/update', { taskId: c.taskId, inputResponses: { ok: { action: 'accept', content: { name: 'Z' } } } }, EXT);
    assert.equal((await until(h, c.taskId, terminal)).result.content[0].text, 'state=7 name=Z');
  });

  test('an input the client cannot answer fails the task with -32021', async () => {
    const h = new Harness(server());
    const c = await create(h, 'needs_sampling');
    const t = await until(h, c.taskId, terminal);
    assert.equal(t.status, 'failed');
    assert.equal(t.error.code, -32021);
  });

  test('cancelling a parked task rejects its pending input', async () => {
    const h = new Harness(server());
    const c = await create(h, 'ask', {}, EXT_ELICIT);
    await until(h, c.taskId, (t) => t.status === 'input_required');
    await h.modern('tasks/cancel', { taskId: c.taskId }, EXT);
    const t = (await get(h, c.taskId)).result;
    assert.equal(t.status, 'cancelled');
    assert.equal('inputRequests' in t, false);
  });
});

describe('tasks: MRTR then task (start: handler)', () => {
  test('round 1 is input_required without a task; round 2 is a CreateTaskResult; the result keeps the answer', async () => {
    const h = new Harness(server());
    const r1 = await h.modern('tools/call', { name: 'mrtr_then_task', arguments: {} }, EXT_ELICIT);
    assert.equal(r1.result.resultType, 'input_required');
    assert.equal('taskId' in r1.result, false);
    const r2 = await h.modern(
      'tools/call',
      { name: 'mrtr_then_task', arguments: {}, inputResponses: { user_name: { action: 'accept', content: { name: 'Alice' } } }, requestState: r1.result.requestState },
      EXT_ELICIT,
    );
    assert.equal(r2.result.resultType, 'task');
    assert.equal('requestState' in r2.result, false);
    assert.equal('inputRequests' in r2.result, false);
    assert.equal(r2.result.ttlMs, 5000);
    assert.equal(r2.result.pollIntervalMs, 250);
    const done = await until(h, r2.result.taskId, terminal);
    assert.equal(done.result.content[0].text, `hi Alice in ${r2.result.taskId}`);
  });

  test('a handler that never calls startTask answers normally; startTask without the extension resolves undefined', async () => {
    const h = new Harness(server());
    const r = await h.modern('tools/call', { name: 'maybe_task', arguments: {} }, EXT);
    assert.equal(r.result.resultType, 'complete');
    assert.equal(r.result.content[0].text, 'task=none');
    const r2 = await h.modern('tools/call', { name: 'maybe_task', arguments: { go: true } });
    assert.equal(r2.result.content[0].text, 'task=none');
    const r3 = await h.modern('tools/call', { name: 'maybe_task', arguments: { go: true } }, EXT);
    assert.equal(r3.result.resultType, 'task');
    assert.equal((await until(h, r3.result.taskId, terminal)).result.content[0].text, `task=${r3.result.taskId}`);
  });
});

describe('tasks: expiry', () => {
  test('a task past its TTL is aborted and then unknown', async () => {
    const probe = { aborted: 0 };
    const h = new Harness(server({ tasks: { ttlMs: 40 } }, probe));
    const c = await create(h, 'gate');
    assert.equal(c.ttlMs, 40);
    assert.equal((await get(h, c.taskId)).result.status, 'working');
    await sleep(80);
    assert.equal(probe.aborted, 1);
    assert.equal((await get(h, c.taskId)).error.code, -32602);
    const q = await create(h, 'quick');
    await until(h, q.taskId, terminal);
    await sleep(80);
    assert.equal((await get(h, q.taskId)).error.code, -32602);
  });
});

describe('tasks: notifications/tasks through subscriptions/listen', () => {
  test('a listen stream with taskIds gets every state change of those tasks, tagged with its id', async () => {
    const h = new Harness(server());
    const c = await create(h, 'ask', {}, EXT_ELICIT);
    // The listen request only ends with the server, so it is sent without awaiting a response.
    h.conn.receive({ jsonrpc: '2.0', id: 'L1', method: 'subscriptions/listen', params: { notifications: { taskIds: [c.taskId, 'other'] }, _meta: modernMeta(EXT) } });
    const ack = await h.waitFor((m) => m.message.method === 'notifications/subscriptions/acknowledged');
    assert.deepEqual(ack.message.params.notifications, { taskIds: [c.taskId, 'other'] });
    await until(h, c.taskId, (t) => t.status === 'input_required');
    await h.modern('tasks/update', { taskId: c.taskId, inputResponses: { who: { action: 'accept', content: { name: 'A' } } } }, EXT);
    await until(h, c.taskId, (t) => t.status === 'input_required' && 'who#2' in t.inputRequests);
    await h.modern('tasks/update', { taskId: c.taskId, inputResponses: { 'who#2': { action: 'accept', content: { name: 'B' } } } }, EXT);
    const last = await h.waitFor((m) => m.message.method === 'notifications/tasks' && m.message.params.status === 'completed');
    assert.equal(last.message.params.taskId, c.taskId);
    assert.equal(last.message.params.result.content[0].text, 'A+B');
    assert.equal(last.message.params._meta['io.modelcontextprotocol/subscriptionId'], 'L1');
    assert.equal(last.related, 'L1');
    const statuses = h.notifications('notifications/tasks').map((n) => n.params.status);
    assert.ok(statuses.includes('input_required'));
    assert.ok(statuses.includes('working'));
  });

  test('taskIds without the extension is -32021; a malformed list is -32602', async () => {
    const h = new Harness(server());
    assert.equal((await h.modern('subscriptions/listen', { notifications: { taskIds: ['x'] } })).error.code, -32021);
    assert.equal((await h.modern('subscriptions/listen', { notifications: { taskIds: 'x' } }, EXT)).error.code, -32602);
  });
});

describe('tasks: bad input', () => {
  test('unknown task ids and malformed params are -32602; removed v1 methods are -32601', async () => {
    const h = new Harness(server());
    for (const method of ['tasks/get', 'tasks/cancel']) {
      assert.equal((await h.modern(method, { taskId: 'nope' }, EXT)).error.code, -32602, method);
      assert.equal((await h.modern(method, {}, EXT)).error.code, -32602, method);
      assert.equal((await h.modern(method, { taskId: 5 }, EXT)).error.code, -32602, method);
    }
    assert.equal((await h.modern('tasks/update', { taskId: 'nope', inputResponses: {} }, EXT)).error.code, -32602);
    assert.equal((await h.modern('tasks/update', { taskId: 'nope' }, EXT)).error.code, -32602);
    assert.equal((await h.modern('tasks/update', { taskId: 'nope', inputResponses: [] }, EXT)).error.code, -32602);
    assert.equal((await h.modern('tasks/result', { taskId: 'nope' }, EXT)).error.code, -32601);
    assert.equal((await h.modern('tasks/list', {}, EXT)).error.code, -32601);
  });

  test('a non-object answer to an outstanding key is -32602 and leaves the task parked', async () => {
    const h = new Harness(server());
    const c = await create(h, 'ask', {}, EXT_ELICIT);
    await until(h, c.taskId, (t) => t.status === 'input_required');
    assert.equal((await h.modern('tasks/update', { taskId: c.taskId, inputResponses: { who: 'yes' } }, EXT)).error.code, -32602);
    assert.equal((await get(h, c.taskId)).result.status, 'input_required');
    await h.modern('tasks/cancel', { taskId: c.taskId }, EXT);
  });

  test('registration rejects bad task settings', () => {
    const s = new McpServer({ name: 's', version: '1' });
    assert.throws(() => s.registerTool('a', { execution: { taskSupport: 'sometimes' as any } }, () => text('')), /taskSupport/);
    assert.throws(() => s.registerTool('b', { execution: { taskSupport: 'optional' }, task: { ttlMs: 1.5 } }, () => text('')), /ttlMs/);
    assert.throws(() => s.registerTool('c', { execution: { taskSupport: 'optional' }, task: { pollIntervalMs: 0 } }, () => text('')), /pollIntervalMs/);
    assert.throws(() => s.registerTool('d', { execution: { taskSupport: 'optional' }, task: { start: 'later' as any } }, () => text('')), /start/);
  });
});
