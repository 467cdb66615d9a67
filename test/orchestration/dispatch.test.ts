/**
 * dispatchParallel: slots in order, errors in their slot, the concurrency bound, batch cancellation, and a
 * real client as the caller.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { VeloError } from '../../src/jsonrpc/errors.js';
import { McpServer } from '../../src/server/mcp-server.js';
import { dispatchParallel, type ParallelCall } from '../../src/orchestration/index.js';
import { connect, sleep, text } from './helpers.js';

describe('dispatchParallel', () => {
  test('each result or error lands in its own slot, in call order', async () => {
    const out = await dispatchParallel(async (c) => {
      await sleep(Number(c.arguments?.delay ?? 0));
      if (c.name === 'bad') throw new Error('bad tool');
      return { content: [{ type: 'text', text: c.name }] };
    }, [
      { name: 'a', arguments: { delay: 30 } },
      { name: 'bad' },
      { name: 'c', arguments: { delay: 5 } },
    ]);
    assert.equal(out.length, 3);
    assert.equal(out[0]!.ok && text(out[0]!.result), 'a');
    assert.equal(!out[1]!.ok && out[1]!.error.message, 'bad tool');
    assert.equal(out[2]!.ok && text(out[2]!.result), 'c');
  });

  test('never more than maxConcurrent calls in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const calls: ParallelCall[] = Array.from({ length: 12 }, (_, i) => ({ name: `t${i}` }));
    const out = await dispatchParallel(async () => {
      peak = Math.max(peak, ++inFlight);
      await sleep(10);
      inFlight--;
      return { content: [] };
    }, calls, { maxConcurrent: 3 });
    assert.equal(peak, 3);
    assert.ok(out.every((o) => o.ok));
  });

  test('aborting the batch cancels calls in flight and never starts the waiting ones', async () => {
    const ac = new AbortController();
    let started = 0;
    const p = dispatchParallel((_c, signal) => {
      started++;
      return new Promise((_r, reject) => signal.addEventListener('abort', () => reject(new VeloError('VELO_REQUEST_CANCELLED', 'cancelled')), { once: true }));
    }, Array.from({ length: 5 }, (_, i) => ({ name: `t${i}` })), { maxConcurrent: 2, signal: ac.signal });
    await sleep(20);
    ac.abort();
    const out = await p;
    assert.equal(started, 2);
    assert.ok(out.every((o) => !o.ok && o.error instanceof VeloError && o.error.code === 'VELO_REQUEST_CANCELLED'));
    await assert.rejects(dispatchParallel(async () => ({ content: [] }), [], { maxConcurrent: 0 }), /maxConcurrent/);
    assert.deepEqual(await dispatchParallel(async () => ({ content: [] }), []), []);
  });

  test('with an McpClient as the caller, 10 calls of a 30 ms tool run concurrently and cancellation reaches the server', async () => {
    const server = new McpServer({ name: 'dispatch', version: '1' });
    let peak = 0;
    let inFlight = 0;
    let cancelled = 0;
    server.registerTool('slow', {}, async (_a, ctx) => {
      peak = Math.max(peak, ++inFlight);
      try {
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(resolve, ctx._meta.hang ? 60_000 : 30);
          ctx.signal.addEventListener('abort', () => (clearTimeout(t), cancelled++, reject(new Error('aborted'))), { once: true });
        });
      } finally {
        inFlight--;
      }
      return { content: [{ type: 'text', text: 'done' }] };
    });
    const client = await connect(server);
    const out = await dispatchParallel(client, Array.from({ length: 10 }, () => ({ name: 'slow' })));
    assert.equal(peak, 10);
    assert.ok(out.every((o) => o.ok && text(o.result) === 'done'));
    const ac = new AbortController();
    const hung = dispatchParallel((c, signal) => client.callTool({ name: c.name, _meta: { hang: true } }, { signal }), [{ name: 'slow' }, { name: 'slow' }], { signal: ac.signal });
    while (inFlight < 2) await sleep(5);
    ac.abort();
    const res = await hung;
    assert.ok(res.every((o) => !o.ok));
    while (cancelled < 2) await sleep(5);
    await client.close();
  });
});
