/**
 * Issue #8 on one machine: one `velomcp serve --http --workers 2` process (the workers share state through the
 * primary over IPC; no Redis), every request sent on a new connection so node:cluster alternates them over
 * the two workers. The official SDK v1 client and velomcp's client each run the whole legacy session of the
 * nginx tests (test/cluster/sessions.ts: initialize, list, call, a validation failure, sampling and
 * elicitation round trips whose answers reach another worker than the one awaiting them, progress, a
 * cancellation received by another worker than the one running the call, a resource subscription updated
 * from the worker not holding the GET stream, DELETE ending the session on both workers); a 2026-07-28 client
 * runs MRTR rounds, tasks and a listen stream, with task input and `tasks/cancel` received by the other worker
 * than the one running the task. The workers' request log (pids) shows each session reached both workers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { until } from '../redis/helpers.js';
import { liveSse } from './sse.js';
import { legacySession, modern, mrtrRounds, openListen, taskUntil, tasksPollAndCancel, WATCHED } from './sessions.js';
import { startWorkers, type Workers } from './workers-harness.js';

let w: Workers;
before(async () => {
  w = await startWorkers();
});
after(async () => {
  await w?.stop();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The worker (pid) that received the last relayed POST whose JSON-RPC body matches `pred`. */
async function workerOf(pred: (body: any) => boolean): Promise<string> {
  const entry = [...w.relay.log].reverse().find((r) => r.method === 'POST' && pred(r.body));
  assert.ok(entry, 'the request went through the relay');
  assert.ok(await until(() => w.pidOf(entry.seq) !== undefined, 3000), 'a worker logged it');
  return w.pidOf(entry.seq) as string;
}

describe('legacy session over one --workers 2 process, a new connection per request', () => {
  test('official SDK v1 client: the whole session works with its requests alternating over both workers', async () => {
    await legacySession(w, 'sdk');
  });

  test('velomcp client: the whole session works with its requests alternating over both workers', async () => {
    await legacySession(w, 'velomcp');
  });

  test('DELETE received by the worker not holding the GET stream ends that stream, and the session on both workers', async () => {
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' };
    let crossed = false;
    for (let attempt = 0; attempt < 3 && !crossed; attempt++) {
      const init = await fetch(w.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
      });
      const session = init.headers.get('mcp-session-id') as string;
      await init.text();
      assert.ok(session);
      const note = await fetch(w.url, { method: 'POST', headers: { ...headers, 'mcp-session-id': session }, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
      assert.equal(note.status, 202);
      await note.arrayBuffer();
      const get = await liveSse(w.url, { method: 'GET', headers: { accept: 'text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' } });
      try {
        assert.equal(get.status, 200);
        // Connections alternate: one extra request per attempt shifts which worker gets the DELETE.
        for (let i = 0; i < attempt; i++) await (await fetch(w.url, { method: 'POST', headers: { ...headers, 'mcp-session-id': session }, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }) })).text();
        const del = await fetch(w.url, { method: 'DELETE', headers: { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' } });
        assert.equal(del.status, 200);
        await del.arrayBuffer();
        const ended = await Promise.race([get.ended.then(() => true), sleep(5000).then(() => false)]);
        assert.ok(ended, 'the GET stream ended');
        const mine = w.served().filter((s) => s.session === session);
        const holder = mine.find((s) => s.method === 'GET')?.by;
        const deleter = mine.find((s) => s.method === 'DELETE')?.by;
        assert.ok(holder && deleter, JSON.stringify(mine));
        crossed = holder !== deleter;
        await w.assertEnded(session);
      } finally {
        get.close();
      }
    }
    assert.ok(crossed, 'a DELETE received by the other worker than the GET stream\'s ended it');
  });
});

describe('2026-07-28 over one --workers 2 process, a new connection per request', () => {
  test('velomcp client: MRTR rounds answered by both workers all succeed (requestState sealed by one opens on the other)', async () => {
    await mrtrRounds(w);
  });

  test('tasks: created on one worker, polled and cancelled through both', async () => {
    await tasksPollAndCancel(w);
  });

  test('a listen stream held by one worker receives, once each, resource updates and tool list changes made on both workers', async () => {
    const stream = await openListen(w.url, { toolsListChanged: true, resourceSubscriptions: [WATCHED] });
    try {
      const holder = await workerOf((b) => b?.method === 'subscriptions/listen');
      const on = new Set<string>();
      for (let i = 0; i < 4; i++) {
        const r = await modern(w.url, 'tools/call', { name: 'test_trigger_resource_update', arguments: {} });
        assert.ok(r.result, JSON.stringify(r));
        on.add(await workerOf((b) => b?.params?.name === 'test_trigger_resource_update'));
      }
      assert.equal(on.size, 2, 'updates triggered on both workers');
      assert.ok(on.has(holder));
      const updated = (): any[] => stream.messages().filter((m) => m.method === 'notifications/resources/updated');
      await stream.waitFor(() => updated().length >= 4, 'four resources/updated', 10_000);
      assert.ok(updated().every((m) => m.params.uri === WATCHED));
      const changedOn = new Set<string>();
      for (let i = 0; i < 2; i++) {
        const r = await modern(w.url, 'tools/call', { name: 'test_trigger_tool_change', arguments: {} });
        assert.match(JSON.stringify(r.result), /test_dynamic_tool (added|removed)/);
        changedOn.add(await workerOf((b) => b?.params?.name === 'test_trigger_tool_change'));
      }
      const changed = (): any[] => stream.messages().filter((m) => m.method === 'notifications/tools/list_changed');
      await stream.waitFor(() => changed().length >= 2, 'two tools/list_changed', 10_000);
      // Each change is delivered once: nothing more arrives after a pause.
      await sleep(500);
      assert.equal(updated().length, 4);
      assert.equal(changed().length, 2);
      const id = stream.messages()[0].params._meta['io.modelcontextprotocol/subscriptionId'];
      assert.ok([...updated(), ...changed()].every((m) => m.params._meta['io.modelcontextprotocol/subscriptionId'] === id), 'tagged with the listen id');
    } finally {
      stream.close();
    }
  });

  test('tasks/update received by the other worker reaches the handler waiting for input; a listen stream gets its notifications/tasks', async () => {
    let crossed = false;
    for (let attempt = 0; attempt < 4 && !crossed; attempt++) {
      const created = await modern(w.url, 'tools/call', { name: 'confirm_delete', arguments: { filename: 'x.txt' } });
      assert.equal(created.result?.resultType, 'task', JSON.stringify(created));
      const runner = await workerOf((b) => b?.params?.name === 'confirm_delete');
      const taskId = created.result.taskId as string;
      const stream = await openListen(w.url, { taskIds: [taskId] });
      try {
        const waiting = await taskUntil(w.url, taskId, (t) => t.status === 'input_required');
        assert.ok(waiting.inputRequests?.confirm, JSON.stringify(waiting));
        // A malformed answer is refused, and the task keeps waiting.
        const bad = await modern(w.url, 'tasks/update', { taskId, inputResponses: { confirm: 'yes' } });
        assert.equal(bad.error?.code, -32602, JSON.stringify(bad));
        assert.equal((await taskUntil(w.url, taskId, () => true)).status, 'input_required');
        const ack = await modern(w.url, 'tasks/update', { taskId, inputResponses: { confirm: { action: 'accept', content: { confirm: true } } } });
        assert.ok(ack.result, JSON.stringify(ack));
        const updatedOn = await workerOf((b) => b?.method === 'tasks/update' && b.params?.inputResponses?.confirm?.action === 'accept' && b.params.taskId === taskId);
        const done = await taskUntil(w.url, taskId, (t) => t.status === 'completed' || t.status === 'failed');
        assert.equal(done.status, 'completed', JSON.stringify(done));
        assert.deepEqual(done.result.content, [{ type: 'text', text: 'Deleted x.txt' }]);
        const note = await stream.waitFor((m) => m.method === 'notifications/tasks' && m.params.status === 'completed', 'notifications/tasks completed', 10_000);
        assert.equal(note.params.taskId, taskId);
        crossed = updatedOn !== runner;
      } finally {
        stream.close();
      }
    }
    assert.ok(crossed, 'an answer received by the other worker than the one running the task completed it');
  });

  test('tasks/cancel received by the other worker stops the handler on the worker running it, and the task stays cancelled', async () => {
    let crossed = false;
    for (let attempt = 0; attempt < 4 && !crossed; attempt++) {
      const mark = w.toolLog().length;
      const created = await modern(w.url, 'tools/call', { name: 'cluster_task_wait', arguments: { ms: 30_000 } });
      assert.equal(created.result?.resultType, 'task', JSON.stringify(created));
      const taskId = created.result.taskId as string;
      await taskUntil(w.url, taskId, (t) => t.status === 'working');
      assert.ok(await until(() => w.toolLog().slice(mark).some(([e]) => e === 'task-started'), 5000), 'the handler started');
      const runner = w.toolLog().slice(mark).find(([e]) => e === 'task-started')?.[1];
      // Connections alternate over the workers: one more poll per attempt shifts which one gets the cancel.
      for (let i = 0; i < attempt; i++) await modern(w.url, 'tasks/get', { taskId });
      const cancel = await modern(w.url, 'tasks/cancel', { taskId });
      assert.ok(cancel.result, JSON.stringify(cancel));
      const cancelledOn = await workerOf((b) => b?.method === 'tasks/cancel' && b.params?.taskId === taskId);
      assert.ok(await until(() => w.toolLog().slice(mark).some(([e]) => e === 'task-cancelled' || e === 'task-completed'), 10_000), 'the handler ended');
      const ends = w.toolLog().slice(mark).filter(([e]) => e === 'task-cancelled' || e === 'task-completed');
      assert.deepEqual(
        ends.map(([e, pid]) => [e, pid]),
        [['task-cancelled', runner]],
        'the handler on the worker running the task saw the cancellation',
      );
      await sleep(300);
      for (let i = 0; i < 2; i++) assert.equal((await taskUntil(w.url, taskId, () => true)).status, 'cancelled');
      crossed = cancelledOn !== runner;
    }
    assert.ok(crossed, 'a tasks/cancel received by the other worker than the one running the task stopped it');
  });
});
