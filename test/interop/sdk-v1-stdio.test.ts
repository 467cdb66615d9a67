/**
 * Interop: the official MCP TypeScript SDK v1 client (`@modelcontextprotocol/sdk`, legacy era only:
 * `initialize`, 2025-11-25) against the reference server served by `velomcp serve` over stdio.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  McpError,
  PromptListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
  type ClientCapabilities,
  type CreateMessageRequest,
  type ElicitRequest,
  type ElicitResult,
} from '@modelcontextprotocol/sdk/types.js';
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

/** Canned form answers by property name; only the properties a request asks for are returned. */
const FORM_VALUES: Record<string, unknown> = {
  name: 'Alice',
  username: 'alice',
  email: 'alice@example.com',
  context: 'test context',
  color: 'blue',
  ok: true,
  value: 'v',
  proceed: true,
};

function acceptRequested(request: ElicitRequest): ElicitResult {
  const schema = (request.params as { requestedSchema?: { properties?: Record<string, unknown> } }).requestedSchema;
  const content: Record<string, string | number | boolean> = {};
  for (const key of Object.keys(schema?.properties ?? {})) {
    const v = FORM_VALUES[key];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') content[key] = v;
  }
  return { action: 'accept', content };
}

interface Session {
  client: Client;
  transport: StdioClientTransport;
  pid: number | null;
  tap: WireTap;
}

async function connect(capabilities: ClientCapabilities, setup?: (c: Client) => void): Promise<Session> {
  const transport = new StdioClientTransport({ command: process.execPath, args: SERVE_ARGS, stderr: 'inherit' });
  const client = new Client({ name: 'velomcp-interop-v1', version: '1.0.0' }, { capabilities });
  setup?.(client);
  await withTimeout(client.connect(transport, OPTS), REQUEST_TIMEOUT_MS, 'initialize');
  return { client, transport, pid: transport.pid, tap: new WireTap(transport) };
}

async function disconnect(s: Session | undefined): Promise<void> {
  if (!s) return;
  try {
    await withTimeout(s.client.close(), 5000, 'client.close()');
  } finally {
    reap(s.pid);
  }
}

describe('official SDK v1 client over stdio (legacy session)', { timeout: 60_000 }, () => {
  let s: Session;
  const sampling: CreateMessageRequest['params'][] = [];
  const elicitations: ElicitRequest['params'][] = [];
  let rootsCalls = 0;
  let elicitAnswer: (r: ElicitRequest) => ElicitResult = acceptRequested;
  const logs: { level: string; data: unknown; logger?: string | undefined }[] = [];

  before(async () => {
    s = await connect({ sampling: {}, elicitation: {}, roots: { listChanged: true } }, (client) => {
      client.setRequestHandler(CreateMessageRequestSchema, (request) => {
        sampling.push(request.params);
        const last = request.params.messages.at(-1);
        const prompt = last && !Array.isArray(last.content) && last.content.type === 'text' ? last.content.text : '';
        return { role: 'assistant', content: { type: 'text', text: `echo: ${prompt}` }, model: 'interop-model', stopReason: 'endTurn' };
      });
      client.setRequestHandler(ElicitRequestSchema, (request) => {
        elicitations.push(request.params);
        return elicitAnswer(request);
      });
      client.setRequestHandler(ListRootsRequestSchema, () => {
        rootsCalls++;
        return { roots: [{ uri: 'file:///work/project', name: 'Project' }] };
      });
      client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
        logs.push(n.params);
      });
    });
  });

  after(() => disconnect(s));

  test('initialize negotiates 2025-11-25 and reports the server identity, instructions and capabilities', () => {
    assert.equal(s.client.getServerVersion()?.name, 'velomcp-everything');
    assert.match(s.client.getInstructions() ?? '', /conformance/);
    const caps = s.client.getServerCapabilities();
    assert.deepEqual(caps?.tools, { listChanged: true });
    assert.deepEqual(caps?.prompts, { listChanged: true });
    assert.deepEqual(caps?.resources, { subscribe: true, listChanged: true });
    assert.ok(caps?.logging && caps.completions);
  });

  test('ping answers an empty result', async () => {
    assert.deepEqual(await s.client.ping(OPTS), {});
  });

  test('tools/list has every conformance tool, each with a description and an object inputSchema', async () => {
    const { tools } = await s.client.listTools(undefined, OPTS);
    const names = tools.map((t) => t.name);
    for (const name of CONFORMANCE_TOOLS) assert.ok(names.includes(name), `missing tool ${name}`);
    for (const tool of tools) {
      assert.ok(tool.description, `${tool.name} has no description`);
      assert.equal(tool.inputSchema.type, 'object');
      assert.match(tool.name, /^[A-Za-z0-9_./-]{1,64}$/);
    }
  });

  test('json_schema_2020_12_tool advertises its 2020-12 input schema verbatim', async () => {
    const { tools } = await s.client.listTools(undefined, OPTS);
    const tool = tools.find((t) => t.name === 'json_schema_2020_12_tool');
    assert.deepEqual(tool?.inputSchema, JSON_SCHEMA_2020_12_INPUT_SCHEMA);
  });

  test('tools/call returns text, image, audio, embedded-resource and mixed content', async () => {
    const simple = await s.client.callTool({ name: 'test_simple_text' }, undefined, OPTS);
    assert.equal(textOf(simple), 'This is a simple text response for testing.');

    const image = await s.client.callTool({ name: 'test_image_content', arguments: {} }, undefined, OPTS);
    const img = (image.content as any[])[0];
    assert.equal(img.type, 'image');
    assert.equal(img.mimeType, 'image/png');
    assert.deepEqual(Buffer.from(img.data, 'base64').subarray(0, 8), PNG_SIGNATURE);

    const audio = await s.client.callTool({ name: 'test_audio_content', arguments: {} }, undefined, OPTS);
    const wav = (audio.content as any[])[0];
    assert.equal(wav.type, 'audio');
    assert.equal(wav.mimeType, 'audio/wav');
    const bytes = Buffer.from(wav.data, 'base64');
    assert.equal(bytes.toString('ascii', 0, 4), 'RIFF');
    assert.equal(bytes.toString('ascii', 8, 12), 'WAVE');

    const embedded = await s.client.callTool({ name: 'test_embedded_resource', arguments: {} }, undefined, OPTS);
    assert.deepEqual((embedded.content as any[])[0], {
      type: 'resource',
      resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' },
    });

    const mixed = await s.client.callTool({ name: 'test_multiple_content_types', arguments: {} }, undefined, OPTS);
    assert.deepEqual(
      (mixed.content as any[]).map((c) => c.type),
      ['text', 'image', 'resource'],
    );
    assert.deepEqual(JSON.parse((mixed.content as any[])[2].resource.text), { test: 'data', value: 123 });

    // Over stdio there is no SSE stream to close: test_reconnection simply answers.
    const reconnection = await s.client.callTool({ name: 'test_reconnection', arguments: {} }, undefined, OPTS);
    assert.match(textOf(reconnection), /^Reconnection test completed successfully/);
  });

  test('a failing tool comes back as isError with its message, not as a JSON-RPC error', async () => {
    const r = await s.client.callTool({ name: 'test_error_handling', arguments: {} }, undefined, OPTS);
    assert.equal(r.isError, true);
    assert.equal(textOf(r), 'This tool intentionally returns an error for testing');
  });

  test('arguments that fail the input schema give an isError result naming the problem', async () => {
    const missing = await s.client.callTool({ name: 'test_sampling', arguments: {} }, undefined, OPTS);
    assert.equal(missing.isError, true);
    assert.match(textOf(missing), /Input validation error: .*prompt/);

    const wrongType = await s.client.callTool({ name: 'test_structured_output', arguments: { a: 1, b: 'two' } }, undefined, OPTS);
    assert.equal(wrongType.isError, true);
    assert.match(textOf(wrongType), /Input validation error: .*\bb: .*number/);

    // The 2020-12 schema's anyOf/if-then-else is enforced, not just advertised.
    const schema = await s.client.callTool({ name: 'json_schema_2020_12_tool', arguments: { contactMethod: 'phone', email: 'a@b.c' } }, undefined, OPTS);
    assert.equal(schema.isError, true);
    assert.match(textOf(schema), /phone/);
    const ok = await s.client.callTool({ name: 'json_schema_2020_12_tool', arguments: { contactMethod: 'phone', phone: '555' } }, undefined, OPTS);
    assert.equal(ok.isError, undefined);
    assert.match(textOf(ok), /"phone":"555"/);
  });

  test('an unknown tool is a JSON-RPC -32602 error', async () => {
    await assert.rejects(s.client.callTool({ name: 'no_such_tool', arguments: {} }, undefined, OPTS), (err: unknown) => {
      assert.ok(err instanceof McpError);
      assert.equal(err.code, -32602);
      assert.match(err.message, /no_such_tool/);
      return true;
    });
  });

  test('structuredContent matches the advertised output schema (the client validates it)', async () => {
    const r = await s.client.callTool({ name: 'test_structured_output', arguments: { a: 2, b: 40 } }, undefined, OPTS);
    assert.deepEqual(r.structuredContent, { sum: 42 });
    assert.equal(textOf(r), '42');
  });

  test('resources: list, read text and binary, read through the template; an unknown URI is -32002 with data.uri', async () => {
    const { resources } = await s.client.listResources(undefined, OPTS);
    for (const uri of CONFORMANCE_RESOURCES) assert.ok(resources.some((r) => r.uri === uri && r.name), `missing resource ${uri}`);
    const { resourceTemplates } = await s.client.listResourceTemplates(undefined, OPTS);
    assert.ok(resourceTemplates.some((t) => t.uriTemplate === 'test://template/{id}/data'));

    const textRes = await s.client.readResource({ uri: 'test://static-text' }, OPTS);
    assert.deepEqual(textRes.contents, [{ uri: 'test://static-text', mimeType: 'text/plain', text: 'This is the content of the static text resource.' }]);

    const bin = await s.client.readResource({ uri: 'test://static-binary' }, OPTS);
    const blob = bin.contents[0] as { blob?: string; mimeType?: string };
    assert.equal(blob.mimeType, 'image/png');
    assert.deepEqual(Buffer.from(blob.blob ?? '', 'base64').subarray(0, 8), PNG_SIGNATURE);

    const tmpl = await s.client.readResource({ uri: 'test://template/123/data' }, OPTS);
    const content = tmpl.contents[0] as { uri: string; text: string };
    assert.equal(content.uri, 'test://template/123/data');
    assert.deepEqual(JSON.parse(content.text), { id: '123', templateTest: true, data: 'Data for ID: 123' });

    await assert.rejects(s.client.readResource({ uri: 'test://nonexistent-resource-for-conformance-testing' }, OPTS), (err: unknown) => {
      assert.ok(err instanceof McpError);
      assert.equal(err.code, -32002);
      assert.deepEqual(err.data, { uri: 'test://nonexistent-resource-for-conformance-testing' });
      return true;
    });
  });

  test('resources/subscribe delivers notifications/resources/updated until unsubscribed', async () => {
    const updates: string[] = [];
    s.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updates.push(n.params.uri);
    });
    const before = (await s.client.readResource({ uri: 'test://watched-resource' }, OPTS)).contents[0] as { text: string };

    assert.deepEqual(await s.client.subscribeResource({ uri: 'test://watched-resource' }, OPTS), {});
    await s.client.callTool({ name: 'test_trigger_resource_update', arguments: {} }, undefined, OPTS);
    await eventually(() => (updates.length > 0 ? true : undefined), 3000, 'notifications/resources/updated');
    assert.deepEqual(updates, ['test://watched-resource']);
    const afterUpdate = (await s.client.readResource({ uri: 'test://watched-resource' }, OPTS)).contents[0] as { text: string };
    assert.notEqual(afterUpdate.text, before.text);

    assert.deepEqual(await s.client.unsubscribeResource({ uri: 'test://watched-resource' }, OPTS), {});
    const mark = s.tap.mark();
    await s.client.callTool({ name: 'test_trigger_resource_update', arguments: {} }, undefined, OPTS);
    await s.client.ping(OPTS); // anything sent for the trigger precedes this response
    assert.equal(s.tap.notificationsSince(mark, 'notifications/resources/updated').length, 0);
    assert.equal(updates.length, 1);
  });

  test('prompts: simple, with arguments, embedded resource, image; a missing required argument is -32602', async () => {
    const { prompts } = await s.client.listPrompts(undefined, OPTS);
    for (const name of CONFORMANCE_PROMPTS) assert.ok(prompts.some((p) => p.name === name && p.description), `missing prompt ${name}`);
    const withArgs = prompts.find((p) => p.name === 'test_prompt_with_arguments');
    assert.deepEqual(
      withArgs?.arguments?.map((a) => [a.name, a.required]),
      [
        ['arg1', true],
        ['arg2', true],
      ],
    );

    const simple = await s.client.getPrompt({ name: 'test_simple_prompt' }, OPTS);
    assert.deepEqual(simple.messages, [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }]);

    const args = await s.client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'testValue1', arg2: 'testValue2' } }, OPTS);
    assert.equal((args.messages[0]?.content as { text: string }).text, "Prompt with arguments: arg1='testValue1', arg2='testValue2'");

    const embedded = await s.client.getPrompt({ name: 'test_prompt_with_embedded_resource', arguments: { resourceUri: 'test://example-resource' } }, OPTS);
    const res = embedded.messages[0]?.content as { type: string; resource: { uri: string; text: string } };
    assert.equal(res.type, 'resource');
    assert.equal(res.resource.uri, 'test://example-resource');

    const image = await s.client.getPrompt({ name: 'test_prompt_with_image' }, OPTS);
    const img = image.messages[0]?.content as { type: string; mimeType: string; data: string };
    assert.equal(img.type, 'image');
    assert.equal(img.mimeType, 'image/png');
    assert.deepEqual(Buffer.from(img.data, 'base64').subarray(0, 8), PNG_SIGNATURE);

    await assert.rejects(s.client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'only one' } }, OPTS), (err: unknown) => {
      assert.ok(err instanceof McpError);
      assert.equal(err.code, -32602);
      assert.match(err.message, /arg2/);
      return true;
    });
  });

  test('completion/complete suggests values for test_prompt_with_arguments arg1 and the template id', async () => {
    const prompt = await s.client.complete({ ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' }, argument: { name: 'arg1', value: 'pa' } }, OPTS);
    assert.deepEqual(prompt.completion, { values: ['paris', 'park', 'party'], total: 3, hasMore: false });
    const conformanceProbe = await s.client.complete({ ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' }, argument: { name: 'arg1', value: 'test' } }, OPTS);
    assert.ok(Array.isArray(conformanceProbe.completion.values));
    const template = await s.client.complete({ ref: { type: 'ref/resource', uri: 'test://template/{id}/data' }, argument: { name: 'id', value: '4' } }, OPTS);
    assert.deepEqual(template.completion.values, ['456']);
  });

  test('progress: 0, 50 and 100 of 100 on the request token, all sent before the result', async () => {
    const seen: number[] = [];
    const mark = s.tap.mark();
    const r = await s.client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined, { ...OPTS, onprogress: (p) => seen.push(p.progress) });
    assert.match(textOf(r), /Progress test completed for token/);
    const wire = s.tap.since(mark);
    const progress = wire.filter((m) => m.method === 'notifications/progress').map((m) => m.params);
    assert.deepEqual(
      progress.map((p) => [p?.progress, p?.total]),
      [
        [0, 100],
        [50, 100],
        [100, 100],
      ],
    );
    assert.equal(new Set(progress.map((p) => JSON.stringify(p?.progressToken))).size, 1);
    const resultIndex = wire.findIndex((m) => m.result !== undefined && Array.isArray(m.result.content));
    assert.ok(wire.findLastIndex((m) => m.method === 'notifications/progress') < resultIndex, 'progress must precede the result');
    // The client dispatches notifications a microtask after responses, so the last notification, written
    // in the same chunk as the result, may reach onprogress after the call settled (typescript-sdk #2580).
    assert.deepEqual(seen.slice(0, 2), [0, 50]);
  });

  test('aborting a slow call sends notifications/cancelled: the handler stops, its result is dropped, the server keeps serving', async () => {
    const controller = new AbortController();
    const mark = s.tap.mark();
    let progressed = false;
    const call = s.client.callTool({ name: 'test_slow_operation', arguments: { durationMs: 20_000 } }, undefined, {
      ...OPTS,
      signal: controller.signal,
      onprogress: () => {
        if (!progressed) {
          progressed = true;
          controller.abort(new Error('interop test gave up'));
        }
      },
    });
    await assert.rejects(call);
    const report = await eventually(
      async () => {
        const r = await s.client.callTool({ name: 'test_cancellation_report', arguments: {} }, undefined, OPTS);
        const log = r.structuredContent as { started: number; completed: number; cancelled: { requestId: number; reason: string }[] };
        return log.cancelled.length > 0 ? log : undefined;
      },
      3000,
      'the server to observe the cancellation',
    );
    assert.equal(report.started, 1);
    assert.equal(report.completed, 0);
    assert.match(report.cancelled[0]?.reason ?? '', /interop test gave up/);
    const cancelledId = report.cancelled[0]?.requestId;
    assert.ok(!s.tap.since(mark).some((m) => m.id === cancelledId && (m.result || m.error)), 'no response for the cancelled request');
    assert.equal(textOf(await s.client.callTool({ name: 'test_simple_text', arguments: {} }, undefined, OPTS)), 'This is a simple text response for testing.');
  });

  test('sampling round trip: test_sampling sends sampling/createMessage with the prompt and returns the model text', async () => {
    sampling.length = 0;
    const r = await s.client.callTool({ name: 'test_sampling', arguments: { prompt: 'Test prompt for sampling' } }, undefined, OPTS);
    assert.equal(textOf(r), 'LLM response: echo: Test prompt for sampling');
    assert.equal(sampling.length, 1);
    assert.equal(sampling[0]?.maxTokens, 100);
    assert.deepEqual(sampling[0]?.messages, [{ role: 'user', content: { type: 'text', text: 'Test prompt for sampling' } }]);
  });

  test('elicitation round trip: test_elicitation asks for username and email; accept and decline both come back', async () => {
    elicitations.length = 0;
    const accepted = await s.client.callTool({ name: 'test_elicitation', arguments: { message: 'Please provide your information' } }, undefined, OPTS);
    assert.equal(textOf(accepted), 'User response: action=accept, content={"username":"alice","email":"alice@example.com"}');
    const params = elicitations[0] as { message: string; requestedSchema: { required: string[] } };
    assert.equal(params.message, 'Please provide your information');
    assert.deepEqual(params.requestedSchema.required, ['username', 'email']);

    elicitAnswer = () => ({ action: 'decline' });
    try {
      const declined = await s.client.callTool({ name: 'test_elicitation', arguments: { message: 'Again?' } }, undefined, OPTS);
      assert.equal(textOf(declined), 'User response: action=decline, content={}');
    } finally {
      elicitAnswer = acceptRequested;
    }
  });

  test('SEP-1034 defaults and SEP-1330 enum schemas reach the client intact', async () => {
    elicitations.length = 0;
    const defaults = await s.client.callTool({ name: 'test_elicitation_sep1034_defaults', arguments: {} }, undefined, OPTS);
    assert.match(textOf(defaults), /^Elicitation completed: action=accept/);
    const d = (elicitations[0] as { requestedSchema: { properties: Record<string, any> } }).requestedSchema.properties;
    assert.deepEqual(
      Object.fromEntries(Object.entries(d).map(([k, v]) => [k, [v.type, v.default]])),
      { name: ['string', 'John Doe'], age: ['integer', 30], score: ['number', 95.5], status: ['string', 'active'], verified: ['boolean', true] },
    );
    assert.deepEqual(d.status.enum, ['active', 'inactive', 'pending']);

    const enums = await s.client.callTool({ name: 'test_elicitation_sep1330_enums', arguments: {} }, undefined, OPTS);
    assert.match(textOf(enums), /^Elicitation completed: action=accept/);
    const e = (elicitations[1] as { requestedSchema: { properties: Record<string, any> } }).requestedSchema.properties;
    assert.deepEqual(e.untitledSingle.enum, ['option1', 'option2', 'option3']);
    assert.deepEqual(e.titledSingle.oneOf.map((o: any) => o.const), ['value1', 'value2', 'value3']);
    assert.deepEqual(e.legacyEnum.enumNames, ['Option One', 'Option Two', 'Option Three']);
    assert.equal(e.untitledMulti.type, 'array');
    assert.deepEqual(e.untitledMulti.items.enum, ['option1', 'option2', 'option3']);
    assert.deepEqual(e.titledMulti.items.anyOf.map((o: any) => o.title), ['First Choice', 'Second Choice', 'Third Choice']);
  });

  test('the input_required tools run in the legacy era as real server→client requests', async () => {
    elicitations.length = 0;
    sampling.length = 0;
    const roots = rootsCalls;
    const mark = s.tap.mark();
    const call = async (name: string) => textOf(await s.client.callTool({ name, arguments: {} }, undefined, OPTS));

    assert.equal(await call('test_input_required_result_elicitation'), 'Hello, Alice!');
    assert.equal(await call('test_input_required_result_sampling'), 'Sampling response: echo: What is the capital of France?');
    assert.equal(await call('test_input_required_result_list_roots'), 'Client roots: file:///work/project (Project)');
    assert.match(await call('test_input_required_result_request_state'), /^state-ok: .* confirmed=true \(accept\)$/);
    assert.equal(await call('test_input_required_result_multiple_inputs'), 'Received all inputs: name=Alice, greeting=echo: Generate a greeting, roots=file:///work/project (Project)');
    assert.equal(await call('test_input_required_result_multi_round'), 'Multi-round complete: name=Alice, color=blue');
    assert.equal(await call('test_input_required_result_tampered_state'), 'integrity-ok: state verified');
    assert.equal(await call('test_input_required_result_capabilities'), 'capabilities-ok: received elicit_input,sample_input');
    assert.match(await call('test_streaming_elicitation'), /^Streaming complete: action=accept/);
    assert.match(await call('test_missing_capability'), /^Success: the client can sample/);
    const prompt = await s.client.getPrompt({ name: 'test_input_required_result_prompt' }, OPTS);
    assert.equal((prompt.messages[0]?.content as { text: string }).text, 'Prompt context: test context');

    assert.deepEqual(
      elicitations.map((p) => p.message),
      ['What is your name?', 'Please confirm', 'What is your name?', 'Step 1: What is your name?', 'Step 2: What is your favorite color?', 'Please confirm', 'Elicitation input', 'Continue?', 'What context should the prompt use?'],
    );
    assert.equal(rootsCalls - roots, 2);
    // Legacy clients never see the 2026 vocabulary.
    assert.ok(!s.tap.since(mark).some((m) => m.result && ('resultType' in m.result || 'inputRequests' in m.result)));
    assert.ok(s.tap.requestsSince(mark).every((m) => ['elicitation/create', 'sampling/createMessage', 'roots/list'].includes(m.method ?? '')));
  });

  test('a roots list_changed notification from the client is accepted and the session keeps serving', async () => {
    await s.client.sendRootsListChanged();
    assert.equal(await (async () => textOf(await s.client.callTool({ name: 'test_input_required_result_list_roots', arguments: {} }, undefined, OPTS)))(), 'Client roots: file:///work/project (Project)');
  });

  test('logging/setLevel filters notifications/message: warning hides info logs, debug shows all three', async () => {
    logs.length = 0;
    assert.deepEqual(await s.client.setLoggingLevel('warning', OPTS), {});
    let mark = s.tap.mark();
    await s.client.callTool({ name: 'test_tool_with_logging', arguments: {} }, undefined, OPTS);
    await s.client.ping(OPTS);
    assert.equal(s.tap.notificationsSince(mark, 'notifications/message').length, 0);

    assert.deepEqual(await s.client.setLoggingLevel('debug', OPTS), {});
    mark = s.tap.mark();
    await s.client.callTool({ name: 'test_tool_with_logging', arguments: {} }, undefined, OPTS);
    await eventually(() => (logs.length >= 3 ? true : undefined), 3000, 'three log notifications');
    assert.deepEqual(
      logs.map((l) => [l.level, l.data]),
      [
        ['info', 'Tool execution started'],
        ['info', 'Tool processing data'],
        ['info', 'Tool execution completed'],
      ],
    );
    assert.equal(s.tap.notificationsSince(mark, 'notifications/message').length, 3);

    logs.length = 0;
    const r = await s.client.callTool({ name: 'test_logging_tool', arguments: {} }, undefined, OPTS);
    assert.equal(textOf(r), 'Logging evaluated');
    await eventually(() => (logs.length >= 1 ? true : undefined), 3000, 'the test_logging_tool log');
    assert.deepEqual(logs[0], { level: 'info', logger: 'test_logging_tool', data: 'Diagnostic trace logging activated' });
  });

  test('test_trigger_tool_change and test_trigger_prompt_change send list_changed and change the lists', async () => {
    let toolChanges = 0;
    let promptChanges = 0;
    s.client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      toolChanges++;
    });
    s.client.setNotificationHandler(PromptListChangedNotificationSchema, () => {
      promptChanges++;
    });

    assert.equal(textOf(await s.client.callTool({ name: 'test_trigger_tool_change', arguments: {} }, undefined, OPTS)), 'Tool list changed: test_dynamic_tool added');
    await eventually(() => (toolChanges === 1 ? true : undefined), 3000, 'notifications/tools/list_changed');
    assert.ok((await s.client.listTools(undefined, OPTS)).tools.some((t) => t.name === 'test_dynamic_tool'));
    assert.equal(textOf(await s.client.callTool({ name: 'test_dynamic_tool', arguments: {} }, undefined, OPTS)), 'Dynamic tool called');

    assert.equal(textOf(await s.client.callTool({ name: 'test_trigger_prompt_change', arguments: {} }, undefined, OPTS)), 'Prompt list changed: test_dynamic_prompt added');
    await eventually(() => (promptChanges === 1 ? true : undefined), 3000, 'notifications/prompts/list_changed');
    assert.ok((await s.client.listPrompts(undefined, OPTS)).prompts.some((p) => p.name === 'test_dynamic_prompt'));

    // Second calls undo the change (and notify again).
    await s.client.callTool({ name: 'test_trigger_tool_change', arguments: {} }, undefined, OPTS);
    await s.client.callTool({ name: 'test_trigger_prompt_change', arguments: {} }, undefined, OPTS);
    await eventually(() => (toolChanges === 2 && promptChanges === 2 ? true : undefined), 3000, 'the second pair of list_changed');
    assert.ok(!(await s.client.listTools(undefined, OPTS)).tools.some((t) => t.name === 'test_dynamic_tool'));
  });
});

describe('official SDK v1 client without sampling, elicitation or roots capabilities', { timeout: 30_000 }, () => {
  let s: Session;
  before(async () => {
    s = await connect({});
  });
  after(() => disconnect(s));

  test('tools that need an undeclared capability answer isError naming it, and no request is sent', async () => {
    const mark = s.tap.mark();
    for (const [name, capability] of [
      ['test_sampling', 'sampling'],
      ['test_missing_capability', 'sampling'],
      ['test_elicitation', 'elicitation'],
      ['test_input_required_result_list_roots', 'roots'],
    ] as const) {
      const r = await s.client.callTool({ name, arguments: name === 'test_sampling' ? { prompt: 'p' } : name === 'test_elicitation' ? { message: 'm' } : {} }, undefined, OPTS);
      assert.equal(r.isError, true, name);
      assert.match(textOf(r), new RegExp(capability), name);
    }
    assert.equal(s.tap.requestsSince(mark).length, 0);
    // test_input_required_result_capabilities asks only for what was declared: nothing.
    assert.equal(textOf(await s.client.callTool({ name: 'test_input_required_result_capabilities', arguments: {} }, undefined, OPTS)), 'No supported capabilities declared');
  });
});
