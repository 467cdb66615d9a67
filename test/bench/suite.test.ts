import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { allWorkloads, runSuite, type Workload } from '../../bench/suite/index.js';
import { redisProbe } from '../../bench/suite/workloads/state.js';

/** Every workload of issue #10's list, by id. */
const EXPECTED = [
  'jsonrpc_decode_small', 'jsonrpc_encode_small', 'jsonrpc_decode_medium', 'jsonrpc_encode_medium', 'jsonrpc_decode_large', 'jsonrpc_encode_large',
  'schema_validate_5', 'schema_validate_20', 'schema_validate_100',
  'tool_call_simple', 'tool_call_medium', 'tool_call_complex',
  'resources_list', 'resources_read', 'resources_subscribe_fanout',
  'sampling_legacy', 'sampling_mrtr',
  'prompts_static', 'prompts_10_args', 'prompts_50_args',
  'registry_register', 'registry_lookup', 'registry_unregister', 'registry_bulk_remove',
  'outbound_correlate',
  'session_store_memory', 'session_store_redis',
  'pool_checkout_checkin',
  'transport_stdio', 'transport_tcp', 'transport_http', 'transport_ws', 'transport_sse',
];

describe('velomcp bench suite', () => {
  test('lists every workload of the list once, each with velomcp as its first implementation', () => {
    const ids = allWorkloads().map((w) => w.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of EXPECTED) assert.ok(ids.includes(id), id);
    for (const w of allWorkloads()) assert.equal(w.implementations[0]?.name, 'velomcp');
  });

  test('a tiny run reports P50/P95/P99 per implementation and ratios against velomcp from the same run', async () => {
    const { report, file } = await runSuite({ only: ['tool_call_simple'], rounds: 1, scale: 0.01 });
    assert.equal(file, undefined);
    assert.deepEqual(report.results.map((r) => r.implementation), ['velomcp', 'sdk-v1', 'sdk-v2', 'raw']);
    for (const r of report.results) {
      assert.ok(r.latency_p50_us > 0 && r.latency_p95_us >= r.latency_p50_us && r.latency_p99_us >= r.latency_p95_us, JSON.stringify(r));
      assert.equal(typeof r.ratio_p50_vs_velomcp, 'number');
    }
    assert.equal(report.results[0]?.ratio_p50_vs_velomcp, 1);
    assert.match(report.environment.commit, /^([0-9a-f]{7,}(\+dirty)?|unknown)$/);
  });

  test('the registry, correlation-table, session-store and pool workloads run against their peers and report figures', async () => {
    const only = ['registry_register', 'registry_lookup', 'registry_unregister', 'registry_bulk_remove', 'outbound_correlate', 'session_store_memory', 'pool_checkout_checkin'];
    const { report } = await runSuite({ only, rounds: 1, scale: 0.02 });
    assert.deepEqual([...new Set(report.results.map((r) => r.workload_id))], only);
    assert.deepEqual(report.results.filter((r) => r.workload_id === 'registry_unregister').map((r) => r.implementation), ['velomcp', 'sdk-v1', 'raw']);
    for (const r of report.results) {
      assert.equal(r.unavailable, undefined, r.workload_id);
      assert.ok(r.operations > 0 && r.latency_p50_us > 0 && r.cpu_us_per_op > 0, JSON.stringify(r));
    }
    const pool = report.results.find((r) => r.workload_id === 'pool_checkout_checkin' && r.implementation === 'velomcp');
    assert.ok(Number(pool?.extra?.hit_rate) > 0.99, 'every checkout after the first ten is a hit');
  });

  test('sampling round trips (legacy request, MRTR) and subscription fan-out run against their peers, each checking the answer it gets', async () => {
    const only = ['sampling_legacy', 'sampling_mrtr', 'resources_subscribe_fanout'];
    const { report } = await runSuite({ only, rounds: 1, scale: 0.01 });
    assert.deepEqual(report.results.map((r) => `${r.workload_id}:${r.implementation}`), [
      'sampling_legacy:velomcp', 'sampling_legacy:sdk-v1', 'sampling_legacy:raw',
      'sampling_mrtr:velomcp', 'sampling_mrtr:raw',
      'resources_subscribe_fanout:velomcp', 'resources_subscribe_fanout:sdk-v1', 'resources_subscribe_fanout:raw',
    ]);
    for (const r of report.results) assert.ok(r.operations > 0 && r.latency_p50_us > 0, JSON.stringify(r));
  });

  test('transport round trips over stdio, TCP, Streamable HTTP, WebSocket and legacy SSE reach a server child process and report its CPU', async () => {
    const only = ['transport_stdio', 'transport_tcp', 'transport_http', 'transport_ws', 'transport_sse'];
    const { report } = await runSuite({ only, rounds: 1, scale: 0.01 });
    assert.deepEqual(report.results.map((r) => `${r.workload_id}:${r.implementation}`), [
      'transport_stdio:velomcp', 'transport_stdio:sdk-v1', 'transport_stdio:raw',
      'transport_tcp:velomcp', 'transport_tcp:raw',
      'transport_http:velomcp', 'transport_http:sdk-v1', 'transport_http:raw',
      'transport_ws:velomcp', 'transport_ws:raw',
      'transport_sse:velomcp', 'transport_sse:sdk-v1', 'transport_sse:raw',
    ]);
    for (const r of report.results) assert.ok(r.operations > 0 && r.latency_p50_us > 0 && typeof r.server_cpu_us_per_op === 'number', JSON.stringify(r));
  });

  test('the Redis session store workload runs against Redis database 6 (this test needs Redis at 127.0.0.1:6379)', async () => {
    assert.equal(await redisProbe(), undefined, 'Redis must answer at redis://127.0.0.1:6379/6 for this test');
    const { report } = await runSuite({ only: ['session_store_redis'], rounds: 1, scale: 0.01 });
    assert.deepEqual(report.results.map((r) => r.implementation), ['velomcp', 'raw']);
    for (const r of report.results) assert.ok(r.latency_p50_us > 0, JSON.stringify(r));
  });

  test('a workload whose probe fails is reported as skipped with its reason instead of figures', async () => {
    assert.match((await redisProbe('redis://127.0.0.1:1/6')) ?? '', /^skipped: Redis unreachable at redis:\/\/127\.0\.0\.1:1\/6$/);
    let ran = false;
    const w: Workload = {
      id: 'needs_service',
      group: 'x',
      description: 'needs a service',
      operations: 10,
      warmup: 1,
      probe: async () => 'skipped: service unreachable',
      implementations: [{ name: 'velomcp', setup: async () => ({ run: () => void (ran = true) }) }, { name: 'raw', setup: async () => ({ run: () => {} }) }],
    };
    const { report } = await runSuite({ workloads: [w] });
    assert.equal(ran, false);
    assert.deepEqual(report.results.map((r) => [r.implementation, r.operations, r.unavailable, r.latency_p50_us]), [
      ['velomcp', 0, 'skipped: service unreachable', undefined],
      ['raw', 0, 'skipped: service unreachable', undefined],
    ]);
  });

  test('an unknown workload id is refused with a message naming it', async () => {
    await assert.rejects(runSuite({ only: ['no_such_workload'] }), /unknown workload\(s\): no_such_workload/);
  });
});
