import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FanOut } from '../../src/exec/fanout.js';
import { McpServer } from '../../src/server/mcp-server.js';
import { Harness, sleep } from '../server/harness.js';

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

test('a fan-out larger than one batch is delivered over several event-loop turns, in order, to everyone', async () => {
  const f = new FanOut(100);
  const got: number[] = [];
  f.send([...Array(250).keys()], (i) => got.push(i));
  assert.equal(got.length, 0, 'nothing is delivered synchronously');
  await turn();
  assert.equal(got.length, 100);
  await turn();
  await turn();
  assert.deepEqual(got, [...Array(250).keys()]);
  assert.deepEqual(f.stats(), { fanOuts: 1, delivered: 250, pending: 0, turns: 3 });
});

test('small fan-outs are delivered at once; later ones queue behind a running one so order holds', async () => {
  const f = new FanOut(10);
  const got: string[] = [];
  f.send(['a', 'b'], (x) => got.push(x));
  assert.deepEqual(got, ['a', 'b']);
  f.send(Array.from({ length: 15 }, (_, i) => `big${i}`), (x) => got.push(x));
  f.send(['c'], (x) => got.push(x));
  while (f.stats().pending > 0) await turn();
  assert.deepEqual(got.slice(2), [...Array.from({ length: 15 }, (_, i) => `big${i}`), 'c']);
});

test('a receiver that throws does not stop the others', async () => {
  const f = new FanOut(2);
  const got: number[] = [];
  f.send([1, 2, 3, 4], (i) => {
    if (i === 2) throw new Error('bad receiver');
    got.push(i);
  });
  while (f.stats().pending > 0) await turn();
  assert.deepEqual(got, [1, 3, 4]);
});

test('a bad batch size is refused', () => {
  assert.throws(() => new FanOut(0), { code: 'VELO_INVALID_CONFIG' });
});

test('a resource update to many legacy subscribers lets the triggering call answer before the fan-out ends', async () => {
  const server = new McpServer({ name: 'fanout', version: '1' }, { fanOutBatchSize: 50 });
  server.registerResource('r', 'test://r', {}, () => ({ contents: [{ uri: 'test://r', text: 'x' }] }));
  server.registerTool('touch', {}, () => {
    server.notifyResourceUpdated('test://r');
    return { content: [{ type: 'text', text: 'touched' }] };
  });
  const subs = Array.from({ length: 500 }, () => new Harness(server));
  for (const h of subs) {
    await h.initialize();
    await h.request('resources/subscribe', { uri: 'test://r' });
  }
  const trigger = new Harness(server);
  await trigger.initialize();
  trigger.conn.receive({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'touch', arguments: {} } });
  assert.equal(trigger.sent.at(-1)!.message.result.content[0].text, 'touched');
  const reached = subs.filter((h) => h.notifications('notifications/resources/updated').length === 1).length;
  assert.ok(reached < 500, `the answer came before the whole fan-out (${reached} of 500 reached)`);
  // A subscriber that leaves during the fan-out gets nothing.
  subs[499]!.conn.close();
  const count = () => subs.filter((h) => h.notifications('notifications/resources/updated').length === 1).length;
  for (let i = 0; i < 200 && count() < 499; i++) await sleep(5);
  for (const h of subs.slice(0, 499)) assert.equal(h.notifications('notifications/resources/updated').length, 1);
  assert.equal(subs[499]!.notifications('notifications/resources/updated').length, 0);
});
