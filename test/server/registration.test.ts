import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { McpServer } from '../../src/server/mcp-server.js';
import { VeloError } from '../../src/jsonrpc/errors.js';
import { Harness } from './harness.js';

const isCode = (code: string) => (e: unknown) => e instanceof VeloError && e.code === code;

describe('registration rules', () => {
  test('tool names follow SEP-986 and must be unique', () => {
    const s = new McpServer({ name: 's', version: '1' });
    for (const bad of ['', 'has space', 'x'.repeat(129), 'emoji🙂', 'slash/name']) {
      assert.throws(() => s.registerTool(bad, {}, () => ({ content: [] })), isCode('VELO_INVALID_REGISTRATION'), bad);
    }
    s.registerTool('ok.name-1_A', {}, () => ({ content: [] }));
    assert.throws(() => s.registerTool('ok.name-1_A', {}, () => ({ content: [] })), isCode('VELO_DUPLICATE_REGISTRATION'));
  });

  test('invalid or network-referencing schemas are refused at registration', () => {
    const s = new McpServer({ name: 's', version: '1' });
    assert.throws(() => s.registerTool('a', { inputSchema: { type: 'object', properties: { x: { $ref: 'https://example.com/s.json' } } } }, () => ({ content: [] })), isCode('VELO_INVALID_SCHEMA'));
    assert.throws(() => s.registerTool('b', { inputSchema: { type: 'object', properties: { x: { $ref: '#/$defs/missing' } } } }, () => ({ content: [] })), isCode('VELO_INVALID_SCHEMA'));
    assert.throws(() => s.registerTool('c', { inputSchema: { type: 'not-a-type' } }, () => ({ content: [] })), isCode('VELO_INVALID_SCHEMA'));
  });

  test('resource URIs and prompt names are unique; bad URI templates are refused', () => {
    const s = new McpServer({ name: 's', version: '1' });
    s.registerResource('r', 'test://r', {}, (uri) => ({ contents: [{ uri, text: '' }] }));
    assert.throws(() => s.registerResource('r2', 'test://r', {}, (uri) => ({ contents: [{ uri, text: '' }] })), isCode('VELO_DUPLICATE_REGISTRATION'));
    s.registerPrompt('p', {}, () => ({ messages: [] }));
    assert.throws(() => s.registerPrompt('p', {}, () => ({ messages: [] })), isCode('VELO_DUPLICATE_REGISTRATION'));
    assert.throws(() => new McpServer({} as never), isCode('VELO_INVALID_CONFIG'));
  });

  test('zod 4 schemas validate inputs and structured outputs; their JSON Schema is advertised', async () => {
    const s = new McpServer({ name: 's', version: '1' });
    s.registerTool(
      'add',
      { inputSchema: z.object({ a: z.number(), b: z.number() }), outputSchema: z.object({ sum: z.number() }) },
      ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }], structuredContent: { sum: a + b } }),
    );
    s.registerTool('liar', { outputSchema: z.object({ sum: z.number() }) }, () => ({ content: [], structuredContent: { sum: 'no' } }));
    const h = new Harness(s);
    const listed = (await h.modern('tools/list')).result.tools[0];
    assert.equal(listed.inputSchema.type, 'object');
    assert.deepEqual(Object.keys(listed.inputSchema.properties), ['a', 'b']);
    assert.equal(listed.outputSchema.type, 'object');
    assert.deepEqual((await h.modern('tools/call', { name: 'add', arguments: { a: 2, b: 3 } })).result.structuredContent, { sum: 5 });
    const bad = (await h.modern('tools/call', { name: 'add', arguments: { a: 'x', b: 3 } })).result;
    assert.equal(bad.isError, true);
    assert.match(bad.content[0].text, /a/);
    assert.equal((await h.modern('tools/call', { name: 'liar' })).error.code, -32603);
  });

  test('annotations, title, icons and _meta are listed as given', async () => {
    const s = new McpServer({ name: 's', version: '1' });
    s.registerTool('t', { title: 'T', description: 'd', annotations: { readOnlyHint: true }, icons: [{ src: 'https://x/i.png', sizes: ['16x16'] }], _meta: { 'a/b': 1 } }, () => ({ content: [] }));
    const tool = (await new Harness(s).modern('tools/list')).result.tools[0];
    assert.deepEqual(tool, {
      name: 't',
      title: 'T',
      description: 'd',
      inputSchema: { type: 'object' },
      annotations: { readOnlyHint: true },
      icons: [{ src: 'https://x/i.png', sizes: ['16x16'] }],
      _meta: { 'a/b': 1 },
    });
  });
});
