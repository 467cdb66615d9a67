/**
 * The reference server (examples/everything) driven in-process through `server.connect(sink)` and
 * `connection.receive(...)`: the fixture behaviours the conformance suite checks with hand-made requests
 * that SDK clients never send (tampered state, wrong or malformed inputResponses, missing capabilities,
 * removed methods, listen filtering).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { McpServer, type JsonObject } from '../../src/index.js';
import everything, { createEverythingServer, JSON_SCHEMA_2020_12_INPUT_SCHEMA } from '../../examples/everything/server.js';

const VERSION = 'io.modelcontextprotocol/protocolVersion';
const CAPS = 'io.modelcontextprotocol/clientCapabilities';
const LOG_LEVEL = 'io.modelcontextprotocol/logLevel';
const SUB_ID = 'io.modelcontextprotocol/subscriptionId';

/** What the conformance harness declares by default. */
const ALL_CAPS = { sampling: {}, elicitation: {}, roots: { listChanged: true } };

type Message = { jsonrpc: '2.0'; id?: string | number | null; method?: string; params?: any; result?: any; error?: { code: number; message: string; data?: any } };

/** One connection to a fresh reference server, with every outbound message captured in order. */
class Wire {
  readonly server: McpServer;
  readonly sent: Message[] = [];
  /** Request ids whose stream the server asked to close (SSE polling); the sink refuses, like stdio. */
  readonly closeRequests: unknown[] = [];
  readonly #conn;
  #waiters: { match: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
  #nextId = 0;

  constructor(server: McpServer = createEverythingServer()) {
    this.server = server;
    this.#conn = server.connect({
      send: (raw) => {
        const m = JSON.parse(raw) as Message;
        this.sent.push(m);
        this.#waiters = this.#waiters.filter((w) => (w.match(m) ? (w.resolve(m), false) : true));
      },
      closeStream: (related) => {
        this.closeRequests.push(related);
        return false;
      },
    });
  }

  waitFor(match: (m: Message) => boolean, what: string, ms = 3000): Promise<Message> {
    const found = this.sent.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
      this.#waiters.push({ match, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }

  send(message: JsonObject): void {
    this.#conn.receive(message);
  }

  /** Sends a request and resolves with its response (`result` or `error`). */
  async request(method: string, params: JsonObject, id: string | number = `r${++this.#nextId}`): Promise<Message> {
    this.send({ jsonrpc: '2.0', id, method, params });
    return this.waitFor((m) => m.id === id && (m.result !== undefined || m.error !== undefined), `the response to ${method} ${String(id)}`);
  }

  /** A 2026-07-28 request: `_meta` with the protocol version and `caps` (plus `meta`). */
  modern(method: string, params: JsonObject = {}, caps: JsonObject = ALL_CAPS, meta: JsonObject = {}): Promise<Message> {
    return this.request(method, { ...params, _meta: { [VERSION]: '2026-07-28', [CAPS]: caps, ...meta } });
  }

  /** `tools/call` in the modern era. */
  call(name: string, extra: JsonObject = {}, caps: JsonObject = ALL_CAPS, meta: JsonObject = {}): Promise<Message> {
    return this.modern('tools/call', { name, arguments: {}, ...extra }, caps, meta);
  }

  since(mark: number): Message[] {
    return this.sent.slice(mark);
  }

  close(): void {
    this.#conn.close();
  }
}

const text = (m: Message): string => ((m.result?.content ?? []) as { type: string; text?: string }[]).map((c) => c.text ?? '').join('\n');
const accept = (content: JsonObject): JsonObject => ({ action: 'accept', content });

describe('examples/everything in-process', () => {
  test('the default export is a ready McpServer, and createEverythingServer builds independent instances', async () => {
    assert.ok(everything instanceof McpServer);
    assert.equal(everything.serverInfo.name, 'velomcp-everything');
    const a = new Wire();
    const b = new Wire();
    await a.call('test_trigger_tool_change');
    const listA = await a.modern('tools/list');
    const listB = await b.modern('tools/list');
    assert.equal(listA.result.tools.length, listB.result.tools.length + 1);
    a.close();
    b.close();
  });

  test('json_schema_2020_12_tool is listed with its schema byte for byte', async () => {
    const w = new Wire();
    const r = await w.modern('tools/list');
    const tool = r.result.tools.find((t: { name: string }) => t.name === 'json_schema_2020_12_tool');
    assert.equal(JSON.stringify(tool.inputSchema), JSON.stringify(JSON_SCHEMA_2020_12_INPUT_SCHEMA));
    w.close();
  });

  test('tampered requestState is a JSON-RPC -32602 error, and so is state minted for another tool', async () => {
    const w = new Wire();
    const r1 = await w.call('test_input_required_result_tampered_state');
    assert.equal(r1.result.resultType, 'input_required');
    assert.deepEqual(Object.keys(r1.result.inputRequests), ['confirm']);
    const state = r1.result.requestState as string;
    assert.equal(typeof state, 'string');

    const responses = { confirm: accept({ ok: true }) };
    const tampered = await w.call('test_input_required_result_tampered_state', { inputResponses: responses, requestState: `${state}-TAMPERED` });
    assert.equal(tampered.error?.code, -32602);
    assert.match(tampered.error?.message ?? '', /requestState/);

    // Flip one character of the payload: same length, different bytes.
    const dot = state.indexOf('.') + 1;
    const flipped = state.slice(0, dot) + (state[dot] === 'A' ? 'B' : 'A') + state.slice(dot + 1);
    assert.equal((await w.call('test_input_required_result_tampered_state', { inputResponses: responses, requestState: flipped })).error?.code, -32602);

    // A state bound to another tool's request does not verify here.
    const other = await w.call('test_input_required_result_request_state');
    const replayed = await w.call('test_input_required_result_tampered_state', { inputResponses: responses, requestState: other.result.requestState });
    assert.equal(replayed.error?.code, -32602);

    const ok = await w.call('test_input_required_result_tampered_state', { inputResponses: responses, requestState: state });
    assert.equal(text(ok), 'integrity-ok: state verified');
    w.close();
  });

  test('test_missing_capability: -32021 with requiredCapabilities {sampling: {}} unless sampling is declared', async () => {
    const w = new Wire();
    const denied = await w.call('test_missing_capability', {}, {});
    assert.equal(denied.error?.code, -32021);
    assert.deepEqual(denied.error?.data, { requiredCapabilities: { sampling: {} } });
    assert.equal(denied.result, undefined);

    const asked = await w.call('test_missing_capability', {}, { sampling: {} });
    assert.equal(asked.result.resultType, 'input_required');
    assert.equal(asked.result.inputRequests.probe.method, 'sampling/createMessage');
    const done = await w.call(
      'test_missing_capability',
      { inputResponses: { probe: { role: 'assistant', content: { type: 'text', text: 'hi' }, model: 'm' } }, requestState: asked.result.requestState },
      { sampling: {} },
    );
    assert.equal(text(done), 'Success: the client can sample (it said: hi)');
    w.close();
  });

  test('test_input_required_result_elicitation: round trip, wrong key re-requests, extra keys ignored, malformed answers rejected', async () => {
    const w = new Wire();
    const r1 = await w.call('test_input_required_result_elicitation');
    assert.equal(r1.result.resultType, 'input_required');
    assert.deepEqual(r1.result.inputRequests.user_name, {
      method: 'elicitation/create',
      params: { mode: 'form', message: 'What is your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
    });
    const r2 = await w.call('test_input_required_result_elicitation', { inputResponses: { user_name: accept({ name: 'Alice' }) }, requestState: r1.result.requestState });
    assert.equal(r2.result.resultType, 'complete');
    assert.equal(text(r2), 'Hello, Alice!');

    // A7: a wrong key is not an answer: ask again (not an error).
    const wrong = await w.call('test_input_required_result_elicitation', { inputResponses: { wrong_key: accept({ data: 'wrong' }) } });
    assert.equal(wrong.result?.resultType, 'input_required');
    assert.ok(wrong.result.inputRequests.user_name);

    // A14: extra keys beside the right one are ignored.
    const extra = await w.call('test_input_required_result_elicitation', {
      inputResponses: { user_name: accept({ name: 'Alice' }), unknown_extra_key: accept({ foo: 'bar' }), another_unexpected: accept({ baz: 123 }) },
    });
    assert.equal(text(extra), 'Hello, Alice!');

    // A15: a number where an ElicitResult belongs, or null inputResponses, is a protocol error.
    const numeric = await w.call('test_input_required_result_elicitation', { inputResponses: { user_name: 12345 } });
    assert.equal(numeric.error?.code, -32602);
    const nul = await w.call('test_input_required_result_elicitation', { inputResponses: null });
    assert.equal(nul.error?.code, -32602);
    const noAction = await w.call('test_input_required_result_elicitation', { inputResponses: { user_name: { content: { name: 'x' } } } });
    assert.equal(noAction.error?.code, -32602);
    w.close();
  });

  test('test_input_required_result_request_state: state-ok only when the retry echoes the state', async () => {
    const w = new Wire();
    const r1 = await w.call('test_input_required_result_request_state');
    assert.equal(r1.result.resultType, 'input_required');
    assert.equal(typeof r1.result.requestState, 'string');
    assert.equal(r1.result.inputRequests.confirm.method, 'elicitation/create');

    const withoutState = await w.call('test_input_required_result_request_state', { inputResponses: { confirm: accept({ ok: true }) } });
    assert.equal(withoutState.result.resultType, 'input_required', 'no state: ask again');

    const r2 = await w.call('test_input_required_result_request_state', { inputResponses: { confirm: accept({ ok: true }) }, requestState: r1.result.requestState });
    assert.match(text(r2), /^state-ok: /);
    w.close();
  });

  test('test_input_required_result_multi_round: the second round has a new requestState; three calls complete', async () => {
    const w = new Wire();
    const r1 = await w.call('test_input_required_result_multi_round');
    assert.deepEqual(Object.keys(r1.result.inputRequests), ['step1']);
    const r2 = await w.call('test_input_required_result_multi_round', { inputResponses: { step1: accept({ name: 'Alice' }) }, requestState: r1.result.requestState });
    assert.equal(r2.result.resultType, 'input_required');
    assert.deepEqual(Object.keys(r2.result.inputRequests), ['step2']);
    assert.notEqual(r2.result.requestState, r1.result.requestState);
    const r3 = await w.call('test_input_required_result_multi_round', { inputResponses: { step2: accept({ color: 'blue' }) }, requestState: r2.result.requestState });
    assert.equal(text(r3), 'Multi-round complete: name=Alice, color=blue');
    w.close();
  });

  test('test_input_required_result_multiple_inputs asks for elicitation, sampling and roots at once, with a requestState', async () => {
    const w = new Wire();
    const r1 = await w.call('test_input_required_result_multiple_inputs');
    const requests = r1.result.inputRequests as Record<string, { method: string }>;
    assert.deepEqual(
      Object.fromEntries(Object.entries(requests).map(([k, v]) => [k, v.method])),
      { user_name: 'elicitation/create', greeting: 'sampling/createMessage', client_roots: 'roots/list' },
    );
    assert.equal(typeof r1.result.requestState, 'string');
    const r2 = await w.call('test_input_required_result_multiple_inputs', {
      inputResponses: {
        user_name: accept({ name: 'Alice' }),
        greeting: { role: 'assistant', content: { type: 'text', text: 'Hello there!' }, model: 'test-model', stopReason: 'endTurn' },
        client_roots: { roots: [{ uri: 'file:///test/root', name: 'Test Root' }] },
      },
      requestState: r1.result.requestState,
    });
    assert.equal(text(r2), 'Received all inputs: name=Alice, greeting=Hello there!, roots=file:///test/root (Test Root)');
    w.close();
  });

  test('test_input_required_result_capabilities asks only for declared capabilities', async () => {
    const w = new Wire();
    const samplingOnly = await w.call('test_input_required_result_capabilities', {}, { sampling: {} });
    assert.deepEqual(Object.keys(samplingOnly.result.inputRequests), ['sample_input']);
    const both = await w.call('test_input_required_result_capabilities', {}, ALL_CAPS);
    assert.deepEqual(Object.keys(both.result.inputRequests).sort(), ['elicit_input', 'sample_input']);
    const none = await w.call('test_input_required_result_capabilities', {}, {});
    assert.equal(text(none), 'No supported capabilities declared');
    w.close();
  });

  test('test_input_required_result_prompt: prompts/get returns input_required, then a GetPromptResult', async () => {
    const w = new Wire();
    const r1 = await w.modern('prompts/get', { name: 'test_input_required_result_prompt' });
    assert.equal(r1.result.resultType, 'input_required');
    assert.equal(r1.result.inputRequests.user_context.method, 'elicitation/create');
    const r2 = await w.modern('prompts/get', {
      name: 'test_input_required_result_prompt',
      inputResponses: { user_context: accept({ context: 'test context' }) },
      requestState: r1.result.requestState,
    });
    assert.equal(r2.result.resultType, 'complete');
    assert.deepEqual(r2.result.messages, [{ role: 'user', content: { type: 'text', text: 'Prompt context: test context' } }]);
    w.close();
  });

  test('no notifications/message without _meta logLevel; logs at or above the requested level otherwise', async () => {
    const w = new Wire();
    let mark = w.sent.length;
    assert.equal(text(await w.call('test_logging_tool', {}, {})), 'Logging evaluated');
    assert.equal(text(await w.call('test_tool_with_logging', {}, {})), 'Tool with logging executed successfully');
    assert.ok(!w.since(mark).some((m) => m.method === 'notifications/message'));

    mark = w.sent.length;
    await w.call('test_logging_tool', {}, {}, { [LOG_LEVEL]: 'error' });
    assert.ok(!w.since(mark).some((m) => m.method === 'notifications/message'));

    mark = w.sent.length;
    await w.call('test_logging_tool', {}, {}, { [LOG_LEVEL]: 'debug' });
    const logs = w.since(mark).filter((m) => m.method === 'notifications/message');
    assert.deepEqual(
      logs.map((m) => m.params),
      [{ level: 'info', logger: 'test_logging_tool', data: 'Diagnostic trace logging activated' }],
    );
    w.close();
  });

  test('test_streaming_elicitation: the response stream holds notifications and the input_required result, never a request', async () => {
    const w = new Wire();
    const mark = w.sent.length;
    const r = await w.call('test_streaming_elicitation', {}, { elicitation: {} }, { progressToken: 'p1' });
    assert.equal(r.result.resultType, 'input_required');
    assert.equal(r.result.inputRequests.confirmation.method, 'elicitation/create');
    const frames = w.since(mark);
    assert.ok(frames.every((m) => m.method === undefined || (m.method.startsWith('notifications/') && m.id === undefined)));
    assert.deepEqual(
      frames.filter((m) => m.method === 'notifications/progress').map((m) => m.params.progress),
      [0],
    );
    w.close();
  });

  test('subscriptions/listen: acknowledgement first, tagged list_changed, filters respected, cancellation ends it silently', async () => {
    const w = new Wire();
    w.send({ jsonrpc: '2.0', id: 'tools-sub', method: 'subscriptions/listen', params: { notifications: { toolsListChanged: true }, _meta: { [VERSION]: '2026-07-28', [CAPS]: {} } } });
    w.send({ jsonrpc: '2.0', id: 'prompts-sub', method: 'subscriptions/listen', params: { notifications: { promptsListChanged: true }, _meta: { [VERSION]: '2026-07-28', [CAPS]: {} } } });
    const acks = w.sent.filter((m) => m.method === 'notifications/subscriptions/acknowledged');
    assert.deepEqual(
      acks.map((m) => [m.params._meta[SUB_ID], m.params.notifications]),
      [
        ['tools-sub', { toolsListChanged: true }],
        ['prompts-sub', { promptsListChanged: true }],
      ],
    );
    assert.equal(w.sent[0]?.method, 'notifications/subscriptions/acknowledged', 'the acknowledgement is the first message');

    await w.call('test_trigger_tool_change');
    const change = await w.waitFor((m) => m.method === 'notifications/tools/list_changed', 'tools list_changed');
    assert.deepEqual(change.params, { _meta: { [SUB_ID]: 'tools-sub' } });
    await w.call('test_trigger_prompt_change');
    const promptChange = await w.waitFor((m) => m.method === 'notifications/prompts/list_changed', 'prompts list_changed');
    assert.deepEqual(promptChange.params, { _meta: { [SUB_ID]: 'prompts-sub' } });
    assert.equal(w.sent.filter((m) => m.method === 'notifications/tools/list_changed').length, 1, 'the prompts-only stream got no tools change');

    // stdio ends a subscription with notifications/cancelled; no response follows for it.
    w.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'tools-sub' } });
    const mark = w.sent.length;
    await w.call('test_trigger_tool_change');
    await new Promise((r) => setImmediate(r)); // list_changed is coalesced per tick
    assert.ok(!w.since(mark).some((m) => m.method === 'notifications/tools/list_changed' || m.id === 'tools-sub'));

    // Closing the server ends the remaining subscription gracefully, with its result.
    w.server.close();
    const end = await w.waitFor((m) => m.id === 'prompts-sub', 'the listen result');
    assert.deepEqual(end.result?._meta?.[SUB_ID], 'prompts-sub');
    w.close();
  });

  test('unknown resources: -32602 with data.uri in the 2026 era, -32002 in a legacy session; never empty contents', async () => {
    const w = new Wire();
    const uri = 'test://nonexistent-resource-for-conformance-testing';
    const modern = await w.modern('resources/read', { uri });
    assert.equal(modern.error?.code, -32602);
    assert.deepEqual(modern.error?.data, { uri });

    const init = await w.request('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'in-process', version: '1' } });
    assert.equal(init.result.protocolVersion, '2025-11-25');
    w.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const legacy = await w.request('resources/read', { uri });
    assert.equal(legacy.error?.code, -32002);
    assert.deepEqual(legacy.error?.data, { uri });
    w.close();
  });

  test('cacheable results carry ttlMs and cacheScope; input_required results carry none', async () => {
    const w = new Wire();
    for (const [method, params] of [
      ['server/discover', {}],
      ['tools/list', {}],
      ['prompts/list', {}],
      ['resources/list', {}],
      ['resources/templates/list', {}],
      ['resources/read', { uri: 'test://static-text' }],
      ['resources/read', { uri: 'test://template/7/data' }],
    ] as const) {
      const r = await w.modern(method, params);
      assert.equal(r.result?.resultType, 'complete', method);
      assert.ok(Number.isInteger(r.result.ttlMs) && r.result.ttlMs >= 0, `${method} ttlMs`);
      assert.ok(['public', 'private'].includes(r.result.cacheScope), `${method} cacheScope`);
    }
    const interim = await w.call('test_input_required_result_sampling');
    assert.equal(interim.result.resultType, 'input_required');
    assert.ok(!('ttlMs' in interim.result) && !('cacheScope' in interim.result));
    w.close();
  });

  test('methods removed in 2026-07-28 are -32601 when sent with the modern _meta', async () => {
    const w = new Wire();
    for (const method of ['initialize', 'ping', 'logging/setLevel', 'resources/subscribe', 'resources/unsubscribe', 'unknown/method']) {
      const r = await w.modern(method, method.startsWith('resources/') ? { uri: 'test://watched-resource' } : {}, {});
      assert.equal(r.error?.code, -32601, method);
    }
    w.close();
  });

  test('test_reconnection asks the transport to close its stream, and still answers where that is impossible', async () => {
    const w = new Wire();
    const r = await w.call('test_reconnection', {}, {}, {});
    assert.match(text(r), /^Reconnection test completed successfully/);
    assert.equal(w.closeRequests.length, 1);
    assert.equal(w.closeRequests[0], r.id);
    w.close();
  });

  test('test_slow_operation stops when notifications/cancelled arrives and its late result is dropped', async () => {
    const w = new Wire();
    w.send({
      jsonrpc: '2.0',
      id: 'slow',
      method: 'tools/call',
      params: { name: 'test_slow_operation', arguments: { durationMs: 10_000 }, _meta: { [VERSION]: '2026-07-28', [CAPS]: {}, progressToken: 'slow' } },
    });
    await w.waitFor((m) => m.method === 'notifications/progress' && m.params.progressToken === 'slow', 'the first progress');
    w.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'slow', reason: 'enough' } });
    // The aborted handler finishes a few microtasks later.
    let log: any;
    for (let i = 0; i < 100 && !log?.cancelled.length; i++) {
      await new Promise((r) => setImmediate(r));
      log = (await w.call('test_cancellation_report')).result.structuredContent;
    }
    assert.deepEqual(log, { started: 1, completed: 0, cancelled: [{ requestId: 'slow', reason: 'enough' }] });
    assert.ok(!w.sent.some((m) => m.id === 'slow'), 'no response for a cancelled request');
    w.close();
  });
});
