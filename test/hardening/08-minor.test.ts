/**
 * Finding 8 (minor): a 413 followed by an immediate close made clients see EPIPE/ECONNRESET instead of the
 * 413; `application/json-seq` passed the Content-Type check. (Replay of `requestState` within its TTL and
 * ids above 2^53 are documented in docs/limits.md.)
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { McpServer } from '../../src/server/mcp-server.js';
import { serveHttp, type HttpServerHandle } from '../../src/transports/http/index.js';
import { assertPing, http, JSON_ACCEPT, modern } from './helpers.js';

/** POSTs `total` bytes in 64 KiB chunks as fast as the socket takes them; resolves with the status or the error code. */
function oversizedPost(url: string, total: number, declare: boolean): Promise<string> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { ...JSON_ACCEPT, 'mcp-protocol-version': '2026-07-28' };
    if (declare) headers['content-length'] = String(total);
    const req = request(url, { method: 'POST', headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.statusCode)));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = (): void => {
      while (sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

describe('finding 8: minor', () => {
  let h: HttpServerHandle;
  before(async () => {
    const server = new McpServer({ name: 'h8', version: '1' });
    server.registerTool('t', {}, () => ({ content: [{ type: 'text', text: 't' }] }));
    h = await serveHttp(server, { port: 0, keepAliveMs: 0, maxBodyBytes: 256 * 1024 });
  });
  after(() => h.close());

  test('20 clients sending 4 MiB to a 256 KiB limit all read the 413 (declared and chunked bodies), none a reset', async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < 20; i++) outcomes.push(await oversizedPost(h.url, 4 * 1024 * 1024, i % 2 === 0));
    assert.deepEqual([...new Set(outcomes)], ['413'], outcomes.join(','));
    await assertPing(h.url);
  });

  test('application/json-seq and look-alikes get 415; application/json with parameters and +json pass', async () => {
    const m = modern(1, 'tools/list');
    for (const ctype of ['application/json-seq', 'application/jsonx', 'application/json-patch+jsonx']) {
      const r = await http(h.url, { headers: { ...m.headers, 'content-type': ctype }, body: m.body });
      assert.equal(r.status, 415, ctype);
    }
    for (const ctype of ['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/vnd.api+json']) {
      const r = await http(h.url, { headers: { ...m.headers, 'content-type': ctype }, body: m.body });
      assert.equal(r.status, 200, ctype);
    }
  });
});
