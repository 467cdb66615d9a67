/**
 * The contract every SessionStore, EventStore and NotificationBus implementation must pass. Each
 * implementation's test file calls these with a factory (in-memory: `stores.contract.test.ts`; Redis:
 * `test/redis/stores.contract.test.ts`).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BusEvent, EventStore, NotificationBus, SessionStore } from '../../src/transports/http/index.js';

export function sessionStoreContract(name: string, make: (maxSessions: number) => SessionStore): void {
  describe(`SessionStore contract: ${name}`, () => {
    test('add, get, touch and delete a session', async () => {
      const s = make(10);
      assert.equal(await s.add({ id: 'a', protocolVersion: '2025-11-25', createdAt: 1, lastSeenAt: 1 }), true);
      const got = await s.get('a');
      assert.equal(got?.protocolVersion, '2025-11-25');
      await s.touch('a', 50);
      assert.equal((await s.get('a'))?.lastSeenAt, 50);
      await s.touch('a', 10);
      assert.equal((await s.get('a'))?.lastSeenAt, 50, 'activity never goes backwards');
      assert.equal(await s.size(), 1);
      assert.equal(await s.delete('a'), true);
      assert.equal(await s.delete('a'), false);
      assert.equal(await s.get('a'), undefined);
      await s.touch('missing', 1);
    });

    test('refuses sessions past its bound, and makes room after a delete', async () => {
      const s = make(2);
      assert.equal(await s.add({ id: 'a', protocolVersion: '', createdAt: 0, lastSeenAt: 0 }), true);
      assert.equal(await s.add({ id: 'b', protocolVersion: '', createdAt: 0, lastSeenAt: 0 }), true);
      assert.equal(await s.add({ id: 'c', protocolVersion: '', createdAt: 0, lastSeenAt: 0 }), false);
      await s.delete('a');
      assert.equal(await s.add({ id: 'c', protocolVersion: '', createdAt: 0, lastSeenAt: 0 }), true);
    });

    test('returned records are copies', async () => {
      const s = make(2);
      await s.add({ id: 'a', protocolVersion: 'x', createdAt: 0, lastSeenAt: 0 });
      const r = await s.get('a');
      if (r) r.protocolVersion = 'changed';
      assert.equal((await s.get('a'))?.protocolVersion, 'x');
    });
  });
}

export function eventStoreContract(name: string, make: (maxEventsPerStream: number) => EventStore): void {
  describe(`EventStore contract: ${name}`, () => {
    test('replays only the events after the given id, in order, on the same stream', async () => {
      const s = make(100);
      const a1 = await s.storeEvent('s1.a', 'a1');
      await s.storeEvent('s1.b', 'b1');
      await s.storeEvent('s1.a', 'a2');
      await s.storeEvent('s1.b', 'b2');
      await s.storeEvent('s1.a', 'a3');
      const seen: [string, string][] = [];
      const stream = await s.replayEventsAfter(a1, (id, m) => void seen.push([id, m]));
      assert.equal(stream, 's1.a');
      assert.deepEqual(
        seen.map(([, m]) => m),
        ['a2', 'a3'],
      );
      const ids = new Set(seen.map(([id]) => id));
      assert.equal(ids.size, 2, 'event ids are unique');
      // Replaying from the last one yields nothing but still names the stream.
      const last = seen.at(-1)?.[0] as string;
      const none: string[] = [];
      assert.equal(await s.replayEventsAfter(last, (_i, m) => void none.push(m)), 's1.a');
      assert.deepEqual(none, []);
    });

    test('unknown or malformed ids replay nothing', async () => {
      const s = make(100);
      await s.storeEvent('x', 'm');
      for (const bad of ['', 'nope', 'x#999', 'y#0', '#1', 'x#-1', 'x#abc']) {
        const seen: string[] = [];
        assert.equal(await s.replayEventsAfter(bad, (_i, m) => void seen.push(m)), undefined, bad);
        assert.deepEqual(seen, []);
      }
    });

    test('is bounded: old events are dropped', async () => {
      const s = make(3);
      const first = await s.storeEvent('z', '0');
      for (let i = 1; i < 10; i++) await s.storeEvent('z', String(i));
      const seen: string[] = [];
      await s.replayEventsAfter(first, (_i, m) => void seen.push(m));
      assert.ok(seen.length <= 3);
      assert.equal(seen.at(-1), '9');
    });

    test('deleteStream forgets a stream', async () => {
      const s = make(10);
      const id = await s.storeEvent('gone', 'm');
      await s.storeEvent('gone', 'n');
      await s.deleteStream?.('gone');
      if (s.deleteStream) assert.equal(await s.replayEventsAfter(id, () => undefined), undefined);
    });
  });
}

export function notificationBusContract(name: string, make: () => NotificationBus): void {
  describe(`NotificationBus contract: ${name}`, () => {
    test('delivers every published event to every subscriber until it unsubscribes', async () => {
      const bus = make();
      const a: BusEvent[] = [];
      const b: BusEvent[] = [];
      const offA = await bus.subscribe((e) => void a.push(e));
      const offB = await bus.subscribe((e) => void b.push(e));
      await bus.publish({ type: 'listChanged', kind: 'tools' });
      await bus.publish({ type: 'resourceUpdated', uri: 'test://x' });
      const settle = async (): Promise<void> => {
        for (let i = 0; i < 50 && (a.length < 2 || b.length < 2); i++) await new Promise((r) => setTimeout(r, 10));
      };
      await settle();
      assert.deepEqual(a, [{ type: 'listChanged', kind: 'tools' }, { type: 'resourceUpdated', uri: 'test://x' }]);
      assert.deepEqual(b, a);
      offA();
      await bus.publish({ type: 'listChanged', kind: 'prompts' });
      for (let i = 0; i < 50 && b.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(a.length, 2);
      assert.equal(b.length, 3);
      offB();
    });

    test('a throwing subscriber does not starve the others', async () => {
      const bus = make();
      const got: BusEvent[] = [];
      await bus.subscribe(() => {
        throw new Error('boom');
      });
      await bus.subscribe((e) => void got.push(e));
      await bus.publish({ type: 'listChanged', kind: 'resources' });
      for (let i = 0; i < 50 && got.length < 1; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(got.length, 1);
    });
  });
}

