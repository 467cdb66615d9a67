/**
 * RedisSessionStore, RedisEventStore and RedisNotificationBus pass the same contract as the in-memory stores
 * (test/http/stores-contract.ts), against the shared Redis (database 2), each store under its own key prefix.
 */
import { after } from 'node:test';
import { RedisEventStore, RedisNotificationBus, RedisSessionStore, type RedisConnection } from '../../src/redis/index.js';
import { eventStoreContract, notificationBusContract, sessionStoreContract } from '../http/stores-contract.js';
import { connectShared, dropPrefix, testPrefix } from './helpers.js';

const root = testPrefix('contract');
const conns: RedisConnection[] = [];
// One connection per store: a prefix is part of the connection, so stores of different tests never meet.
const conn = async (): Promise<RedisConnection> => {
  const c = await connectShared(`${root}${conns.length}:`);
  conns.push(c);
  return c;
};
// The factories are synchronous; open a pool of connections up front (top-level await).
const pool: RedisConnection[] = [];
for (let i = 0; i < 12; i++) pool.push(await conn());
const next = (): RedisConnection => {
  const c = pool.shift();
  if (!c) throw new Error('the contract needs more Redis connections than the pool holds; raise it');
  return c;
};

after(async () => {
  await Promise.all(conns.map((c) => c.close()));
  await dropPrefix(root);
});

sessionStoreContract('RedisSessionStore', (maxSessions) => new RedisSessionStore({ connection: next(), maxSessions }));
sessionStoreContract('RedisSessionStore (every touch written)', (maxSessions) => new RedisSessionStore({ connection: next(), maxSessions, touchIntervalMs: 0 }));
eventStoreContract('RedisEventStore', (maxEventsPerStream) => new RedisEventStore({ connection: next(), maxEventsPerStream }));
notificationBusContract('RedisNotificationBus', () => new RedisNotificationBus({ connection: next() }));
