/**
 * Finding 6: sessions were not bound to their principal, and server→client ids were sequential, so another
 * principal holding a session id answered that session's pending sampling request and deleted the session.
 * Now every session operation must come from the principal that created the session (anyone else gets 404,
 * exactly as for an unknown session), and server→client request ids are random.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createMessage } from '../../src/server/input.js';
import { McpServer } from '../../src/server/mcp-server.js';
import { serveHttp, type HttpServerHandle } from '../../src/transports/http/index.js';
import { assertPing, http, inSession, openSession, until } from './helpers.js';

describe('finding 6: sessions bound to their principal', () => {
  let h: HttpServerHandle;
  before(async () => {
    const server = new McpServer({ name: 'h6', version: '1' });
    server.registerTool('ask', {}, async (_a, ctx) => {
      const answers = await ctx.input({ s: createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }], maxTokens: 5 }) });
      return { content: [{ type: 'text', text: JSON.stringify(answers.s) }] };
    });
    h = await serveHttp(server, { port: 0, keepAliveMs: 0, principal: (req) => (req as { headers: Record<string, string | undefined> }).headers['x-user'] });
  });
  after(() => h.close());

  test("another principal cannot answer, read, resume or delete alice's session; alice's own answer goes through", async () => {
    const alice = { 'x-user': 'alice' };
    const mallory = { 'x-user': 'mallory' };
    const { sid, status } = await openSession(h.url, { headers: alice, version: '2025-06-18', capabilities: { sampling: {} } });
    assert.equal(status, 200);
    // Alice calls a tool that asks her client for sampling; the request arrives on her POST's SSE stream.
    let text = '';
    const done = new Promise<void>((resolve, reject) => {
      const req = request(h.url, { method: 'POST', headers: inSession(sid, '2025-06-18', alice), agent: false }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'ask', arguments: {} } }));
    });
    await until(() => text.includes('sampling/createMessage'));
    const ask = JSON.parse(text.split('\n').find((l) => l.startsWith('data: {'))!.slice(6));
    assert.equal(ask.method, 'sampling/createMessage');
    assert.equal(typeof ask.id, 'string', 'server→client ids are not sequential integers');
    assert.match(ask.id, /^[0-9a-f-]{36}$/);
    // Mallory knows the session id (and guesses the request id): every operation is "Session not found".
    const forged = { jsonrpc: '2.0', id: ask.id, result: { role: 'assistant', content: { type: 'text', text: 'forged' }, model: 'm' } };
    for (const [method, body] of [
      ['POST', JSON.stringify(forged)],
      ['POST', JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' })],
      ['GET', undefined],
      ['DELETE', undefined],
    ] as const) {
      const headers = method === 'GET' ? { accept: 'text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18', ...mallory } : inSession(sid, '2025-06-18', mallory);
      const r = await http(h.url, body === undefined ? { method, headers } : { method, headers, body });
      assert.equal(r.status, 404, `${method} by another principal`);
      assert.equal(r.json.error.code, -32001);
    }
    // Resumption with an event id of alice's stream is refused the same way.
    const eventId = text.split('\n').find((l) => l.startsWith('id: '))?.slice(4);
    assert.ok(eventId);
    const resume = await http(h.url, { method: 'GET', headers: { accept: 'text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18', 'last-event-id': eventId, ...mallory } });
    assert.equal(resume.status, 404);
    // Anonymous requests are another principal too.
    assert.equal((await http(h.url, { headers: inSession(sid, '2025-06-18'), body: JSON.stringify({ jsonrpc: '2.0', id: 10, method: 'ping' }) })).status, 404);
    // Alice's own answer is taken; the tool returns it.
    const answer = { jsonrpc: '2.0', id: ask.id, result: { role: 'assistant', content: { type: 'text', text: 'genuine' }, model: 'm' } };
    assert.equal((await http(h.url, { headers: inSession(sid, '2025-06-18', alice), body: JSON.stringify(answer) })).status, 202);
    await done;
    const final = JSON.parse(text.split('\n').filter((l) => l.startsWith('data: {')).at(-1)!.slice(6));
    assert.match(final.result.content[0].text, /genuine/);
    assert.equal(h.handler.sessionCount, 1, 'the session survived');
    await assertPing(h.url);
  });
});
