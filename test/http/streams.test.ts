import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { initialize, LEGACY_HEADERS, makeServer, modernRequest, parseSse, raw, sleep, sseMessages, start, type Probe } from './helpers.js';

/** Starts a request and resolves once the response headers and the first body bytes arrived. */
function openStream(url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ req: ClientRequest; res: IncomingMessage; text: () => string; ended: Promise<void> }> {
  return new Promise((resolve, reject) => {
    let text = '';
    const req = httpRequest(url, { method, headers }, (res) => {
      res.setEncoding('utf8');
      const ended = new Promise<void>((r) => {
        res.on('end', r);
        res.on('close', r);
        res.on('error', () => r());
      });
      let resolved = false;
      res.on('data', (c: string) => {
        text += c;
        if (!resolved) {
          resolved = true;
          resolve({ req, res, text: () => text, ended });
        }
      });
    });
    req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
    req.end(body);
  });
}

async function until(pred: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(10);
  }
}

describe('streams, cancellation and backpressure', () => {
  test('a modern client that disconnects mid-stream cancels its request; the server keeps serving', async () => {
    const probe: Probe = { cancelled: [], release: undefined };
    const h = await start(makeServer(probe));
    try {
      const { headers, body } = modernRequest(1, 'tools/call', { name: 'wait', arguments: { tag: 'm1' } }, { progressToken: 1 });
      const s = await openStream(h.url, 'POST', headers, body);
      assert.match(String(s.res.headers['content-type']), /text\/event-stream/);
      s.req.destroy();
      await until(() => probe.cancelled.includes('m1'));
      const again = modernRequest(2, 'tools/call', { name: 'echo', arguments: { text: 'still here' } });
      assert.equal((await raw(h.url, again)).json.result.content[0].text, 'still here');
    } finally {
      await h.close();
    }
  });

  test('a legacy disconnect is not a cancel; the result is replayed on GET with Last-Event-ID', async () => {
    const probe: Probe = { cancelled: [], release: undefined };
    const h = await start(makeServer(probe));
    try {
      const sid = await initialize(h.url);
      const headers = { ...LEGACY_HEADERS, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
      const s = await openStream(h.url, 'POST', headers, JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'wait', arguments: { tag: 'l1' }, _meta: { progressToken: 9 } } }));
      await until(() => sseMessages(s.text()).length >= 1);
      const lastId = parseSse(s.text()).filter((e) => e.id).at(-1)?.id as string;
      s.req.destroy();
      await sleep(50);
      assert.deepEqual(probe.cancelled, [], 'the request keeps running');
      probe.release?.();
      await sleep(20);
      const resumed = await openStream(h.url, 'GET', { accept: 'text/event-stream', 'mcp-session-id': sid, 'last-event-id': lastId });
      await resumed.ended;
      const msgs = sseMessages(resumed.text());
      assert.equal(msgs.length, 1, 'only events after Last-Event-ID');
      assert.equal(msgs[0].id, 5);
      assert.equal(msgs[0].result.content[0].text, 'released');
    } finally {
      await h.close();
    }
  });

  test('Last-Event-ID never replays another stream or another session', async () => {
    const h = await start(makeServer());
    try {
      const a = await initialize(h.url);
      const b = await initialize(h.url);
      const ha = { ...LEGACY_HEADERS, 'mcp-session-id': a, 'mcp-protocol-version': '2025-11-25' };
      const r1 = await raw(h.url, { headers: ha, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'progress', arguments: {}, _meta: { progressToken: 1 } } }) });
      const r2 = await raw(h.url, { headers: ha, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'progress', arguments: {}, _meta: { progressToken: 2 } } }) });
      const first1 = parseSse(r1.text)[0]?.id as string;
      const first2 = parseSse(r2.text)[0]?.id as string;
      assert.notEqual(first1.split('#')[0], first2.split('#')[0], 'each stream has its own id space');
      // Both streams completed while listened to: nothing is resumable any more.
      const replay = await raw(h.url, { method: 'GET', headers: { accept: 'text/event-stream', 'mcp-session-id': a, 'last-event-id': first1 } });
      assert.equal(replay.status, 404);
      const cross = await raw(h.url, { method: 'GET', headers: { accept: 'text/event-stream', 'mcp-session-id': b, 'last-event-id': first1 } });
      assert.equal(cross.status, 404, "another session's event id is refused");
    } finally {
      await h.close();
    }
  });

  test('a slow SSE reader is cut off at the buffer limit, its request cancelled, the server unaffected', async () => {
    const h = await start(makeServer(), { maxStreamBufferBytes: 64 * 1024 });
    try {
      const { headers, body } = modernRequest(1, 'tools/call', { name: 'flood', arguments: { n: 4000 } }, { 'io.modelcontextprotocol/logLevel': 'info' });
      const s = await openStream(h.url, 'POST', headers, body);
      s.res.pause(); // read nothing more for a while: the unread backlog passes the limit and the server cuts the stream
      await sleep(1500);
      s.res.resume(); // reading again drains what the kernel held, then shows the close
      await Promise.race([s.ended, sleep(8000).then(() => assert.fail('the stream was never closed'))]);
      assert.ok(s.text().length < 16 * 1024 * 4000, 'the stream did not deliver everything');
      const again = modernRequest(2, 'tools/list');
      assert.equal((await raw(h.url, again)).status, 200);
    } finally {
      await h.close();
    }
  });

  test('subscriptions/listen streams the acknowledgement first, then tagged list_changed, with keep-alives', async () => {
    const server = makeServer();
    const h = await start(server, { keepAliveMs: 50 });
    try {
      const { headers, body } = modernRequest('L1', 'subscriptions/listen', { notifications: { toolsListChanged: true } });
      const s = await openStream(h.url, 'POST', headers, body);
      assert.equal(s.res.headers['x-accel-buffering'], 'no');
      await until(() => sseMessages(s.text()).length >= 1);
      assert.equal(sseMessages(s.text())[0].method, 'notifications/subscriptions/acknowledged');
      server.notifyListChanged('tools');
      server.notifyListChanged('prompts');
      await until(() => sseMessages(s.text()).length >= 2);
      const second = sseMessages(s.text())[1];
      assert.equal(second.method, 'notifications/tools/list_changed');
      assert.equal(second.params._meta['io.modelcontextprotocol/subscriptionId'], 'L1');
      await until(() => s.text().includes(': keep-alive'));
      assert.ok(!sseMessages(s.text()).some((m) => m.method === 'notifications/prompts/list_changed'), 'only requested kinds');
      s.req.destroy();
    } finally {
      await h.close();
    }
  });
});

describe('SSE polling (SEP-1699)', () => {
  test('a handler closes its stream mid-call; the client resumes from the priming event and gets the result', async () => {
    const server = makeServer();
    server.registerTool('poll', { inputSchema: { type: 'object' } }, async (_a, ctx) => {
      assert.equal(ctx.closeSseStream(), true);
      await sleep(50);
      return { content: [{ type: 'text', text: 'after reconnect' }] };
    });
    const h = await start(server);
    try {
      const sid = await initialize(h.url);
      const r = await raw(h.url, { headers: { ...LEGACY_HEADERS, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'poll', arguments: {} } }) });
      const events = parseSse(r.text);
      assert.equal(events.length, 1, 'only the priming event before the close');
      assert.equal(events[0]?.retry, 1000);
      await sleep(100);
      const resumed = await raw(h.url, { method: 'GET', headers: { accept: 'text/event-stream', 'mcp-session-id': sid, 'last-event-id': events[0]?.id as string } });
      const msgs = sseMessages(resumed.text);
      assert.equal(msgs.length, 1);
      assert.equal(msgs[0].result.content[0].text, 'after reconnect');
    } finally {
      await h.close();
    }
  });
});
