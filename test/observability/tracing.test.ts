/**
 * Traces: a span started by a client carries through `params._meta` to the server span, over stdio (server
 * in a child process) and Streamable HTTP, in both eras; span names, kinds, attributes and error status
 * follow the MCP semantic conventions (also over WebSocket and TCP). Spans are caught with the OpenTelemetry SDK's in-memory exporter.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { McpClient, StdioClientTransport, type EraOption } from '../../src/client/index.js';
import { McpTracing } from '../../src/observability/tracing.js';
import { serveHttp, type HttpServerHandle } from '../../src/transports/http/index.js';
import { serveTcp, TcpClientTransport } from '../../src/transports/tcp/index.js';
import { serveWebSocket, WebSocketClientTransport } from '../../src/transports/ws/index.js';
import { fixture } from '../client/helpers.js';
import { INFO, observedServer } from './helpers.js';
import { installOtel, spanJson, type SpanJson } from './otel.js';

const exporter = installOtel();
const tracer = trace.getTracer('test');
const ERAS: Array<[string, EraOption, string]> = [
  ['legacy', 'legacy', '2025-11-25'],
  ['modern', { pin: '2026-07-28' }, '2026-07-28'],
];
const tracedFixture = fixture('../../observability/fixtures/traced-server.js');

/** Calls `echo` inside a root span with baggage; returns the root span's ids. */
async function callInRootSpan(client: McpClient, tool = 'echo'): Promise<{ traceId: string; spanId: string }> {
  const bag = propagation.createBaggage({ tenant: { value: 'acme' } });
  return tracer.startActiveSpan('root', {}, propagation.setBaggage(context.active(), bag), async (root) => {
    try {
      await client.callTool({ name: tool, arguments: { text: 'secret-argument' } });
    } catch {
      // The error case is checked through its spans.
    }
    root.end();
    return root.spanContext();
  });
}

function assertChain(spans: SpanJson[], root: { traceId: string; spanId: string }, name: string, version: string): { client: SpanJson; server: SpanJson } {
  const client = spans.find((s) => s.kind === SpanKind.CLIENT && s.name === name && s.traceId === root.traceId);
  assert.ok(client, `a client span "${name}" in the root's trace among ${JSON.stringify(spans.map((s) => s.name))}`);
  assert.equal(client.parentSpanId, root.spanId, 'the client span is a child of the active span');
  const server = spans.find((s) => s.kind === SpanKind.SERVER && s.name === name && s.parentSpanId === client.spanId);
  assert.ok(server, 'a server span whose parent is the client span');
  assert.equal(server.traceId, root.traceId, 'same trace on both sides');
  assert.equal(server.attributes['mcp.method.name'], 'tools/call');
  assert.equal(server.attributes['mcp.protocol.version'], version);
  assert.equal(server.attributes['gen_ai.tool.name'], name.split(' ')[1]);
  assert.equal(server.attributes['gen_ai.operation.name'], 'execute_tool');
  assert.equal(typeof server.attributes['jsonrpc.request.id'], 'string');
  assert.equal(server.attributes['gen_ai.tool.call.arguments'], undefined, 'arguments are not recorded unless opted in');
  if (version === '2026-07-28') assert.equal(server.attributes['mcp.session.id'], undefined, 'no session id for 2026-07-28 traffic');
  return { client, server };
}

describe('client trace context reaches the server span', () => {
  let tracing: McpTracing;
  before(() => {
    tracing = new McpTracing();
  });
  after(() => tracing.close());
  beforeEach(() => exporter.reset());

  for (const [label, era, version] of ERAS) {
    test(`Streamable HTTP, ${label} era: server span is the child of the client span, same trace`, async () => {
      const http: HttpServerHandle = await serveHttp(observedServer(), { host: '127.0.0.1', port: 0, path: '/mcp' });
      try {
        const client = new McpClient(INFO, { era });
        await client.connect(http.url);
        const root = await callInRootSpan(client);
        await client.close();
        const spans = exporter.getFinishedSpans().map(spanJson);
        const { server } = assertChain(spans, root, 'tools/call echo', version);
        assert.equal(server.attributes['network.transport'], 'tcp');
        assert.equal(server.attributes['network.protocol.name'], 'http');
        if (version === '2025-11-25') assert.match(String(server.attributes['mcp.session.id']), /./, 'legacy HTTP requests carry the session id');
        assert.equal(server.status.code, SpanStatusCode.UNSET);
      } finally {
        await http.close();
      }
    });

    for (const kind of ['ws', 'tcp'] as const) {
      test(`${kind === 'ws' ? 'WebSocket' : 'TCP'}, ${label} era: server span is the child of the client span, same trace`, async () => {
        const handle = kind === 'ws' ? await serveWebSocket(observedServer()) : await serveTcp(observedServer());
        const client = new McpClient(INFO, { era });
        try {
          await client.connect(kind === 'ws' ? new WebSocketClientTransport((handle as { url: string }).url) : new TcpClientTransport({ port: handle.port }));
          const root = await callInRootSpan(client);
          const { server } = assertChain(exporter.getFinishedSpans().map(spanJson), root, 'tools/call echo', version);
          assert.equal(server.attributes['network.transport'], 'tcp');
          assert.equal(server.attributes['network.protocol.name'], kind === 'ws' ? 'websocket' : undefined);
        } finally {
          await client.close();
          await handle.close();
        }
      });
    }

    test(`stdio (server in a child process), ${label} era: server span is the child of the client span; baggage arrives`, async () => {
      const client = new McpClient(INFO, { era });
      await client.connect(new StdioClientTransport({ command: process.execPath, args: [tracedFixture] }));
      try {
        const root = await callInRootSpan(client);
        const bag = await tracer.startActiveSpan('baggage-root', {}, propagation.setBaggage(context.active(), propagation.createBaggage({ tenant: { value: 'acme' } })), async (s) => {
          const r = await client.callTool({ name: 'baggage' });
          s.end();
          return JSON.parse((r.content[0] as { text: string }).text) as Record<string, string>;
        });
        assert.deepEqual(bag, { tenant: 'acme' }, 'W3C baggage from _meta is in the server span context');
        const result = await client.callTool({ name: 'finished_spans' });
        const serverSpans = JSON.parse((result.content[0] as { text: string }).text) as SpanJson[];
        const spans = [...exporter.getFinishedSpans().map(spanJson), ...serverSpans];
        const { server } = assertChain(spans, root, 'tools/call echo', version);
        assert.equal(server.attributes['network.transport'], 'pipe');
      } finally {
        await client.close();
      }
    });
  }

  test('legacy HTTP+SSE (2024-11-05 transport): server span is the child of the client span', async () => {
    const http = await serveHttp(observedServer(), { host: '127.0.0.1', port: 0, path: '/mcp', legacySse: true });
    const client = new McpClient(INFO, { http: { transport: 'sse' } });
    try {
      await client.connect(http.url.replace(/\/mcp$/, '/sse'));
      const root = await callInRootSpan(client);
      const { server } = assertChain(exporter.getFinishedSpans().map(spanJson), root, 'tools/call echo', String(client.protocolVersion));
      assert.equal(server.attributes['network.protocol.name'], 'http');
    } finally {
      await client.close();
      await http.close();
    }
  });

  test('a JSON-RPC error marks both spans ERROR with error.type and rpc.response.status_code; a tool error with tool_error', async () => {
    const http = await serveHttp(observedServer(), { host: '127.0.0.1', port: 0, path: '/mcp' });
    try {
      const client = new McpClient(INFO, { era: 'legacy' });
      await client.connect(http.url);
      const refused = await callInRootSpan(client, 'refuses');
      const failed = await callInRootSpan(client, 'fails');
      await client.close();
      const spans = exporter.getFinishedSpans().map(spanJson);
      const r = assertChain(spans, refused, 'tools/call refuses', '2025-11-25');
      for (const s of [r.client, r.server]) {
        assert.equal(s.status.code, SpanStatusCode.ERROR);
        assert.equal(s.attributes['error.type'], '-32602');
        assert.equal(s.attributes['rpc.response.status_code'], '-32602');
      }
      assert.equal(r.server.status.message, 'Invalid params: refused');
      const f = assertChain(spans, failed, 'tools/call fails', '2025-11-25');
      for (const s of [f.client, f.server]) {
        assert.equal(s.status.code, SpanStatusCode.ERROR);
        assert.equal(s.attributes['error.type'], 'tool_error');
      }
    } finally {
      await http.close();
    }
  });

  test('the handler runs with the server span active: spans it starts, before and after an await, are its children', async () => {
    const server = observedServer();
    const inner = trace.getTracer('handler');
    server.registerTool('nested', { inputSchema: { type: 'object', properties: {} } }, async () => {
      inner.startSpan('before-await').end();
      await new Promise((r) => setTimeout(r, 1));
      inner.startSpan('after-await').end();
      return { content: [] };
    });
    const http = await serveHttp(server, { host: '127.0.0.1', port: 0, path: '/mcp' });
    try {
      for (const [, era] of ERAS) {
        exporter.reset();
        const client = new McpClient(INFO, { era });
        await client.connect(http.url);
        await client.callTool({ name: 'nested' });
        await client.close();
        const spans = exporter.getFinishedSpans().map(spanJson);
        const serverSpan = spans.find((s) => s.kind === SpanKind.SERVER && s.name === 'tools/call nested');
        assert.ok(serverSpan);
        for (const name of ['before-await', 'after-await']) {
          const child = spans.find((s) => s.name === name);
          assert.equal(child?.parentSpanId, serverSpan.spanId, `${name} is a child of the server span`);
          assert.equal(child?.traceId, serverSpan.traceId);
        }
      }
    } finally {
      await http.close();
    }
  });

  test('captureContent records tool arguments and results; with no context in _meta and none ambient the server span is a root', async () => {
    tracing.close();
    const capturing = new McpTracing({ captureContent: true, client: false });
    try {
      const http = await serveHttp(observedServer(), { host: '127.0.0.1', port: 0, path: '/mcp' });
      const client = new McpClient(INFO, { era: 'legacy' });
      await client.connect(http.url);
      await client.callTool({ name: 'echo', arguments: { text: 'visible' } });
      await client.close();
      await http.close();
      const server = exporter.getFinishedSpans().map(spanJson).find((s) => s.kind === SpanKind.SERVER && s.name === 'tools/call echo');
      assert.ok(server);
      assert.equal(server.attributes['gen_ai.tool.call.arguments'], JSON.stringify({ text: 'visible' }));
      assert.match(String(server.attributes['gen_ai.tool.call.result']), /visible/);
      assert.equal(server.parentSpanId, undefined, 'no client span injected, no ambient span: a root span');
    } finally {
      capturing.close();
      tracing = new McpTracing();
    }
  });
});
