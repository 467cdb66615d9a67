/**
 * A whole legacy (2025-11-25) session through nginx in front of 3 Redis-backed velomcp processes, plain
 * round-robin and no affinity: initialize, list, call, a validation failure, sampling and elicitation round
 * trips (the client's answer lands on another node than the one awaiting it), progress, cancellation (sent
 * through another node than the one running the call), a resource subscription whose update is triggered on
 * another node than the one holding the GET stream, and DELETE ending the session on every node. Run by the
 * official SDK v1 client and by velomcp's client (the script is test/cluster/sessions.ts, which the
 * `--workers` tests run too); nginx's access log shows every session's requests spread over all three nodes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { legacySession, type Deployment } from '../cluster/sessions.js';
import { dropPrefix, testPrefix } from '../redis/helpers.js';
import { CLUSTER_SERVER, startCluster, type Cluster } from './harness.js';

// Database 4 is e2e's on the shared Redis; the prefix is unique to this run and deleted afterwards.
const REDIS = 'redis://127.0.0.1:6379/4';
const prefix = testPrefix('nginx-legacy');
const dir = mkdtempSync(join(tmpdir(), 'velomcp-cluster-legacy-'));
const logFile = join(dir, 'events.log');
let cluster: Cluster;
let deployment: Deployment;

before(async () => {
  writeFileSync(logFile, '');
  cluster = await startCluster({ redisUrl: REDIS, prefix, module: CLUSTER_SERVER, env: { CLUSTER_TEST_LOG: logFile } });
  deployment = {
    url: cluster.url,
    processes: cluster.nodes.length,
    served: () => cluster.nginx.served().map((s) => ({ by: s.upstream, method: s.method, status: s.status, session: s.session })),
    waitLog: () =>
      readFileSync(logFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const [event = '', pid = ''] = l.split(' ');
          return { event, pid };
        }),
    // After DELETE, every node (bypassing nginx) answers 404 for the session.
    assertEnded: async (session) => {
      for (const url of cluster.direct) {
        const r = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
        });
        assert.equal(r.status, 404, `${url} still knows the session`);
        await r.arrayBuffer();
      }
    },
  };
});
after(async () => {
  await cluster?.stop();
  await dropPrefix(prefix, REDIS);
  rmSync(dir, { recursive: true, force: true });
});

describe('legacy session through nginx over 3 Redis-backed nodes', () => {
  test('official SDK v1 client: the whole session, requests spread over every node', async () => {
    await legacySession(deployment, 'sdk');
  });

  test('velomcp client: the whole session, requests spread over every node', async () => {
    await legacySession(deployment, 'velomcp');
  });
});
