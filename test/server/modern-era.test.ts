import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { McpServer } from '../../src/server/mcp-server.js';
import { Harness, modernMeta, tick } from './harness.js';

function fullServer(): McpServer {
  const s = new McpServer({ name: 'modern', version: '2.0.0' }, { instructions: 'be nice' });
  s.registerTool('echo', { inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }, (a: { text?: string }) => ({ content: [{ type: 'text', text: a.text ?? '' }] }));
  s.registerResource('static', 'test://static', { mimeType: 'text/plain' }, (uri) => ({ contents: [{ uri, text: 'hello' }] }));
  s.registerResourceTemplate('tpl', 'test://item/{id}', {}, (uri, vars) => ({ contents: [{ uri, text: `item ${String(vars.id)}` }] }));
  s.registerPrompt('greet', { arguments: [{ name: 'who', required: true }], complete: { who: (v) => ['ada', 'bob'].filter((n) => n.startsWith(v)) } }, (args) => ({ messages: [{ role: 'user', content: { type: 'text', text: `hi ${args.who}` } }] }));
  return s;
}

describe('modern era (2026-07-28): per-request _meta', () => {
  test('missing clientCapabilities → -32602; missing protocolVersion → -32602', async () => {
    const h = new Harness(fullServer());
    const r1 = await h.request('tools/list', { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } });
    assert.equal(r1.error.code, -32602);
    const r2 = await h.request('tools/list', { _meta: { 'io.modelcontextprotocol/clientCapabilities': {} } });
    assert.equal(r2.error.code, -32602);
  });

  test('unsupported version → -32022 with supported and requested', async () => {
    const h = new Harness(fullServer());
    const r = await h.request('tools/list', { _meta: { 'io.modelcontextprotocol/protocolVersion': '2099-01-01', 'io.modelcontextprotocol/clientCapabilities': {} } });
    assert.equal(r.error.code, -32022);
    assert.equal(r.error.data.requested, '2099-01-01');
    assert.ok(r.error.data.supported.includes('2026-07-28'));
  });

  test('invalid logLevel in _meta → -32602', async () => {
    const h = new Harness(fullServer());
    const r = await h.request('tools/list', { _meta: modernMeta({}, { 'io.modelcontextprotocol/logLevel': 'loud' }) });
    assert.equal(r.error.code, -32602);
  });

  test('server/discover: versions, capabilities that match the handlers, instructions, cache hints, serverInfo', async () => {
    const h = new Harness(fullServer());
    const r = (await h.modern('server/discover')).result;
    assert.equal(r.resultType, 'complete');
    assert.ok(r.supportedVersions.includes('2026-07-28'));
    assert.ok(r.capabilities.tools && r.capabilities.resources && r.capabilities.prompts);
    assert.equal(r.instructions, 'be nice');
    assert.equal(typeof r.ttlMs, 'number');
    assert.ok(['public', 'private'].includes(r.cacheScope));
    assert.deepEqual(r._meta['io.modelcontextprotocol/serverInfo'], { name: 'modern', version: '2.0.0' });
  });

  test('every result has resultType and serverInfo; the six cacheable results have ttlMs and cacheScope', async () => {
    const h = new Harness(fullServer());
    const cacheable: [string, object][] = [
      ['server/discover', {}],
      ['tools/list', {}],
      ['prompts/list', {}],
      ['resources/list', {}],
      ['resources/templates/list', {}],
      ['resources/read', { uri: 'test://static' }],
    ];
    for (const [m, p] of cacheable) {
      const r = (await h.modern(m, p as any)).result;
      assert.equal(r.resultType, 'complete', m);
      assert.ok(Number.isInteger(r.ttlMs) && r.ttlMs >= 0, m);
      assert.ok(r.cacheScope === 'public' || r.cacheScope === 'private', m);
      assert.ok(r._meta['io.modelcontextprotocol/serverInfo'], m);
    }
    for (const [m, p] of [
      ['tools/call', { name: 'echo', arguments: { text: 'x' } }],
      ['prompts/get', { name: 'greet', arguments: { who: 'a' } }],
      ['completion/complete', { ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'who', value: '' } }],
    ] as const) {
      const r = (await h.modern(m, p as any)).result;
      assert.equal(r.resultType, 'complete', m);
      assert.equal(r.ttlMs, undefined, m);
      assert.ok(r._meta['io.modelcontextprotocol/serverInfo'], m);
    }
  });

  test('completion/complete exists only when a completer is registered, and caps values at 100', async () => {
    const s = new McpServer({ name: 's', version: '1' });
    s.registerPrompt('p', { arguments: [{ name: 'a' }] }, () => ({ messages: [] }));
    assert.equal((await new Harness(s).modern('completion/complete', { ref: { type: 'ref/prompt', name: 'p' }, argument: { name: 'a', value: '' } })).error.code, -32601);
    s.registerPrompt('many', { arguments: [{ name: 'n' }], complete: { n: () => Array.from({ length: 150 }, (_, i) => `v${i}`) } }, () => ({ messages: [] }));
    const h = new Harness(s);
    const r = (await h.modern('completion/complete', { ref: { type: 'ref/prompt', name: 'many' }, argument: { name: 'n', value: '' } })).result;
    assert.equal(r.completion.values.length, 100);
    assert.equal(r.completion.total, 150);
    assert.equal(r.completion.hasMore, true);
    assert.equal((await h.modern('completion/complete', { ref: { type: 'ref/prompt', name: 'ghost' }, argument: { name: 'n', value: '' } })).error.code, -32602);
    assert.equal((await h.modern('completion/complete', { ref: { type: 'ref/prompt', name: 'many' } })).error.code, -32602);
  });

  test('a handler result with its own _meta keeps it and gains serverInfo', async () => {
    const s = new McpServer({ name: 's', version: '1' });
    s.registerTool('m', {}, () => ({ content: [], _meta: { 'x/y': 1 } }));
    const r = (await new Harness(s).modern('tools/call', { name: 'm' })).result;
    assert.equal(r._meta['x/y'], 1);
    assert.ok(r._meta['io.modelcontextprotocol/serverInfo']);
  });

  test('resource not found → -32602 with data.uri (legacy: -32002); templates match RFC 6570', async () => {
    const h = new Harness(fullServer());
    const r = await h.modern('resources/read', { uri: 'test://nope' });
    assert.equal(r.error.code, -32602);
    assert.equal(r.error.data.uri, 'test://nope');
    assert.equal((await h.modern('resources/read', { uri: 'test://item/42' })).result.contents[0].text, 'item 42');
    await h.initialize();
    const legacy = await h.request('resources/read', { uri: 'test://nope' });
    assert.equal(legacy.error.code, -32002);
    assert.equal(legacy.error.data.uri, 'test://nope');
  });

  test('a reader returning empty contents is answered as not found, never empty contents', async () => {
    const s = new McpServer({ name: 's', version: '1' });
    s.registerResource('empty', 'test://empty', {}, () => ({ contents: [] }));
    const r = await new Harness(s).modern('resources/read', { uri: 'test://empty' });
    assert.equal(r.error.code, -32602);
  });

  test('no context carries over between modern requests on one connection', async () => {
    const s = new McpServer({ name: 's', version: '1' });
    s.registerTool('caps', {}, (_a, ctx) => ({ content: [{ type: 'text', text: JSON.stringify(ctx.clientCapabilities) }] }));
    const h = new Harness(s);
    const a = await h.modern('tools/call', { name: 'caps' }, { sampling: {} });
    const b = await h.modern('tools/call', { name: 'caps' }, {});
    assert.equal(a.result.content[0].text, '{"sampling":{}}');
    assert.equal(b.result.content[0].text, '{}');
  });

  test('logs: none without _meta logLevel; filtered by it when present', async () => {
    const s = new McpServer({ name: 's', version: '1' });
    s.registerTool('logs', {}, (_a, ctx) => {
      ctx.log('debug', 'd');
      ctx.log('info', 'i');
      ctx.log('error', 'e');
      return { content: [] };
    });
    const h = new Harness(s);
    await h.modern('tools/call', { name: 'logs' });
    assert.equal(h.notifications('notifications/message').length, 0);
    await h.modern('tools/call', { name: 'logs', _meta: { 'io.modelcontextprotocol/logLevel': 'info' } });
    assert.deepEqual(h.notifications('notifications/message').map((n) => n.params.data), ['i', 'e']);
  });

  test('progress goes out only with a progressToken, related to the request', async () => {
    const s = new McpServer({ name: 's', version: '1' });
    s.registerTool('p', {}, (_a, ctx) => {
      ctx.progress(1, 2, 'half');
      return { content: [] };
    });
    const h = new Harness(s);
    await h.modern('tools/call', { name: 'p' });
    assert.equal(h.notifications('notifications/progress').length, 0);
    await h.modern('tools/call', { name: 'p', _meta: { progressToken: 'tok' } }, {}, 77);
    const p = h.sent.find((x) => x.message.method === 'notifications/progress');
    assert.deepEqual(p?.message.params, { progressToken: 'tok', progress: 1, total: 2, message: 'half' });
    assert.equal(p?.related, 77);
  });
});

describe('lists: pagination, caching and change notifications', () => {
  test('opaque cursors page through every entry exactly once', async () => {
    const s = new McpServer({ name: 's', version: '1' }, { pageSize: 2 });
    for (let i = 0; i < 5; i++) s.registerTool(`t${i}`, {}, () => ({ content: [] }));
    const h = new Harness(s);
    const names: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const r = (await h.modern('tools/list', cursor ? { cursor } : {})).result;
      names.push(...r.tools.map((t: any) => t.name));
      cursor = r.nextCursor;
      if (!cursor) break;
    }
    assert.deepEqual(names, ['t0', 't1', 't2', 't3', 't4']);
  });

  test('list results are served from a cache that a registration invalidates', async () => {
    const s = new McpServer({ name: 's', version: '1' });
    s.registerTool('a', {}, () => ({ content: [] }));
    const h = new Harness(s);
    const first = await h.modern('tools/list');
    const second = await h.modern('tools/list');
    assert.deepEqual(first.result, second.result);
    const reg = s.registerTool('b', {}, () => ({ content: [] }));
    assert.deepEqual((await h.modern('tools/list')).result.tools.map((t: any) => t.name), ['a', 'b']);
    reg.disable();
    assert.deepEqual((await h.modern('tools/list')).result.tools.map((t: any) => t.name), ['a']);
    assert.equal((await h.modern('tools/call', { name: 'b' })).error.code, -32602);
    reg.enable();
    reg.remove();
    assert.deepEqual((await h.modern('tools/list')).result.tools.map((t: any) => t.name), ['a']);
  });

  test('raw JSON Schemas are listed verbatim', async () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: { addr: { $anchor: 'addr', type: 'object', properties: { street: { type: 'string' } } } },
      properties: { home: { $ref: '#addr' }, kind: { anyOf: [{ const: 'a' }, { const: 'b' }] } },
      if: { properties: { kind: { const: 'a' } } },
      then: { required: ['home'] },
      else: {},
      additionalProperties: false,
    };
    const before = JSON.stringify(schema);
    const s = new McpServer({ name: 's', version: '1' });
    s.registerTool('schema', { inputSchema: schema }, () => ({ content: [] }));
    const h = new Harness(s);
    const listed = await h.modern('tools/list');
    assert.equal(JSON.stringify(listed.result.tools[0].inputSchema), before);
    const raw = h.sent.find((x) => x.message.id === listed.id)!.raw;
    assert.ok(raw.includes(before));
  });

  test('many registrations in one tick send one list_changed per list to legacy sessions', async () => {
    const s = new McpServer({ name: 's', version: '1' });
    s.registerTool('seed', {}, () => ({ content: [] }));
    const h = new Harness(s);
    await h.initialize();
    await tick();
    h.sent.length = 0;
    for (let i = 0; i < 10; i++) s.registerTool(`x${i}`, {}, () => ({ content: [] }));
    await tick();
    await tick();
    assert.equal(h.notifications('notifications/tools/list_changed').length, 1);
  });
});
