/**
 * Metrics after a known mix of calls: exact counts and labels of every series, read from `/metrics` over
 * HTTP and parsed with a Prometheus text-format parser.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { McpClient } from '../../src/client/index.js';
import { McpMetrics, metricsHandler } from '../../src/observability/metrics.js';
import { DURATION_BUCKETS } from '../../src/observability/semconv.js';
import { serveHttp, type HttpServerHandle } from '../../src/transports/http/index.js';
import { INFO, key, observedServer, parseExposition, series } from './helpers.js';

const LEGACY = '2025-11-25';
const MODERN = '2026-07-28';
const HTTP = { network_transport: 'tcp', network_protocol_name: 'http' };

describe('metrics after a known mix of calls over Streamable HTTP', () => {
  let metrics: McpMetrics;
  let http: HttpServerHandle;
  let text: string;

  before(async () => {
    metrics = new McpMetrics({ defaultMetrics: false });
    const server = observedServer();
    http = await serveHttp(server, { host: '127.0.0.1', port: 0, path: '/mcp', routes: { '/metrics': metricsHandler(metrics, { token: 's3cret' }) } });

    const legacy = new McpClient(INFO, { era: 'legacy' });
    await legacy.connect(http.url);
    for (let i = 0; i < 3; i++) await legacy.callTool({ name: 'echo', arguments: { text: `hi ${i}` } });
    await legacy.callTool({ name: 'fails' });
    // A thrown Error is a tool error (a result with isError), as the spec asks of tool failures.
    assert.equal((await legacy.callTool({ name: 'throws' })).isError, true);
    await assert.rejects(legacy.callTool({ name: 'refuses' }), /refused/);
    await legacy.listTools();
    await legacy.getPrompt({ name: 'greet' });
    await legacy.close();

    const modern = new McpClient(INFO, { era: { pin: MODERN } });
    await modern.connect(http.url);
    await modern.callTool({ name: 'echo', arguments: { text: 'a' } });
    await modern.callTool({ name: 'echo', arguments: { text: 'b' } });
    await modern.close();

    // A modern request for a method nobody serves: rejected before any handler runs.
    const res = await fetch(http.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': MODERN, 'mcp-method': 'no/such' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'no/such', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} } } }),
    });
    assert.equal(res.status, 404, await res.text());

    const scraped = await fetch(http.url.replace(/\/mcp$/, '/metrics'), { headers: { authorization: 'Bearer s3cret' } });
    assert.equal(scraped.status, 200);
    assert.match(scraped.headers.get('content-type') ?? '', /^text\/plain/);
    text = await scraped.text();
    if (process.env.VELO_PRINT_METRICS) console.log(text);
  });

  after(async () => {
    metrics.close();
    await http.close();
  });

  test('/metrics refuses a scrape without the bearer token', async () => {
    const res = await fetch(http.url.replace(/\/mcp$/, '/metrics'));
    assert.equal(res.status, 401);
    const wrong = await fetch(http.url.replace(/\/mcp$/, '/metrics'), { headers: { authorization: 'Bearer nope' } });
    assert.equal(wrong.status, 401);
  });

  test('mcp_server_operation_duration_seconds counts every served request, by method, tool, prompt, version and error type', () => {
    const got = series(parseExposition(text), 'mcp_server_operation_duration_seconds');
    const tool = (name: string, version: string, extra: Record<string, string> = {}): string =>
      key({ mcp_method_name: 'tools/call', gen_ai_tool_name: name, gen_ai_operation_name: 'execute_tool', mcp_protocol_version: version, ...HTTP, ...extra });
    const expected = new Map<string, number>([
      [tool('echo', LEGACY), 3],
      [tool('fails', LEGACY, { error_type: 'tool_error' }), 1],
      [tool('throws', LEGACY, { error_type: 'tool_error' }), 1],
      [tool('refuses', LEGACY, { error_type: '-32602', rpc_response_status_code: '-32602' }), 1],
      [key({ mcp_method_name: 'tools/list', mcp_protocol_version: LEGACY, ...HTTP }), 1],
      [key({ mcp_method_name: 'prompts/get', gen_ai_prompt_name: 'greet', mcp_protocol_version: LEGACY, ...HTTP }), 1],
      [tool('echo', MODERN), 2],
      [key({ mcp_method_name: 'server/discover', mcp_protocol_version: MODERN, ...HTTP }), 1],
    ]);
    assert.deepEqual(new Map([...got].sort()), new Map([...expected].sort()));
  });

  test('the duration histograms use the semantic conventions\' bucket boundaries, in seconds', () => {
    const families = parseExposition(text);
    assert.equal(families.get('mcp_server_operation_duration_seconds')?.type, 'HISTOGRAM');
    const echo = { mcp_method_name: 'tools/call', gen_ai_tool_name: 'echo', gen_ai_operation_name: 'execute_tool', mcp_protocol_version: LEGACY, ...HTTP };
    const buckets = (families.get('mcp_server_operation_duration_seconds_bucket')?.metrics ?? []).filter((m) => {
      const { le: _le, ...rest } = m.labels ?? {};
      return key(rest) === key(echo);
    });
    assert.deepEqual(buckets.map((m) => m.labels?.le), [...DURATION_BUCKETS.map(String), '+Inf']);
    assert.equal(Number(buckets.at(-1)?.value), 3, 'the +Inf bucket holds every echo call');
    const counts = buckets.map((m) => Number(m.value));
    assert.deepEqual(counts, [...counts].sort((a, b) => a - b), 'buckets are cumulative');
    for (const m of families.get('mcp_server_operation_duration_seconds_sum')?.metrics ?? []) assert.ok(Number(m.value) >= 0 && Number(m.value) < 60, `sum ${m.value} is a time in seconds`);
  });

  test('the client side records mcp_client_operation_duration_seconds for the same calls', () => {
    const got = series(parseExposition(text), 'mcp_client_operation_duration_seconds');
    const tool = (name: string, version: string, extra: Record<string, string> = {}): string =>
      key({ mcp_method_name: 'tools/call', gen_ai_tool_name: name, gen_ai_operation_name: 'execute_tool', mcp_protocol_version: version, ...extra });
    assert.equal(got.get(tool('echo', LEGACY)), 3);
    assert.equal(got.get(tool('echo', MODERN)), 2);
    assert.equal(got.get(tool('fails', LEGACY, { error_type: 'tool_error' })), 1);
    assert.equal(got.get(tool('refuses', LEGACY, { error_type: '-32602', rpc_response_status_code: '-32602' })), 1);
  });

  test('errors by error.type, rejections, sessions and in-flight gauges', () => {
    const families = parseExposition(text);
    assert.deepEqual(
      new Map([...series(families, 'velomcp_errors_total')].sort()),
      new Map(
        [
          [key({ error_type: 'tool_error', mcp_method_name: 'tools/call' }), 2],
          [key({ error_type: '-32602', mcp_method_name: 'tools/call' }), 1],
        ].sort() as [string, number][],
      ),
    );
    assert.deepEqual([...series(families, 'velomcp_rejected_messages_total')], [[key({ error_type: '-32601', transport: 'http' }), 1]]);
    assert.deepEqual([...series(families, 'velomcp_sessions_active')], [[key({ transport: 'http' }), 0]]);
    assert.deepEqual([...series(families, 'mcp_server_session_duration_seconds')], [[key({ mcp_protocol_version: LEGACY, ...HTTP }), 1]]);
    assert.deepEqual([...series(families, 'velomcp_requests_in_flight')], [[key({ transport: 'http' }), 0]]);
    // Every HTTP connection opened was closed again (legacy session, one per modern request).
    assert.deepEqual([...series(families, 'velomcp_connections_active')], [[key({ transport: 'http' }), 0]]);
  });
});
