/**
 * The contract every cluster backend (in-memory, primary-IPC, Redis) must pass: `runClusterContract(name,
 * make)` where `make(options)` returns two nodes sharing one state. Backend test files call it once each.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_NODES, type ClusterBackend, type ClusterBackendOptions, type ClusterMessage, type ClusterSessionRecord, type NodeId } from '../../src/cluster/index.js';
import type { TaskRecord } from '../../src/server/tasks/store.js';

/** Two nodes of one backend, and how to release them. */
export interface ContractNodes {
  a: ClusterBackend;
  b: ClusterBackend;
  close(): void | Promise<void>;
}

function record(id: string, over: Partial<ClusterSessionRecord> = {}): ClusterSessionRecord {
  const now = Date.now();
  return {
    id,
    protocolVersion: '2025-11-25',
    createdAt: now,
    lastSeenAt: now,
    principal: 'alice',
    client: 'principal:alice',
    clientCapabilities: { sampling: {}, elicitation: { form: {} } },
    clientInfo: { name: 'contract', version: '1.0.0' },
    subscriptions: [],
    initialized: false,
    revision: 0,
    ...over,
  };
}

/** Waits until `pred` holds (bounded: 200 turns of 5 ms). */
async function until(pred: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (pred()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail(`timed out waiting for ${what}`);
}

function collect(node: ClusterBackend): { got: [ClusterMessage, NodeId][]; ready: Promise<() => void> } {
  const got: [ClusterMessage, NodeId][] = [];
  const ready = Promise.resolve(node.bus.subscribe((m, from) => void got.push([m, from])));
  return { got, ready };
}

/** Registers the contract tests of one backend. */
export function runClusterContract(name: string, make: (options: ClusterBackendOptions) => ContractNodes | Promise<ContractNodes>): void {
  describe(`cluster backend contract: ${name}`, () => {
    const use = async (options: ClusterBackendOptions, body: (n: ContractNodes) => Promise<void>): Promise<void> => {
      const n = await make(options);
      try {
        await body(n);
      } finally {
        await n.close();
      }
    };

    test('a session record added on one node is read whole on the other, as a copy', () =>
      use({}, async ({ a, b }) => {
        assert.notEqual(a.nodeId, b.nodeId);
        assert.equal(a.local, false);
        const r = record(`s-${Date.now()}`, { logLevel: 'debug', subscriptions: ['file:///x'] });
        assert.equal(await a.sessions.add(r), true);
        const got = await b.sessions.get(r.id);
        assert.deepEqual(got, r);
        if (got) got.subscriptions.push('mutated');
        assert.deepEqual((await b.sessions.get(r.id))?.subscriptions, ['file:///x']);
        assert.equal(await b.sessions.add(r), true, 'adding an existing id is a no-op true');
        assert.equal(await a.sessions.delete(r.id), true);
        assert.equal(await b.sessions.get(r.id), undefined);
        assert.equal(await b.sessions.delete(r.id), false);
      }));

    test('the session table is bounded cluster-wide and makes room after a delete', () =>
      use({ maxSessions: 2 }, async ({ a, b }) => {
        const base = `cap-${Date.now()}`;
        assert.equal(await a.sessions.add(record(`${base}-1`)), true);
        assert.equal(await b.sessions.add(record(`${base}-2`)), true);
        assert.equal(await a.sessions.add(record(`${base}-3`)), false);
        assert.equal(await b.sessions.size(), 2);
        await a.sessions.delete(`${base}-1`);
        assert.equal(await b.sessions.add(record(`${base}-3`)), true);
      }));

    test('patches from both nodes at once all take effect, each bumping the revision', () =>
      use({}, async ({ a, b }) => {
        const id = `p-${Date.now()}`;
        await a.sessions.add(record(id));
        const uris = Array.from({ length: 20 }, (_, i) => `file:///r${i}`);
        await Promise.all(uris.map((u, i) => (i % 2 ? a : b).sessions.update(id, { subscribe: u })));
        const r = await a.sessions.get(id);
        assert.deepEqual([...(r?.subscriptions ?? [])].sort(), [...uris].sort());
        assert.equal(r?.revision, 20);
        await b.sessions.update(id, { subscribe: 'file:///r0' });
        assert.equal((await a.sessions.get(id))?.subscriptions.filter((u) => u === 'file:///r0').length, 1, 'no duplicates');
        const after = await b.sessions.update(id, { unsubscribe: 'file:///r1', logLevel: 'error', initialized: true, streamNode: a.nodeId });
        assert.equal(after?.subscriptions.includes('file:///r1'), false);
        assert.equal(after?.logLevel, 'error');
        assert.equal(after?.initialized, true);
        assert.equal(after?.streamNode, a.nodeId);
        assert.equal((await a.sessions.update(id, { streamNode: null, ifStreamNode: b.nodeId }))?.streamNode, a.nodeId, 'a conditional clear naming another node keeps it');
        assert.equal((await a.sessions.update(id, { streamNode: null, ifStreamNode: a.nodeId }))?.streamNode, undefined);
        assert.equal(await a.sessions.update('missing', { logLevel: 'info' }), undefined);
      }));

    test('activity recorded on either node never goes backwards', () =>
      use({}, async ({ a, b }) => {
        const id = `t-${Date.now()}`;
        await a.sessions.add(record(id, { lastSeenAt: Date.now() - 1000 }));
        const t = Date.now();
        await b.sessions.touch(id, t);
        await a.sessions.touch(id, t - 500);
        assert.equal((await a.sessions.get(id))?.lastSeenAt, t);
        await a.sessions.touch('missing', t);
      }));

    test('a record idle past sessionIdleMs is dropped', () =>
      use({ sessionIdleMs: 50 }, async ({ a, b }) => {
        const id = `i-${Date.now()}`;
        await a.sessions.add(record(id));
        assert.ok(await b.sessions.get(id));
        await new Promise((r) => setTimeout(r, 150));
        assert.equal(await b.sessions.get(id), undefined);
      }));

    test('both nodes writing one stream get distinct, ordered ids and either replays it, never another stream', () =>
      use({}, async ({ a, b }) => {
        const sid = `e${Date.now()}`;
        const s1 = `${sid}.g`;
        const ids: string[] = [];
        for (let i = 0; i < 6; i++) ids.push(await (i % 2 ? a : b).events.storeEvent(s1, `m${i}`));
        await a.events.storeEvent(`${sid}.x.0`, 'other stream');
        assert.equal(new Set(ids).size, 6);
        const seen: [string, string][] = [];
        const stream = await b.events.replayEventsAfter(ids[1] as string, (eid, m) => void seen.push([eid, m]));
        assert.equal(stream, s1);
        assert.deepEqual(seen, ids.slice(2).map((eid, i) => [eid, `m${i + 2}`]));
        assert.equal(await a.events.replayEventsAfter(`${sid}.nope#3`, () => assert.fail('unknown stream replays nothing')), undefined);
        assert.equal(await a.events.replayEventsAfter('garbage', () => assert.fail('malformed id replays nothing')), undefined);
      }));

    test('deleteSession forgets every stream of that session and keeps the others', () =>
      use({}, async ({ a, b }) => {
        const gone = `d${Date.now()}`;
        const kept = `k${Date.now()}`;
        const g1 = await a.events.storeEvent(`${gone}.g`, 'x');
        const g2 = await b.events.storeEvent(`${gone}.n.1`, 'y');
        const k1 = await a.events.storeEvent(`${kept}.g`, 'z');
        await a.events.storeEvent(`${kept}.g`, 'z2');
        await b.events.deleteSession(gone);
        assert.equal(await a.events.replayEventsAfter(g1, () => undefined), undefined);
        assert.equal(await a.events.replayEventsAfter(g2, () => undefined), undefined);
        const seen: string[] = [];
        assert.equal(await b.events.replayEventsAfter(k1, (_e, m) => void seen.push(m)), `${kept}.g`);
        assert.deepEqual(seen, ['z2']);
      }));

    test('the bus delivers to the addressed node only, in order, with the sender; broadcasts skip the sender', () =>
      use({}, async ({ a, b }) => {
        const ra = collect(a);
        const rb = collect(b);
        const offA = await ra.ready;
        const offB = await rb.ready;
        for (let i = 0; i < 10; i++) await a.bus.send(b.nodeId, { type: 'ended', sessionId: `s${i}` });
        await b.bus.send(ALL_NODES, { type: 'server', event: { type: 'resourceUpdated', uri: 'file:///u' } });
        await until(() => rb.got.length === 10 && ra.got.length === 1, 'deliveries');
        assert.deepEqual(rb.got.map(([m]) => (m as { sessionId: string }).sessionId), Array.from({ length: 10 }, (_, i) => `s${i}`));
        assert.ok(rb.got.every(([, from]) => from === a.nodeId));
        assert.deepEqual(ra.got, [[{ type: 'server', event: { type: 'resourceUpdated', uri: 'file:///u' } }, b.nodeId]]);
        offB();
        await a.bus.send(b.nodeId, { type: 'ended', sessionId: 'after' });
        await a.bus.send('no-such-node', { type: 'ended', sessionId: 'dropped' });
        await new Promise((r) => setTimeout(r, 30));
        assert.equal(rb.got.length, 10, 'nothing after unsubscribe');
        offA();
      }));

    test('a task created on one node is read, replaced and deleted from the other', () =>
      use({}, async ({ a, b }) => {
        const now = new Date().toISOString();
        const t: TaskRecord = { taskId: `task-${Date.now()}`, status: 'working', createdAt: now, lastUpdatedAt: now, ttlMs: 60_000, principal: 'alice', method: 'tools/call' };
        await a.tasks.create(t);
        assert.equal((await b.tasks.get(t.taskId))?.status, 'working');
        await b.tasks.put({ ...t, status: 'completed', result: { content: [] } });
        assert.deepEqual((await a.tasks.get(t.taskId))?.result, { content: [] });
        await a.tasks.delete(t.taskId);
        assert.equal(await b.tasks.get(t.taskId), undefined);
      }));

    test('the tasks a legacy session created on either node are listed for that session on both, in creation order', () =>
      use({}, async ({ a, b }) => {
        assert.ok(a.tasks.listSession && b.tasks.listSession, 'a shared task store lists tasks by session');
        const now = new Date().toISOString();
        const base = { status: 'working' as const, createdAt: now, lastUpdatedAt: now, principal: 'alice', method: 'tools/call' };
        const s1 = `s1-${Date.now()}`;
        const s2 = `s2-${Date.now()}`;
        await a.tasks.create({ ...base, taskId: `${s1}-t1`, ttlMs: 60_000, session: s1 });
        await b.tasks.create({ ...base, taskId: `${s1}-t2`, ttlMs: null, session: s1 });
        await a.tasks.create({ ...base, taskId: `${s2}-t3`, ttlMs: 60_000, session: s2 });
        await b.tasks.create({ ...base, taskId: `${s1}-t4`, ttlMs: 60_000, session: s1 });
        await a.tasks.create({ ...base, taskId: 'no-session', ttlMs: 60_000 });
        for (const node of [a, b]) {
          const listed = await node.tasks.listSession?.(s1);
          assert.deepEqual(listed?.map(([id]) => id), [`${s1}-t1`, `${s1}-t2`, `${s1}-t4`]);
          const orders = listed?.map(([, o]) => o) ?? [];
          assert.ok(orders.every((o, i) => Number.isSafeInteger(o) && o >= 0 && (i === 0 || o > (orders[i - 1] as number))), `orders grow: ${orders.join(', ')}`);
          assert.deepEqual((await node.tasks.listSession?.(s2))?.map(([id]) => id), [`${s2}-t3`]);
          assert.deepEqual(await node.tasks.listSession?.('nobody'), []);
        }
      }));
  });
}
