/**
 * The regression gate's workloads: a handful of hot paths, each an operation the probe repeats a fixed
 * number of times while callgrind counts instructions. The fixtures are the gate's own (not the suite's),
 * so a change to `velomcp bench`'s workloads never moves the gate's baseline.
 *
 * Every operation checks its answer, so a change that breaks a path fails the gate instead of making it
 * look cheaper.
 */
import { messageKind, MessageKind } from '../../src/jsonrpc/message.js';
import { McpServer } from '../../src/server/mcp-server.js';
import { HttpEngine } from '../../src/transports/http/engine.js';
import type { OutHeaders, RequestPort, ResponsePort } from '../../src/transports/http/ports.js';
import { AjvSchemaCompiler } from '../../src/validation/ajv.js';
import type { JsonSchema } from '../../src/validation/types.js';

/** One prepared operation: `run(i)` does it once and throws when the answer is wrong. */
export interface GateOperation {
  run(i: number): Promise<void> | void;
  close(): void;
}

/** A gate workload. */
export interface GateWorkload {
  /** Stable id (baselines and budgets key on it); the same id as the `velomcp bench` workload it mirrors, where one does. */
  id: string;
  /** One line: what one operation is. */
  description: string;
  /** Operations per counted window: enough that the per-op figure dwarfs rounding, few enough to stay fast under callgrind. */
  ops: number;
  /** Operations run before counting (inline caches, lazily compiled bytecode, lazily built state). */
  warmup: number;
  /** True for the raw JSON-RPC reference: reported for ratios, never gated. */
  reference?: boolean;
  setup(): Promise<GateOperation>;
}

/** Five required properties: string (length, pattern), integer range, number, boolean, enum. */
export const FIVE_PROPS: { schema: JsonSchema; valid: Record<string, unknown> } = {
  schema: {
    type: 'object',
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-z]+[0-9]*$' },
      count: { type: 'integer', minimum: 0, maximum: 1_000_000 },
      ratio: { type: 'number', exclusiveMinimum: -1 },
      enabled: { type: 'boolean' },
      colour: { type: 'string', enum: ['red', 'green', 'blue'] },
    },
    required: ['name', 'count', 'ratio', 'enabled', 'colour'],
    additionalProperties: false,
  },
  valid: { name: 'abc7', count: 42, ratio: 0.5, enabled: true, colour: 'green' },
};

function gateServer(): McpServer {
  const s = new McpServer({ name: 'velomcp-gate', version: '1.0.0' });
  s.registerTool('echo', { inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } }, (a) => ({ content: [{ type: 'text', text: a.text as string }] }));
  s.registerTool('medium', { inputSchema: FIVE_PROPS.schema }, (a) => ({ content: [{ type: 'text', text: `name=${String(a.name)}` }] }));
  for (let i = 0; i < 10; i++) {
    s.registerResource(`doc${i}`, `mem://docs/${i}`, { mimeType: 'text/plain' }, (uri) => ({ contents: [{ uri, mimeType: 'text/plain', text: `the text of ${uri}` }] }));
  }
  const args = Array.from({ length: 10 }, (_, k) => ({ name: `a${k}`, required: true }));
  s.registerPrompt('prompt10', { arguments: args }, (a) => ({
    messages: [{ role: 'user', content: { type: 'text', text: Object.keys(a).map((k) => `${k}: ${a[k] ?? ''}`).join('\n') } }],
  }));
  return s;
}

const INITIALIZE = JSON.stringify({ jsonrpc: '2.0', id: -1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'gate', version: '1' } } });
const INITIALIZED = '{"jsonrpc":"2.0","method":"notifications/initialized"}';

function template(method: string, params: unknown): (id: number) => string {
  const tail = `,"method":${JSON.stringify(method)},"params":${JSON.stringify(params)}}`;
  return (id) => `{"jsonrpc":"2.0","id":${id}${tail}`;
}

function check(response: string, expect: string): void {
  if (!response.includes('"result"') || response.includes('"isError":true') || !response.includes(expect)) {
    throw new Error(`gate: unexpected answer: ${response.slice(0, 300)}`);
  }
}

/** A legacy session on an in-memory connection: JSON text in → classify → dispatch → validate → handler → JSON text out. */
async function connectionOperation(method: string, params: unknown, expect: string): Promise<GateOperation> {
  const server = gateServer();
  let resolve: ((s: string) => void) | undefined;
  const connection = server.connect({
    send(message) {
      if (resolve !== undefined && !message.startsWith('{"jsonrpc":"2.0","method"')) {
        const r = resolve;
        resolve = undefined;
        r(message);
      }
    },
  });
  const call = (text: string): Promise<string> =>
    new Promise<string>((res) => {
      resolve = res;
      connection.receiveText(text);
    });
  check(await call(INITIALIZE), 'protocolVersion');
  connection.receiveText(INITIALIZED);
  const t = template(method, params);
  return { run: async (i) => check(await call(t(i)), expect), close: () => connection.close() };
}

/**
 * The Streamable HTTP protocol logic in process: velomcp's HTTP engine (the code behind both the node and
 * the fetch handler: header checks, session lookup, dispatch, JSON answer) driven through its request and
 * response ports, a legacy session. No sockets and no web `Request` (undici needs WebAssembly, which
 * `--jitless` disables).
 */
async function httpEngineOperation(): Promise<GateOperation> {
  const engine = new HttpEngine(gateServer(), {});
  const exchange = (headers: Record<string, string>, body: string): Promise<{ status: number; headers: OutHeaders; body: string }> =>
    new Promise((resolve, reject) => {
      const req: RequestPort = { method: 'POST', path: '/mcp', query: '', header: (n) => headers[n], loopback: true, peer: '127.0.0.1', readBody: async () => body, raw: undefined };
      const res: ResponsePort = {
        respond: (status, h, b) => resolve({ status, headers: h, body: b }),
        openStream: () => {
          reject(new Error('gate: the HTTP engine opened an SSE stream for a plain tools/call'));
          return { write: () => false, end() {}, closed: true };
        },
        onAbort() {},
      };
      engine.handle(req, res);
    });
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', host: 'localhost' };
  const init = await exchange(headers, INITIALIZE);
  const sid = init.headers['mcp-session-id'];
  if (init.status !== 200 || sid === undefined) throw new Error(`gate: HTTP initialize answered ${init.status}: ${init.body.slice(0, 200)}`);
  const session = { ...headers, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' };
  await exchange(session, INITIALIZED);
  const t = template('tools/call', { name: 'echo', arguments: { text: 'hello world' } });
  return {
    run: async (i) => {
      const r = await exchange(session, t(i));
      if (r.status !== 200) throw new Error(`gate: HTTP tools/call answered ${r.status}`);
      check(r.body, 'hello world');
    },
    close: () => engine.close(),
  };
}

/** The raw reference: `JSON.parse`, a switch on the method, `JSON.stringify`; no validation, no framework. */
function rawOperation(): GateOperation {
  const t = template('tools/call', { name: 'echo', arguments: { text: 'hello world' } });
  const answer = (text: string): string => {
    const msg = JSON.parse(text) as { id: number; method: string; params: { arguments: { text: string } } };
    switch (msg.method) {
      case 'tools/call':
        return JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: { content: [{ type: 'text', text: msg.params.arguments.text }] } });
      default:
        return JSON.stringify({ jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'Method not found' } });
    }
  };
  return { run: async (i) => check(await Promise.resolve(answer(t(i))), 'hello world'), close() {} };
}

const SMALL_RESPONSE = JSON.stringify({
  jsonrpc: '2.0',
  id: 7,
  result: { content: [{ type: 'text', text: 'line 0 of the answer' }], structuredContent: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`field_${i}`, i % 2 === 0 ? i * 31 : `value number ${i}`])) },
});

/** Every gate workload, in table order (the reference last). */
export function gateWorkloads(): GateWorkload[] {
  return [
    {
      id: 'jsonrpc_decode_small',
      description: `JSON.parse + classify one ${SMALL_RESPONSE.length}-byte response`,
      ops: 2000,
      warmup: 500,
      setup: async () => ({
        run: () => {
          if (messageKind(JSON.parse(SMALL_RESPONSE) as unknown) !== MessageKind.Success) throw new Error('gate: response misclassified');
        },
        close() {},
      }),
    },
    {
      id: 'schema_validate_5',
      description: 'validate a valid 5-property object (compiled once)',
      ops: 2000,
      warmup: 500,
      setup: async () => {
        const validate = new AjvSchemaCompiler().compile(FIVE_PROPS.schema);
        return {
          run: () => {
            const r = validate(FIVE_PROPS.valid);
            if (r instanceof Promise || !r.valid) throw new Error('gate: valid input rejected');
          },
          close() {},
        };
      },
    },
    { id: 'tool_call_simple', description: 'tools/call of an echo tool over an in-memory connection', ops: 400, warmup: 300, setup: () => connectionOperation('tools/call', { name: 'echo', arguments: { text: 'hello world' } }, 'hello world') },
    { id: 'tool_call_medium', description: 'tools/call with 5 validated arguments', ops: 400, warmup: 300, setup: () => connectionOperation('tools/call', { name: 'medium', arguments: FIVE_PROPS.valid }, 'name=abc7') },
    { id: 'resources_read', description: 'resources/read of one static resource', ops: 400, warmup: 300, setup: () => connectionOperation('resources/read', { uri: 'mem://docs/3' }, 'the text of mem://docs/3') },
    {
      id: 'prompts_10_args',
      description: 'prompts/get rendering 10 arguments',
      ops: 300,
      warmup: 200,
      setup: () => connectionOperation('prompts/get', { name: 'prompt10', arguments: Object.fromEntries(Array.from({ length: 10 }, (_, k) => [`a${k}`, `value ${k}`])) }, 'a9: value 9'),
    },
    { id: 'http_tool_call', description: 'tools/call through the Streamable HTTP engine in process, legacy session', ops: 200, warmup: 200, setup: httpEngineOperation },
    { id: 'raw_tool_call', description: 'raw JSON-RPC reference: parse, switch, stringify (not gated)', ops: 2000, warmup: 500, reference: true, setup: async () => rawOperation() },
  ];
}
