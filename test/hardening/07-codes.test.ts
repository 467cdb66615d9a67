/**
 * Finding 7: wrong error codes. `%ZZ` in a template URI gave -32603 "URI malformed"; deeply nested arguments
 * with a `requestState` overflowed a recursive canonicaliser (-32603); `completion/complete` for an argument
 * named `constructor` reached inherited properties (-32603); an unknown 3.9 MB URI was echoed twice.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { McpServer } from '../../src/server/mcp-server.js';
import { inputRequired, elicit } from '../../src/server/input.js';
import { serveHttp, type HttpServerHandle } from '../../src/transports/http/index.js';
import { assertPing, http, inSession, modern, nested, openSession } from './helpers.js';

describe('finding 7: wrong error codes', () => {
  let h: HttpServerHandle;
  before(async () => {
    const server = new McpServer({ name: 'h7', version: '1' });
    server.registerResourceTemplate('t', 'test://t/{x}', { complete: { x: () => ['one', 'two'] } }, (uri, vars) => ({ contents: [{ uri, text: String(vars.x) }] }));
    server.registerPrompt('p', { arguments: [{ name: 'a' }], complete: { a: () => ['alpha'] } }, () => ({ messages: [] }));
    server.registerTool('deep', {}, (_a, ctx) => (ctx.inputResponses ? { content: [{ type: 'text', text: 'second round' }] } : inputRequired({ inputRequests: { q: elicit({ message: 'ok?', requestedSchema: { type: 'object', properties: {} } }) } })));
    h = await serveHttp(server, { port: 0, keepAliveMs: 0 });
  });
  after(() => h.close());

  test('a template URI with malformed percent-encoding is not found: -32602 (modern), -32002 (legacy)', async () => {
    const m = modern(1, 'resources/read', { uri: 'test://t/%ZZ' });
    const r = await http(h.url, m);
    assert.equal(r.json.error.code, -32602, r.text);
    assert.equal(r.json.error.data.uri, 'test://t/%ZZ');
    const { sid } = await openSession(h.url);
    const l = await http(h.url, { headers: inSession(sid), body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'resources/read', params: { uri: 'test://t/%E0%A4%A' } }) });
    assert.equal(l.json.error.code, -32002, l.text);
    const ok = await http(h.url, modern(3, 'resources/read', { uri: 'test://t/%41' }));
    assert.equal(ok.json.result.contents[0].text, 'A');
  });

  test('nested arguments 100 000 deep with a requestState get -32602, not -32603', async () => {
    const caps = { 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } };
    const first = await http(h.url, modern(1, 'tools/call', { name: 'deep', arguments: {}, _meta: caps }));
    const state = first.json.result?.requestState;
    assert.equal(typeof state, 'string', first.text);
    const m = modern(2, 'tools/call', { name: 'deep', arguments: {}, requestState: state, inputResponses: { q: { action: 'accept', content: {} } }, _meta: caps });
    const body = m.body.replace('"arguments":{}', `"arguments":{"x":${nested(100_000)}}`);
    const r = await http(h.url, { headers: m.headers, body });
    assert.equal(r.json.error?.code, -32602, r.text.slice(0, 300));
    // A genuine retry still works.
    const retry = await http(h.url, modern(3, 'tools/call', { name: 'deep', arguments: {}, requestState: state, inputResponses: { q: { action: 'accept', content: {} } }, _meta: caps }));
    assert.equal(retry.json.result.content[0].text, 'second round');
  });

  test('completion/complete for arguments named after Object.prototype members answers with no values', async () => {
    for (const name of ['constructor', 'hasOwnProperty', 'toString', '__proto__', 'valueOf']) {
      for (const ref of [{ type: 'ref/prompt', name: 'p' }, { type: 'ref/resource', uri: 'test://t/{x}' }]) {
        const r = await http(h.url, modern(`${name}-${ref.type}`, 'completion/complete', { ref, argument: { name, value: '' } }));
        assert.deepEqual(r.json.result?.completion, { values: [], total: 0, hasMore: false }, `${name} on ${ref.type}: ${r.text.slice(0, 200)}`);
      }
    }
    const real = await http(h.url, modern('real', 'completion/complete', { ref: { type: 'ref/prompt', name: 'p' }, argument: { name: 'a', value: '' } }));
    assert.deepEqual(real.json.result.completion.values, ['alpha']);
  });

  test('an unknown 1 MB URI, tool name or method is echoed at most once and cut to 512 characters', async () => {
    // A legacy session: no routing header limits the size of the name (the modern era's Mcp-Name would).
    const { sid } = await openSession(h.url);
    const send = (body: unknown): ReturnType<typeof http> => http(h.url, { headers: inSession(sid), body: JSON.stringify(body) });
    const uri = await send({ jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri: `test://unknown/${'u'.repeat(1_000_000)}` } });
    assert.equal(uri.json.error.code, -32002);
    assert.ok(uri.text.length < 4096, `resource error of ${uri.text.length} characters`);
    const tool = await send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'x'.repeat(1_000_000), arguments: {} } });
    assert.equal(tool.json.error.code, -32602);
    assert.ok(tool.text.length < 4096, `tool error of ${tool.text.length} characters`);
    const method = await send({ jsonrpc: '2.0', id: 3, method: 'm'.repeat(1_000_000) });
    assert.equal(method.json.error.code, -32601);
    assert.ok(method.text.length < 4096, `method error of ${method.text.length} characters`);
    await assertPing(h.url);
  });
});
