import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, modernMeta, sleep } from './harness.js';

function echoHarness(): Harness {
  const h = new Harness();
  h.server.registerTool('echo', { inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } }, (a: { text: string }) => ({
    content: [{ type: 'text', text: a.text }],
  }));
  return h;
}

describe('bad input gets the spec answer and the connection keeps serving', () => {
  test('malformed JSON → -32700 with id null, then a valid request is served', async () => {
    const h = echoHarness();
    h.conn.receiveText('{"jsonrpc":"2.0","id":1,"method":');
    assert.equal(h.sent[0]?.message.error.code, -32700);
    assert.equal(h.sent[0]?.message.id, null);
    const r = await h.modern('tools/call', { name: 'echo', arguments: { text: 'still here' } });
    assert.equal(r.result.content[0].text, 'still here');
  });

  test('blank lines are ignored without an answer', () => {
    const h = echoHarness();
    h.conn.receiveText('   ');
    assert.equal(h.sent.length, 0);
  });

  test('invalid request shapes → -32600, echoing the id when readable', async () => {
    const h = echoHarness();
    h.conn.receive({ jsonrpc: '2.0', id: 5, method: 'tools/list', params: [1, 2] });
    h.conn.receive({ jsonrpc: '2.0', id: null, method: 'tools/list' });
    h.conn.receive('just a string');
    assert.deepEqual(h.sent.map((s) => [s.message.id, s.message.error.code]), [
      [5, -32600],
      [null, -32600],
      [null, -32600],
    ]);
  });

  test('unknown methods → -32601 in both eras', async () => {
    const h = echoHarness();
    assert.equal((await h.modern('nope/nope')).error.code, -32601);
    await h.initialize();
    assert.equal((await h.request('nope/nope')).error.code, -32601);
  });

  test('methods removed in 2026-07-28 → -32601 on modern requests', async () => {
    const h = echoHarness();
    for (const m of ['initialize', 'ping', 'logging/setLevel', 'resources/subscribe', 'resources/unsubscribe']) {
      assert.equal((await h.modern(m)).error.code, -32601, m);
    }
  });

  test('methods of capabilities the server does not offer → -32601', async () => {
    const h = echoHarness(); // no prompts, no resources
    assert.equal((await h.modern('prompts/list')).error.code, -32601);
    assert.equal((await h.modern('resources/read', { uri: 'x://y' })).error.code, -32601);
  });

  test('requests before initialize → -32602 explaining both eras; ping is allowed', async () => {
    const h = echoHarness();
    const r = await h.request('tools/list');
    assert.equal(r.error.code, -32602);
    assert.match(r.error.message, /initialize/);
    assert.deepEqual((await h.request('ping')).result, {});
  });

  test('wrong param types → -32602 or an isError tool result as the spec asks', async () => {
    const h = echoHarness();
    assert.equal((await h.modern('tools/call', { name: 42 })).error.code, -32602);
    assert.equal((await h.modern('tools/call', { name: 'missing' })).error.code, -32602);
    const v = await h.modern('tools/call', { name: 'echo', arguments: { text: 5 } });
    assert.equal(v.result.isError, true);
    assert.match(v.result.content[0].text, /text/);
    const nonObject = await h.modern('tools/call', { name: 'echo', arguments: 'x' });
    assert.equal(nonObject.result.isError, true);
    assert.equal((await h.modern('tools/list', { cursor: 5 })).error.code, -32602);
    assert.equal((await h.modern('tools/list', { cursor: 'garbage!' })).error.code, -32602);
  });

  test('duplicate request ids in flight → -32600 for the duplicate; the original completes', async () => {
    const h = new Harness();
    let release!: () => void;
    h.server.registerTool('slow', {}, () => new Promise((r) => (release = () => r({ content: [{ type: 'text', text: 'done' }] }))));
    const first = h.modern('tools/call', { name: 'slow' }, {}, 'dup');
    await sleep(5);
    h.conn.receive({ jsonrpc: '2.0', id: 'dup', method: 'tools/call', params: { name: 'slow', _meta: modernMeta() } });
    const dupError = h.sent.find((s) => s.message.id === 'dup' && s.message.error);
    assert.equal(dupError?.message.error.code, -32600);
    release();
    // The waiter matches the first answer with that id, the error; wait for the result separately.
    await first;
    const done = await h.waitFor((s) => s.message.id === 'dup' && 'result' in s.message);
    assert.equal(done.message.result.content[0].text, 'done');
  });

  test('cancellation of unknown ids is ignored', async () => {
    const h = echoHarness();
    h.notify('notifications/cancelled', { requestId: 'never-sent' });
    h.notify('notifications/cancelled', { requestId: { bad: true } });
    h.notify('notifications/cancelled');
    assert.equal(h.sent.length, 0);
    assert.equal((await h.modern('tools/call', { name: 'echo', arguments: { text: 'ok' } })).result.content[0].text, 'ok');
  });

  test('unknown notifications and stray responses are ignored', async () => {
    const h = echoHarness();
    h.notify('notifications/whatever', { x: 1 });
    h.conn.receive({ jsonrpc: '2.0', id: 99, result: {} });
    h.conn.receive({ jsonrpc: '2.0', id: 98, error: { code: 1, message: 'x' } });
    assert.equal(h.sent.length, 0);
  });

  test('batches are refused unless the session negotiated 2025-03-26', async () => {
    const h = echoHarness();
    h.conn.receive([{ jsonrpc: '2.0', id: 1, method: 'ping' }]);
    assert.equal(h.sent[0]?.message.error.code, -32600);
    const h2 = echoHarness();
    await h2.initialize({}, '2025-03-26');
    h2.conn.receive([
      { jsonrpc: '2.0', id: 'a', method: 'ping' },
      { jsonrpc: '2.0', id: 'b', method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { bad: true },
    ]);
    const batch = await h2.waitFor((s) => Array.isArray(s.message));
    assert.deepEqual(batch.message.map((m: any) => m.id).sort(), ['a', 'b', null].sort());
    h2.conn.receive([]);
    assert.equal(h2.sent.at(-1)?.message.error.code, -32600);
  });

  test('a second initialize on the same connection is refused', async () => {
    const h = echoHarness();
    await h.initialize();
    assert.equal((await h.request('initialize', { protocolVersion: '2025-11-25', capabilities: {} })).error.code, -32600);
  });

  test('initialize without protocolVersion → -32602', async () => {
    const h = echoHarness();
    assert.equal((await h.request('initialize', { capabilities: {} })).error.code, -32602);
  });
});
