/** `velomcp workflow validate|run`: definition files (YAML, JSON, templates) against a server module, with exit codes. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sumChain } from '../../examples/workflows/server.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const EVERYTHING = join(ROOT, 'dist', 'examples', 'everything', 'server.js');
const SUM = join(ROOT, 'examples', 'workflows', 'sum.yaml');

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'workflow', ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('velomcp workflow', { timeout: 90_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'velomcp-wf-'));

  test('validate prints the levels of a valid YAML definition and exits 0', () => {
    const r = cli('validate', SUM);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { valid: true, name: 'sum', steps: 2, levels: [['first'], ['second']] });
  });

  test('validate names the cycle of an invalid definition in one line and exits 1', () => {
    const f = join(dir, 'cycle.json');
    writeFileSync(f, JSON.stringify({ name: 'c', steps: [{ id: 'a', tool: 't', needs: ['b'] }, { id: 'b', tool: 't', needs: ['a'] }] }));
    const r = cli('validate', f);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^velomcp: steps: cycle: a → b → a/);
    assert.ok(!r.stderr.includes('    at '), 'no stack trace');
  });

  test('run executes the definition against the reference server and prints the run', () => {
    const r = cli('run', SUM, '--server', EVERYTHING, '--params', '{"a":1,"b":2}');
    assert.equal(r.status, 0, r.stderr);
    const run = JSON.parse(r.stdout);
    assert.equal(run.status, 'succeeded');
    assert.deepEqual(run.outputs, { total: 13 });
  });

  test('run instantiates a template file with its includes', () => {
    const chain = join(dir, 'chain.json');
    writeFileSync(chain, JSON.stringify(sumChain));
    const outer = join(dir, 'outer.json');
    writeFileSync(outer, JSON.stringify({ name: 'outer', version: '1.0.0', parameters: { type: 'object', properties: { x: { type: 'number' } } }, includes: [{ template: 'sum-chain@^1', as: 'c', params: { a: '{{x}}', b: '{{x}}' } }], workflow: { steps: [], outputs: { total: { $step: 'c.second', pointer: '/structuredContent/sum' } } } }));
    const r = cli('run', outer, '--server', EVERYTHING, '--include', chain, '--params', '{"x":5}');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).outputs, { total: 20 });
  });

  test('bad parameters exit 1 naming the parameter; a missing file or bad JSON exits 2', () => {
    const bad = cli('run', SUM, '--server', EVERYTHING, '--params', '{"a":"one","b":2}');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /params\/a: must be number/);
    const missing = cli('validate', join(dir, 'nope.yaml'));
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /cannot read/);
    const junk = join(dir, 'junk.json');
    writeFileSync(junk, '{ not json');
    const j = cli('validate', junk);
    assert.equal(j.status, 2);
    assert.match(j.stderr, /is not valid JSON/);
  });

  test('a failing step makes run exit 1 with the failure in the run log', () => {
    const f = join(dir, 'fails.json');
    writeFileSync(f, JSON.stringify({ name: 'f', steps: [{ id: 'e', tool: 'test_error_handling' }] }));
    const r = cli('run', f, '--server', EVERYTHING);
    assert.equal(r.status, 1);
    const run = JSON.parse(r.stdout);
    assert.equal(run.status, 'failed');
    assert.equal(run.steps[0].status, 'failed');
  });
});
