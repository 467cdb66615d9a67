/**
 * Legacy stateless mode (`sessions: false`): no Mcp-Session-Id, a short-lived initialized connection per
 * POST, server→client requests on the POST's SSE stream answered by separate POSTs routed by id, 405 for
 * GET/DELETE, `notifications/cancelled` routed to the one matching open POST.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { McpServer } from '../../src/server/mcp-server.js';
import { elicit } from '../../src/server/input.js';
import type { HttpServerHandle } from '../../src/transports/http/index.js';
import { LEGACY_HEADERS, raw, sleep, sseMessages, start, type Probe } from './helpers.js';

const V = '2025-11-25';
const H = { ...LEGACY_HEADERS, 'mcp-protocol-version': V };

function body(msg: Record<string, unknown>): string {
  return JSON.stringify({ jsonrpc: '2.0', ...msg });
}

/** A POST whose SSE response is read incrementally: resolves each message as it arrives. */
async function openPost(url: string, msg: Record<string, unknown>, headers: Record<string, string> = H): Promise<{ next(): Promise<any>; status: number; contentType: string | null; close(): void }> {
  const controller = new AbortController();
  const res = await fetch(url, { method: 'POST', headers, body: body(msg), signal: controller.signal });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const queue: any[] = [];
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    async next() {
      for (;;) {
        if (queue.length > 0) return queue.shift();
        const cut = buffer.indexOf('\n\n');
        if (cut !== -1) {
          queue.push(...sseMessages(buffer.slice(0, cut + 2)));
          buffer = buffer.slice(cut + 2);
          continue;
        }
        const { value, done } = await reader.read();
        if (done) return undefined;
        buffer += value;
      }
    },
    close: () => controller.abort(),
  };
}

function inputServer(probe: Probe, timeoutMs = 5000): McpServer {
  // Server→client requests time out after `timeoutMs`.
  const s = new McpServer({ name: 'stateless-test', version: '1.0.0' }, { requestTimeoutMs: timeoutMs });
  s.registerTool('ask', { inputSchema: { type: 'object' } }, async (_args, ctx) => {
    const a = await ctx.input({ q: elicit({ message: 'name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } } } }) });
    return { content: [{ type: 'text', text: JSON.stringify(a.q) }] };
  });
  s.registerTool('wait', { inputSchema: { type: 'object' } }, (_args, ctx) =>
    new Promise((resolve) => {
      ctx.progress(0, 1);
      ctx.signal.addEventListener('abort', () => {
        probe.cancelled.push(String(ctx.requestId));
        resolve({ content: [{ type: 'text', text: 'aborted' }] });
      });
    }),
  );
  s.registerTool('echo', { inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }, (args: { text?: string }) => ({ content: [{ type: 'text', text: args.text ?? '' }] }));
  s.registerResource('greeting', 'test://greeting', {}, () => ({ contents: [{ uri: 'test://greeting', text: 'hello' }] }));
  return s;
}

describe('Streamable HTTP, legacy stateless mode (sessions: false)', () => {
  let h: HttpServerHandle;
  const probe: Probe = { cancelled: [], release: undefined };
  before(async () => {
    h = await start(inputServer(probe), { sessions: false, maxPendingClientRequests: 1 });
  });
  after(() => h.close());

  test('initialize is answered without Mcp-Session-Id and without channel capabilities', async () => {
    const r = await raw(h.url, {
      headers: LEGACY_HEADERS,
      body: body({ id: 1, method: 'initialize', params: { protocolVersion: V, capabilities: { elicitation: {} }, clientInfo: { name: 't', version: '1' } } }),
    });
    assert.equal(r.status, 200);
    assert.equal(r.headers['mcp-session-id'], undefined);
    assert.equal(r.json.result.protocolVersion, V);
    const caps = r.json.result.capabilities;
    assert.ok(caps.tools && caps.resources);
    assert.equal(caps.tools.listChanged, undefined);
    assert.equal(caps.resources.subscribe, undefined);
    assert.equal(caps.resources.listChanged, undefined);
    assert.equal(h.handler.sessionCount, 0);
    const n = await raw(h.url, { headers: H, body: body({ method: 'notifications/initialized' }) });
    assert.equal(n.status, 202);
  });

  test('a request without a session is served on its own initialized connection', async () => {
    const r = await raw(h.url, { headers: H, body: body({ id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } }) });
    assert.equal(r.status, 200);
    assert.equal(r.json.result.content[0].text, 'x');
    assert.equal(r.json.result.resultType, undefined);
    // Without the version header the server assumes 2025-03-26.
    const old = await raw(h.url, { headers: LEGACY_HEADERS, body: body({ id: 3, method: 'resources/read', params: { uri: 'test://greeting' } }) });
    assert.equal(old.json.result.contents[0].text, 'hello');
    const ping = await raw(h.url, { headers: H, body: body({ id: 4, method: 'ping' }) });
    assert.deepEqual(ping.json.result, {});
    // A session id sent anyway is ignored.
    const sid = await raw(h.url, { headers: { ...H, 'mcp-session-id': 'nope' }, body: body({ id: 5, method: 'tools/list' }) });
    assert.equal(sid.status, 200);
    assert.ok(sid.json.result.tools.length > 0);
  });

  test('bad version header → 400; invalid message → 400; resources/subscribe → -32601', async () => {
    const bad = await raw(h.url, { headers: { ...LEGACY_HEADERS, 'mcp-protocol-version': '1999-01-01' }, body: body({ id: 1, method: 'tools/list' }) });
    assert.equal(bad.status, 400);
    const inv = await raw(h.url, { headers: H, body: JSON.stringify({ foo: 1 }) });
    assert.equal(inv.status, 400);
    const sub = await raw(h.url, { headers: H, body: body({ id: 6, method: 'resources/subscribe', params: { uri: 'test://greeting' } }) });
    assert.equal(sub.status, 200);
    assert.equal(sub.json.error.code, -32601);
    assert.match(sub.json.error.message, /without sessions/);
  });

  test('GET and DELETE answer 405 with Allow: POST', async () => {
    for (const method of ['GET', 'DELETE']) {
      const r = await raw(h.url, { method, headers: { accept: 'text/event-stream' } });
      assert.equal(r.status, 405, method);
      assert.equal(r.headers.allow, 'POST');
      assert.equal(r.json.error.code, -32000);
    }
  });

  test('elicitation round trip: the request arrives on the POST stream, the answer is routed by its id', async () => {
    const post = await openPost(h.url, { id: 10, method: 'tools/call', params: { name: 'ask', arguments: {} } });
    assert.equal(post.status, 200);
    assert.match(post.contentType ?? '', /text\/event-stream/);
    const ask = await post.next();
    assert.equal(ask.method, 'elicitation/create');
    assert.equal(typeof ask.id, 'string');
    assert.equal(ask.params.mode, 'form');
    // An answer with an unknown id is refused with 404; one without an id with 400.
    const unknown = await raw(h.url, { headers: H, body: body({ id: 'not-pending', result: { action: 'decline' } }) });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.code, -32600);
    assert.equal(unknown.json.id, null);
    const noId = await raw(h.url, { headers: H, body: body({ id: null, error: { code: -32603, message: 'x' } }) });
    assert.equal(noId.status, 400);
    // The table is bounded (maxPendingClientRequests: 1): a second asker fails at once.
    const second = await raw(h.url, { headers: H, body: body({ id: 11, method: 'tools/call', params: { name: 'ask', arguments: {} } }) });
    assert.match(JSON.stringify(sseMessages(second.text).at(-1) ?? second.json), /maxPendingClientRequests/);
    const answer = await raw(h.url, { headers: H, body: body({ id: ask.id, result: { action: 'accept', content: { name: 'Ada' } } }) });
    assert.equal(answer.status, 202);
    const result = await post.next();
    assert.equal(result.id, 10);
    assert.deepEqual(JSON.parse(result.result.content[0].text), { action: 'accept', content: { name: 'Ada' } });
    assert.equal(await post.next(), undefined, 'the stream ends after the answer');
    // Answered: the id is gone (a replay is unknown), and the table has room again.
    const replay = await raw(h.url, { headers: H, body: body({ id: ask.id, result: { action: 'accept', content: {} } }) });
    assert.equal(replay.status, 404);
    const again = await openPost(h.url, { id: 12, method: 'tools/call', params: { name: 'ask', arguments: {} } });
    const ask2 = await again.next();
    assert.equal(ask2.method, 'elicitation/create');
    assert.notEqual(ask2.id, ask.id);
    // Closing the asking POST ends its connection and frees its pending id.
    again.close();
    await sleep(50);
    const late = await raw(h.url, { headers: H, body: body({ id: ask2.id, result: { action: 'decline' } }) });
    assert.equal(late.status, 404);
  });

  test('notifications/cancelled without a session reaches the one open POST with that request id', async () => {
    const post = await openPost(h.url, { id: 'w-1', method: 'tools/call', params: { name: 'wait', arguments: {}, _meta: { progressToken: 'p' } } });
    const progress = await post.next();
    assert.equal(progress.method, 'notifications/progress');
    const c = await raw(h.url, { headers: H, body: body({ method: 'notifications/cancelled', params: { requestId: 'w-1', reason: 'test' } }) });
    assert.equal(c.status, 202);
    assert.equal(await post.next(), undefined, 'the stream ends without a response');
    assert.deepEqual(probe.cancelled, ['w-1']);
    const r = await raw(h.url, { headers: H, body: body({ id: 13, method: 'tools/call', params: { name: 'echo', arguments: { text: 'still here' } } }) });
    assert.equal(r.json.result.content[0].text, 'still here');
  });

  test('two open POSTs with the same request id: a cancel is ambiguous and cancels neither', async () => {
    const a = await openPost(h.url, { id: 'dup', method: 'tools/call', params: { name: 'wait', arguments: {}, _meta: { progressToken: 'a' } } });
    const b = await openPost(h.url, { id: 'dup', method: 'tools/call', params: { name: 'wait', arguments: {}, _meta: { progressToken: 'b' } } });
    await a.next();
    await b.next();
    const before = probe.cancelled.length;
    await raw(h.url, { headers: H, body: body({ method: 'notifications/cancelled', params: { requestId: 'dup' } }) });
    await sleep(30);
    assert.equal(probe.cancelled.length, before);
    // Closing a POST's response is a disconnect: its connection closes and its handler's signal aborts.
    a.close();
    b.close();
    await sleep(50);
    assert.equal(probe.cancelled.length, before + 2);
  });

  test('2025-03-26 batches are served on one connection; other versions refuse them', async () => {
    const hdr = { ...LEGACY_HEADERS, 'mcp-protocol-version': '2025-03-26' };
    const r = await raw(h.url, {
      headers: hdr,
      body: JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'ping' },
        { jsonrpc: '2.0', method: 'notifications/initialized' },
        { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'b' } } },
      ]),
    });
    assert.equal(r.status, 200);
    assert.ok(Array.isArray(r.json));
    assert.deepEqual(r.json.map((m: { id: number }) => m.id).sort(), [1, 2]);
    const refused = await raw(h.url, { headers: H, body: JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'ping' }]) });
    assert.equal(refused.status, 400);
  });
});

describe('legacy stateless mode: timeouts, principals and the modern era beside it', () => {
  let h: HttpServerHandle;
  const probe: Probe = { cancelled: [], release: undefined };
  before(async () => {
    h = await start(inputServer(probe, 150), { sessions: false, principal: (req) => (req as { headers: Record<string, string> }).headers['x-user'] });
  });
  after(() => h.close());

  test('a timed-out server→client request is forgotten; an answer from another principal is unknown', async () => {
    const post = await openPost(h.url, { id: 1, method: 'tools/call', params: { name: 'ask', arguments: {} } }, { ...H, 'x-user': 'alice' });
    const ask = await post.next();
    const stranger = await raw(h.url, { headers: { ...H, 'x-user': 'mallory' }, body: body({ id: ask.id, result: { action: 'accept', content: {} } }) });
    assert.equal(stranger.status, 404);
    const cancel = await post.next();
    assert.equal(cancel.method, 'notifications/cancelled');
    assert.equal(cancel.params.requestId, ask.id);
    const result = await post.next();
    assert.equal(result.id, 1);
    assert.ok(result.error || result.result?.isError, 'the timeout surfaces as an error');
    const late = await raw(h.url, { headers: { ...H, 'x-user': 'alice' }, body: body({ id: ask.id, result: { action: 'accept', content: {} } }) });
    assert.equal(late.status, 404);
  });

  test('modern requests are unaffected', async () => {
    const r = await raw(h.url, {
      headers: { ...LEGACY_HEADERS, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'echo' },
      body: body({
        id: 1,
        method: 'tools/call',
        params: {
          name: 'echo',
          arguments: { text: 'modern' },
          _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} },
        },
      }),
    });
    assert.equal(r.status, 200);
    assert.equal(r.json.result.resultType, 'complete');
    const noMeta = await raw(h.url, { headers: { ...LEGACY_HEADERS, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' }, body: body({ id: 2, method: 'tools/list' }) });
    assert.equal(noMeta.status, 400);
  });
});
