/**
 * What a client sees when a raw JSON Schema tool gets bad arguments: every problem, not just the first,
 * and a bounded message for hostile input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { McpServer } from '../../src/index.js';

const AB = { type: 'object', properties: { a: { type: 'number' }, b: { type: 'string' } }, required: ['a', 'b'] };

async function callWith(args: unknown, inputSchema: Record<string, unknown> = AB): Promise<{ isError?: boolean; content: { text: string }[] }> {
  const server = new McpServer({ name: 't', version: '1' });
  server.registerTool('t', { inputSchema }, () => ({ content: [] }));
  const sent: any[] = [];
  const conn = server.connect({ send: (m) => sent.push(JSON.parse(m)) });
  const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
  conn.receive({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 't', arguments: args, _meta: meta } });
  for (let i = 0; i < 200 && !sent.some((m) => m.id === 1); i++) await new Promise((r) => setTimeout(r, 5));
  conn.close();
  return sent.find((m) => m.id === 1).result;
}

test("a raw JSON Schema tool's validation error lists every problem: the missing property and the wrong type", async () => {
  const result = await callWith({ a: 'x' });
  assert.equal(result.isError, true);
  assert.equal(result.content[0]!.text, "Input validation error: arguments: must have required property 'b'; arguments/a: must be number");
});

test('hostile arguments with thousands of problems list the first 20 and count the rest', async () => {
  const args: Record<string, unknown> = {};
  for (let i = 0; i < 5000; i++) args[`p${i}`] = i;
  const result = await callWith(args, { type: 'object', additionalProperties: { type: 'string' } });
  assert.equal(result.isError, true);
  const text = result.content[0]!.text;
  assert.equal(text.match(/must be string/g)?.length, 20);
  assert.match(text, /\(and 4980 more\)$/);
  assert.ok(text.length < 2000, `message of ${text.length} characters`);
});
