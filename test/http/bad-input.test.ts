import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { LEGACY_HEADERS, makeServer, modernRequest, raw, sleep, start, MODERN } from './helpers.js';
import type { HttpServerHandle } from '../../src/transports/http/index.js';

/** Sends raw bytes on a TCP socket and resolves with everything the server wrote until it closed. */
function rawSocket(port: number, chunks: (string | number)[], maxMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let out = '';
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(out);
    }, maxMs);
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => (out += d));
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    sock.on('error', (e) => (out ? resolve(out) : reject(e)));
    void (async () => {
      for (const c of chunks) {
        if (typeof c === 'number') await sleep(c);
        else if (!sock.destroyed) sock.write(c);
      }
    })();
  });
}

describe('bad input over HTTP', () => {
  let h: HttpServerHandle;
  before(async () => {
    h = await start(makeServer(), { maxBodyBytes: 1024, bodyTimeoutMs: 300, headersTimeoutMs: 300 });
  });
  after(() => h.close());

  test('a garbage body is -32700 with 400', async () => {
    const r = await raw(h.url, { headers: LEGACY_HEADERS, body: '{"jsonrpc": "2.0", oops' });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, -32700);
    assert.equal(r.json.id, null);
  });

  test('valid JSON that is not JSON-RPC is -32600 with 400', async () => {
    for (const body of ['42', '"x"', '{"foo":1}', '{"jsonrpc":"1.0","id":1,"method":"x"}']) {
      const r = await raw(h.url, { headers: { ...LEGACY_HEADERS, 'mcp-protocol-version': MODERN }, body });
      assert.equal(r.status, 400, body);
      assert.equal(r.json.error.code, -32600, body);
    }
  });

  test('a wrong or missing content type is 415', async () => {
    const { body } = modernRequest(1, 'tools/list');
    assert.equal((await raw(h.url, { headers: { 'content-type': 'text/plain' }, body })).status, 415);
    assert.equal((await raw(h.url, { headers: {}, body })).status, 415);
  });

  test('an Accept header that allows neither JSON nor SSE is 406', async () => {
    const { headers, body } = modernRequest(1, 'tools/list');
    assert.equal((await raw(h.url, { headers: { ...headers, accept: 'text/html' }, body })).status, 406);
  });

  test('a body over the limit is 413 with -32600 (declared or streamed)', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { pad: 'x'.repeat(2000) } });
    const r = await raw(h.url, { headers: LEGACY_HEADERS, body: big });
    assert.equal(r.status, 413);
    assert.equal(r.json.error.code, -32600);
    const chunked = await rawSocket(h.port, [`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`, `800\r\n${'x'.repeat(0x800)}\r\n`, 50, '0\r\n\r\n']);
    assert.match(chunked, /^HTTP\/1\.1 413/);
  });

  test('a PUT is 405', async () => {
    assert.equal((await raw(h.url, { method: 'PUT', headers: LEGACY_HEADERS, body: '{}' })).status, 405);
  });

  test('another path is 404', async () => {
    const r = await raw(h.url.replace('/mcp', '/other'), { headers: LEGACY_HEADERS, body: '{}' });
    assert.equal(r.status, 404);
  });

  test('a client that trickles its body is cut off with 408', async () => {
    const started = Date.now();
    const out = await rawSocket(h.port, [`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n`, '{"json', 200, 'rpc"', 200, ':', 200, '"2.0"']);
    assert.match(out, /^HTTP\/1\.1 408/);
    assert.ok(Date.now() - started < 3000);
  });

  test('a client that trickles its headers is disconnected by the header timeout', async () => {
    const started = Date.now();
    const parts: (string | number)[] = ['POST /mcp HTTP/1.1\r\n'];
    for (let i = 0; i < 20; i++) parts.push(150, `X-Slow-${i}: 1\r\n`);
    const out = await rawSocket(h.port, parts, 4000);
    assert.ok(Date.now() - started < 3000, 'the server closed the connection early');
    assert.ok(out === '' || /^HTTP\/1\.1 408/.test(out), out);
  });

  test('the server keeps serving after all of that', async () => {
    const { headers, body } = modernRequest(1, 'tools/list');
    assert.equal((await raw(h.url, { headers, body })).status, 200);
  });
});
