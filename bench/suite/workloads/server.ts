/**
 * Server-path workloads, end to end in process (JSON text in → classify → validate → handler → JSON text
 * out): tool calls of three weights, resources list/read, prompts of 0/10/50 arguments. Peers: the official
 * SDK v1 (`@modelcontextprotocol/sdk`) and v2 (`@modelcontextprotocol/server`, legacy era), both with zod
 * schemas of the same shape, and the raw JSON-RPC reference, which validates nothing (the ceiling).
 */
import { McpServer as SdkMcpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpServer as SdkV2McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod';
import { McpServer } from '../../../src/server/mcp-server.js';
import { WIDE_ARGS, WIDE_SCHEMA } from '../../stdio/wide-schema.js';
import { echoZod, wideZod } from '../../stdio/wide-zod.js';
import { expectSuccess, rawDriver, requestTemplate, sdkV1Driver, velomcpDriver, type Driver } from '../inproc.js';
import type { Implementation, Operation, Workload } from '../types.js';
import { schemaOfProps } from './schema.js';

/** An operation that sends `template(i)` through `driver` and checks the answer. */
export function driverOperation(driver: Driver, template: (id: number) => string): Operation {
  return {
    run: async (i) => expectSuccess(await driver.call(template(i), i)),
    close: () => driver.close(),
  };
}

const MEDIUM = schemaOfProps(5);

function zodOfProps(n: number): z.ZodObject {
  const shape: Record<string, z.ZodType> = {};
  for (let i = 0; i < n; i++) {
    const k = `p${i}`;
    shape[k] = [z.string().min(1).max(64).regex(/^[a-z]+[0-9]*$/), z.int().min(0).max(1_000_000), z.number().gt(-1), z.boolean(), z.enum(['red', 'green', 'blue'])][i % 5] as z.ZodType;
  }
  return z.strictObject(shape);
}

/** The velomcp server every server-path workload talks to. */
export function velomcpServer(): McpServer {
  const s = new McpServer({ name: 'velomcp-bench', version: '1.0.0' });
  s.registerTool('echo', { inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } }, (a) => ({ content: [{ type: 'text', text: a.text as string }] }));
  s.registerTool('medium', { inputSchema: MEDIUM.schema }, (a) => ({ content: [{ type: 'text', text: `p0=${String(a.p0)}` }] }));
  s.registerTool('complex', { inputSchema: WIDE_SCHEMA }, (a) => ({ content: [{ type: 'text', text: `id=${String(a.id)}` }] }));
  for (let i = 0; i < 10; i++) {
    s.registerResource(`doc${i}`, `mem://docs/${i}`, { mimeType: 'text/plain', description: `document ${i}` }, (uri) => ({ contents: [{ uri, mimeType: 'text/plain', text: `the text of ${uri}` }] }));
  }
  for (const n of [0, 10, 50]) {
    const args = Array.from({ length: n }, (_, k) => ({ name: `a${k}`, required: true }));
    s.registerPrompt(`prompt${n}`, { arguments: args }, (a) => ({
      messages: [{ role: 'user', content: { type: 'text', text: n === 0 ? 'Summarise the document.' : Object.keys(a).map((k) => `${k}: ${a[k] ?? ''}`).join('\n') } }],
    }));
  }
  return s;
}

function sdkServer(): SdkMcpServer {
  const s = new SdkMcpServer({ name: 'sdk-v1-bench', version: '1.0.0' });
  s.registerTool('echo', { inputSchema: echoZod.shape }, (a) => ({ content: [{ type: 'text', text: a.text }] }));
  s.registerTool('medium', { inputSchema: zodOfProps(5).shape }, (a) => ({ content: [{ type: 'text', text: `p0=${String(a.p0)}` }] }));
  s.registerTool('complex', { inputSchema: wideZod.shape }, (a) => ({ content: [{ type: 'text', text: `id=${a.id}` }] }));
  for (let i = 0; i < 10; i++) {
    s.registerResource(`doc${i}`, `mem://docs/${i}`, { mimeType: 'text/plain', description: `document ${i}` }, (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: `the text of ${uri.href}` }] }));
  }
  for (const n of [0, 10, 50]) {
    const shape: Record<string, z.ZodString> = {};
    for (let k = 0; k < n; k++) shape[`a${k}`] = z.string();
    s.registerPrompt(`prompt${n}`, { argsSchema: shape }, (a: Record<string, string>) => ({
      messages: [{ role: 'user', content: { type: 'text', text: n === 0 ? 'Summarise the document.' : Object.keys(a).map((k) => `${k}: ${a[k] ?? ''}`).join('\n') } }],
    }));
  }
  return s;
}

/** The same surface on the official SDK v2 server (its public API: zod 4 objects, `URL` in read callbacks). */
function sdkV2Server(): SdkV2McpServer {
  const s = new SdkV2McpServer({ name: 'sdk-v2-bench', version: '1.0.0' });
  s.registerTool('echo', { inputSchema: echoZod }, (a) => ({ content: [{ type: 'text', text: a.text }] }));
  s.registerTool('medium', { inputSchema: zodOfProps(5) }, (a) => ({ content: [{ type: 'text', text: `p0=${String((a as Record<string, unknown>).p0)}` }] }));
  s.registerTool('complex', { inputSchema: wideZod }, (a) => ({ content: [{ type: 'text', text: `id=${a.id}` }] }));
  for (let i = 0; i < 10; i++) {
    s.registerResource(`doc${i}`, `mem://docs/${i}`, { mimeType: 'text/plain', description: `document ${i}` }, (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: `the text of ${uri.href}` }] }));
  }
  for (const n of [0, 10, 50]) {
    const shape: Record<string, z.ZodString> = {};
    for (let k = 0; k < n; k++) shape[`a${k}`] = z.string();
    s.registerPrompt(`prompt${n}`, { argsSchema: z.object(shape) }, (a: Record<string, string>) => ({
      messages: [{ role: 'user', content: { type: 'text', text: n === 0 ? 'Summarise the document.' : Object.keys(a).map((k) => `${k}: ${a[k] ?? ''}`).join('\n') } }],
    }));
  }
  return s;
}

function rawAnswer(method: string, params: Record<string, unknown>): unknown {
  switch (method) {
    case 'tools/call': {
      const a = params.arguments as Record<string, unknown>;
      return { content: [{ type: 'text', text: params.name === 'echo' ? String(a.text) : `x=${String(a.id ?? a.p0)}` }] };
    }
    case 'resources/list':
      return { resources: Array.from({ length: 10 }, (_, i) => ({ uri: `mem://docs/${i}`, name: `doc${i}`, mimeType: 'text/plain', description: `document ${i}` })) };
    case 'resources/read':
      return { contents: [{ uri: params.uri, mimeType: 'text/plain', text: `the text of ${String(params.uri)}` }] };
    default: {
      const a = (params.arguments ?? {}) as Record<string, string>;
      const keys = Object.keys(a);
      return { messages: [{ role: 'user', content: { type: 'text', text: keys.length === 0 ? 'Summarise the document.' : keys.map((k) => `${k}: ${a[k]}`).join('\n') } }] };
    }
  }
}

/** velomcp, SDK v1 and raw implementations of one request. */
function trio(method: string, params: unknown, withRaw = true): Implementation[] {
  const template = requestTemplate(method, params);
  const impls: Implementation[] = [
    { name: 'velomcp', setup: async () => driverOperation(await velomcpDriver(velomcpServer()), template) },
    { name: 'sdk-v1', setup: async () => driverOperation(await sdkV1Driver(sdkServer()), template) },
    // SDK v2's transport interface has the same members; the driver uses only start/send/close/onmessage.
    { name: 'sdk-v2', setup: async () => driverOperation(await sdkV1Driver(sdkV2Server() as unknown as Parameters<typeof sdkV1Driver>[0]), template) },
  ];
  if (withRaw) impls.push({ name: 'raw', setup: async () => driverOperation(rawDriver(rawAnswer), template) });
  return impls;
}

/** The request of each server-path workload (shared with the callgrind gate). */
export const SERVER_REQUESTS = {
  tool_call_simple: ['tools/call', { name: 'echo', arguments: { text: 'hello world' } }],
  tool_call_medium: ['tools/call', { name: 'medium', arguments: MEDIUM.valid }],
  tool_call_complex: ['tools/call', { name: 'complex', arguments: WIDE_ARGS }],
  resources_list: ['resources/list', {}],
  resources_read: ['resources/read', { uri: 'mem://docs/3' }],
  prompts_static: ['prompts/get', { name: 'prompt0' }],
  prompts_10_args: ['prompts/get', { name: 'prompt10', arguments: Object.fromEntries(Array.from({ length: 10 }, (_, k) => [`a${k}`, `value ${k}`])) }],
  prompts_50_args: ['prompts/get', { name: 'prompt50', arguments: Object.fromEntries(Array.from({ length: 50 }, (_, k) => [`a${k}`, `value ${k}`])) }],
} as const satisfies Record<string, readonly [string, unknown]>;

const DESCRIPTIONS: Record<keyof typeof SERVER_REQUESTS, [string, string, number]> = {
  tool_call_simple: ['tools', 'tools/call of an echo tool (1 string argument)', 20_000],
  tool_call_medium: ['tools', 'tools/call with 5 validated arguments', 20_000],
  tool_call_complex: ['tools', 'tools/call with 20 validated arguments (patterns, ranges, enum, array, nested object)', 10_000],
  resources_list: ['resources', 'resources/list of 10 static resources', 20_000],
  resources_read: ['resources', 'resources/read of one static resource', 20_000],
  prompts_static: ['prompts', 'prompts/get of a static prompt', 20_000],
  prompts_10_args: ['prompts', 'prompts/get rendering 10 arguments', 20_000],
  prompts_50_args: ['prompts', 'prompts/get rendering 50 arguments', 10_000],
};

export function serverWorkloads(): Workload[] {
  return (Object.keys(SERVER_REQUESTS) as (keyof typeof SERVER_REQUESTS)[]).map((id) => {
    const [method, params] = SERVER_REQUESTS[id];
    const [group, description, operations] = DESCRIPTIONS[id];
    return { id, group, description, operations, warmup: 2000, implementations: trio(method, params) };
  });
}
