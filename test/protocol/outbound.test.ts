import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OutboundRequests } from '../../src/protocol/outbound.js';
import { McpError, VeloError } from '../../src/jsonrpc/errors.js';

function setup(defaultTimeout = 1000) {
  const sent: any[] = [];
  const out = new OutboundRequests((m) => sent.push(JSON.parse(m)), defaultTimeout);
  return { sent, out };
}

describe('outbound request correlation', () => {
  test('resolves with the matching result and ignores unknown or late responses', async () => {
    const { sent, out } = setup();
    const p = out.request('roots/list', {});
    assert.equal(out.handleResponse({ jsonrpc: '2.0', id: 999, result: {} }), false);
    assert.equal(out.handleResponse({ jsonrpc: '2.0', id: sent[0].id, result: { roots: [] } }), true);
    assert.deepEqual(await p, { roots: [] });
    assert.equal(out.handleResponse({ jsonrpc: '2.0', id: sent[0].id, result: {} }), false);
  });

  test('an error response rejects with McpError', async () => {
    const { sent, out } = setup();
    const p = out.request('x', {});
    out.handleResponse({ jsonrpc: '2.0', id: sent[0].id, error: { code: -32601, message: 'nope', data: 1 } });
    await assert.rejects(p, (e: unknown) => e instanceof McpError && e.code === -32601 && e.data === 1);
  });

  test('times out, sends notifications/cancelled, and drops the late response', async () => {
    const { sent, out } = setup();
    const p = out.request('slow', {}, { timeoutMs: 20 });
    await assert.rejects(p, (e: unknown) => e instanceof VeloError && e.code === 'VELO_REQUEST_TIMEOUT');
    assert.equal(sent[1].method, 'notifications/cancelled');
    assert.equal(sent[1].params.requestId, sent[0].id);
    assert.equal(out.size, 0);
  });

  test('progress resets the timeout when asked, but never past the hard maximum', async () => {
    const { sent, out } = setup();
    const seen: number[] = [];
    const started = Date.now();
    const p = out.request('long', {}, { timeoutMs: 40, resetTimeoutOnProgress: true, maxTotalTimeoutMs: 150, onProgress: (pr) => seen.push(pr.progress) });
    const token = sent[0].params._meta.progressToken;
    const timer = setInterval(() => out.handleProgress({ progressToken: token, progress: seen.length + 1 }), 15);
    await assert.rejects(p, (e: unknown) => e instanceof VeloError && e.code === 'VELO_REQUEST_TIMEOUT' && /maximum/.test(e.message + (e as Error).message));
    clearInterval(timer);
    const elapsed = Date.now() - started;
    assert.ok(seen.length >= 3, 'progress arrived and kept it alive past the plain timeout');
    assert.ok(elapsed >= 100, `held until near the maximum (${elapsed} ms)`);
  });

  test('abort signal cancels with VELO_REQUEST_CANCELLED and notifies the peer', async () => {
    const { sent, out } = setup();
    const ac = new AbortController();
    const p = out.request('x', {}, { signal: ac.signal });
    ac.abort('stop');
    await assert.rejects(p, (e: unknown) => e instanceof VeloError && e.code === 'VELO_REQUEST_CANCELLED');
    assert.equal(sent[1].method, 'notifications/cancelled');
  });

  test('close rejects everything pending and refuses new requests', async () => {
    const { out } = setup();
    const p = out.request('x', {});
    out.close();
    await assert.rejects(p, (e: unknown) => e instanceof VeloError && e.code === 'VELO_CONNECTION_CLOSED');
    await assert.rejects(out.request('y', {}), (e: unknown) => e instanceof VeloError && e.code === 'VELO_CONNECTION_CLOSED');
  });

  test('a custom id source names requests, and onSettle reports every way a request leaves', async () => {
    const sent: any[] = [];
    const settled: unknown[] = [];
    let n = 0;
    const out = new OutboundRequests((m) => sent.push(JSON.parse(m)), 1000, { nextId: () => `req-${++n}`, onSettle: (id) => settled.push(id) });
    const answered = out.request('a', {});
    assert.equal(sent[0].id, 'req-1');
    out.handleResponse({ jsonrpc: '2.0', id: 'req-1', result: {} });
    await answered;
    await assert.rejects(out.request('b', {}, { timeoutMs: 10 }), (e: unknown) => e instanceof VeloError && e.code === 'VELO_REQUEST_TIMEOUT');
    const closed = out.request('c', {});
    out.close();
    await assert.rejects(closed);
    assert.deepEqual(settled, ['req-1', 'req-2', 'req-3']);
  });

  test('an id source that throws refuses the request with its error', async () => {
    const out = new OutboundRequests(() => undefined, 1000, { nextId: () => {
      throw new VeloError('VELO_CONNECTION_CLOSED', 'table full');
    } });
    await assert.rejects(out.request('x', {}), (e: unknown) => e instanceof VeloError && /table full/.test(e.message));
    assert.equal(out.size, 0);
  });
});
