/**
 * Finding 4: SSE backpressure counted a synchronous burst (chunked responses are corked until the next tick)
 * rather than unread data, so one burst of 30 000 resource updates cut every subscribed stream, fast readers
 * included, and an answer over the buffer limit could never be delivered. Now unread data is measured after
 * the turn's writes reached the socket (besides the newest event), plus how long the socket stayed blocked.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { McpServer } from '../../src/server/mcp-server.js';
import { serveHttp, type HttpServerHandle } from '../../src/transports/http/index.js';
import { assertPing, heapUsed, http, inSession, MiB, modern, openSession, sleep, until } from './helpers.js';

const UPDATES = 30_000;

interface Reader {
  req: ClientRequest;
  res: IncomingMessage;
  text: () => string;
  ended: Promise<void>;
}

/** Opens a streaming request; resolves once headers arrived. */
function stream(url: string, method: string, headers: Record<string, string>, body?: string): Promise<Reader> {
  return new Promise((resolve, reject) => {
    let text = '';
    const req = request(url, { method, headers, agent: false }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      const ended = new Promise<void>((r) => {
        res.on('end', r);
        res.on('close', r);
        res.on('error', () => r());
      });
      resolve({ req, res, text: () => text, ended });
    });
    req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
    req.end(body);
  });
}

const count = (text: string, needle: string): number => text.split(needle).length - 1;

describe('finding 4: SSE backpressure measured as unread data over time', () => {
  let h: HttpServerHandle;
  let server: McpServer;
  before(async () => {
    server = new McpServer({ name: 'h4', version: '1' });
    server.registerResource('r', 'test://r', {}, () => ({ contents: [{ uri: 'test://r', text: 'r' }] }));
    server.registerTool('burst', {}, () => {
      for (let i = 0; i < UPDATES; i++) server.notifyResourceUpdated('test://r');
      return { content: [{ type: 'text', text: 'burst' }] };
    });
    server.registerTool('huge', {}, async (_a, ctx) => {
      ctx.log('info', 'switches the answer to SSE');
      return { content: [{ type: 'text', text: 'z'.repeat(12 * MiB) }] };
    });
    // Defaults for the buffer (8 MiB); a short stall timeout so the blocked reader is cut within the test.
    h = await serveHttp(server, { port: 0, keepAliveMs: 0, streamStallTimeoutMs: 3000 });
  });
  after(() => h.close());

  test(`bursts of ${UPDATES} resource updates reach a fast reader in full; a reader that stops reading is cut, and the heap stays under 64 MiB`, async () => {
    const fast = await openSession(h.url);
    const slow = await openSession(h.url);
    for (const sid of [fast.sid, slow.sid]) {
      const r = await http(h.url, { headers: inSession(sid), body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'resources/subscribe', params: { uri: 'test://r' } }) });
      assert.deepEqual(r.json.result, {});
    }
    const getHeaders = (sid: string): Record<string, string> => ({ accept: 'text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' });
    const fastGet = await stream(h.url, 'GET', getHeaders(fast.sid));
    const slowGet = await stream(h.url, 'GET', getHeaders(slow.sid));
    await until(() => fastGet.text().includes('data:') && slowGet.text().includes('data:')); // priming events
    slowGet.res.pause();
    const base = await heapUsed();
    // Four bursts: ~18 MB per stream, more than the kernel's socket buffers can absorb for the paused reader.
    for (let round = 1; round <= 4; round++) {
      const { headers, body } = modern(round, 'tools/call', { name: 'burst', arguments: {} });
      const r = await http(h.url, { headers, body });
      assert.equal(r.json.result.content[0].text, 'burst');
      await until(() => count(fastGet.text(), 'notifications/resources/updated') >= round * UPDATES || fastGet.res.destroyed, 30_000, 100).catch(() => undefined);
      assert.equal(count(fastGet.text(), 'notifications/resources/updated'), round * UPDATES, `the fast reader got every update of burst ${round} (destroyed: ${fastGet.res.destroyed})`);
    }
    // The paused reader passed the unread-data limit, or its socket stayed blocked past streamStallTimeoutMs.
    await sleep(5000);
    const held = (await heapUsed()) - base;
    assert.ok(held < 64 * MiB, `heap held ${(held / MiB).toFixed(1)} MiB after the bursts`);
    slowGet.res.resume();
    await Promise.race([slowGet.ended, sleep(15_000).then(() => assert.fail('the blocked stream was never closed'))]);
    assert.ok(count(slowGet.text(), 'notifications/resources/updated') < 4 * UPDATES, 'the blocked reader did not get everything');
    assert.ok(!fastGet.res.destroyed, 'the fast reader is still connected');
    fastGet.req.destroy();
    await assertPing(h.url);
  });

  test('an SSE answer of 12 MiB (over the 8 MiB buffer limit) is delivered whole', async () => {
    const { headers, body } = modern(2, 'tools/call', { name: 'huge', arguments: {}, _meta: { 'io.modelcontextprotocol/logLevel': 'info' } });
    const s = await stream(h.url, 'POST', headers, body);
    assert.equal(s.res.headers['content-type'], 'text/event-stream');
    await Promise.race([s.ended, sleep(30_000).then(() => assert.fail('the answer never completed'))]);
    const events = s.text().split('\n\n').filter((e) => e.startsWith('data: '));
    const last = JSON.parse((events.at(-1) as string).slice(6));
    assert.equal(last.id, 2);
    assert.equal(last.result.content[0].text.length, 12 * MiB);
    await assertPing(h.url);
  });
});
