/**
 * Unit behaviour: `x-mcp-header` validation and value encoding (SEP-2243), elicitation defaults (SEP-1034),
 * and re-subscription of `subscriptions/listen` after its stream drops.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyElicitationDefaults, encodeHeaderValue, McpClient, paramHeadersFor, toolParamHeaders } from '../../src/client/index.js';
import { json, rawServer } from './helpers.js';

const tool = (props: Record<string, unknown>) => ({ inputSchema: { type: 'object', properties: props } });

describe('x-mcp-header annotations', () => {
  test('valid annotations on primitive properties are kept', () => {
    assert.deepEqual(toolParamHeaders(tool({ r: { type: 'string', 'x-mcp-header': 'Region' }, n: { type: 'integer', 'x-mcp-header': 'N' }, q: { type: 'string' } })), [
      { property: 'r', name: 'Region' },
      { property: 'n', name: 'N' },
    ]);
  });
  for (const [why, props] of [
    ['empty', { v: { type: 'string', 'x-mcp-header': '' } }],
    ['space', { v: { type: 'string', 'x-mcp-header': 'My Region' } }],
    ['colon', { v: { type: 'string', 'x-mcp-header': 'A:B' } }],
    ['non-ASCII', { v: { type: 'string', 'x-mcp-header': 'Région' } }],
    ['control character', { v: { type: 'string', 'x-mcp-header': 'A\tB' } }],
    ['object type', { v: { type: 'object', 'x-mcp-header': 'V' } }],
    ['number type', { v: { type: 'number', 'x-mcp-header': 'V' } }],
    ['case-insensitive duplicate', { a: { type: 'string', 'x-mcp-header': 'X' }, b: { type: 'string', 'x-mcp-header': 'x' } }],
  ] as const) {
    test(`an invalid annotation (${why}) excludes the tool`, () => assert.equal(toolParamHeaders(tool(props)), undefined));
  }
  test('unsafe values are Base64-wrapped; null and absent arguments send no header', () => {
    assert.equal(encodeHeaderValue('us-west1'), 'us-west1');
    assert.equal(encodeHeaderValue('us west 1'), 'us west 1');
    for (const v of [' padded', 'x ', 'Hello, 世界', 'a\nb', '\tx', '=?base64?abc?=']) {
      const e = encodeHeaderValue(v);
      assert.match(e, /^=\?base64\?.*\?=$/);
      assert.equal(Buffer.from(e.slice(9, -2), 'base64').toString('utf8'), v);
    }
    const specs = [
      { property: 'r', name: 'Region' },
      { property: 'p', name: 'Priority' },
      { property: 'v', name: 'Verbose' },
    ];
    assert.deepEqual(paramHeadersFor(specs, { r: 'eu', p: 42, v: null }), { 'Mcp-Param-Region': 'eu', 'Mcp-Param-Priority': '42' });
    assert.deepEqual(paramHeadersFor(specs, { v: false }), { 'Mcp-Param-Verbose': 'false' });
  });
});

describe('elicitation defaults', () => {
  const schema = { type: 'object', properties: { name: { type: 'string', default: 'John' }, age: { type: 'integer', default: 30 }, x: { type: 'string' } } };
  test('accepted forms get defaults for omitted fields, not for given ones', () => {
    assert.deepEqual(applyElicitationDefaults(schema, { action: 'accept', content: { age: 41 } }).content, { name: 'John', age: 41 });
    assert.deepEqual(applyElicitationDefaults(schema, { action: 'accept' }).content, { name: 'John', age: 30 });
  });
  test('declined and cancelled results are left alone', () => {
    assert.deepEqual(applyElicitationDefaults(schema, { action: 'decline' }), { action: 'decline' });
  });
});

describe('subscriptions/listen', () => {
  test('after the listen stream drops the client re-subscribes with a new id and keeps delivering', async () => {
    const listens: unknown[] = [];
    const srv = await rawServer((_req, res, body) => {
      const msg = JSON.parse(body) as { id: unknown; method: string };
      if (msg.method === 'server/discover') return json(res, 200, { jsonrpc: '2.0', id: msg.id, result: { resultType: 'complete', supportedVersions: ['2026-07-28'], capabilities: { tools: { listChanged: true } }, ttlMs: 0, cacheScope: 'public' } });
      listens.push(msg.id);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const meta = { 'io.modelcontextprotocol/subscriptionId': msg.id };
      res.write(`data: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/subscriptions/acknowledged', params: { notifications: { toolsListChanged: true }, _meta: meta } })}\n\n`);
      res.write(`data: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/tools/list_changed', params: { _meta: meta } })}\n\n`);
      if (listens.length === 1) res.end();
    });
    const client = new McpClient({ name: 't', version: '1' });
    await client.connect(srv.url);
    let changes = 0;
    const sub = await client.listen({ toolsListChanged: true }, { onNotification: () => changes++ });
    for (let i = 0; i < 100 && changes < 2; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(changes, 2);
    assert.equal(listens.length, 2);
    assert.notEqual(listens[0], listens[1]);
    sub.close();
    await sub.ended;
    await client.close();
    await srv.close();
  });
});
