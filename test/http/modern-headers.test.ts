import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeServer, modernMeta, modernRequest, raw, start, MODERN } from './helpers.js';
import type { HttpServerHandle } from '../../src/transports/http/index.js';

const b64 = (s: string): string => `=?base64?${Buffer.from(s, 'utf8').toString('base64')}?=`;

describe('modern-era header rules (MCP-Protocol-Version, Mcp-Method, Mcp-Name, Mcp-Param-*)', () => {
  let h: HttpServerHandle;
  before(async () => {
    h = await start(makeServer());
  });
  after(() => h.close());

  async function call(args: Record<string, unknown>, extra: Record<string, string | undefined>) {
    const { headers, body } = modernRequest(1, 'tools/call', { name: 'regional', arguments: args });
    const merged: Record<string, string> = { ...headers };
    for (const [k, v] of Object.entries(extra)) {
      if (v === undefined) delete merged[k];
      else merged[k] = v;
    }
    return raw(h.url, { headers: merged, body });
  }

  test('a missing MCP-Protocol-Version header is -32020 with 400', async () => {
    const { headers, body } = modernRequest(1, 'tools/list');
    delete headers['mcp-protocol-version'];
    const r = await raw(h.url, { headers, body });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, -32020);
    assert.equal(r.json.id, 1);
  });

  test('a version header that differs from _meta is -32020 with 400', async () => {
    const { headers, body } = modernRequest(2, 'tools/list');
    const r = await raw(h.url, { headers: { ...headers, 'mcp-protocol-version': '2025-11-25' }, body });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, -32020);
  });

  test('an unsupported version is -32022 with 400 and the supported list', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'server/discover', params: { _meta: modernMeta({ 'io.modelcontextprotocol/protocolVersion': 'v999' }) } });
    const r = await raw(h.url, { headers: { 'content-type': 'application/json', 'mcp-protocol-version': 'v999', 'mcp-method': 'server/discover' }, body });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, -32022);
    assert.ok(r.json.error.data.supported.includes(MODERN));
    assert.equal(r.json.error.data.requested, 'v999');
  });

  test('missing _meta, protocolVersion or clientCapabilities is -32602 with 400', async () => {
    const cases = [{}, { _meta: { 'io.modelcontextprotocol/clientCapabilities': {} } }, { _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN } }];
    for (const [i, params] of cases.entries()) {
      const body = JSON.stringify({ jsonrpc: '2.0', id: 10 + i, method: 'server/discover', params });
      const r = await raw(h.url, { headers: { 'content-type': 'application/json', 'mcp-protocol-version': MODERN, 'mcp-method': 'server/discover' }, body });
      assert.equal(r.status, 400, JSON.stringify(params));
      assert.equal(r.json.error.code, -32602);
      assert.equal(r.json.id, 10 + i);
    }
  });

  test('a missing or contradictory Mcp-Method is -32020', async () => {
    const { headers, body } = modernRequest(4, 'tools/list');
    assert.equal((await raw(h.url, { headers: { ...headers, 'mcp-method': 'prompts/list' }, body })).json.error.code, -32020);
    delete headers['mcp-method'];
    const r = await raw(h.url, { headers, body });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, -32020);
  });

  test('Mcp-Name must match params.name (plain or Base64)', async () => {
    assert.equal((await call({ region: 'eu' }, { 'mcp-name': 'other', 'mcp-param-region': 'eu' })).json.error.code, -32020);
    assert.equal((await call({ region: 'eu' }, { 'mcp-name': undefined, 'mcp-param-region': 'eu' })).json.error.code, -32020);
    const ok = await call({ region: 'eu' }, { 'mcp-name': b64('regional'), 'mcp-param-region': 'eu' });
    assert.equal(ok.status, 200);
    assert.equal(ok.json.result.content[0].text, 'eu');
  });

  test('Mcp-Param-* must be present and equal to the annotated argument', async () => {
    assert.equal((await call({ region: 'eu' }, { 'mcp-param-region': 'eu' })).status, 200);
    const missing = await call({ region: 'eu' }, {});
    assert.equal(missing.status, 400);
    assert.equal(missing.json.error.code, -32020);
    assert.equal((await call({ region: 'eu' }, { 'mcp-param-region': 'us' })).json.error.code, -32020);
    assert.equal((await call({ region: 'eu' }, { 'mcp-param-region': 'eu', 'mcp-param-priority': '3' })).json.error.code, -32020, 'header without argument');
  });

  test('Base64 values are decoded strictly and integers compare numerically', async () => {
    assert.equal((await call({ region: 'zürich ' }, { 'mcp-param-region': b64('zürich ') })).status, 200);
    assert.equal((await call({ region: 'Hello' }, { 'mcp-param-region': '=?base64?SGVsbG8?=' })).json.error.code, -32020, 'bad padding');
    assert.equal((await call({ region: 'Hello' }, { 'mcp-param-region': '=?base64?SGVs!!!bG8=?=' })).json.error.code, -32020, 'bad alphabet');
    assert.equal((await call({ region: '=?base64?SGVsbG8=' }, { 'mcp-param-region': '=?base64?SGVsbG8=' })).status, 200, 'no suffix: literal');
    assert.equal((await call({ region: 'eu', priority: 5 }, { 'mcp-param-region': 'eu', 'mcp-param-priority': '5.0' })).status, 200);
    assert.equal((await call({ region: 'eu', priority: 5 }, { 'mcp-param-region': 'eu', 'mcp-param-priority': '6' })).json.error.code, -32020);
  });
});
