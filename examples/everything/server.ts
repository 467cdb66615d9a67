/**
 * The velomcp reference server ("everything"): the fixture surface the official MCP conformance suite
 * calls, for both protocol eras, built only with velomcp's public API.
 *
 *   velomcp serve dist/examples/everything/server.js
 *
 * The same module serves a legacy session (`initialize`, 2025-11-25 and older: server→client requests for
 * sampling, elicitation and roots) and stateless 2026-07-28 requests (`_meta` envelope: `input_required`
 * results and retries). Tools that ask the client for input use `ctx.input()`, which does the right thing
 * per era; the MRTR tools that need explicit control of `requestState` return `inputRequired()` and read
 * `ctx.inputResponses` / `ctx.requestState` (velomcp re-runs them with the answers in the legacy era).
 *
 * Names, texts and shapes follow the scenario descriptions in the conformance repository
 * (`src/scenarios/server/*.ts`); see README.md beside this file for the list.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  createMessage,
  elicit,
  ErrorCode,
  inputRequired,
  listRoots,
  McpError,
  McpServer,
  type CallToolResult,
  type ElicitFormParams,
  type InputResponse,
  type McpServerOptions,
  type Registration,
  type RequestContext,
} from '../../src/index.js';
import { RED_PIXEL_PNG_BASE64, SILENT_WAV_BASE64 } from './media.js';
import { registerTaskFixtures } from './tasks.js';

/** The verbatim JSON Schema 2020-12 input schema of `json_schema_2020_12_tool` (SEP-1613, SEP-2106). */
export const JSON_SCHEMA_2020_12_INPUT_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  $defs: {
    address: {
      $anchor: 'addressDef',
      type: 'object',
      properties: {
        street: { type: 'string' },
        city: { type: 'string' },
      },
    },
  },
  properties: {
    name: { type: 'string' },
    address: { $ref: '#/$defs/address' },
    contactMethod: { type: 'string', enum: ['phone', 'email'] },
    phone: { type: 'string' },
    email: { type: 'string' },
  },
  allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
  if: {
    properties: { contactMethod: { const: 'phone' } },
    required: ['contactMethod'],
  },
  then: { required: ['phone'] },
  else: { required: ['email'] },
  additionalProperties: false,
};

/** URIs of the fixture's resources. */
export const URIS = {
  staticText: 'test://static-text',
  staticBinary: 'test://static-binary',
  watched: 'test://watched-resource',
  template: 'test://template/{id}/data',
} as const;

/** Values offered by `completion/complete` for `test_prompt_with_arguments` / `arg1`. */
export const ARG1_COMPLETIONS = ['paris', 'park', 'party', 'test', 'testing', 'tester'] as const;

const NO_ARGS = { type: 'object', properties: {} };

const text = (t: string): CallToolResult => ({ content: [{ type: 'text', text: t }] });
const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The answer to an input request, checked to be a JSON object (anything else is a protocol error). */
function answerObject(answers: Record<string, InputResponse> | undefined, key: string): Record<string, unknown> | undefined {
  const answer: unknown = answers?.[key];
  if (answer === undefined) return undefined;
  if (!isRecord(answer)) throw new McpError(ErrorCode.InvalidParams, `Invalid params: inputResponses["${key}"] must be an object`);
  return answer;
}

/** An ElicitResult: `action` plus the accepted `content`. */
interface Elicited {
  action: 'accept' | 'decline' | 'cancel';
  content: Record<string, unknown>;
}

/** Reads and checks an ElicitResult answer. @throws McpError -32602 when it is not one. */
function elicited(answers: Record<string, InputResponse> | undefined, key: string): Elicited {
  const answer = answerObject(answers, key);
  const action = answer?.action;
  if (action !== 'accept' && action !== 'decline' && action !== 'cancel') {
    throw new McpError(ErrorCode.InvalidParams, `Invalid params: inputResponses["${key}"] is not an ElicitResult (action must be accept, decline or cancel)`);
  }
  const content = answer?.content;
  if (content !== undefined && !isRecord(content)) {
    throw new McpError(ErrorCode.InvalidParams, `Invalid params: inputResponses["${key}"].content must be an object`);
  }
  return { action, content: content ?? {} };
}

/** A string field of accepted elicitation content, or a placeholder naming the action. */
function field(e: Elicited, name: string): string {
  if (e.action !== 'accept') return `(${e.action})`;
  const v = e.content[name];
  return typeof v === 'string' ? v : JSON.stringify(v ?? null);
}

const describeElicitation = (e: Elicited): string => `action=${e.action}, content=${JSON.stringify(e.content)}`;

/** The text of a CreateMessageResult answer (content block or, with sampling tools, an array of blocks). */
function sampledText(answers: Record<string, InputResponse> | undefined, key: string): string {
  const answer = answerObject(answers, key);
  const content = answer?.content;
  const blocks: unknown[] = Array.isArray(content) ? content : [content];
  const texts = blocks.filter(isRecord).flatMap((b) => (b.type === 'text' && typeof b.text === 'string' ? [b.text] : []));
  if (!answer || typeof answer.role !== 'string' || blocks.length === 0 || !isRecord(blocks[0])) {
    throw new McpError(ErrorCode.InvalidParams, `Invalid params: inputResponses["${key}"] is not a CreateMessageResult`);
  }
  return texts.length > 0 ? texts.join('\n') : `(non-text ${String(blocks[0].type)} content)`;
}

/** The roots of a ListRootsResult answer, as `uri (name)` strings. */
function rootsOf(answers: Record<string, InputResponse> | undefined, key: string): string[] {
  const roots = answerObject(answers, key)?.roots;
  if (!Array.isArray(roots)) throw new McpError(ErrorCode.InvalidParams, `Invalid params: inputResponses["${key}"] is not a ListRootsResult`);
  return roots.filter(isRecord).map((r) => (typeof r.name === 'string' ? `${String(r.uri)} (${r.name})` : String(r.uri)));
}

const nameQuestion = (message: string): ElicitFormParams => ({
  message,
  requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
});

const confirmQuestion = (): ReturnType<typeof elicit> =>
  elicit({ message: 'Please confirm', requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] } });

/** What `test_cancellation_report` returns: the fate of every `test_slow_operation` call. */
interface SlowOperationLog {
  started: number;
  completed: number;
  cancelled: { requestId: string | number; reason: string }[];
}

/**
 * Builds a fresh reference server. Each call has its own state (watched-resource revision, dynamic
 * registrations, cancellation log), so tests can run isolated instances in one process.
 */
export function createEverythingServer(options: McpServerOptions = {}): McpServer {
  const server = new McpServer(
    { name: 'velomcp-everything', version: '0.1.0', title: 'velomcp reference server' },
    {
      instructions: 'Reference server exposing the MCP conformance fixture surface (tools, resources, prompts, completion, MRTR) in both protocol eras.',
      ...options,
    },
  );

  let watchedRevision = 1;
  const slowLog: SlowOperationLog = { started: 0, completed: 0, cancelled: [] };
  let dynamicTool: Registration | undefined;
  let dynamicPrompt: Registration | undefined;

  // ───── Tools: content types ─────

  server.registerTool('test_simple_text', { description: 'Returns simple text content', inputSchema: NO_ARGS }, () =>
    text('This is a simple text response for testing.'),
  );

  server.registerTool('test_image_content', { description: 'Returns image content (a 1x1 red PNG)', inputSchema: NO_ARGS }, () => ({
    content: [{ type: 'image', data: RED_PIXEL_PNG_BASE64, mimeType: 'image/png' }],
  }));

  server.registerTool('test_audio_content', { description: 'Returns audio content (10 ms of silence, WAV)', inputSchema: NO_ARGS }, () => ({
    content: [{ type: 'audio', data: SILENT_WAV_BASE64, mimeType: 'audio/wav' }],
  }));

  server.registerTool('test_embedded_resource', { description: 'Returns an embedded text resource', inputSchema: NO_ARGS }, () => ({
    content: [{ type: 'resource', resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' } }],
  }));

  server.registerTool('test_multiple_content_types', { description: 'Returns text, image and embedded resource content', inputSchema: NO_ARGS }, () => ({
    content: [
      { type: 'text', text: 'Multiple content types test:' },
      { type: 'image', data: RED_PIXEL_PNG_BASE64, mimeType: 'image/png' },
      { type: 'resource', resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: JSON.stringify({ test: 'data', value: 123 }) } },
    ],
  }));

  server.registerTool('test_error_handling', { description: 'Always fails: a tool error (isError: true), not a protocol error', inputSchema: NO_ARGS }, () => {
    // A thrown non-protocol error becomes an isError result carrying its message.
    throw new Error('This tool intentionally returns an error for testing');
  });

  server.registerTool(
    'test_structured_output',
    {
      description: 'Adds two numbers; zod input and output schemas, structured result',
      inputSchema: z.object({ a: z.number().describe('First addend'), b: z.number().describe('Second addend') }),
      outputSchema: z.object({ sum: z.number() }),
    },
    ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }], structuredContent: { sum: a + b } }),
  );

  server.registerTool(
    'json_schema_2020_12_tool',
    { description: 'Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613, SEP-2106)', inputSchema: JSON_SCHEMA_2020_12_INPUT_SCHEMA },
    (args: Record<string, unknown>) => text(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`),
  );

  server.registerTool(
    'test_header_echo',
    {
      description: 'Echoes its region argument, which 2026-07-28 HTTP clients mirror in the Mcp-Param-Region header (SEP-2243)',
      inputSchema: {
        type: 'object',
        properties: { region: { type: 'string', description: 'A region name', 'x-mcp-header': 'Region' } },
        required: ['region'],
      },
    },
    (args: { region: string }) => text(`Region: ${args.region}`),
  );

  // ───── Tools: notifications (logging, progress), cancellation, reconnection ─────

  server.registerTool('test_tool_with_logging', { description: 'Sends three info log messages about 50 ms apart', inputSchema: NO_ARGS }, async (_args, ctx) => {
    ctx.log('info', 'Tool execution started', 'test_tool_with_logging');
    await sleep(50, ctx.signal);
    ctx.log('info', 'Tool processing data', 'test_tool_with_logging');
    await sleep(50, ctx.signal);
    ctx.log('info', 'Tool execution completed', 'test_tool_with_logging');
    return text('Tool with logging executed successfully');
  });

  server.registerTool(
    'test_logging_tool',
    { description: 'Logs one info message, which is only sent when the request allows it (2026-07-28: _meta logLevel)', inputSchema: NO_ARGS },
    (_args, ctx) => {
      ctx.log('info', 'Diagnostic trace logging activated', 'test_logging_tool');
      return text('Logging evaluated');
    },
  );

  server.registerTool('test_tool_with_progress', { description: 'Reports progress 0, 50 and 100 of 100, about 50 ms apart', inputSchema: NO_ARGS }, async (_args, ctx) => {
    for (const step of [0, 50, 100]) {
      if (step > 0) await sleep(50, ctx.signal);
      ctx.progress(step, 100, `Completed step ${step} of 100`);
    }
    const token = ctx._meta.progressToken;
    return text(token === undefined ? 'Progress test completed (no progress token given)' : `Progress test completed for token ${JSON.stringify(token)}`);
  });

  server.registerTool(
    'test_slow_operation',
    {
      description: 'Runs for durationMs (default 10 s), reporting progress every 50 ms; stops at once when cancelled',
      inputSchema: { type: 'object', properties: { durationMs: { type: 'integer', minimum: 0, maximum: 60000 } } },
    },
    async (args: { durationMs?: number }, ctx) => {
      const duration = args.durationMs ?? 10_000;
      slowLog.started++;
      const end = Date.now() + duration;
      let ticks = 0;
      while (Date.now() < end && !ctx.signal.aborted) {
        ctx.progress(++ticks);
        await sleep(Math.min(50, Math.max(0, end - Date.now())), ctx.signal);
      }
      if (ctx.signal.aborted) {
        const reason: unknown = ctx.signal.reason;
        slowLog.cancelled.push({ requestId: ctx.requestId, reason: reason instanceof Error ? reason.message : String(reason) });
        return text('cancelled'); // dropped by the server: the request was cancelled
      }
      slowLog.completed++;
      return text(`Slow operation finished after ${duration} ms`);
    },
  );

  server.registerTool('test_cancellation_report', { description: 'Reports how test_slow_operation calls ended (started, completed, cancelled)', inputSchema: NO_ARGS }, () => ({
    content: [{ type: 'text', text: JSON.stringify(slowLog) }],
    structuredContent: { ...slowLog, cancelled: [...slowLog.cancelled] },
  }));

  server.registerTool(
    'test_reconnection',
    {
      description:
        'SSE polling test (SEP-1699): over Streamable HTTP (legacy era) the POST stream is closed mid-call and the result arrives after the client reconnects; elsewhere it simply returns',
      inputSchema: NO_ARGS,
    },
    async (_args, ctx) => {
      // Legacy era over Streamable HTTP with an event store: the client must reconnect with Last-Event-ID
      // to get the result. Elsewhere (stdio, 2026-07-28) there is no stream to close and this is a no-op.
      ctx.closeSseStream();
      await sleep(100, ctx.signal);
      return text('Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure.');
    },
  );

  // ───── Tools: asking the client (sampling, elicitation; both eras through ctx.input) ─────

  server.registerTool(
    'test_sampling',
    {
      description: 'Asks the client to sample an LLM completion for the prompt',
      inputSchema: { type: 'object', properties: { prompt: { type: 'string', description: 'The prompt to send to the LLM' } }, required: ['prompt'] },
    },
    async (args: { prompt: string }, ctx) => {
      const answers = await ctx.input({
        completion: createMessage({ messages: [{ role: 'user', content: { type: 'text', text: args.prompt } }], maxTokens: 100 }),
      });
      return text(`LLM response: ${sampledText(answers, 'completion')}`);
    },
  );

  server.registerTool(
    'test_elicitation',
    {
      description: 'Asks the user (elicitation) for a username and an email address',
      inputSchema: { type: 'object', properties: { message: { type: 'string', description: 'The message to show the user' } }, required: ['message'] },
    },
    async (args: { message: string }, ctx) => {
      const answers = await ctx.input({
        user: elicit({
          message: args.message,
          requestedSchema: {
            type: 'object',
            properties: {
              username: { type: 'string', description: "User's response" },
              email: { type: 'string', description: "User's email address" },
            },
            required: ['username', 'email'],
          },
        }),
      });
      return text(`User response: ${describeElicitation(elicited(answers, 'user'))}`);
    },
  );

  server.registerTool(
    'test_elicitation_sep1034_defaults',
    { description: 'Elicitation whose schema has a default for every primitive type (SEP-1034)', inputSchema: NO_ARGS },
    async (_args, ctx) => {
      const answers = await ctx.input({
        form: elicit({
          message: 'Please review and update the form fields with defaults',
          requestedSchema: {
            type: 'object',
            properties: {
              name: { type: 'string', description: 'User name', default: 'John Doe' },
              age: { type: 'integer', description: 'User age', default: 30 },
              score: { type: 'number', description: 'User score', default: 95.5 },
              status: { type: 'string', description: 'User status', enum: ['active', 'inactive', 'pending'], default: 'active' },
              verified: { type: 'boolean', description: 'Verification status', default: true },
            },
            required: [],
          },
        }),
      });
      return text(`Elicitation completed: ${describeElicitation(elicited(answers, 'form'))}`);
    },
  );

  server.registerTool(
    'test_elicitation_sep1330_enums',
    { description: 'Elicitation with the five enum schema forms (SEP-1330)', inputSchema: NO_ARGS },
    async (_args, ctx) => {
      const answers = await ctx.input({
        form: elicit({
          message: 'Please select options from the enum fields',
          requestedSchema: {
            type: 'object',
            properties: {
              untitledSingle: { type: 'string', description: 'Select one option', enum: ['option1', 'option2', 'option3'] },
              titledSingle: {
                type: 'string',
                description: 'Select one option with titles',
                oneOf: [
                  { const: 'value1', title: 'First Option' },
                  { const: 'value2', title: 'Second Option' },
                  { const: 'value3', title: 'Third Option' },
                ],
              },
              legacyEnum: {
                type: 'string',
                description: 'Select one option (legacy)',
                enum: ['opt1', 'opt2', 'opt3'],
                enumNames: ['Option One', 'Option Two', 'Option Three'],
              },
              untitledMulti: {
                type: 'array',
                description: 'Select multiple options',
                minItems: 1,
                maxItems: 3,
                items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
              },
              titledMulti: {
                type: 'array',
                description: 'Select multiple options with titles',
                minItems: 1,
                maxItems: 3,
                items: {
                  anyOf: [
                    { const: 'value1', title: 'First Choice' },
                    { const: 'value2', title: 'Second Choice' },
                    { const: 'value3', title: 'Third Choice' },
                  ],
                },
              },
            },
            required: [],
          },
        }),
      });
      return text(`Elicitation completed: ${describeElicitation(elicited(answers, 'form'))}`);
    },
  );

  server.registerTool(
    'test_missing_capability',
    {
      description: 'Needs the sampling capability: asks for one sampling round (2026-07-28 without sampling declared: error -32021)',
      inputSchema: NO_ARGS,
    },
    async (_args, ctx) => {
      const answers = await ctx.input({
        probe: createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'Reply with any text' } }], maxTokens: 20 }),
      });
      return text(`Success: the client can sample (it said: ${sampledText(answers, 'probe')})`);
    },
  );

  server.registerTool(
    'test_streaming_elicitation',
    {
      description: 'Reports progress, then asks for a confirmation: the response stream carries only notifications and the (input_required) result',
      inputSchema: NO_ARGS,
    },
    async (_args, ctx) => {
      ctx.progress(0, 2, 'Waiting for confirmation');
      const answers = await ctx.input({
        confirmation: elicit({ message: 'Continue?', requestedSchema: { type: 'object', properties: { proceed: { type: 'boolean' } }, required: ['proceed'] } }),
      });
      ctx.progress(2, 2, 'Confirmed');
      return text(`Streaming complete: ${describeElicitation(elicited(answers, 'confirmation'))}`);
    },
  );

  // ───── Tools: multi round-trip requests (SEP-2322) ─────

  server.registerTool(
    'test_input_required_result_elicitation',
    { description: 'MRTR: asks for the user name (input key "user_name"), then greets', inputSchema: NO_ARGS },
    async (_args, ctx) => {
      const answers = await ctx.input({ user_name: elicit(nameQuestion('What is your name?')) });
      return text(`Hello, ${field(elicited(answers, 'user_name'), 'name')}!`);
    },
  );

  server.registerTool(
    'test_input_required_result_sampling',
    { description: 'MRTR: asks for a sampling completion (input key "capital_question")', inputSchema: NO_ARGS },
    async (_args, ctx) => {
      const answers = await ctx.input({
        capital_question: createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }], maxTokens: 100 }),
      });
      return text(`Sampling response: ${sampledText(answers, 'capital_question')}`);
    },
  );

  server.registerTool(
    'test_input_required_result_list_roots',
    { description: 'MRTR: asks for the client roots (input key "client_roots")', inputSchema: NO_ARGS },
    async (_args, ctx) => {
      const answers = await ctx.input({ client_roots: listRoots() });
      const roots = rootsOf(answers, 'client_roots');
      return text(`Client roots: ${roots.length > 0 ? roots.join(', ') : '(none)'}`);
    },
  );

  // Explicit control: the handler's own requestState comes back verified in ctx.requestState.
  server.registerTool(
    'test_input_required_result_request_state',
    { description: 'MRTR: asks for a confirmation together with a requestState, which the retry must echo ("state-ok")', inputSchema: NO_ARGS },
    (_args, ctx) => {
      const state = ctx.requestState as { step?: string; nonce?: string } | undefined;
      const answer = ctx.inputResponses?.confirm === undefined ? undefined : elicited(ctx.inputResponses, 'confirm');
      if (state?.step === 'confirm' && answer) {
        return text(`state-ok: requestState ${state.nonce ?? ''} verified, confirmed=${JSON.stringify(answer.content.ok ?? null)} (${answer.action})`);
      }
      return inputRequired({ inputRequests: { confirm: confirmQuestion() }, requestState: { step: 'confirm', nonce: randomUUID() } });
    },
  );

  server.registerTool(
    'test_input_required_result_multiple_inputs',
    { description: 'MRTR: asks for elicitation ("user_name"), sampling ("greeting") and roots ("client_roots") at once', inputSchema: NO_ARGS },
    async (_args, ctx) => {
      const answers = await ctx.input({
        user_name: elicit(nameQuestion('What is your name?')),
        greeting: createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }], maxTokens: 50 }),
        client_roots: listRoots(),
      });
      const name = field(elicited(answers, 'user_name'), 'name');
      return text(`Received all inputs: name=${name}, greeting=${sampledText(answers, 'greeting')}, roots=${rootsOf(answers, 'client_roots').join(', ')}`);
    },
  );

  server.registerTool(
    'test_input_required_result_multi_round',
    { description: 'MRTR: two rounds ("step1": name, then "step2": favourite colour); requestState changes between them', inputSchema: NO_ARGS },
    async (_args, ctx) => {
      const first = await ctx.input({ step1: elicit(nameQuestion('Step 1: What is your name?')) });
      const name = field(elicited(first, 'step1'), 'name');
      const second = await ctx.input({
        step2: elicit({
          message: 'Step 2: What is your favorite color?',
          requestedSchema: { type: 'object', properties: { color: { type: 'string' } }, required: ['color'] },
        }),
      });
      return text(`Multi-round complete: name=${name}, color=${field(elicited(second, 'step2'), 'color')}`);
    },
  );

  server.registerTool(
    'test_input_required_result_tampered_state',
    { description: 'MRTR: HMAC-signed requestState; a tampered state is rejected with -32602 before this handler runs', inputSchema: NO_ARGS },
    (_args, ctx) => {
      const state = ctx.requestState as { kind?: string } | undefined;
      if (state?.kind === 'tamper-test' && ctx.inputResponses?.confirm !== undefined) {
        elicited(ctx.inputResponses, 'confirm');
        return text('integrity-ok: state verified');
      }
      return inputRequired({ inputRequests: { confirm: confirmQuestion() }, requestState: { kind: 'tamper-test', nonce: randomUUID() } });
    },
  );

  server.registerTool(
    'test_input_required_result_capabilities',
    { description: 'MRTR: asks only for what the client declared (elicitation → "elicit_input", sampling → "sample_input")', inputSchema: NO_ARGS },
    async (_args, ctx) => {
      const caps = ctx.clientCapabilities;
      const requests: Parameters<RequestContext['input']>[0] = {};
      if (caps.elicitation) {
        requests.elicit_input = elicit({
          message: 'Elicitation input',
          requestedSchema: { type: 'object', properties: { value: { type: 'string' } }, required: ['value'] },
        });
      }
      if (caps.sampling) {
        requests.sample_input = createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'Sample request' } }], maxTokens: 50 });
      }
      const keys = Object.keys(requests);
      if (keys.length === 0) return text('No supported capabilities declared');
      const answers = await ctx.input(requests);
      for (const k of keys) answerObject(answers, k);
      return text(`capabilities-ok: received ${keys.join(',')}`);
    },
  );

  // ───── Tools: change triggers ─────

  server.registerTool(
    'test_trigger_tool_change',
    { description: 'Adds test_dynamic_tool, or removes it when present: the tool list changes (list_changed)', inputSchema: NO_ARGS },
    () => {
      if (dynamicTool) {
        dynamicTool.remove();
        dynamicTool = undefined;
        return text('Tool list changed: test_dynamic_tool removed');
      }
      dynamicTool = server.registerTool('test_dynamic_tool', { description: 'Registered by test_trigger_tool_change', inputSchema: NO_ARGS }, () =>
        text('Dynamic tool called'),
      );
      return text('Tool list changed: test_dynamic_tool added');
    },
  );

  server.registerTool(
    'test_trigger_prompt_change',
    { description: 'Adds test_dynamic_prompt, or removes it when present: the prompt list changes (list_changed)', inputSchema: NO_ARGS },
    () => {
      if (dynamicPrompt) {
        dynamicPrompt.remove();
        dynamicPrompt = undefined;
        return text('Prompt list changed: test_dynamic_prompt removed');
      }
      dynamicPrompt = server.registerPrompt('test_dynamic_prompt', { description: 'Registered by test_trigger_prompt_change' }, () => ({
        messages: [{ role: 'user', content: { type: 'text', text: 'This prompt was added at run time.' } }],
      }));
      return text('Prompt list changed: test_dynamic_prompt added');
    },
  );

  server.registerTool(
    'test_trigger_resource_update',
    { description: `Changes ${URIS.watched} and notifies its subscribers (notifications/resources/updated)`, inputSchema: NO_ARGS },
    () => {
      watchedRevision++;
      server.notifyResourceUpdated(URIS.watched);
      return text(`Watched resource updated to revision ${watchedRevision}`);
    },
  );

  // ───── Tools: the tasks extension (SEP-2663), in tasks.ts ─────

  registerTaskFixtures(server);

  // ───── Resources ─────

  server.registerResource(
    'static-text',
    URIS.staticText,
    { title: 'Static Text Resource', description: 'A static text resource for testing', mimeType: 'text/plain' },
    (uri) => ({ contents: [{ uri, mimeType: 'text/plain', text: 'This is the content of the static text resource.' }] }),
  );

  server.registerResource(
    'static-binary',
    URIS.staticBinary,
    { title: 'Static Binary Resource', description: 'A static binary resource (a PNG image) for testing', mimeType: 'image/png' },
    (uri) => ({ contents: [{ uri, mimeType: 'image/png', blob: RED_PIXEL_PNG_BASE64 }] }),
  );

  server.registerResource(
    'watched-resource',
    URIS.watched,
    { title: 'Watched Resource', description: 'A resource that changes when test_trigger_resource_update is called; subscribe to it', mimeType: 'text/plain' },
    (uri) => ({ contents: [{ uri, mimeType: 'text/plain', text: `Watched resource content, revision ${watchedRevision}` }] }),
  );

  server.registerResourceTemplate(
    'template',
    URIS.template,
    {
      title: 'Resource Template',
      description: 'A resource template with parameter substitution',
      mimeType: 'application/json',
      complete: { id: (value) => ['123', '456', '789'].filter((id) => id.startsWith(value)) },
    },
    (uri, variables) => {
      const id = String(variables.id);
      return { contents: [{ uri, mimeType: 'application/json', text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }) }] };
    },
  );

  // ───── Prompts ─────

  server.registerPrompt('test_simple_prompt', { title: 'Simple Test Prompt', description: 'A simple prompt without arguments' }, () => ({
    messages: [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }],
  }));

  server.registerPrompt(
    'test_prompt_with_arguments',
    {
      title: 'Prompt With Arguments',
      description: 'A prompt with required arguments',
      arguments: [
        { name: 'arg1', description: 'First test argument', required: true },
        { name: 'arg2', description: 'Second test argument', required: true },
      ],
      complete: { arg1: (value) => ARG1_COMPLETIONS.filter((v) => v.startsWith(value)) },
    },
    (args) => ({
      messages: [{ role: 'user', content: { type: 'text', text: `Prompt with arguments: arg1='${args.arg1 ?? ''}', arg2='${args.arg2 ?? ''}'` } }],
    }),
  );

  server.registerPrompt(
    'test_prompt_with_embedded_resource',
    {
      title: 'Prompt With Embedded Resource',
      description: 'A prompt that includes an embedded resource',
      arguments: [{ name: 'resourceUri', description: 'URI of the resource to embed', required: true }],
    },
    (args) => ({
      messages: [
        { role: 'user', content: { type: 'resource', resource: { uri: args.resourceUri ?? '', mimeType: 'text/plain', text: 'Embedded resource content for testing.' } } },
        { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
      ],
    }),
  );

  server.registerPrompt('test_prompt_with_image', { title: 'Prompt With Image', description: 'A prompt that includes image content' }, () => ({
    messages: [
      { role: 'user', content: { type: 'image', data: RED_PIXEL_PNG_BASE64, mimeType: 'image/png' } },
      { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
    ],
  }));

  server.registerPrompt(
    'test_input_required_result_prompt',
    { title: 'MRTR Prompt', description: 'MRTR: asks which context to use (input key "user_context"), then renders' },
    async (_args, ctx) => {
      const answers = await ctx.input({
        user_context: elicit({
          message: 'What context should the prompt use?',
          requestedSchema: { type: 'object', properties: { context: { type: 'string' } }, required: ['context'] },
        }),
      });
      const context = field(elicited(answers, 'user_context'), 'context');
      return {
        description: 'A prompt rendered with client-provided context',
        messages: [{ role: 'user', content: { type: 'text', text: `Prompt context: ${context}` } }],
      };
    },
  );

  return server;
}

/** The server `velomcp serve` runs. */
export default createEverythingServer();
