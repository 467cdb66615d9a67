import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { initialize, LEGACY_HEADERS, makeServer, parseSse, raw, sleep, sseMessages, start } from './helpers.js';
import type { McpServer } from '../../src/server/mcp-server.js';
import type { HttpServerHandle } from '../../src/transports/http/index.js';

function post(url: string, sid: string, message: unknown, version = '2025-11-25') {
  return raw(url, { headers: { ...LEGACY_HEADERS, 'mcp-session-id': sid, 'mcp-protocol-version': version }, body: JSON.stringify(message) });
}

/** Opens a GET stream and collects its text until `close()` is called. */
function openGet(url: string, headers: Record<string, string>) {
  let text = '';
  let status = 0;
  let waiters: (() => void)[] = [];
  const req = httpRequest(url, { method: 'GET', headers: { accept: 'text/event-stream', ...headers } });
  const ready = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      status = res.statusCode ?? 0;
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
        for (const w of waiters.splice(0)) w();
      });
      res.on('error', () => undefined);
      resolve(status);
    });
    req.on('error', reject);
  });
  req.end();
  return {
    ready,
    get text() {
      return text;
    },
    async waitFor(pred: (t: string) => boolean, ms = 3000): Promise<void> {
      const deadline = Date.now() + ms;
      while (!pred(text)) {
        if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(text)}`);
        await Promise.race([new Promise<void>((r) => waiters.push(r)), sleep(50)]);
      }
    },
    close: () => req.destroy(),
  };
}

describe('legacy era (2025-03-26…2025-11-25) over Streamable HTTP', () => {
  let h: HttpServerHandle;
  let server: McpServer;
  before(async () => {
    server = makeServer();
    h = await start(server);
  });
  after(() => h.close());

  test('initialize mints a session id and later requests use it', async () => {
    const sid = await initialize(h.url);
    assert.match(sid, /^[0-9a-f-]{36}$/);
    const r = await post(h.url, sid, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'yo' } } });
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /application\/json/);
    assert.equal(r.json.result.content[0].text, 'yo');
    assert.equal(r.json.result.resultType, undefined, 'legacy results carry no resultType');
  });

  test('a request that reports progress is answered over SSE with a priming event and retry', async () => {
    const sid = await initialize(h.url);
    const r = await post(h.url, sid, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'progress', arguments: {}, _meta: { progressToken: 5 } } });
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /text\/event-stream/);
    const events = parseSse(r.text);
    assert.equal(events[0]?.data, '');
    assert.ok(events[0]?.id);
    assert.equal(events[0]?.retry, 1000);
    for (const e of events) assert.ok(e.id?.startsWith(sid), 'event ids encode the session stream');
    const msgs = sseMessages(r.text);
    assert.equal(msgs[0].method, 'notifications/progress');
    assert.equal(msgs.at(-1).id, 2);
  });

  test('resumable sessions (2025-03-26 on) get a priming event first; 2024-11-05 sessions get none', async () => {
    const sid = await initialize(h.url, '2025-03-26');
    const r = await post(h.url, sid, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'progress', arguments: {}, _meta: { progressToken: 5 } } }, '2025-03-26');
    const first = parseSse(r.text)[0];
    assert.equal(first?.data, '');
    assert.ok(first?.id, 'the priming event carries an id to resume from');
    const old = await initialize(h.url, '2024-11-05');
    const r2 = await post(h.url, old, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'progress', arguments: {}, _meta: { progressToken: 6 } } }, '2024-11-05');
    assert.notEqual(parseSse(r2.text)[0]?.data, '');
  });

  test('2025-03-26 sessions accept batches', async () => {
    const sid = await initialize(h.url, '2025-03-26');
    const r = await post(
      h.url,
      sid,
      [
        { jsonrpc: '2.0', id: 'a', method: 'tools/list' },
        { jsonrpc: '2.0', id: 'b', method: 'prompts/list' },
      ],
      '2025-03-26',
    );
    assert.equal(r.status, 200);
    assert.ok(Array.isArray(r.json));
    assert.deepEqual(r.json.map((m: { id: string }) => m.id).sort(), ['a', 'b']);
    const later = await post(h.url, sid, [{ jsonrpc: '2.0', id: 'c', method: 'tools/list' }]);
    assert.equal(later.status, 200);
  });

  test('batches are rejected for later revisions', async () => {
    const sid = await initialize(h.url);
    const r = await post(h.url, sid, [{ jsonrpc: '2.0', id: 'a', method: 'tools/list' }]);
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, -32600);
  });

  test('a missing session id is 400, an unknown one 404, DELETE ends a session', async () => {
    const noSid = await raw(h.url, { headers: { ...LEGACY_HEADERS, 'mcp-protocol-version': '2025-11-25' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) });
    assert.equal(noSid.status, 400);
    const unknown = await post(h.url, 'no-such-session', { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    assert.equal(unknown.status, 404);
    const sid = await initialize(h.url);
    const del = await raw(h.url, { method: 'DELETE', headers: { 'mcp-session-id': sid } });
    assert.equal(del.status, 200);
    assert.equal((await post(h.url, sid, { jsonrpc: '2.0', id: 1, method: 'tools/list' })).status, 404);
  });

  test('MCP-Protocol-Version: missing means 2025-03-26, unsupported is 400', async () => {
    const sid = await initialize(h.url);
    const missing = await raw(h.url, { headers: { ...LEGACY_HEADERS, 'mcp-session-id': sid }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) });
    assert.equal(missing.status, 200);
    const bad = await post(h.url, sid, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, '1999-01-01');
    assert.equal(bad.status, 400);
  });

  test('a notification gets 202 with no body', async () => {
    const sid = await initialize(h.url);
    const r = await post(h.url, sid, { jsonrpc: '2.0', method: 'notifications/roots/list_changed' });
    assert.equal(r.status, 202);
    assert.equal(r.text, '');
  });

  test('the standalone GET stream carries connection-level notifications', async () => {
    const sid = await initialize(h.url);
    const get = openGet(h.url, { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' });
    assert.equal(await get.ready, 200);
    await get.waitFor((t) => t.includes('retry:'));
    server.notifyListChanged('tools');
    await get.waitFor((t) => t.includes('notifications/tools/list_changed'));
    const second = openGet(h.url, { 'mcp-session-id': sid });
    assert.equal(await second.ready, 409, 'one standalone stream per session');
    second.close();
    get.close();
  });

  test('GET without Accept: text/event-stream is 406', async () => {
    const sid = await initialize(h.url);
    const r = await raw(h.url, { method: 'GET', headers: { accept: 'application/json', 'mcp-session-id': sid } });
    assert.equal(r.status, 406);
  });
});

describe('legacy server→client requests', () => {
  test('the client answers a roots/list request by POSTing a response (202) and the tool completes', async () => {
    const h = await start(makeServer());
    try {
      const init = await raw(h.url, {
        headers: LEGACY_HEADERS,
        body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: { roots: {} }, clientInfo: { name: 't', version: '1' } } }),
      });
      const sid = String(init.headers['mcp-session-id']);
      const headers = { ...LEGACY_HEADERS, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
      let text = '';
      let answered = false;
      const done = new Promise<string>((resolve, reject) => {
        const req = httpRequest(h.url, { method: 'POST', headers }, (res) => {
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            text += c;
            const req2 = sseMessages(text.slice(0, text.lastIndexOf('\n\n') + 2)).find((m) => m.method === 'roots/list');
            if (req2 && !answered) {
              answered = true;
              void raw(h.url, { headers, body: JSON.stringify({ jsonrpc: '2.0', id: req2.id, result: { roots: [{ uri: 'file:///tmp' }] } }) }).then((r) => assert.equal(r.status, 202));
            }
          });
          res.on('end', () => resolve(text));
        });
        req.on('error', reject);
        req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'roots', arguments: {} } }));
      });
      const final = sseMessages(await done).at(-1);
      assert.equal(final.id, 1);
      assert.match(final.result.content[0].text, /file:\/\/\/tmp/);
    } finally {
      await h.close();
    }
  });
});
