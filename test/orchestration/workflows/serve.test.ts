/**
 * Workflows served as tools: the official SDK v1 client calls the example's template-driven workflow over
 * stdio (`velomcp serve`) with progress; a 2026-07-28 client with the tasks extension gets it as a task to
 * poll and cancel; cancelling a legacy call stops the running step.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpServer } from '../../../src/server/mcp-server.js';
import { TASKS_EXTENSION } from '../../../src/server/tasks/index.js';
import { registerWorkflow, PRIORITY_META_KEY, type WorkflowDefinition } from '../../../src/orchestration/workflows/index.js';
import { Harness } from '../../server/harness.js';
import { reap, ROOT, WireTap, withTimeout } from '../../interop/stdio-helpers.js';
import { sleep } from './helpers.js';

const EXT = { extensions: { [TASKS_EXTENSION]: {} } };

function slowServer(probe: { started: string[]; aborted: string[] }): McpServer {
  const server = new McpServer({ name: 'wf', version: '1' });
  server.registerTool('slow', { inputSchema: { type: 'object', properties: { label: { type: 'string' }, ms: { type: 'integer' } } } }, async (a: { label: string; ms?: number }, ctx) => {
    probe.started.push(a.label);
    try {
      await sleep(a.ms ?? 5000, ctx.signal);
    } catch (err) {
      probe.aborted.push(a.label);
      throw err;
    }
    return { content: [{ type: 'text', text: a.label }], structuredContent: { label: a.label } };
  });
  const def: WorkflowDefinition = {
    name: 'two-slow',
    params: { type: 'object', properties: { ms: { type: 'integer', default: 5000 } } },
    steps: [
      { id: 'one', tool: 'slow', arguments: { label: 'one', ms: { $param: 'ms' } } },
      { id: 'two', tool: 'slow', arguments: { label: 'two', ms: 1 }, needs: ['one'] },
    ],
    outputs: { last: { $step: 'two', pointer: '/structuredContent/label' } },
  };
  registerWorkflow(server, 'two_slow', def);
  return server;
}

describe('workflows served as MCP tools', { timeout: 60_000 }, () => {
  test('the official SDK v1 client calls the example workflow over stdio and receives progress per step', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [join(ROOT, 'dist', 'src', 'cli', 'main.js'), 'serve', join(ROOT, 'dist', 'examples', 'workflows', 'server.js')], stderr: 'inherit' });
    const client = new Client({ name: 'wf-interop', version: '1' });
    await withTimeout(client.connect(transport), 15_000, 'initialize');
    const tap = new WireTap(transport);
    try {
      const { tools } = await client.listTools();
      const tool = tools.find((t) => t.name === 'sum_report');
      assert.ok(tool, 'sum_report is listed');
      assert.deepEqual(tool.inputSchema.required, ['a', 'b']);
      const progress: number[] = [];
      const r = await client.callTool({ name: 'sum_report', arguments: { a: 1, b: 2, c: 3 } }, undefined, { onprogress: (p) => progress.push(p.progress), timeout: 15_000 });
      assert.equal(r.isError, false, JSON.stringify(r));
      const run = r.structuredContent as { status: string; outputs: { total: number; greeting: string }; steps: { id: string; status: string }[] };
      assert.equal(run.status, 'succeeded');
      assert.deepEqual(run.outputs, { total: 6, greeting: 'This is a simple text response for testing.' });
      assert.deepEqual(run.steps.map((s) => s.id), ['calc.first', 'calc.second', 'progress', 'greeting']);
      // One progress per finished step goes on the wire; the SDK may drop the last one when it shares a read
      // with the response (typescript-sdk#2580), so what it delivered is a prefix of those.
      const wire = tap.messages.filter((m) => m.method === 'notifications/progress').map((m) => (m.params as { progress: number }).progress);
      assert.deepEqual(wire, [1, 2, 3, 4]);
      assert.ok(progress.length >= 3 && progress.every((p, i) => p === wire[i]), JSON.stringify(progress));
      const bad = await client.callTool({ name: 'sum_report', arguments: { a: 1, b: 'x' } });
      assert.equal(bad.isError, true);
      assert.match(JSON.stringify(bad.content), /b/);
    } finally {
      await withTimeout(client.close(), 5000, 'close').catch(() => undefined);
      reap(transport.pid);
    }
  });

  test('a modern client with the tasks extension gets a task: it polls it to completion with the run in the result', async () => {
    const probe = { started: [] as string[], aborted: [] as string[] };
    const h = new Harness(slowServer(probe));
    const created = await h.modern('tools/call', { name: 'two_slow', arguments: { ms: 20 } }, EXT);
    assert.equal(created.result?.resultType, 'task', JSON.stringify(created));
    const taskId = created.result.taskId as string;
    let t: any;
    for (let i = 0; i < 400; i++) {
      t = (await h.modern('tasks/get', { taskId }, EXT)).result;
      if (['completed', 'failed', 'cancelled'].includes(t.status)) break;
      await sleep(10);
    }
    assert.equal(t.status, 'completed', JSON.stringify(t));
    assert.equal(JSON.stringify(t).includes('"last":"two"'), true, JSON.stringify(t));
  });

  test('tasks/cancel of a workflow task aborts its running step and starts no new one', async () => {
    const probe = { started: [] as string[], aborted: [] as string[] };
    const h = new Harness(slowServer(probe));
    const created = await h.modern('tools/call', { name: 'two_slow', arguments: {} }, EXT);
    const taskId = created.result.taskId as string;
    for (let i = 0; i < 200 && probe.started.length === 0; i++) await sleep(5);
    await h.modern('tasks/cancel', { taskId }, EXT);
    for (let i = 0; i < 200 && probe.aborted.length === 0; i++) await sleep(5);
    assert.deepEqual(probe.aborted, ['one']);
    await sleep(30);
    assert.deepEqual(probe.started, ['one']);
  });

  test('cancelling a legacy call stops the running step; the priority in _meta reaches the run', async () => {
    const probe = { started: [] as string[], aborted: [] as string[] };
    const server = slowServer(probe);
    const seen: number[] = [];
    registerWorkflow(server, 'prio', { name: 'p', steps: [{ id: 'a', tool: 'slow', arguments: { label: 'p', ms: 1 } }] }, {
      scheduler: { schedule: (task, o) => (seen.push(o.priority), task()) },
    });
    const h = new Harness(server);
    await h.initialize();
    const done = h.request('tools/call', { name: 'prio', arguments: {}, _meta: { [PRIORITY_META_KEY]: 7 } });
    assert.equal((await done).result.isError, false);
    assert.deepEqual(seen, [7]);
    const pending = h.request('tools/call', { name: 'two_slow', arguments: {} }, 'c1');
    for (let i = 0; i < 200 && !probe.started.includes('one'); i++) await sleep(5);
    h.notify('notifications/cancelled', { requestId: 'c1', reason: 'stop' });
    for (let i = 0; i < 200 && probe.aborted.length === 0; i++) await sleep(5);
    assert.deepEqual(probe.aborted, ['one']);
    void pending.catch(() => undefined);
  });
});
