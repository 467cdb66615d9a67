/**
 * A workflow called as a 2025-11-25 task by the official SDK v1 client (its experimental tasks API), over
 * stdio (`velomcp serve`) and Streamable HTTP: created with params.task, progress per step received, polled
 * with tasks/get, its result from tasks/result, listed with tasks/list; a second run cancelled mid-run (its
 * running step's ctx.signal fires, the next step never starts); the spec's errors for forbidden/required
 * task tools and unknown ids or cursors; over HTTP, another session cannot see the tasks.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, CreateTaskResultSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { ClientTransport } from '../../../src/client/transport.js';
import { serveHttp } from '../../../src/transports/http/index.js';
import { serveTcp, TcpClientTransport } from '../../../src/transports/tcp/index.js';
import { serveWebSocket, WebSocketClientTransport } from '../../../src/transports/ws/index.js';
import { reap, ROOT, withTimeout } from '../../interop/stdio-helpers.js';
import { createTaskWorkflowServer } from './fixtures/task-server.js';

const RELATED = 'io.modelcontextprotocol/related-task';

/** The SDK's Transport over one of velomcp's client transports (WebSocket, TCP): frames pass through as they are. */
class SdkOver implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  constructor(readonly inner: ClientTransport) {}
  async start(): Promise<void> {
    this.inner.onmessage = (m) => this.onmessage?.(m as JSONRPCMessage);
    this.inner.onerror = (e) => this.onerror?.(e);
    this.inner.onclose = () => this.onclose?.();
    await this.inner.start();
  }
  send(message: JSONRPCMessage): Promise<void> {
    return this.inner.send(JSON.stringify(message));
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
const CALL = { timeout: 30_000 };

interface Probe {
  started: string[];
  aborted: string[];
}

async function probe(client: Client): Promise<Probe> {
  return (await client.callTool({ name: 'probe', arguments: {} })).structuredContent as unknown as Probe;
}

/** Polls `check` every 25 ms until it holds (bounded). */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const count = (list: string[], label: string): number => list.filter((l) => l === label).length;

async function rejection(p: Promise<unknown>): Promise<McpError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof McpError, String(err));
    return err;
  }
  assert.fail('expected an McpError');
}

/** The whole scenario, on a connected client of a fresh fixture server. Returns the two task ids. */
async function exercise(client: Client): Promise<string[]> {
  const caps = client.getServerCapabilities();
  assert.deepEqual(caps?.tasks, { list: {}, cancel: {}, requests: { tools: { call: {} } } });
  const { tools } = await client.listTools();
  assert.deepEqual(tools.find((t) => t.name === 'two_slow')?.execution, { taskSupport: 'optional' });

  // 1. The workflow as a task, with progress per step, through the SDK's stream (create, poll, result).
  const progress: { progress: number; total?: number | undefined; message?: string | undefined }[] = [];
  const messages: { type: string; task?: { taskId: string; status: string }; result?: any; error?: unknown }[] = [];
  const stream = client.experimental.tasks.callToolStream({ name: 'two_slow', arguments: { ms: 150 } }, CallToolResultSchema, { ...CALL, task: { ttl: 60_000 }, onprogress: (p) => progress.push(p) });
  for await (const m of stream) messages.push(m as (typeof messages)[number]);
  assert.equal(messages[0]?.type, 'taskCreated', JSON.stringify(messages));
  const first = messages[0]!.task!.taskId;
  const last = messages.at(-1)!;
  assert.equal(last.type, 'result', JSON.stringify(last));
  assert.ok(messages.some((m) => m.type === 'taskStatus' && m.task?.status === 'completed'));
  const run = last.result.structuredContent as { status: string; outputs: { last: string } };
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(run.outputs, { last: 'two' });
  assert.deepEqual(last.result._meta?.[RELATED], { taskId: first });
  assert.deepEqual(progress.map((p) => [p.progress, p.total]), [[1, 2], [2, 2]], JSON.stringify(progress));
  assert.match(progress[0]!.message ?? '', /step one/);

  const got = await client.experimental.tasks.getTask(first);
  assert.equal(got.status, 'completed');
  assert.equal(got.ttl, 60_000);
  const again = await client.experimental.tasks.getTaskResult(first, CallToolResultSchema);
  assert.deepEqual(again.structuredContent, last.result.structuredContent);

  // 2. A second run, cancelled while its first step runs.
  const created = await client.request({ method: 'tools/call', params: { name: 'two_slow', arguments: { ms: 30_000 }, task: { ttl: 60_000 } } }, CreateTaskResultSchema, CALL);
  const second = created.task.taskId;
  assert.equal(created.task.status, 'working');
  await until('the second run to start step one', async () => count((await probe(client)).started, 'one') === 2);
  assert.equal((await client.experimental.tasks.getTask(second)).status, 'working');
  const blocked = rejection(client.experimental.tasks.getTaskResult(second, CallToolResultSchema, CALL));
  const cancelled = await client.experimental.tasks.cancelTask(second);
  assert.equal(cancelled.status, 'cancelled');
  await until('the running step to see ctx.signal abort', async () => count((await probe(client)).aborted, 'one') === 1);
  const err = await blocked;
  assert.equal(err.code, -32603);
  assert.match(err.message, /cancelled/);
  assert.equal((await client.experimental.tasks.getTask(second)).status, 'cancelled');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(count((await probe(client)).started, 'two'), 1, 'the cancelled run started no further step');

  const listed = await client.experimental.tasks.listTasks();
  assert.deepEqual(listed.tasks.map((t) => [t.taskId, t.status]), [[first, 'completed'], [second, 'cancelled']]);

  // 3. Bad input, with the spec's codes.
  assert.equal((await rejection(client.experimental.tasks.cancelTask(second))).code, -32602, 'cancelling a terminal task');
  assert.equal((await rejection(client.experimental.tasks.getTask('no-such-task'))).code, -32602);
  assert.equal((await rejection(client.experimental.tasks.getTaskResult('no-such-task', CallToolResultSchema))).code, -32602);
  assert.equal((await rejection(client.experimental.tasks.listTasks('not-a-cursor'))).code, -32602);
  const forbidden = await rejection(client.request({ method: 'tools/call', params: { name: 'sync_only', arguments: {}, task: {} } }, CreateTaskResultSchema));
  assert.equal(forbidden.code, -32601);
  const required = await rejection(client.request({ method: 'tools/call', params: { name: 'must_task_wf', arguments: { ms: 1 } } }, CallToolResultSchema));
  assert.equal(required.code, -32601);
  // The workflow still runs as an ordinary tool call when no task is asked for.
  const inline = await client.callTool({ name: 'two_slow', arguments: { ms: 1 } }, undefined, CALL);
  assert.equal((inline.structuredContent as { status: string }).status, 'succeeded');
  return [first, second];
}

describe('a workflow called as a 2025-11-25 task by the official SDK v1 client', { timeout: 120_000 }, () => {
  test('over stdio (velomcp serve): task with progress, tasks/get, tasks/result, tasks/list, cancel mid-run, bad input', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [join(ROOT, 'dist', 'src', 'cli', 'main.js'), 'serve', join(ROOT, 'dist', 'test', 'orchestration', 'workflows', 'fixtures', 'task-server.js')],
      stderr: 'inherit',
    });
    const client = new Client({ name: 'wf-tasks-stdio', version: '1' });
    await withTimeout(client.connect(transport), 15_000, 'initialize');
    try {
      await exercise(client);
    } finally {
      await withTimeout(client.close(), 5000, 'close').catch(() => undefined);
      reap(transport.pid);
    }
  });

  test('the example template-driven workflow (examples/workflows, velomcp serve over stdio) runs as a task with progress per step', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [join(ROOT, 'dist', 'src', 'cli', 'main.js'), 'serve', join(ROOT, 'dist', 'examples', 'workflows', 'server.js')], stderr: 'inherit' });
    const client = new Client({ name: 'wf-example-task', version: '1' });
    await withTimeout(client.connect(transport), 15_000, 'initialize');
    try {
      await client.listTools();
      const progress: number[] = [];
      let result: any;
      let taskId: string | undefined;
      for await (const m of client.experimental.tasks.callToolStream({ name: 'sum_report', arguments: { a: 1, b: 2, c: 3 } }, CallToolResultSchema, { ...CALL, onprogress: (p) => progress.push(p.progress) })) {
        if (m.type === 'taskCreated') taskId = m.task.taskId;
        if (m.type === 'result') result = m.result;
        if (m.type === 'error') assert.fail(String(m.error));
      }
      assert.ok(taskId, 'the SDK asked for a task by itself (tasks capability + execution.taskSupport optional)');
      assert.deepEqual(result.structuredContent.outputs, { total: 6, greeting: 'This is a simple text response for testing.' });
      assert.deepEqual(progress, [1, 2, 3, 4]);
    } finally {
      await withTimeout(client.close(), 5000, 'close').catch(() => undefined);
      reap(transport.pid);
    }
  });

  test('over Streamable HTTP: the same, and another session can neither get nor list the tasks', async () => {
    const http = await serveHttp(createTaskWorkflowServer(), { host: '127.0.0.1', port: 0 });
    const client = new Client({ name: 'wf-tasks-http', version: '1' });
    const other = new Client({ name: 'wf-tasks-http-other', version: '1' });
    try {
      await withTimeout(client.connect(new StreamableHTTPClientTransport(new URL(http.url))), 15_000, 'initialize');
      const ids = await exercise(client);
      await withTimeout(other.connect(new StreamableHTTPClientTransport(new URL(http.url))), 15_000, 'initialize other');
      for (const id of ids) assert.equal((await rejection(other.experimental.tasks.getTask(id))).code, -32602);
      assert.deepEqual((await other.experimental.tasks.listTasks()).tasks, []);
    } finally {
      await withTimeout(client.close(), 5000, 'close').catch(() => undefined);
      await withTimeout(other.close(), 5000, 'close').catch(() => undefined);
      await http.close();
    }
  });

  test('over Streamable HTTP without sessions (legacy stateless mode): the task outlives its POST and is polled, fetched and listed by the principal', async () => {
    const http = await serveHttp(createTaskWorkflowServer(), { host: '127.0.0.1', port: 0, sessions: false });
    const client = new Client({ name: 'wf-tasks-stateless', version: '1' });
    try {
      await withTimeout(client.connect(new StreamableHTTPClientTransport(new URL(http.url))), 15_000, 'initialize');
      const messages: { type: string; task?: { taskId: string }; result?: any }[] = [];
      for await (const m of client.experimental.tasks.callToolStream({ name: 'two_slow', arguments: { ms: 150 } }, CallToolResultSchema, { ...CALL, task: { ttl: 60_000 } })) messages.push(m as (typeof messages)[number]);
      assert.equal(messages[0]?.type, 'taskCreated', JSON.stringify(messages));
      const last = messages.at(-1)!;
      assert.equal(last.type, 'result', JSON.stringify(last));
      assert.equal(last.result.structuredContent.status, 'succeeded');
      const id = messages[0]!.task!.taskId;
      assert.equal((await client.experimental.tasks.getTask(id)).status, 'completed');
      assert.ok((await client.experimental.tasks.listTasks()).tasks.some((t) => t.taskId === id));
    } finally {
      await withTimeout(client.close(), 5000, 'close').catch(() => undefined);
      await http.close();
    }
  });

  for (const kind of ['ws', 'tcp'] as const) {
    test(`over ${kind === 'ws' ? 'WebSocket' : 'TCP'}: the same scenario with the SDK client on velomcp's ${kind} client transport`, async () => {
      const server = createTaskWorkflowServer();
      const handle = kind === 'ws' ? await serveWebSocket(server) : await serveTcp(server);
      const client = new Client({ name: `wf-tasks-${kind}`, version: '1' });
      try {
        const inner = kind === 'ws' ? new WebSocketClientTransport((handle as { url: string }).url) : new TcpClientTransport({ port: handle.port });
        await withTimeout(client.connect(new SdkOver(inner)), 15_000, 'initialize');
        await exercise(client);
      } finally {
        await withTimeout(client.close(), 5000, 'close').catch(() => undefined);
        server.close();
        await handle.close();
      }
    });
  }
});
