/**
 * Interop: the official MCP TypeScript SDK v2 client (`@modelcontextprotocol/client`) against the
 * reference server served by `velomcp serve` over stdio, with version negotiation `auto` (probe with
 * `server/discover`, on a sibling process) and pinned to 2026-07-28, plus a short legacy-mode check.
 *
 * In the 2026-07-28 era the server never sends requests: sampling, elicitation and roots travel inside
 * `input_required` results, and the client answers them through its registered handlers and retries.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Client,
  LOG_LEVEL_META_KEY,
  ProtocolError,
  SUBSCRIPTION_ID_META_KEY,
  type ClientCapabilities,
  type ClientOptions,
  type CreateMessageRequest,
  type ElicitRequest,
  type ElicitResult,
  type VersionNegotiationMode,
} from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import {
  CONFORMANCE_PROMPTS,
  CONFORMANCE_RESOURCES,
  CONFORMANCE_TOOLS,
  eventually,
  PNG_SIGNATURE,
  reap,
  REQUEST_TIMEOUT_MS,
  SERVE_ARGS,
  textOf,
  WireTap,
  withTimeout,
} from './stdio-helpers.js';
import { JSON_SCHEMA_2020_12_INPUT_SCHEMA } from '../../examples/everything/server.js';

const OPTS = { timeout: REQUEST_TIMEOUT_MS };
/** Connecting spawns the server (twice in `auto` mode: the probe runs on a sibling process). */
const CONNECT_TIMEOUT_MS = 20_000;

const FORM_VALUES: Record<string, string | number | boolean> = {
  name: 'Alice',
  username: 'alice',
  email: 'alice@example.com',
  context: 'test context',
  color: 'blue',
  ok: true,
  value: 'v',
  proceed: true,
};

function acceptRequested(params: ElicitRequest['params']): ElicitResult {
  const schema = (params as { requestedSchema?: { properties?: Record<string, unknown> } }).requestedSchema;
  const content: Record<string, string | number | boolean> = {};
  for (const key of Object.keys(schema?.properties ?? {})) {
    const v = FORM_VALUES[key];
    if (v !== undefined) content[key] = v;
  }
  return { action: 'accept', content };
}

interface Session {
  client: Client;
  pid: number | null;
  tap: WireTap;
}

async function connect(mode: VersionNegotiationMode, capabilities: ClientCapabilities, setup?: (c: Client) => void, extra: Partial<ClientOptions> = {}): Promise<Session> {
  const transport = new StdioClientTransport({ command: process.execPath, args: SERVE_ARGS, stderr: 'inherit' });
  const client = new Client({ name: 'velomcp-interop-v2', version: '1.0.0' }, { capabilities, versionNegotiation: { mode }, ...extra });
  setup?.(client);
  await withTimeout(client.connect(transport, { timeout: CONNECT_TIMEOUT_MS }), CONNECT_TIMEOUT_MS + 1000, 'connect');
  return { client, pid: transport.pid, tap: new WireTap(transport) };
}

async function disconnect(s: Session | undefined): Promise<void> {
  if (!s) return;
  try {
    await withTimeout(s.client.close(), 5000, 'client.close()');
  } finally {
    reap(s.pid);
  }
}

const VARIANTS: { label: string; mode: VersionNegotiationMode }[] = [
  { label: 'auto', mode: 'auto' },
  { label: 'pinned to 2026-07-28', mode: { pin: '2026-07-28' } },
];

for (const { label, mode } of VARIANTS) {
  describe(`official SDK v2 client over stdio, version negotiation ${label}`, { timeout: 90_000 }, () => {
    let s: Session;
    const sampling: CreateMessageRequest['params'][] = [];
    const elicitations: ElicitRequest['params'][] = [];
    let rootsCalls = 0;
    const logs: { level: string; data: unknown }[] = [];

    before(async () => {
      s = await connect(mode, { sampling: {}, elicitation: { form: {} }, roots: {} }, (client) => {
        client.setRequestHandler('sampling/createMessage', (request) => {
          sampling.push(request.params);
          const last = request.params.messages.at(-1);
          const prompt = last && !Array.isArray(last.content) && last.content.type === 'text' ? last.content.text : '';
          return { role: 'assistant', content: { type: 'text', text: `echo: ${prompt}` }, model: 'interop-model', stopReason: 'endTurn' };
        });
        client.setRequestHandler('elicitation/create', (request) => {
          elicitations.push(request.params);
          return acceptRequested(request.params);
        });
        client.setRequestHandler('roots/list', () => {
          rootsCalls++;
          return { roots: [{ uri: 'file:///work/project', name: 'Project' }] };
        });
        client.setNotificationHandler('notifications/message', (n) => {
          logs.push(n.params);
        });
      });
    });

    after(() => disconnect(s));

    test('the client negotiates the 2026-07-28 era from server/discover', async () => {
      assert.equal(s.client.getProtocolEra(), 'modern');
      assert.equal(s.client.getNegotiatedProtocolVersion(), '2026-07-28');
      assert.equal(s.client.getServerVersion()?.name, 'velomcp-everything');
      const discover = s.client.getDiscoverResult();
      assert.ok(discover);
      assert.ok(discover.supportedVersions.includes('2026-07-28') && discover.supportedVersions.includes('2025-11-25'));
      assert.deepEqual(discover.capabilities.tools, { listChanged: true });
      assert.deepEqual(discover.capabilities.resources, { subscribe: true, listChanged: true });
      assert.ok(discover.capabilities.prompts && discover.capabilities.completions);
      // An explicit discover works too and carries the cache hints.
      const mark = s.tap.mark();
      await s.client.discover(OPTS);
      const wire = s.tap.since(mark).find((m) => m.result?.supportedVersions);
      assert.equal(wire?.result?.resultType, 'complete');
      assert.equal(typeof wire?.result?.ttlMs, 'number');
      assert.ok(wire?.result?.cacheScope === 'public' || wire?.result?.cacheScope === 'private');
    });

    test('tools/list has every conformance tool; the 2020-12 schema comes back verbatim; results carry resultType and cache hints', async () => {
      const mark = s.tap.mark();
      const { tools } = await s.client.listTools(undefined, { ...OPTS, cacheMode: 'refresh' });
      const names = tools.map((t) => t.name);
      for (const name of CONFORMANCE_TOOLS) assert.ok(names.includes(name), `missing tool ${name}`);
      for (const tool of tools) assert.ok(tool.description, `${tool.name} has no description`);
      assert.deepEqual(tools.find((t) => t.name === 'json_schema_2020_12_tool')?.inputSchema, JSON_SCHEMA_2020_12_INPUT_SCHEMA);
      const wire = s.tap.since(mark).find((m) => Array.isArray(m.result?.tools));
      assert.equal(wire?.result?.resultType, 'complete');
      assert.equal(typeof wire?.result?.ttlMs, 'number');
      assert.ok(wire?.result?._meta?.['io.modelcontextprotocol/serverInfo']);
    });

    test('tools/call returns text, image, audio, embedded-resource and mixed content', async () => {
      assert.equal(textOf(await s.client.callTool({ name: 'test_simple_text' }, OPTS)), 'This is a simple text response for testing.');
      const image = (await s.client.callTool({ name: 'test_image_content', arguments: {} }, OPTS)).content[0] as { type: string; data: string; mimeType: string };
      assert.equal(image.type, 'image');
      assert.deepEqual(Buffer.from(image.data, 'base64').subarray(0, 8), PNG_SIGNATURE);
      const audio = (await s.client.callTool({ name: 'test_audio_content', arguments: {} }, OPTS)).content[0] as { type: string; data: string; mimeType: string };
      assert.equal(audio.mimeType, 'audio/wav');
      assert.equal(Buffer.from(audio.data, 'base64').toString('ascii', 0, 4), 'RIFF');
      const embedded = (await s.client.callTool({ name: 'test_embedded_resource', arguments: {} }, OPTS)).content[0] as { type: string; resource: { uri: string } };
      assert.equal(embedded.resource.uri, 'test://embedded-resource');
      const mixed = await s.client.callTool({ name: 'test_multiple_content_types', arguments: {} }, OPTS);
      assert.deepEqual(
        mixed.content.map((c) => c.type),
        ['text', 'image', 'resource'],
      );
      const failing = await s.client.callTool({ name: 'test_error_handling', arguments: {} }, OPTS);
      assert.equal(failing.isError, true);
      assert.equal(textOf(failing), 'This tool intentionally returns an error for testing');
      const structured = await s.client.callTool({ name: 'test_structured_output', arguments: { a: 20, b: 22 } }, OPTS);
      assert.deepEqual(structured.structuredContent, { sum: 42 });
    });

    test('arguments that fail the input schema give an isError result; an unknown tool is -32602', async () => {
      const missing = await s.client.callTool({ name: 'test_sampling', arguments: {} }, OPTS);
      assert.equal(missing.isError, true);
      assert.match(textOf(missing), /Input validation error: .*prompt/);
      const schema = await s.client.callTool({ name: 'json_schema_2020_12_tool', arguments: { name: 'x', extra: 1 } }, OPTS);
      assert.equal(schema.isError, true);
      assert.match(textOf(schema), /Input validation error/);
      await assert.rejects(s.client.callTool({ name: 'no_such_tool', arguments: {} }, OPTS), (err: unknown) => {
        assert.ok(err instanceof ProtocolError);
        assert.equal(err.code, -32602);
        return true;
      });
    });

    test('resources and templates: list, read text, binary and template; an unknown URI is -32602 with data.uri', async () => {
      const { resources } = await s.client.listResources(undefined, OPTS);
      for (const uri of CONFORMANCE_RESOURCES) assert.ok(resources.some((r) => r.uri === uri), `missing resource ${uri}`);
      const { resourceTemplates } = await s.client.listResourceTemplates(undefined, OPTS);
      assert.ok(resourceTemplates.some((t) => t.uriTemplate === 'test://template/{id}/data'));

      const mark = s.tap.mark();
      const text = await s.client.readResource({ uri: 'test://static-text' }, { ...OPTS, cacheMode: 'refresh' });
      assert.equal((text.contents[0] as { text: string }).text, 'This is the content of the static text resource.');
      const wire = s.tap.since(mark).find((m) => Array.isArray(m.result?.contents));
      assert.equal(wire?.result?.resultType, 'complete');
      assert.equal(typeof wire?.result?.ttlMs, 'number');

      const bin = await s.client.readResource({ uri: 'test://static-binary' }, OPTS);
      assert.deepEqual(Buffer.from((bin.contents[0] as { blob: string }).blob, 'base64').subarray(0, 8), PNG_SIGNATURE);
      const tmpl = await s.client.readResource({ uri: 'test://template/123/data' }, OPTS);
      assert.deepEqual(JSON.parse((tmpl.contents[0] as { text: string }).text), { id: '123', templateTest: true, data: 'Data for ID: 123' });

      await assert.rejects(s.client.readResource({ uri: 'test://nonexistent-resource-for-conformance-testing' }, OPTS), (err: unknown) => {
        assert.ok(err instanceof ProtocolError);
        assert.equal(err.code, -32602);
        assert.deepEqual(err.data, { uri: 'test://nonexistent-resource-for-conformance-testing' });
        return true;
      });
    });

    test('prompts: list and get (simple, arguments, embedded resource, image); a missing argument is -32602', async () => {
      const { prompts } = await s.client.listPrompts(undefined, OPTS);
      for (const name of CONFORMANCE_PROMPTS) assert.ok(prompts.some((p) => p.name === name), `missing prompt ${name}`);
      const simple = await s.client.getPrompt({ name: 'test_simple_prompt' }, OPTS);
      assert.deepEqual(simple.messages, [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }]);
      const args = await s.client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'testValue1', arg2: 'testValue2' } }, OPTS);
      assert.equal((args.messages[0]?.content as { text: string }).text, "Prompt with arguments: arg1='testValue1', arg2='testValue2'");
      const embedded = await s.client.getPrompt({ name: 'test_prompt_with_embedded_resource', arguments: { resourceUri: 'test://example-resource' } }, OPTS);
      assert.equal((embedded.messages[0]?.content as { resource: { uri: string } }).resource.uri, 'test://example-resource');
      const image = await s.client.getPrompt({ name: 'test_prompt_with_image' }, OPTS);
      assert.equal(image.messages[0]?.content.type, 'image');
      await assert.rejects(s.client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg2: 'x' } }, OPTS), (err: unknown) => {
        assert.ok(err instanceof ProtocolError);
        assert.equal(err.code, -32602);
        return true;
      });
    });

    test('completion/complete suggests arg1 values and template ids', async () => {
      const r = await s.client.complete({ ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' }, argument: { name: 'arg1', value: 'te' } }, OPTS);
      assert.deepEqual(r.completion.values, ['test', 'testing', 'tester']);
      const t = await s.client.complete({ ref: { type: 'ref/resource', uri: 'test://template/{id}/data' }, argument: { name: 'id', value: '' } }, OPTS);
      assert.deepEqual(t.completion.values, ['123', '456', '789']);
    });

    test('progress: 0, 50 and 100 of 100 on the request token, before the result', async () => {
      const seen: number[] = [];
      const mark = s.tap.mark();
      await s.client.callTool({ name: 'test_tool_with_progress', arguments: {} }, { ...OPTS, onprogress: (p) => seen.push(p.progress) });
      const wire = s.tap.since(mark);
      const progress = wire.filter((m) => m.method === 'notifications/progress');
      assert.deepEqual(
        progress.map((m) => m.params?.progress),
        [0, 50, 100],
      );
      const resultAt = wire.findIndex((m) => m.result !== undefined);
      assert.ok(wire.findLastIndex((m) => m.method === 'notifications/progress') < resultAt);
      // The last one may reach onprogress after the call settled (typescript-sdk #2580).
      assert.deepEqual(seen.slice(0, 2), [0, 50]);
    });

    test('aborting a slow call cancels it on the server, which keeps serving', async () => {
      const controller = new AbortController();
      let progressed = false;
      const before = (await s.client.callTool({ name: 'test_cancellation_report', arguments: {} }, OPTS)).structuredContent as { cancelled: unknown[] };
      const call = s.client.callTool(
        { name: 'test_slow_operation', arguments: { durationMs: 20_000 } },
        {
          ...OPTS,
          signal: controller.signal,
          onprogress: () => {
            if (!progressed) {
              progressed = true;
              controller.abort(new Error('interop test gave up'));
            }
          },
        },
      );
      await assert.rejects(call);
      const report = await eventually(
        async () => {
          const r = (await s.client.callTool({ name: 'test_cancellation_report', arguments: {} }, OPTS)).structuredContent as {
            completed: number;
            cancelled: { requestId: number; reason: string }[];
          };
          return r.cancelled.length > before.cancelled.length ? r : undefined;
        },
        3000,
        'the server to observe the cancellation',
      );
      assert.equal(report.completed, 0);
      assert.match(report.cancelled.at(-1)?.reason ?? '', /interop test gave up/);
      assert.equal(textOf(await s.client.callTool({ name: 'test_simple_text', arguments: {} }, OPTS)), 'This is a simple text response for testing.');
    });

    test('MRTR: the client answers input_required results through its handlers and retries to the final result', async () => {
      sampling.length = 0;
      elicitations.length = 0;
      const roots = rootsCalls;
      const mark = s.tap.mark();
      const call = async (name: string, args: Record<string, unknown> = {}) => textOf(await s.client.callTool({ name, arguments: args }, OPTS));

      assert.equal(await call('test_sampling', { prompt: 'Test prompt for sampling' }), 'LLM response: echo: Test prompt for sampling');
      assert.equal(await call('test_elicitation', { message: 'Please provide your information' }), 'User response: action=accept, content={"username":"alice","email":"alice@example.com"}');
      assert.equal(await call('test_input_required_result_elicitation'), 'Hello, Alice!');
      assert.equal(await call('test_input_required_result_sampling'), 'Sampling response: echo: What is the capital of France?');
      assert.equal(await call('test_input_required_result_list_roots'), 'Client roots: file:///work/project (Project)');
      assert.match(await call('test_input_required_result_request_state'), /^state-ok: .* confirmed=true \(accept\)$/);
      assert.equal(await call('test_input_required_result_multiple_inputs'), 'Received all inputs: name=Alice, greeting=echo: Generate a greeting, roots=file:///work/project (Project)');
      assert.equal(await call('test_input_required_result_multi_round'), 'Multi-round complete: name=Alice, color=blue');
      assert.equal(await call('test_input_required_result_tampered_state'), 'integrity-ok: state verified');
      assert.equal(await call('test_input_required_result_capabilities'), 'capabilities-ok: received elicit_input,sample_input');
      assert.match(await call('test_elicitation_sep1034_defaults'), /^Elicitation completed: action=accept/);
      assert.match(await call('test_elicitation_sep1330_enums'), /^Elicitation completed: action=accept/);
      assert.match(await call('test_streaming_elicitation'), /^Streaming complete: action=accept, content=\{"proceed":true\}$/);
      assert.match(await call('test_missing_capability'), /^Success: the client can sample/);
      const prompt = await s.client.getPrompt({ name: 'test_input_required_result_prompt' }, OPTS);
      assert.equal((prompt.messages[0]?.content as { text: string }).text, 'Prompt context: test context');

      assert.deepEqual(
        sampling.map((p) => (p.messages[0]?.content as { text: string }).text),
        ['Test prompt for sampling', 'What is the capital of France?', 'Generate a greeting', 'Sample request', 'Reply with any text'],
      );
      assert.equal(elicitations.length, 12);
      assert.equal(rootsCalls - roots, 2);

      const wire = s.tap.since(mark);
      assert.equal(s.tap.requestsSince(mark).length, 0, 'no server→client requests in the 2026-07-28 era');
      const interim = wire.filter((m) => m.result?.resultType === 'input_required');
      assert.equal(interim.length, 16, 'one input_required per round (multi-round has two)');
      for (const m of interim) {
        assert.equal(typeof m.result?.requestState, 'string');
        assert.ok(!('ttlMs' in (m.result ?? {})), 'interim results carry no cache hints');
      }
      const multi = interim.find((m) => m.result?.inputRequests?.greeting);
      assert.deepEqual(Object.keys(multi?.result?.inputRequests ?? {}).sort(), ['client_roots', 'greeting', 'user_name']);
    });

    test('logging: notifications/message only when the request carries a logLevel that admits it', async () => {
      logs.length = 0;
      let mark = s.tap.mark();
      await s.client.callTool({ name: 'test_tool_with_logging', arguments: {} }, OPTS);
      await s.client.callTool({ name: 'test_logging_tool', arguments: {} }, OPTS);
      assert.equal(s.tap.notificationsSince(mark, 'notifications/message').length, 0, 'no logLevel, no logs');

      mark = s.tap.mark();
      await s.client.callTool({ name: 'test_tool_with_logging', arguments: {}, _meta: { [LOG_LEVEL_META_KEY]: 'warning' } }, OPTS);
      assert.equal(s.tap.notificationsSince(mark, 'notifications/message').length, 0, 'warning hides info');

      await s.client.callTool({ name: 'test_tool_with_logging', arguments: {}, _meta: { [LOG_LEVEL_META_KEY]: 'info' } }, OPTS);
      await eventually(() => (logs.length >= 3 ? true : undefined), 3000, 'three log notifications');
      assert.deepEqual(
        logs.map((l) => l.data),
        ['Tool execution started', 'Tool processing data', 'Tool execution completed'],
      );
    });

    test('subscriptions/listen: acknowledged filter, tagged list_changed after test_trigger_tool_change, filtering, resource updates', async () => {
      const toolsChanged: unknown[] = [];
      const promptsChanged: unknown[] = [];
      const updated: unknown[] = [];
      s.client.setNotificationHandler('notifications/tools/list_changed', (n) => {
        toolsChanged.push(n.params);
      });
      s.client.setNotificationHandler('notifications/prompts/list_changed', (n) => {
        promptsChanged.push(n.params);
      });
      s.client.setNotificationHandler('notifications/resources/updated', (n) => {
        updated.push(n.params);
      });
      const before = (await s.client.listTools(undefined, OPTS)).tools.some((t) => t.name === 'test_dynamic_tool');

      const mark = s.tap.mark();
      const tools = await s.client.listen({ toolsListChanged: true, resourceSubscriptions: ['test://watched-resource'] }, OPTS);
      const prompts = await s.client.listen({ promptsListChanged: true }, OPTS);
      try {
        assert.deepEqual(tools.honoredFilter, { toolsListChanged: true, resourceSubscriptions: ['test://watched-resource'] });
        assert.deepEqual(prompts.honoredFilter, { promptsListChanged: true });

        await s.client.callTool({ name: 'test_trigger_tool_change', arguments: {} }, OPTS);
        await eventually(() => (toolsChanged.length > 0 ? true : undefined), 3000, 'notifications/tools/list_changed');
        // The cached tools/list was evicted by list_changed: the default cache mode sees the change.
        const after = (await s.client.listTools(undefined, OPTS)).tools.some((t) => t.name === 'test_dynamic_tool');
        assert.equal(after, !before);

        await s.client.callTool({ name: 'test_trigger_resource_update', arguments: {} }, OPTS);
        await eventually(() => (updated.length > 0 ? true : undefined), 3000, 'notifications/resources/updated');

        // Every listen notification is tagged with its subscription; the prompts-only stream saw no tools change.
        const acks = s.tap.notificationsSince(mark, 'notifications/subscriptions/acknowledged');
        assert.equal(acks.length, 2);
        const [toolsSub, promptsSub] = acks.map((a) => a.params?._meta?.[SUBSCRIPTION_ID_META_KEY]);
        const changes = s.tap.notificationsSince(mark, 'notifications/tools/list_changed');
        assert.equal(changes.length, 1);
        assert.equal(changes[0]?.params?._meta?.[SUBSCRIPTION_ID_META_KEY], toolsSub);
        assert.notEqual(toolsSub, promptsSub);
        const upd = s.tap.notificationsSince(mark, 'notifications/resources/updated');
        assert.deepEqual(upd[0]?.params, { uri: 'test://watched-resource', _meta: { [SUBSCRIPTION_ID_META_KEY]: toolsSub } });
        assert.equal(promptsChanged.length, 0);

        await s.client.callTool({ name: 'test_trigger_prompt_change', arguments: {} }, OPTS);
        await eventually(() => (promptsChanged.length > 0 ? true : undefined), 3000, 'notifications/prompts/list_changed');
        assert.equal(s.tap.notificationsSince(mark, 'notifications/prompts/list_changed')[0]?.params?._meta?.[SUBSCRIPTION_ID_META_KEY], promptsSub);
      } finally {
        await tools.close();
        await prompts.close();
      }
      assert.equal(await withTimeout(tools.closed, 3000, 'subscription closed'), 'local');
      // Restore the lists for the other variant's assumptions (each variant has its own process anyway).
      await s.client.callTool({ name: 'test_trigger_tool_change', arguments: {} }, OPTS);
      await s.client.callTool({ name: 'test_trigger_prompt_change', arguments: {} }, OPTS);
    });

    test('a client without sampling gets MissingRequiredClientCapabilityError (-32021, requiredCapabilities {sampling: {}})', async () => {
      const bare = await connect(mode, {});
      try {
        await assert.rejects(bare.client.callTool({ name: 'test_missing_capability', arguments: {} }, OPTS), (err: unknown) => {
          assert.ok(err instanceof ProtocolError);
          assert.equal(err.code, -32021);
          assert.deepEqual((err.data as { requiredCapabilities?: unknown }).requiredCapabilities, { sampling: {} });
          return true;
        });
        // The capability-aware tool asks for nothing when nothing is declared.
        assert.equal(textOf(await bare.client.callTool({ name: 'test_input_required_result_capabilities', arguments: {} }, OPTS)), 'No supported capabilities declared');
      } finally {
        await disconnect(bare);
      }
    });
  });
}

describe('official SDK v2 client: ClientOptions.listChanged on a 2026-07-28 connection', { timeout: 30_000 }, () => {
  let s: Session;
  const refreshed: string[][] = [];
  before(async () => {
    s = await connect('auto', {}, undefined, {
      listChanged: { tools: { debounceMs: 0, onChanged: (error, tools) => void (error ? refreshed.push([`error: ${String(error)}`]) : refreshed.push((tools ?? []).map((t) => t.name))) } },
    });
  });
  after(async () => {
    await s?.client.autoOpenedSubscription?.close();
    await disconnect(s);
  });

  test('the auto-opened subscription refreshes the tool list after test_trigger_tool_change', async () => {
    assert.ok(s.client.autoOpenedSubscription, 'the client opened subscriptions/listen itself');
    await s.client.callTool({ name: 'test_trigger_tool_change', arguments: {} }, OPTS);
    const names = await eventually(() => refreshed.at(-1), 3000, 'the refreshed tool list');
    assert.ok(names.includes('test_dynamic_tool'), `refreshed list: ${names.join(', ')}`);
  });
});

describe('official SDK v2 client in legacy mode (initialize)', { timeout: 30_000 }, () => {
  let s: Session;
  let elicited = 0;
  before(async () => {
    s = await connect('legacy', { elicitation: {}, sampling: {} }, (client) => {
      client.setRequestHandler('elicitation/create', (request) => {
        elicited++;
        return acceptRequested(request.params);
      });
      client.setRequestHandler('sampling/createMessage', () => ({ role: 'assistant', content: { type: 'text', text: 'Paris' }, model: 'm' }));
    });
  });
  after(() => disconnect(s));

  test('the same server answers the legacy era: no resultType, and input arrives as real requests', async () => {
    assert.equal(s.client.getProtocolEra(), 'legacy');
    const mark = s.tap.mark();
    assert.equal(textOf(await s.client.callTool({ name: 'test_input_required_result_multi_round', arguments: {} }, OPTS)), 'Multi-round complete: name=Alice, color=blue');
    assert.equal(textOf(await s.client.callTool({ name: 'test_input_required_result_sampling', arguments: {} }, OPTS)), 'Sampling response: Paris');
    assert.equal(elicited, 2);
    assert.deepEqual(
      s.tap.requestsSince(mark).map((m) => m.method),
      ['elicitation/create', 'elicitation/create', 'sampling/createMessage'],
    );
    assert.ok(!s.tap.since(mark).some((m) => m.result && 'resultType' in m.result));
  });
});
