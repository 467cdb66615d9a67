import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { allWorkloads, runSuite } from '../../bench/suite/index.js';

describe('velomcp bench suite', () => {
  test('lists every workload once, each with velomcp as its first implementation', () => {
    const ids = allWorkloads().map((w) => w.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ['jsonrpc_decode_small', 'jsonrpc_encode_large', 'schema_validate_100', 'tool_call_complex', 'resources_read', 'prompts_50_args']) assert.ok(ids.includes(id), id);
    for (const w of allWorkloads()) assert.equal(w.implementations[0]?.name, 'velomcp');
  });

  test('a tiny run reports P50/P95/P99 per implementation and ratios against velomcp from the same run', async () => {
    const { report, file } = await runSuite({ only: ['tool_call_simple'], rounds: 1, scale: 0.01 });
    assert.equal(file, undefined);
    assert.deepEqual(report.results.map((r) => r.implementation), ['velomcp', 'sdk-v1', 'raw']);
    for (const r of report.results) {
      assert.ok(r.latency_p50_us > 0 && r.latency_p95_us >= r.latency_p50_us && r.latency_p99_us >= r.latency_p95_us, JSON.stringify(r));
      assert.equal(typeof r.ratio_p50_vs_velomcp, 'number');
    }
    assert.equal(report.results[0]?.ratio_p50_vs_velomcp, 1);
  });

  test('an unknown workload id is refused with a message naming it', async () => {
    await assert.rejects(runSuite({ only: ['no_such_workload'] }), /unknown workload\(s\): no_such_workload/);
  });
});
