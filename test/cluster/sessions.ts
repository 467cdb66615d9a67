/**
 * The session scripts every scale-out deployment runs (nginx in front of Redis-backed nodes,
 * test/cluster-nginx; one `velomcp serve --workers 2` process behind a fresh-connection relay, test/cluster):
 * a whole legacy (2025-11-25) session run by the official SDK v1 client or by velomcp's client, and the
 * 2026-07-28 MRTR and task scripts. A {@link Deployment} says which process served which request, so each
 * script also checks that the session's requests were spread over every process.
 */
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, ElicitRequestSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { McpClient, type ServerNotification } from '../../src/client/index.js';
import { until } from '../redis/helpers.js';
import { liveSse, type LiveSse } from './sse.js';

/** The resource the everything server's `test_trigger_resource_update` changes. */
export const WATCHED = 'test://watched-resource';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One request a deployment served. */
export interface Served {
  /** The process that served it (nginx: upstream address; workers: pid). */
  by: string;
  /** HTTP method. */
  method: string;
  status: number;
  /** The `Mcp-Session-Id` it named ('' when none). */
  session: string;
}

/** One JSON-RPC message POSTed to a deployment, and the process that received it. */
export interface Received {
  by: string;
  session: string;
  body: any;
}

/** What the scripts need to know about where they run. */
export interface Deployment {
  /** The one MCP endpoint the clients use. */
  url: string;
  /** How many processes serve it. */
  processes: number;
  /** Requests served so far, in order (nginx logs a request when it ends). */
  served(): Served[];
  /** `started|cancelled|completed pid` lines of the fixture's `cluster_wait` tool. */
  waitLog(): { event: string; pid: string }[];
  /** Asserts that every process answers 404 for `session` (it ended everywhere). */
  assertEnded(session: string): Promise<void>;
  /**
   * When the deployment knows it: every POSTed message and which process received it (`by` is then a pid, as
   * in {@link Deployment.waitLog}); the scripts then also show that answers and cancellations crossed processes.
   */
  received?(): Received[];
}

/** What the 2026-07-28 scripts need (no sessions to end). */
export type Spread = Pick<Deployment, 'url' | 'processes' | 'served'>;

/** The legacy-session operations both clients offer, so one script drives either. */
interface LegacyDriver {
  session: string;
  toolNames(): Promise<string[]>;
  call(name: string, args?: Record<string, unknown>, opts?: { signal?: AbortSignal; onProgress?: () => void }): Promise<unknown[]>;
  subscribe(uri: string): Promise<void>;
  /** URIs of notifications/resources/updated received so far. */
  updates(): string[];
  /** Ends the session (DELETE) and closes. */
  close(): Promise<void>;
}

async function sdkDriver(url: string): Promise<LegacyDriver> {
  const client = new Client({ name: 'sdk-v1', version: '1.0.0' }, { capabilities: { sampling: {}, elicitation: {} } });
  client.setRequestHandler(CreateMessageRequestSchema, () => ({ role: 'assistant', content: { type: 'text', text: 'sampled by v1' }, model: 'm' }));
  client.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: { username: 'ada', email: 'ada@example.com' } }));
  const updates: string[] = [];
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri));
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  return {
    session: transport.sessionId as string,
    toolNames: async () => (await client.listTools()).tools.map((t) => t.name),
    call: async (name, args = {}, opts = {}) => {
      const r = await client.callTool({ name, arguments: args }, undefined, {
        ...(opts.signal && { signal: opts.signal }),
        // A progress callback also asks for progress (the cancelled call reports progress while it runs).
        onprogress: () => opts.onProgress?.(),
      });
      return r.content as unknown[];
    },
    subscribe: async (uri) => void (await client.subscribeResource({ uri })),
    updates: () => updates,
    close: async () => {
      await transport.terminateSession();
      await client.close();
    },
  };
}

async function velomcpDriver(url: string): Promise<LegacyDriver> {
  const notes: ServerNotification[] = [];
  const client = new McpClient(
    { name: 'velomcp', version: '1.0.0' },
    {
      era: 'legacy',
      handlers: {
        sampling: () => ({ role: 'assistant', content: { type: 'text', text: 'sampled by velomcp' }, model: 'm' }),
        elicitation: () => ({ action: 'accept', content: { username: 'ada', email: 'ada@example.com' } }),
      },
      onNotification: (n) => void notes.push(n),
    },
  );
  await client.connect(url);
  return {
    session: client.sessionId as string,
    toolNames: async () => (await client.listTools()).tools.map((t) => t.name),
    call: async (name, args = {}, opts = {}) => (await client.callTool({ name, arguments: args }, { ...(opts.signal && { signal: opts.signal }), ...(opts.onProgress && { onProgress: opts.onProgress }) })).content,
    subscribe: async (uri) => void (await client.subscribeResource({ uri })),
    updates: () => notes.filter((n) => n.method === 'notifications/resources/updated').map((n) => (n.params as { uri: string }).uri),
    close: () => client.close(),
  };
}

/** The processes that served requests of `session`, by HTTP method. */
export function spread(d: Deployment, session: string): { all: Set<string>; get: Set<string>; post: Set<string>; del: Set<string> } {
  const mine = d.served().filter((s) => s.session === session);
  const of = (m: string): Set<string> => new Set(mine.filter((s) => s.method === m).map((s) => s.by));
  return { all: new Set(mine.map((s) => s.by)), get: of('GET'), post: of('POST'), del: of('DELETE') };
}

/**
 * A whole legacy session on `d` by the official SDK v1 client (`'sdk'`) or velomcp's client: initialize, list,
 * call, a validation failure, sampling and elicitation round trips, progress, cancellation, a resource
 * subscription whose updates are triggered on other processes than the one holding the GET stream, and
 * DELETE ending the session on every process; the session's requests reached every process.
 */
export async function legacySession(d: Deployment, which: 'sdk' | 'velomcp'): Promise<void> {
  const client = which === 'sdk' ? await sdkDriver(d.url) : await velomcpDriver(d.url);
  const session = client.session;
  assert.ok(session, 'initialize gave a session id');

  const tools = await client.toolNames();
  assert.ok(tools.includes('test_sampling') && tools.length > 20, `tools/list: ${tools.length} tools`);
  assert.deepEqual(await client.call('test_simple_text'), [{ type: 'text', text: 'This is a simple text response for testing.' }]);

  // Validation failure: the server rejects bad arguments before running the tool.
  const bad = await client.call('test_structured_output', { a: 'one', b: 2 }).then(
    (r) => JSON.stringify(r),
    (e: Error) => e.message,
  );
  assert.match(bad, /Invalid|invalid|must be number/);

  const sampled = which === 'sdk' ? /LLM response: sampled by v1/ : /sampled by velomcp/;
  for (let i = 0; i < 3; i++) {
    assert.match(JSON.stringify(await client.call('test_sampling', { prompt: `p${i}` })), sampled);
    assert.match(JSON.stringify(await client.call('test_elicitation', { message: 'who?' })), /ada/);
  }

  let progress = 0;
  await client.call('test_tool_with_progress', {}, { onProgress: () => void progress++ });
  assert.equal(progress, 3);

  // Cancellation: the call runs on one process; notifications/cancelled is a POST of its own, which may land
  // on another. Where the deployment tells, repeat until one did (at most 4 times).
  let cancelCrossed = false;
  for (let attempt = 0; attempt < (d.received ? 4 : 1) && !cancelCrossed; attempt++) {
    const before = d.waitLog().length;
    const abort = new AbortController();
    const waiting = client.call('cluster_wait', { ms: 20_000 }, { signal: abort.signal, onProgress: () => undefined });
    assert.ok(await until(() => d.waitLog().length > before, 5000), 'the call started');
    abort.abort('test cancels');
    await assert.rejects(waiting);
    assert.ok(await until(() => d.waitLog().slice(before).some((l) => l.event === 'cancelled'), 5000), 'the running process saw the cancellation');
    const [started, cancelled] = d.waitLog().slice(before);
    assert.equal(started?.event, 'started');
    assert.equal(cancelled?.pid, started?.pid, 'cancelled on the process that ran it');
    if (d.received) {
      assert.ok(await until(() => receivedBy(d, session, (b) => b?.method === 'notifications/cancelled').length > attempt, 3000), 'the cancellation was POSTed');
      const cancel = receivedBy(d, session, (b) => b?.method === 'notifications/cancelled').at(-1) as Received;
      cancelCrossed = cancel.by !== started?.pid;
    }
  }
  if (d.received) assert.ok(cancelCrossed, 'a notifications/cancelled reached another process than the one running the call, and that one stopped');

  // Subscribe, then trigger updates: some run on other processes than the GET stream's.
  await client.subscribe(WATCHED);
  const mark = d.served().length;
  const triggers = d.processes + 1;
  for (let i = 0; i < triggers; i++) await client.call('test_trigger_resource_update');
  assert.ok(await until(() => client.updates().length === triggers, 5000), `${triggers} updates on the GET stream, got ${client.updates().length}`);
  assert.deepEqual(client.updates(), Array(triggers).fill(WATCHED));

  await client.close();
  // nginx logs a request when it ends: the GET stream appears once DELETE closed it.
  assert.ok(await until(() => spread(d, session).get.size > 0 && spread(d, session).del.size === 1, 3000), 'close() sent DELETE; the GET stream was served');
  const triggeredOn = new Set(
    d
      .served()
      .slice(mark)
      .filter((s) => s.session === session && s.method === 'POST')
      .map((s) => s.by),
  );
  const { all, post, get, del } = spread(d, session);
  assert.equal(all.size, d.processes, `requests of one session reached all ${d.processes} processes: ${[...all].join(', ')}`);
  assert.equal(post.size, d.processes, 'POSTs on every process');
  assert.equal(get.size, 1, 'one process held the GET stream');
  assert.ok([...triggeredOn].some((u) => !get.has(u)), `an update was triggered on a process (${[...triggeredOn].join(', ')}) other than the GET stream's (${[...get].join(', ')})`);
  assert.equal(del.size, 1);
  if (d.received) {
    // Each sampling/elicitation answer is a POST of its own: some reached another process than the one awaiting it.
    const msgs = d.received().filter((m) => m.session === session);
    let crossed = 0;
    let answers = 0;
    let caller: string | undefined;
    for (const m of msgs) {
      if (m.body?.method === 'tools/call') caller = m.by;
      else if (m.body && m.body.method === undefined && 'result' in m.body) {
        answers++;
        if (m.by !== caller) crossed++;
      }
    }
    assert.equal(answers, 6, 'three sampling and three elicitation answers');
    assert.ok(crossed > 0, `answers reaching another process than the one awaiting them: ${crossed} of ${answers}`);
  }
  await d.assertEnded(session);
}

function receivedBy(d: Deployment, session: string, pred: (body: any) => boolean): Received[] {
  return (d.received?.() ?? []).filter((m) => m.session === session && pred(m.body));
}

// ───── 2026-07-28 ─────

/** Client capabilities of the modern requests: the tasks extension and elicitation. */
export const TASKS = { extensions: { 'io.modelcontextprotocol/tasks': {} }, elicitation: {} };
const META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': TASKS };
let nextId = 1;

/** One 2026-07-28 request to `url`; the JSON-RPC response (JSON or the last SSE event). */
export async function modern(url: string, method: string, params: Record<string, unknown>, caps: object = TASKS): Promise<{ result?: any; error?: any }> {
  const name = method === 'tools/call' ? params.name : method.startsWith('tasks/') ? params.taskId : undefined;
  const r = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': method,
      ...(typeof name === 'string' ? { 'mcp-name': name } : {}),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: nextId++,
      method,
      params: { ...params, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': caps } },
    }),
  });
  const text = await r.text();
  if ((r.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    const data = text
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)) as { id?: unknown; result?: unknown; error?: unknown });
    const last = data.filter((x) => 'id' in x).at(-1);
    assert.ok(last, `no response in ${text}`);
    return last as { result?: any; error?: any };
  }
  return JSON.parse(text) as { result?: any; error?: any };
}

/** Polls `tasks/get` on `url` until `ok(task)` (bounded). */
export async function taskUntil(url: string, taskId: string, ok: (t: any) => boolean, ms = 10_000): Promise<any> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await modern(url, 'tasks/get', { taskId });
    assert.ok(r.result, JSON.stringify(r));
    if (ok(r.result)) return r.result;
    if (Date.now() > end) assert.fail(`task ${taskId} stuck: ${JSON.stringify(r.result)}`);
    await sleep(50);
  }
}

/** Opens a `subscriptions/listen` stream on `url` and waits for its acknowledgement. */
export async function openListen(url: string, notifications: Record<string, unknown>): Promise<LiveSse> {
  const id = `listen-${nextId++}`;
  const s = await liveSse(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'subscriptions/listen' },
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'subscriptions/listen', params: { notifications, _meta: META } }),
  });
  assert.equal(s.status, 200);
  await s.waitFor((m) => m.method === 'notifications/subscriptions/acknowledged', 'the listen acknowledgement', 10_000);
  return s;
}

/** velomcp's client in the 2026-07-28 era: MRTR rounds (each its own POST) answered by every process all succeed. */
export async function mrtrRounds(d: Spread): Promise<void> {
  const client = new McpClient(
    { name: 'modern', version: '1.0.0' },
    {
      handlers: {
        sampling: () => ({ role: 'assistant', content: { type: 'text', text: 'sampled across processes' }, model: 'm' }),
        elicitation: () => ({ action: 'accept', content: { username: 'lin', email: 'lin@example.com' } }),
      },
    },
  );
  await client.connect(d.url);
  assert.equal(client.era, 'modern');
  const before = d.served().length;
  for (let i = 0; i < 3; i++) {
    assert.match(JSON.stringify((await client.callTool({ name: 'test_sampling', arguments: { prompt: 'x' } })).content), /sampled across processes/);
    assert.match(JSON.stringify((await client.callTool({ name: 'test_elicitation', arguments: { message: 'who?' } })).content), /lin/);
  }
  await client.close();
  assert.ok(await until(() => d.served().length - before >= 12, 3000));
  const rounds = d.served().slice(before);
  assert.ok(rounds.length >= 12, `every call took two rounds (${rounds.length} requests)`);
  assert.ok(rounds.every((r) => r.status === 200), JSON.stringify(rounds));
  assert.equal(new Set(rounds.map((r) => r.by)).size, d.processes, `rounds answered by all ${d.processes} processes`);
}

/** Tasks: created on one process, polled (every process answers) and cancelled through the others. */
export async function tasksPollAndCancel(d: Spread): Promise<void> {
  const quick = await modern(d.url, 'tools/call', { name: 'slow_compute', arguments: { seconds: 0.3, label: 'q' } });
  assert.equal(quick.result?.resultType, 'task', JSON.stringify(quick));
  const mark = d.served().length;
  const done = await taskUntil(d.url, quick.result.taskId, (t) => t.status === 'completed');
  assert.deepEqual(done.result.content, [{ type: 'text', text: 'Computed q after 0.3s' }]);
  assert.ok(await until(() => new Set(d.served().slice(mark).map((s) => s.by)).size === d.processes, 3000), `tasks/get answered by all ${d.processes} processes`);

  const slow = await modern(d.url, 'tools/call', { name: 'slow_compute', arguments: { seconds: 60 } });
  await taskUntil(d.url, slow.result.taskId, (t) => t.status === 'working');
  const cancel = await modern(d.url, 'tasks/cancel', { taskId: slow.result.taskId });
  assert.ok(cancel.result, JSON.stringify(cancel));
  const cancelled = await taskUntil(d.url, slow.result.taskId, (t) => t.status === 'cancelled', 5000);
  assert.equal(cancelled.status, 'cancelled');
}
