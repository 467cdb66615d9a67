/**
 * Serves one MCP endpoint from N Redis-backed velomcp nodes behind nginx (round-robin, no affinity), in the
 * foreground, until SIGTERM/SIGINT; then stops nginx and the nodes and deletes the cluster's Redis keys.
 * CI runs the conformance suite against it (`.ci/run`):
 *
 *   node dist/test/cluster-nginx/serve-cluster.js --port 8080 [--nodes 3] [--redis redis://127.0.0.1:6379/4] [--module FILE]
 */
import { parseArgs } from 'node:util';
import { dropPrefix } from '../redis/helpers.js';
import { startCluster } from './harness.js';

const { values: v } = parseArgs({
  options: { port: { type: 'string' }, nodes: { type: 'string' }, redis: { type: 'string' }, module: { type: 'string' }, workers: { type: 'string' } },
  strict: true,
});
const port = Number(v.port);
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('serve-cluster: --port N is required\n');
  process.exit(2);
}
// Database 4 is e2e's on the shared CI Redis; the prefix is unique to this run and deleted on exit.
const redisUrl = v.redis ?? 'redis://127.0.0.1:6379/4';
const prefix = `velomcp:e2e:serve-cluster:${process.pid}:${Date.now().toString(36)}:`;
const cluster = await startCluster({
  nodes: Number(v.nodes ?? 3),
  redisUrl,
  prefix,
  port,
  ...(v.module ? { module: v.module } : {}),
  ...(v.workers ? { args: ['--workers', v.workers] } : {}),
});
process.stderr.write(`serve-cluster: ${cluster.nodes.length} nodes (${cluster.nodes.map((n) => n.port).join(', ')}) behind nginx at ${cluster.url}\n`);
let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await cluster.stop();
  await dropPrefix(prefix, redisUrl).catch(() => undefined);
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
