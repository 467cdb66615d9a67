/**
 * The Redis cluster backend (two nodes, each with its own connection, sharing one prefix in database 2)
 * passes the shared cluster contract (test/cluster/contract.ts).
 */
import { after } from 'node:test';
import { redisBackend } from '../../src/redis/index.js';
import { runClusterContract } from '../cluster/contract.js';
import { REDIS_URL, dropPrefix, testPrefix } from './helpers.js';

const prefixes: string[] = [];
after(async () => {
  for (const p of prefixes) await dropPrefix(p);
});

runClusterContract('redis', async (options) => {
  const prefix = testPrefix('cluster');
  prefixes.push(prefix);
  const a = await redisBackend({ ...options, url: REDIS_URL, prefix, nodeId: 'na' });
  const b = await redisBackend({ ...options, url: REDIS_URL, prefix, nodeId: 'nb' });
  return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) };
});
