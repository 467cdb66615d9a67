import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { McpServer } from '../../src/server/mcp-server.js';
import { elicit, inputRequired, createMessage } from '../../src/server/input.js';
import { Harness } from './harness.js';

const FORM = { message: 'Name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } };

function server(): McpServer {
  const s = new McpServer({ name: 's', version: '1' });
  // High-level API: works in both eras.
  s.registerTool('greet', { inputSchema: { type: 'object', properties: { greeting: { type: 'string' } } } }, async (a: { greeting?: string }, ctx) => {
    const first = await ctx.input({ who: elicit(FORM) });
    const second = await ctx.input({ mood: elicit({ ...FORM, message: 'Mood?' }) });
    const who = (first.who as any).content.name;
    const mood = (second.mood as any).content.name;
    return { content: [{ type: 'text', text: `${a.greeting ?? 'hello'} ${who}, you are ${mood}` }] };
  });
  s.registerTool('sample', {}, async (_a, ctx) => {
    const r = await ctx.input({ s: createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }], maxTokens: 5 }) });
    return { content: [{ type: 'text', text: JSON.stringify(r.s) }] };
  });
  // Low-level API: explicit input_required result and state.
  s.registerTool('lowlevel', {}, (_a, ctx) => {
    if (!ctx.inputResponses) return inputRequired({ inputRequests: { ok: elicit(FORM) }, requestState: { step: 1 } });
    return { content: [{ type: 'text', text: `state=${JSON.stringify(ctx.requestState)} answer=${JSON.stringify(ctx.inputResponses.ok)}` }] };
  });
  return s;
}

const accept = (name: string) => ({ action: 'accept', content: { name } });
const ELICIT = { elicitation: { form: {} } };

describe('MRTR (2026-07-28): input_required results and retries', () => {
  test('two rounds: each retry carries only the newest answers; the sealed state carries the rest', async () => {
    const h = new Harness(server());
    const r1 = (await h.modern('tools/call', { name: 'greet', arguments: { greeting: 'hey' } }, ELICIT)).result;
    assert.equal(r1.resultType, 'input_required');
    assert.deepEqual(Object.keys(r1.inputRequests), ['who']);
    assert.equal(r1.ttlMs, undefined);
    assert.equal(typeof r1.requestState, 'string');
    const r2 = (await h.modern('tools/call', { name: 'greet', arguments: { greeting: 'hey' }, inputResponses: { who: accept('Ada') }, requestState: r1.requestState }, ELICIT)).result;
    assert.equal(r2.resultType, 'input_required');
    assert.deepEqual(Object.keys(r2.inputRequests), ['mood']);
    const r3 = (await h.modern('tools/call', { name: 'greet', arguments: { greeting: 'hey' }, inputResponses: { mood: accept('curious') }, requestState: r2.requestState }, ELICIT)).result;
    assert.equal(r3.resultType, 'complete');
    assert.equal(r3.content[0].text, 'hey Ada, you are curious');
  });

  test('a retry without the requested answer gets another input_required, not an error', async () => {
    const h = new Harness(server());
    const r1 = (await h.modern('tools/call', { name: 'greet' }, ELICIT)).result;
    const r2 = (await h.modern('tools/call', { name: 'greet', inputResponses: { other: accept('x') }, requestState: r1.requestState }, ELICIT)).result;
    assert.equal(r2.resultType, 'input_required');
    assert.deepEqual(Object.keys(r2.inputRequests), ['who']);
  });

  test('tampered requestState → JSON-RPC -32602', async () => {
    const h = new Harness(server());
    const r1 = (await h.modern('tools/call', { name: 'greet' }, ELICIT)).result;
    for (const bad of [`${r1.requestState}-TAMPERED`, r1.requestState.replace(/\.([^.]*)$/, '.AAAA'), 'v1.e30.xx', 'garbage', 42]) {
      const r = await h.modern('tools/call', { name: 'greet', inputResponses: { who: accept('x') }, requestState: bad }, ELICIT);
      assert.equal(r.error?.code, -32602, String(bad));
    }
  });

  test('requestState is bound to the request: other arguments, another tool or method are refused', async () => {
    const h = new Harness(server());
    const r1 = (await h.modern('tools/call', { name: 'greet', arguments: { greeting: 'a' } }, ELICIT)).result;
    const otherArgs = await h.modern('tools/call', { name: 'greet', arguments: { greeting: 'b' }, inputResponses: { who: accept('x') }, requestState: r1.requestState }, ELICIT);
    assert.equal(otherArgs.error.code, -32602);
    const otherTool = await h.modern('tools/call', { name: 'lowlevel', inputResponses: { ok: accept('x') }, requestState: r1.requestState }, ELICIT);
    assert.equal(otherTool.error.code, -32602);
  });

  test('requestState expires', async () => {
    const s = new McpServer({ name: 's', version: '1' }, { requestState: { ttlMs: -1 } });
    s.registerTool('ask', {}, async (_a, ctx) => ({ content: [{ type: 'text', text: JSON.stringify(await ctx.input({ q: elicit(FORM) })) }] }));
    const h = new Harness(s);
    const r1 = (await h.modern('tools/call', { name: 'ask' }, ELICIT)).result;
    const r2 = await h.modern('tools/call', { name: 'ask', inputResponses: { q: accept('x') }, requestState: r1.requestState }, ELICIT);
    assert.equal(r2.error.code, -32602);
    assert.match(r2.error.message, /expired/);
  });

  test('the low-level API gets its own state back, verified', async () => {
    const h = new Harness(server());
    const r1 = (await h.modern('tools/call', { name: 'lowlevel' }, ELICIT)).result;
    assert.equal(r1.resultType, 'input_required');
    assert.notEqual(r1.requestState, '{"step":1}', 'state is sealed, not plaintext');
    const r2 = (await h.modern('tools/call', { name: 'lowlevel', inputResponses: { ok: accept('y') }, requestState: r1.requestState }, ELICIT)).result;
    assert.equal(r2.content[0].text, 'state={"step":1} answer={"action":"accept","content":{"name":"y"}}');
  });

  test('asking for an undeclared capability → -32021 with requiredCapabilities', async () => {
    const h = new Harness(server());
    const r = await h.modern('tools/call', { name: 'sample' }, {});
    assert.equal(r.error.code, -32021);
    assert.deepEqual(r.error.data.requiredCapabilities, { sampling: {} });
    const low = await h.modern('tools/call', { name: 'lowlevel' }, {});
    assert.equal(low.error.code, -32021);
    assert.deepEqual(low.error.data.requiredCapabilities, { elicitation: { form: {} } });
  });
});

describe('legacy era: the same handlers send server→client requests', () => {
  test('ctx.input sends elicitation/create requests and resumes with the answers', async () => {
    const h = new Harness(server());
    await h.initialize({ elicitation: {} });
    const pending = h.request('tools/call', { name: 'greet', arguments: { greeting: 'yo' } }, 'call-1');
    const ask1 = await h.waitFor((s) => s.message.method === 'elicitation/create');
    assert.equal(ask1.related, 'call-1');
    h.conn.receive({ jsonrpc: '2.0', id: ask1.message.id, result: accept('Bo') });
    const ask2 = await h.waitFor((s) => s.message.method === 'elicitation/create' && s.message.id !== ask1.message.id);
    h.conn.receive({ jsonrpc: '2.0', id: ask2.message.id, result: accept('calm') });
    const r = await pending;
    assert.equal(r.result.content[0].text, 'yo Bo, you are calm');
    assert.equal(r.result.resultType, undefined, 'legacy results carry no resultType');
  });

  test('an inputRequired result is emulated with server→client requests, then the handler runs again', async () => {
    const h = new Harness(server());
    await h.initialize({ elicitation: {} });
    const pending = h.request('tools/call', { name: 'lowlevel' });
    const ask = await h.waitFor((s) => s.message.method === 'elicitation/create');
    h.conn.receive({ jsonrpc: '2.0', id: ask.message.id, result: accept('z') });
    assert.equal((await pending).result.content[0].text, 'state={"step":1} answer={"action":"accept","content":{"name":"z"}}');
  });

  test('a client error answer to a server→client request fails the tool call clearly', async () => {
    const h = new Harness(server());
    await h.initialize({ sampling: {} });
    const pending = h.request('tools/call', { name: 'sample' });
    const ask = await h.waitFor((s) => s.message.method === 'sampling/createMessage');
    h.conn.receive({ jsonrpc: '2.0', id: ask.message.id, error: { code: -1, message: 'user said no' } });
    const r = await pending;
    assert.equal(r.error.code, -1);
    assert.equal(r.error.message, 'user said no');
  });

  test('a missing client capability is an isError tool result in the legacy era', async () => {
    const h = new Harness(server());
    await h.initialize({});
    const r = await h.request('tools/call', { name: 'sample' });
    assert.equal(r.result.isError, true);
    assert.match(r.result.content[0].text, /sampling/);
  });
});
