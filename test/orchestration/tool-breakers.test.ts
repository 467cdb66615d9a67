/**
 * Circuit breakers per upstream tool: one failing tool is cut off alone (dropped from the list or failing at
 * once) while the upstream's other tools keep serving; the half-open probe call; tool errors counted only
 * when asked; refusals by the upstream's own policy never count; `toolBreaker: false` turns them off.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryClientTransport } from '../../src/client/index.js';
import { McpServer } from '../../src/server/mcp-server.js';
import { mount, type BreakerState, type MountOptions } from '../../src/orchestration/index.js';
import { connect, eventually, text } from './helpers.js';

/** An upstream with a tool that can be made to hang (`flaky`), one that can be made to fail (`judge`) and a healthy one. */
function upstream() {
  const state = { hang: false, fail: false, flakyCalls: 0, judgeCalls: 0, okCalls: 0 };
  const server = new McpServer({ name: 'upstream', version: '1' });
  server.registerTool('flaky', {}, async () => {
    state.flakyCalls++;
    if (state.hang) await new Promise(() => undefined);
    return { content: [{ type: 'text', text: 'flaky ok' }] };
  });
  server.registerTool('judge', {}, () => {
    state.judgeCalls++;
    return state.fail ? { content: [{ type: 'text', text: 'no' }], isError: true } : { content: [{ type: 'text', text: 'yes' }] };
  });
  server.registerTool('ok', {}, () => {
    state.okCalls++;
    return { content: [{ type: 'text', text: 'fine' }] };
  });
  return { state, target: { connect: () => new InMemoryClientTransport(server) } };
}

const RESILIENCE: MountOptions['resilience'] = { timeoutMs: 150, breaker: { consecutiveFailures: 100 }, toolBreaker: { consecutiveFailures: 2, halfOpenAfterMs: 400 } };

describe('per-tool circuit breakers', () => {
  test('a tool that keeps timing out is dropped from the list alone; the upstream and its other tools keep serving', async () => {
    const { state, target } = upstream();
    const gateway = new McpServer({ name: 'gw', version: '1' });
    const events: Array<[string, BreakerState]> = [];
    const m = await mount(gateway, 'up', target, { resilience: RESILIENCE, onToolHealthChange: (t, s) => events.push([t, s]) });
    const client = await connect(gateway);
    const names = async () => (await client.listTools()).tools.map((t) => t.name).sort();
    state.hang = true;
    for (let i = 0; i < 2; i++) {
      const r = await client.callTool({ name: 'up_flaky' });
      assert.equal(r.isError, true);
      assert.match(text(r), /did not answer tool flaky in time/);
      assert.equal(text(await client.callTool({ name: 'up_ok' })), 'fine');
    }
    assert.deepEqual(events, [['flaky', 'OPEN']]);
    assert.equal(m.state, 'CLOSED', "the upstream's breaker stays closed");
    assert.equal(m.toolBreakers?.state('flaky'), 'OPEN');
    assert.deepEqual(await names(), ['up_judge', 'up_ok'], 'only the failing tool left the list');
    assert.deepEqual(m.stats.toolBreakers.flaky, { state: 'OPEN', opened: 1 });
    assert.equal(m.stats.toolBreakers.ok?.state, 'CLOSED');
    await client.close();
    await m.close();
  });

  test('after the half-open delay the tool is listed again and the next call probes it: success closes, failure reopens', async () => {
    const { state, target } = upstream();
    const gateway = new McpServer({ name: 'gw', version: '1' });
    const events: Array<[string, BreakerState]> = [];
    const m = await mount(gateway, 'up', target, { resilience: RESILIENCE, onToolHealthChange: (t, s) => events.push([t, s]) });
    const client = await connect(gateway);
    const listed = async () => (await client.listTools()).tools.some((t) => t.name === 'up_flaky');
    state.hang = true;
    await client.callTool({ name: 'up_flaky' });
    await client.callTool({ name: 'up_flaky' });
    assert.equal(await listed(), false);
    await eventually(listed, 'listed again for the probe', 5000);
    const failedProbe = await client.callTool({ name: 'up_flaky' }); // still hanging: reopens
    assert.equal(failedProbe.isError, true);
    assert.deepEqual(events.map((e) => e[1]), ['OPEN', 'HALF_OPEN', 'OPEN']);
    assert.equal(await listed(), false);
    state.hang = false;
    await eventually(listed, 'listed again for the second probe', 5000);
    assert.equal(text(await client.callTool({ name: 'up_flaky' })), 'flaky ok');
    assert.deepEqual(events.map((e) => e[1]).slice(-2), ['HALF_OPEN', 'CLOSED']);
    assert.equal(await listed(), true);
    assert.equal(m.stats.toolBreakers.flaky?.opened, 2);
    await client.close();
    await m.close();
  });

  test("whenUnhealthy 'keep': an open tool stays listed and is answered at once with a clear error, nothing sent upstream", async () => {
    const { state, target } = upstream();
    const gateway = new McpServer({ name: 'gw', version: '1' });
    const m = await mount(gateway, 'up', target, { resilience: { ...RESILIENCE, toolBreaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 } }, whenUnhealthy: 'keep' });
    const client = await connect(gateway);
    state.hang = true;
    await client.callTool({ name: 'up_flaky' });
    await client.callTool({ name: 'up_flaky' });
    const before = state.flakyCalls;
    const r = await client.callTool({ name: 'up_flaky' });
    assert.equal(r.isError, true);
    assert.match(text(r), /Tool flaky of upstream "up" is unavailable: its circuit breaker is open after repeated failures; tool flaky was not sent\. The next call after about 60 s is let through as a probe\./);
    assert.equal(state.flakyCalls, before, 'nothing was sent upstream');
    assert.ok((await client.listTools()).tools.some((t) => t.name === 'up_flaky'), 'kept in the list');
    await client.close();
    await m.close();
  });

  test('tool results with isError open a tool breaker only with countToolErrors', async () => {
    for (const countToolErrors of [false, true]) {
      const { state, target } = upstream();
      const gateway = new McpServer({ name: 'gw', version: '1' });
      const m = await mount(gateway, 'up', target, { resilience: { ...RESILIENCE, toolBreaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000, countToolErrors } }, whenUnhealthy: 'keep' });
      const client = await connect(gateway);
      state.fail = true;
      for (let i = 0; i < 4; i++) assert.equal((await client.callTool({ name: 'up_judge' })).isError, true);
      assert.equal(m.toolBreakers?.state('judge'), countToolErrors ? 'OPEN' : 'CLOSED');
      assert.equal(state.judgeCalls, countToolErrors ? 2 : 4, 'an open breaker sends nothing');
      await client.close();
      await m.close();
    }
  });

  test("refusals by the upstream's bulkhead never count against a tool", async () => {
    const { state, target } = upstream();
    const gateway = new McpServer({ name: 'gw', version: '1' });
    const m = await mount(gateway, 'up', target, { resilience: { timeoutMs: 1000, bulkhead: { maxConcurrent: 1, maxQueue: 0 }, breaker: { consecutiveFailures: 100 }, toolBreaker: { consecutiveFailures: 2 } } });
    const client = await connect(gateway);
    state.hang = true;
    const first = client.callTool({ name: 'up_flaky' });
    await eventually(() => state.flakyCalls === 1, 'first call in flight');
    for (let i = 0; i < 3; i++) assert.match(text(await client.callTool({ name: 'up_flaky' })), /saturated/);
    assert.equal(m.toolBreakers?.state('flaky'), 'CLOSED', 'three refusals, no failure');
    assert.equal((await first).isError, true); // its timeout: one failure
    assert.equal(m.toolBreakers?.state('flaky'), 'CLOSED');
    await client.close();
    await m.close();
  });

  test('toolBreaker: false turns the per-tool breakers off', async () => {
    const { state, target } = upstream();
    const gateway = new McpServer({ name: 'gw', version: '1' });
    const m = await mount(gateway, 'up', target, { resilience: { timeoutMs: 100, breaker: { consecutiveFailures: 100 }, toolBreaker: false } });
    const client = await connect(gateway);
    state.hang = true;
    for (let i = 0; i < 4; i++) assert.equal((await client.callTool({ name: 'up_flaky' })).isError, true);
    assert.equal(state.flakyCalls, 4, 'every call went upstream');
    assert.equal(m.toolBreakers, undefined);
    assert.deepEqual(m.stats.toolBreakers, {});
    await client.close();
    await m.close();
  });
});
