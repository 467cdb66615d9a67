/**
 * Resilience per upstream: the breaker opens after consecutive failures (tools dropped, or kept and failing
 * at once), a half-open probe after the delay, recovery (tools back), a failed probe keeps it open; retry only
 * for read-only/idempotent tools; the timeout; the bulkhead; upstream JSON-RPC errors never trip the breaker.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryClientTransport, type ClientTransport } from '../../src/client/index.js';
import { McpError, VeloError } from '../../src/jsonrpc/errors.js';
import { McpServer } from '../../src/server/mcp-server.js';
import { mount, type BreakerState, type MountOptions } from '../../src/orchestration/index.js';
import { connect, eventually, text } from './helpers.js';

/** An upstream that can be switched down (new connections fail) and made to hang (`work` never answers). */
function switchable() {
  const state = { down: false, hang: false, calls: 0, readCalls: 0, failReadsLeft: 0 };
  const upstream = new McpServer({ name: 'switchable', version: '1' });
  const hangWhileDown = (): Promise<void> => (state.hang ? new Promise(() => undefined) : Promise.resolve());
  upstream.registerTool('work', {}, async () => {
    state.calls++;
    await hangWhileDown();
    return { content: [{ type: 'text', text: 'worked' }] };
  });
  upstream.registerTool('read', { annotations: { readOnlyHint: true } }, async () => {
    state.readCalls++;
    if (state.failReadsLeft > 0) {
      state.failReadsLeft--;
      await new Promise(() => undefined);
    }
    return { content: [{ type: 'text', text: 'read ok' }] };
  });
  upstream.registerTool('refuse', {}, () => {
    throw new McpError(-32602, 'bad arguments');
  });
  const failing: ClientTransport = {
    onmessage: undefined,
    onerror: undefined,
    onclose: undefined,
    start: () => Promise.reject(new VeloError('VELO_CONNECTION_CLOSED', 'upstream is down')),
    send: () => Promise.reject(new VeloError('VELO_CONNECTION_CLOSED', 'upstream is down')),
    close: async () => undefined,
  } as unknown as ClientTransport;
  const target = { connect: (): ClientTransport => (state.down ? failing : new InMemoryClientTransport(upstream)) };
  return { state, upstream, target };
}

const FAST: MountOptions['resilience'] = { timeoutMs: 150, breaker: { consecutiveFailures: 3, halfOpenAfterMs: 300 }, retry: { maxAttempts: 2, initialDelayMs: 10 } };

describe('resilience', () => {
  test('the breaker opens after 3 failures and drops the tools; a half-open probe closes it and they come back', async () => {
    const { state, target } = switchable();
    const gateway = new McpServer({ name: 'gw', version: '1' });
    const events: BreakerState[] = [];
    const m = await mount(gateway, 'up', target, { resilience: FAST, onHealthChange: (s) => events.push(s) });
    const client = await connect(gateway);
    const names = async () => (await client.listTools()).tools.map((t) => t.name);
    assert.ok((await names()).includes('up_work'));
    assert.equal(text(await client.callTool({ name: 'up_work' })), 'worked'); // one pooled connection
    state.down = true;
    state.hang = true;
    for (let i = 0; i < 3; i++) {
      const r = await client.callTool({ name: 'up_work' });
      assert.equal(r.isError, true);
      // The first call hangs on the pooled connection (timeout, connection discarded); later ones cannot connect.
      assert.match(text(r), i === 0 ? /Upstream "up" did not answer tool work in time/ : /Upstream "up" failed on tool work: upstream is down/);
    }
    assert.equal(m.state, 'OPEN');
    assert.deepEqual(events, ['OPEN']);
    assert.deepEqual(await names(), [], 'the unhealthy upstream\'s tools are dropped from the list');
    // Probe while still down: half-open, fails, open again.
    await eventually(() => events.length >= 3, 'a failed probe', 5000);
    assert.deepEqual(events.slice(0, 3), ['OPEN', 'HALF_OPEN', 'OPEN']);
    state.down = false;
    state.hang = false;
    await eventually(() => m.state === 'CLOSED', 'recovery after a successful probe', 10_000);
    assert.deepEqual(events.slice(-2), ['HALF_OPEN', 'CLOSED']);
    await eventually(async () => (await names()).includes('up_work'), 'tools listed again');
    assert.equal(text(await client.callTool({ name: 'up_work' })), 'worked');
    assert.ok(m.stats.breaker.opened >= 2);
    await client.close();
    await m.close();
  });

  test("whenUnhealthy 'keep': an open breaker answers at once with a clear tool error and sends nothing upstream", async () => {
    const { state, target } = switchable();
    const gateway = new McpServer({ name: 'gw', version: '1' });
    const m = await mount(gateway, 'up', target, { resilience: { ...FAST, breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 } }, whenUnhealthy: 'keep' });
    const client = await connect(gateway);
    state.down = true;
    state.hang = true;
    await client.callTool({ name: 'up_work' });
    await client.callTool({ name: 'up_work' });
    assert.equal(m.state, 'OPEN');
    const before = state.calls;
    const started = Date.now();
    const r = await client.callTool({ name: 'up_work' });
    assert.equal(r.isError, true);
    assert.match(text(r), /Upstream "up" is unavailable: its circuit breaker is open/);
    assert.equal(state.calls, before, 'nothing was sent upstream');
    assert.ok(Date.now() - started < FAST!.timeoutMs! * 10);
    assert.ok((await client.listTools()).tools.some((t) => t.name === 'up_work'), 'kept in the list');
    await client.close();
    await m.close();
  });

  test('a read-only tool is retried after a timeout; a tool without the annotation is not', async () => {
    const { state, target } = switchable();
    const gateway = new McpServer({ name: 'gw', version: '1' });
    const m = await mount(gateway, 'up', target, { resilience: FAST });
    const client = await connect(gateway);
    state.failReadsLeft = 1;
    assert.equal(text(await client.callTool({ name: 'up_read' })), 'read ok');
    assert.equal(state.readCalls, 2);
    state.hang = true;
    const r = await client.callTool({ name: 'up_work' });
    assert.equal(r.isError, true);
    assert.equal(state.calls, 1, 'not retried');
    await client.close();
    await m.close();
  });

  test('JSON-RPC errors the upstream answers with pass through and never open the breaker', async () => {
    const { target } = switchable();
    const gateway = new McpServer({ name: 'gw', version: '1' });
    const m = await mount(gateway, 'up', target, { resilience: FAST });
    const client = await connect(gateway);
    for (let i = 0; i < 6; i++) await assert.rejects(client.callTool({ name: 'up_refuse' }), (e: unknown) => e instanceof McpError && e.code === -32602);
    assert.equal(m.state, 'CLOSED');
    await client.close();
    await m.close();
  });

  test('the bulkhead refuses calls beyond maxConcurrent + maxQueue with a clear tool error', async () => {
    const { state, target } = switchable();
    const gateway = new McpServer({ name: 'gw', version: '1' });
    const m = await mount(gateway, 'up', target, { resilience: { timeoutMs: 2000, bulkhead: { maxConcurrent: 1, maxQueue: 0 }, breaker: { consecutiveFailures: 100 } } });
    const client = await connect(gateway);
    state.hang = true;
    const first = client.callTool({ name: 'up_work' });
    await eventually(() => state.calls === 1, 'first call in flight');
    const second = await client.callTool({ name: 'up_work' });
    assert.equal(second.isError, true);
    assert.match(text(second), /saturated/);
    assert.equal(m.stats.breaker.bulkheadRejected, 1);
    assert.equal((await first).isError, true); // timed out after 2 s
    await client.close();
    await m.close();
  });

  test('toolTimeoutMs gives one tool its own timeout', async () => {
    const { state, target } = switchable();
    const gateway = new McpServer({ name: 'gw', version: '1' });
    const m = await mount(gateway, 'up', target, { resilience: { timeoutMs: 60_000 }, toolTimeoutMs: { work: 100 } });
    const client = await connect(gateway);
    state.hang = true;
    const r = await client.callTool({ name: 'up_work' });
    assert.equal(r.isError, true);
    assert.match(text(r), /did not answer tool work in time \(100 ms\)/);
    await client.close();
    await m.close();
  });
});
