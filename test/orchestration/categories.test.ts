/**
 * Lazy tool categories: loaders run once (even under concurrent first use) and only on first use, failed
 * loads are clear errors and are retried, flat and progressive exposure, BM25 search, the schema cache.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { McpError } from '../../src/jsonrpc/errors.js';
import { McpServer } from '../../src/server/mcp-server.js';
import { ToolCategories, type CategoryTool } from '../../src/orchestration/index.js';
import { connect, sleep, text } from './helpers.js';

const INFO = { name: 'categories-test', version: '1.0.0' };

function tools(category: string, n: number): CategoryTool[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `tool${i}`,
    description: `Tool ${i} of the ${category} category`,
    inputSchema: { type: 'object', properties: { x: { type: 'number' } } },
    handler: (args: { x?: number }) => ({ content: [{ type: 'text' as const, text: `${category}.${i}:${args.x ?? 0}` }] }),
  }));
}

const PDF: CategoryTool[] = [
  { name: 'extract_text', description: 'Extracts the plain text of every page of a PDF document', inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] }, handler: (a: { path: string }) => ({ content: [{ type: 'text', text: `text of ${a.path}` }] }) },
  { name: 'merge', description: 'Merges several PDF files into one document', handler: () => ({ content: [{ type: 'text', text: 'merged' }] }) },
];
const GRAPH: CategoryTool[] = [
  { name: 'create', description: 'Creates a knowledge graph with nodes and edges', handler: () => ({ content: [{ type: 'text', text: 'graph created' }] }) },
  { name: 'shortest_path', description: 'Finds the shortest path between two nodes of a graph', handler: () => ({ content: [{ type: 'text', text: 'path' }] }) },
];

describe('tool categories: lazy loading', () => {
  test('400 tools in 20 lazy categories register without running a loader, and quickly', () => {
    const server = new McpServer(INFO);
    const cats = new ToolCategories(server);
    let runs = 0;
    const started = performance.now();
    for (let c = 0; c < 20; c++) cats.category(`cat${c}`, () => (runs++, tools(`cat${c}`, 20)));
    const ms = performance.now() - started;
    assert.equal(runs, 0);
    assert.ok(cats.categories.every((c) => c.state === 'unloaded'));
    // The target (< 1 s); the registration does no loading, so even a loaded machine stays far below.
    assert.ok(ms < 1000, `startup took ${ms} ms`);
  });

  test('a loader runs exactly once under 20 concurrent first calls, and the tools answer', async () => {
    const server = new McpServer(INFO);
    const cats = new ToolCategories(server);
    let runs = 0;
    cats.category('pdf', async () => {
      runs++;
      await sleep(30);
      return PDF;
    }, { loadOn: 'use' });
    const client = await connect(server);
    const results = await Promise.all(Array.from({ length: 20 }, () => client.callTool({ name: 'pdf_extract_text', arguments: { path: 'a.pdf' } })));
    assert.equal(runs, 1);
    for (const r of results) assert.equal(text(r), 'text of a.pdf');
    assert.equal(cats.get('pdf')!.loaderRuns, 1);
    await client.close();
  });

  test('a dynamic import() loader works (module with a tools export)', async () => {
    const server = new McpServer(INFO);
    const cats = new ToolCategories(server);
    cats.category('mod', () => import('./fixtures/category-module.js'));
    const client = await connect(server);
    const { tools: listed } = await client.listTools();
    assert.deepEqual(listed.map((t) => t.name), ['mod_echo']);
    assert.equal(text(await client.callTool({ name: 'mod_echo', arguments: { text: 'hi' } })), 'hi');
    await client.close();
  });

  test('a loader that throws gives a clear error naming the category, and is retried on the next use', async () => {
    const server = new McpServer(INFO);
    const cats = new ToolCategories(server);
    let runs = 0;
    cats.category('flaky', () => {
      runs++;
      if (runs === 1) throw new Error('disk not mounted');
      return PDF;
    }, { loadOn: 'use' });
    const client = await connect(server);
    await assert.rejects(client.callTool({ name: 'flaky_merge' }), (err: unknown) => err instanceof McpError && err.code === -32603 && /Tool category "flaky" failed to load: disk not mounted/.test(err.message));
    assert.equal(cats.get('flaky')!.state, 'failed');
    assert.equal(text(await client.callTool({ name: 'flaky_merge' })), 'merged');
    assert.equal(runs, 2);
    await client.close();
  });

  test('flat mode: tools/list loads loadOn:list categories, leaves loadOn:use ones until used, and skips a failing one', async () => {
    const server = new McpServer(INFO);
    const errors: string[] = [];
    const cats = new ToolCategories(server, { onLoadError: (e, c) => errors.push(`${c}: ${e.message}`) });
    cats.category('pdf', () => PDF);
    cats.category('graph', () => GRAPH, { loadOn: 'use' });
    cats.category('broken', () => Promise.reject(new Error('nope')));
    const client = await connect(server);
    const names = (await client.listTools()).tools.map((t) => t.name);
    assert.deepEqual(names, ['pdf_extract_text', 'pdf_merge']);
    assert.equal(cats.get('graph')!.state, 'unloaded');
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /broken: Tool category "broken" failed to load: nope/);
    await client.callTool({ name: 'graph_create' });
    const after = (await client.listTools()).tools.map((t) => t.name);
    assert.deepEqual(after.sort(), ['graph_create', 'graph_shortest_path', 'pdf_extract_text', 'pdf_merge']);
    await client.close();
  });

  test('an unknown tool in no category is still -32602', async () => {
    const server = new McpServer(INFO);
    new ToolCategories(server).category('pdf', () => PDF);
    const client = await connect(server);
    await assert.rejects(client.callTool({ name: 'nothing_here' }), (err: unknown) => err instanceof McpError && err.code === -32602);
    await assert.rejects(client.callTool({ name: 'pdf_missing' }), (err: unknown) => err instanceof McpError && err.code === -32602);
    await client.close();
  });

  test('schema lookups load the category, are cached, and cacheInfo/clearSchemaCache report and reset', async () => {
    const server = new McpServer(INFO);
    const cats = new ToolCategories(server);
    let runs = 0;
    cats.category('pdf', () => (runs++, PDF), { loadOn: 'use' });
    const first = await cats.schema('pdf_extract_text');
    assert.equal(runs, 1);
    assert.deepEqual(first?.inputSchema, { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] });
    const second = await cats.schema('pdf_extract_text');
    assert.equal(second, first);
    assert.equal(await cats.schema('pdf_nope'), undefined);
    assert.deepEqual(cats.cacheInfo(), { hits: 1, misses: 2, size: 1 });
    cats.clearSchemaCache();
    assert.deepEqual(cats.cacheInfo(), { hits: 0, misses: 0, size: 0 });
    assert.equal(runs, 1);
  });
});

describe('tool categories: progressive discovery', () => {
  function progressive(): { server: McpServer; cats: ToolCategories; runs: Record<string, number> } {
    const server = new McpServer(INFO);
    const cats = new ToolCategories(server, { mode: 'progressive' });
    const runs: Record<string, number> = { pdf: 0, graph: 0 };
    cats.category('pdf', () => (runs.pdf!++, PDF), { description: 'PDF documents' });
    cats.category('graph', () => (runs.graph!++, GRAPH), { description: 'Knowledge graphs' });
    for (let c = 0; c < 18; c++) cats.category(`bulk${c}`, () => tools(`bulk${c}`, 20));
    return { server, cats, runs };
  }

  for (const era of ['legacy', 'auto'] as const) {
    test(`${era === 'auto' ? 'modern' : 'legacy'} era: four meta-tools listed; categories, a category's tools, BM25 search and call_tool`, async () => {
      const { server, runs } = progressive();
      const client = await connect(server, era);
      const listed = (await client.listTools()).tools.map((t) => t.name);
      assert.deepEqual(listed, ['list_categories', 'list_category_tools', 'search_tools', 'call_tool']);
      assert.deepEqual(runs, { pdf: 0, graph: 0 });

      const cats = (await client.callTool({ name: 'list_categories' })).structuredContent as { categories: { name: string; description?: string; loaded: boolean }[] };
      assert.equal(cats.categories.length, 20);
      assert.deepEqual(cats.categories[0], { name: 'pdf', loaded: false, description: 'PDF documents' });

      const pdf = (await client.callTool({ name: 'list_category_tools', arguments: { category: 'pdf' } })).structuredContent as { tools: { name: string; inputSchema: unknown }[] };
      assert.deepEqual(pdf.tools.map((t) => t.name), ['pdf_extract_text', 'pdf_merge']);
      assert.deepEqual(runs, { pdf: 1, graph: 0 });

      const found = (await client.callTool({ name: 'search_tools', arguments: { query: 'shortest path between nodes', limit: 3 } })).structuredContent as { results: { name: string; score: number }[] };
      assert.equal(found.results[0]!.name, 'graph_shortest_path');
      assert.ok(found.results.length <= 3);
      const byText = (await client.callTool({ name: 'search_tools', arguments: { query: 'extract text pdf' } })).structuredContent as { results: { name: string }[] };
      assert.equal(byText.results[0]!.name, 'pdf_extract_text');
      assert.deepEqual(runs, { pdf: 1, graph: 1 });

      assert.equal(text(await client.callTool({ name: 'call_tool', arguments: { name: 'pdf_extract_text', arguments: { path: 'x.pdf' } } })), 'text of x.pdf');
      const bad = await client.callTool({ name: 'call_tool', arguments: { name: 'pdf_extract_text', arguments: {} } });
      assert.equal(bad.isError, true);
      assert.match(text(bad), /Input validation error/);
      const unknown = await client.callTool({ name: 'call_tool', arguments: { name: 'nope_tool' } });
      assert.equal(unknown.isError, true);
      assert.match(text(unknown), /Unknown tool: nope_tool/);
      await assert.rejects(client.callTool({ name: 'list_category_tools', arguments: { category: 'nope' } }), /Unknown tool category: nope/);
      await client.close();
    });
  }

  test('call_tool of a category whose loader throws is a tool error naming the category; the next call loads it', async () => {
    const server = new McpServer(INFO);
    const cats = new ToolCategories(server, { mode: 'progressive' });
    let runs = 0;
    cats.category('pdf', () => {
      if (++runs === 1) throw new Error('boom');
      return PDF;
    });
    const client = await connect(server);
    const failed = await client.callTool({ name: 'call_tool', arguments: { name: 'pdf_merge' } });
    assert.equal(failed.isError, true);
    assert.match(text(failed), /Tool category "pdf" failed to load: boom/);
    assert.equal(text(await client.callTool({ name: 'call_tool', arguments: { name: 'pdf_merge' } })), 'merged');
    await client.close();
  });
});
