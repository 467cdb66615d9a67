import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { valgrindVersion } from '../../bench/gate/callgrind.js';
import { buildSlowedCopy } from '../../bench/gate/inject.js';
import type { Comparison } from '../../bench/gate/report.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [join(root, 'dist', 'bench', 'gate', 'run.js'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', rej);
    child.on('close', (status) => res({ status, stdout, stderr }));
  });
}

describe('the gate under callgrind', () => {
  test('fails on a 20 % busy loop in message classification, naming tool_call_simple and leaving schema validation unmoved', { timeout: 480_000 }, async () => {
    assert.ok(valgrindVersion(), 'valgrind must be installed (.ci/run installs it): the gate counts instructions with callgrind');
    // The loop size the committed proof calibrated (instructions per iteration measured by callgrind).
    const proofs = readdirSync(join(root, 'bench', 'gate', 'proof')).filter((f) => /^proof-.*\.json$/.test(f)).sort();
    assert.ok(proofs.length > 0, 'a proof record is committed under bench/gate/proof');
    const proof = JSON.parse(readFileSync(join(root, 'bench', 'gate', 'proof', proofs.at(-1)!), 'utf8')) as { busy_loop: { iterations: number } };
    const slowed = buildSlowedCopy(root, proof.busy_loop.iterations);
    try {
      const r = await run(['--probe', slowed.probe, '--only', 'tool_call_simple,schema_validate_5', '--repeats', '1']);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /gate: FAIL: tool_call_simple \(against bench\/baseline\/gate-/);
      const { comparison } = JSON.parse(r.stdout) as { comparison: Comparison };
      assert.deepEqual(comparison.failed, ['tool_call_simple']);
      const change = (id: string): number => comparison.rows.find((x) => x.workload === id)?.change ?? NaN;
      // About +20 %; the band allows for the tree having drifted from the baseline by less than the 10 % threshold.
      assert.ok(change('tool_call_simple') > 0.1 && change('tool_call_simple') < 0.35, `tool_call_simple moved ${change('tool_call_simple')}`);
      assert.ok(Math.abs(change('schema_validate_5')) < 0.05, `schema validation never classifies a message, yet moved ${change('schema_validate_5')}`);
    } finally {
      rmSync(slowed.dir, { recursive: true, force: true });
    }
  });
});
