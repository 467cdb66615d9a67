/**
 * Faults: the client reports each one clearly (a VeloError with a stable code, or an onError report) and
 * leaks nothing: no child process, socket or timer survives `close()`.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { McpClient, StdioClientTransport } from '../../src/client/index.js';
import { VeloError } from '../../src/jsonrpc/errors.js';
import { assertNoLeaks, fixture, json, rawServer, resources } from './helpers.js';

const INFO = { name: 'faults', version: '1.0.0' };
const raw = (...args: string[]): StdioClientTransport => new StdioClientTransport({ command: process.execPath, args: [fixture('raw-stdio-server.js'), ...args], closeGraceMs: 200, killTimeoutMs: 500 });
const isVelo = (code: string, pattern?: RegExp) => (err: unknown): boolean => {
  assert.ok(err instanceof VeloError, `expected a VeloError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  if (pattern) assert.match(err.message, pattern);
  return true;
};

describe('client faults over stdio', () => {
  test('a server crash mid-request fails the request with VELO_CONNECTION_CLOSED naming the exit code and stderr', async () => {
    const before = resources();
    let closed: Error | undefined;
    const client = new McpClient(INFO, { era: 'legacy', onClose: (i) => (closed = i.error) });
    await client.connect(raw('crash-on-call'));
    await assert.rejects(client.callTool({ name: 't' }), isVelo('VELO_CONNECTION_CLOSED', /exited with code 3.*simulated crash/s));
    assert.match(String(closed?.message), /exited with code 3/);
    await assert.rejects(client.listTools(), isVelo('VELO_NOT_CONNECTED'));
    await client.close();
    await assertNoLeaks(before);
  });

  test('a modern request lost in a crash is re-issued after the client respawns the server', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'velomcp-client-'));
    const before = resources();
    const reconnects: number[] = [];
    const client = new McpClient(INFO, { reconnect: { initialDelayMs: 20 }, onReconnect: (i) => reconnects.push(i.attempt) });
    try {
      await client.connect(() => raw('crash-once-modern', join(dir, 'marker')));
      assert.equal(client.era, 'modern');
      const r = await client.callTool({ name: 't' });
      assert.match((r.content[0] as { text: string }).text, /^ok from \d+$/);
      assert.deepEqual(reconnects, [1]);
    } finally {
      await client.close();
      rmSync(dir, { recursive: true, force: true });
    }
    await assertNoLeaks(before);
  });

  test('a server that never answers initialize makes connect() time out and the child is stopped', async () => {
    const before = resources();
    const client = new McpClient(INFO, { era: 'legacy', requestTimeoutMs: 300 });
    await assert.rejects(client.connect(raw('never-init')), isVelo('VELO_REQUEST_TIMEOUT'));
    await assertNoLeaks(before);
  });

  test('auto mode treats a silent server/discover as legacy (timeout), then times out on initialize', async () => {
    const client = new McpClient(INFO, { probeTimeoutMs: 150, requestTimeoutMs: 200 });
    await assert.rejects(client.connect(raw('never-init')), isVelo('VELO_REQUEST_TIMEOUT'));
  });

  test('malformed and oversized frames are reported through onError and the connection keeps working', async () => {
    const errors: Error[] = [];
    const client = new McpClient(INFO, { era: 'legacy', onError: (e) => errors.push(e) });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [fixture('raw-stdio-server.js'), 'malformed'], maxMessageBytes: 1024 }));
    const { tools } = await client.listTools();
    assert.equal(tools.length, 1);
    assert.ok(errors.some((e) => e instanceof SyntaxError), 'non-JSON line reported');
    assert.ok(errors.some((e) => e instanceof VeloError && e.code === 'VELO_MESSAGE_TOO_LARGE'), 'oversized line reported');
    await client.close();
  });

  test('a slow server: the timeout resets on progress but the hard maximum still applies', async () => {
    const before = resources();
    const client = new McpClient(INFO, { era: 'legacy' });
    await client.connect(raw('slow'));
    let progress = 0;
    const started = Date.now();
    await assert.rejects(
      client.callTool({ name: 't' }, { timeoutMs: 150, resetTimeoutOnProgress: true, maxTotalTimeoutMs: 600, onProgress: () => progress++ }),
      isVelo('VELO_REQUEST_TIMEOUT', /maximum total time/),
    );
    assert.ok(Date.now() - started >= 550, 'kept alive by progress past the plain timeout');
    assert.ok(progress >= 5);
    await assert.rejects(client.callTool({ name: 't' }, { timeoutMs: 100 }), isVelo('VELO_REQUEST_TIMEOUT', /timed out after 100 ms/));
    const abort = new AbortController();
    setTimeout(() => abort.abort('user'), 50);
    await assert.rejects(client.callTool({ name: 't' }, { signal: abort.signal }), isVelo('VELO_REQUEST_CANCELLED'));
    await client.close();
    await assertNoLeaks(before);
  });

  test('a missing program rejects connect() with VELO_CONNECTION_CLOSED', async () => {
    const client = new McpClient(INFO);
    await assert.rejects(client.connect(new StdioClientTransport({ command: 'velomcp-no-such-program-xyz' })), isVelo('VELO_CONNECTION_CLOSED', /ENOENT/));
  });
});

const discover = (id: unknown) => ({ jsonrpc: '2.0', id, result: { resultType: 'complete', supportedVersions: ['2026-07-28'], capabilities: { tools: {} }, ttlMs: 0, cacheScope: 'public' } });

describe('client faults over HTTP', () => {
  test('modern: a connection reset mid-call and a stream closed before its response are re-issued with new ids', async () => {
    const before = resources();
    const ids: unknown[] = [];
    let calls = 0;
    const srv = await rawServer((req, res, body) => {
      const msg = JSON.parse(body) as { id: unknown; method: string };
      if (msg.method === 'server/discover') return json(res, 200, discover(msg.id));
      ids.push(msg.id);
      calls++;
      if (calls === 1) return void req.socket.destroy();
      if (calls === 2) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x' } })}\n\n`);
        return void res.end();
      }
      json(res, 200, { jsonrpc: '2.0', id: msg.id, result: { resultType: 'complete', content: [{ type: 'text', text: 'third time' }] } });
    });
    const client = new McpClient(INFO);
    await client.connect(srv.url);
    const r = await client.callTool({ name: 't' });
    assert.deepEqual(r.content[0], { type: 'text', text: 'third time' });
    assert.equal(new Set(ids).size, 3, 'every re-issue has a new JSON-RPC id');
    await client.close();
    await srv.close();
    await assertNoLeaks(before);
  });

  test('legacy: a stream closed mid-call is resumed with GET and Last-Event-ID after the retry delay', async () => {
    let pending: unknown;
    let lastEventId: string | undefined;
    const srv = await rawServer((req, res, body) => {
      if (req.method === 'GET') {
        if (!req.headers['last-event-id']) return void res.writeHead(405).end();
        lastEventId = req.headers['last-event-id'] as string;
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        return void res.write(`id: e2\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: pending, result: { content: [{ type: 'text', text: 'resumed' }] } })}\n\n`);
      }
      const msg = JSON.parse(body) as { id?: unknown; method: string };
      if (msg.method === 'server/discover') return json(res, 404, { error: 'not found' });
      if (msg.method === 'initialize') return json(res, 200, { jsonrpc: '2.0', id: msg.id, result: { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'r', version: '1' } } }, { 'mcp-session-id': 's1' });
      if (msg.id === undefined) return void res.writeHead(202).end();
      pending = msg.id;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('id: e1\nretry: 100\ndata: \n\n');
      setTimeout(() => res.end(), 20);
    });
    const client = new McpClient(INFO);
    await client.connect(srv.url);
    assert.equal(client.era, 'legacy');
    const r = await client.callTool({ name: 't' });
    assert.deepEqual(r.content[0], { type: 'text', text: 'resumed' });
    assert.equal(lastEventId, 'e1');
    await client.close();
    await srv.close();
  });

  test('legacy: a connection reset fails the request with a clear VELO_CONNECTION_CLOSED (not re-sent)', async () => {
    const srv = await rawServer((req, res, body) => {
      if (req.method !== 'POST') return void res.writeHead(405).end();
      const msg = JSON.parse(body) as { id?: unknown; method: string };
      if (msg.method === 'initialize') return json(res, 200, { jsonrpc: '2.0', id: msg.id, result: { protocolVersion: '2025-11-25', capabilities: {}, serverInfo: { name: 'r', version: '1' } } });
      if (msg.id === undefined) return void res.writeHead(202).end();
      req.socket.destroy();
    });
    const client = new McpClient(INFO, { era: 'legacy' });
    await client.connect(srv.url);
    await assert.rejects(client.callTool({ name: 't' }), isVelo('VELO_CONNECTION_CLOSED', /legacy session; not re-sent/));
    await client.close();
    await srv.close();
  });

  test('legacy: an expired session (404) is re-initialized, the caller is told, and the request succeeds', async () => {
    let sessions = 0;
    const live = new Set<string>();
    const srv = await rawServer((req, res, body) => {
      if (req.method !== 'POST') return void res.writeHead(405).end();
      const msg = JSON.parse(body) as { id?: unknown; method: string };
      if (msg.method === 'initialize') {
        const sid = `s${++sessions}`;
        live.add(sid);
        return json(res, 200, { jsonrpc: '2.0', id: msg.id, result: { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'r', version: '1' } } }, { 'mcp-session-id': sid });
      }
      const sid = req.headers['mcp-session-id'] as string;
      if (!live.has(sid)) return json(res, 404, { jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } });
      if (msg.id === undefined) return void res.writeHead(202).end();
      json(res, 200, { jsonrpc: '2.0', id: msg.id, result: { tools: [{ name: `from-${sid}`, inputSchema: { type: 'object' } }] } });
    });
    const expired: string[] = [];
    const client = new McpClient(INFO, { era: 'legacy', onSessionExpired: (i) => expired.push(i.reason) });
    await client.connect(srv.url);
    assert.equal(client.sessionId, 's1');
    live.clear();
    const { tools } = await client.listTools();
    assert.equal(tools[0]!.name, 'from-s2');
    assert.equal(client.sessionId, 's2');
    assert.equal(expired.length, 1);
    await client.close();
    await srv.close();
  });

  test('non-JSON-RPC error bodies become VELO_HTTP_ERROR; a bad SSE event is reported through onError', async () => {
    const errors: Error[] = [];
    const srv = await rawServer((_req, res, body) => {
      const msg = JSON.parse(body) as { id: unknown; method: string; params?: { name?: string } };
      if (msg.method === 'server/discover') return json(res, 200, discover(msg.id));
      if (msg.params?.name === 'boom') {
        res.writeHead(500, { 'content-type': 'text/plain' });
        return void res.end('internal trouble');
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`data: {not json\n\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: { content: [] } })}\n\n`);
    });
    const client = new McpClient(INFO, { onError: (e) => errors.push(e) });
    await client.connect(srv.url);
    await assert.rejects(client.callTool({ name: 'boom' }), isVelo('VELO_HTTP_ERROR', /HTTP 500.*internal trouble/));
    await client.callTool({ name: 'fine' });
    assert.ok(errors.some((e) => e instanceof SyntaxError));
    await client.close();
    await srv.close();
  });
});
