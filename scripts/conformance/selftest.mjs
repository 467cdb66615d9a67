#!/usr/bin/env node
// Offline self-test of the conformance judge (no network, no CLI): builds result directories in
// the layout the conformance CLI writes and checks the verdicts. `node scripts/conformance/selftest.mjs`
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { judge, parseRequirementsYaml } from './run.mjs';

const root = mkdtempSync(join(tmpdir(), 'conformance-selftest-'));
let n = 0;
const ts = () => `2026-11-20T23-11-${String(10 + n++).padStart(2, '0')}-123Z`;
const check = (id, status, extra = {}) => ({ id, name: id, description: `${id} description`, status, timestamp: '2026-11-20T23:11:33.965Z', ...extra });
function scenario(dir, dirName, checks) {
  const d = join(dir, `${dirName}-${ts()}`);
  mkdirSync(d, { recursive: true });
  if (checks !== undefined) writeFileSync(join(d, 'checks.json'), typeof checks === 'string' ? checks : JSON.stringify(checks));
}

try {
  // ---- server, --suite all
  const s = join(root, 'server');
  scenario(s, 'server-tools-list', [check('tools-list', 'SUCCESS')]);
  scenario(s, 'server-tools-call-image', [check('tools-call-image', 'FAILURE', { errorMessage: 'No image content found' }), check('x', 'SUCCESS')]);
  scenario(s, 'server-empty', []);
  scenario(s, 'server-only-skipped', [check('a', 'SKIPPED', { errorMessage: 'not applicable' }), check('b', 'SKIPPED')]);
  scenario(s, 'server-only-info', [check('a', 'INFO')]);
  scenario(s, 'server-only-generic', [check('wire-schema-valid', 'SUCCESS'), check('a', 'SKIPPED')]);
  scenario(s, 'server-warned', [check('a', 'SUCCESS'), check('b', 'WARNING', { errorMessage: 'SHOULD not met' })]);
  scenario(s, 'server-only-warning', [check('a', 'WARNING', { errorMessage: 'Failed: fetch failed' }), check('wire-schema-valid', 'SUCCESS')]);
  scenario(s, 'server-unknown-status', [check('a', 'SUCCESS'), check('b', 'ERROR')]);
  scenario(s, 'server-garbage', '{not json');
  scenario(s, 'server-crashed', undefined); // directory without checks.json
  scenario(s, 'server-server-initialize', [check('init', 'SUCCESS')]); // scenario named server-initialize
  scenario(s, 'server-tasks-lifecycle', [check('t', 'FAILURE')]);
  scenario(s, 'server-http-header-validation', []);
  const r = judge(s, { side: 'server', mode: 'suite', expected: ['tools-list', 'never-ran'], notes: new Map([['crashed', { error: 'scenario crashed in the CLI: boom' }]]) });
  const v = Object.fromEntries(r.scenarios.map((x) => [x.scenario, x]));
  assert.equal(v['tools-list'].verdict, 'PASS');
  assert.equal(v['tools-call-image'].verdict, 'FAIL');
  assert.equal(v['tools-call-image'].message, 'tools-call-image: No image content found');
  assert.deepEqual(v['tools-call-image'].counts, { SUCCESS: 1, FAILURE: 1, WARNING: 0, SKIPPED: 0, INFO: 0, OTHER: 0 });
  assert.equal(v.empty.verdict, 'VACUOUS');
  assert.equal(v['only-skipped'].verdict, 'VACUOUS');
  assert.match(v['only-skipped'].message, /not applicable/);
  assert.equal(v['only-info'].verdict, 'VACUOUS');
  assert.equal(v['only-generic'].verdict, 'VACUOUS');
  assert.equal(v.warned.verdict, 'PASS');
  assert.match(v.warned.message, /^warning: b: SHOULD not met/);
  assert.equal(v['only-warning'].verdict, 'VACUOUS');
  assert.match(v['only-warning'].message, /WARNING a: Failed: fetch failed/);
  assert.equal(v['unknown-status'].verdict, 'ERROR');
  assert.equal(v.garbage.verdict, 'ERROR');
  assert.equal(v.crashed.verdict, 'MISSING');
  assert.equal(v.crashed.message, 'scenario crashed in the CLI: boom');
  assert.equal(v['never-ran'].verdict, 'MISSING');
  assert.equal(v['server-initialize'].verdict, 'PASS');
  assert.equal(v['tasks-lifecycle'].gated, false);
  assert.equal(v['http-header-validation'].gated, false);
  assert.equal(v['http-header-validation'].verdict, 'VACUOUS');
  const gatedFailing = r.gated_failures.map((f) => f.scenario).sort();
  assert.deepEqual(gatedFailing, ['crashed', 'empty', 'garbage', 'never-ran', 'only-generic', 'only-info', 'only-skipped', 'only-warning', 'tools-call-image', 'unknown-status']);
  assert.equal(r.gated_passed, 3);
  assert.equal(r.not_gated, 2);
  // --warnings-fail
  const w = judge(s, { side: 'server', warningsFail: true }).scenarios.find((x) => x.scenario === 'warned');
  assert.equal(w.verdict, 'WARN');
  assert.equal(w.passed, false);

  // ---- server, --requirements
  const q = judge(s, { side: 'server', mode: 'requirements', scored: ['tools-list', 'tools-call-image'], notScored: new Map([['tasks-lifecycle', 'extension']]) });
  const qv = Object.fromEntries(q.scenarios.map((x) => [x.scenario, x]));
  assert.equal(qv['tools-list'].gated, true);
  assert.equal(qv['tasks-lifecycle'].scored, 'no (extension)');
  assert.equal(qv.empty.scored, 'no (not in requirements)');
  assert.deepEqual(q.gated_failures.map((f) => f.scenario), ['tools-call-image']);

  // ---- client: nested auth/ names, no prefix, incomplete runs
  const c = join(root, 'client');
  scenario(c, 'tools_call', [check('tool-add-numbers', 'SUCCESS'), check('wire-schema-valid', 'SUCCESS')]);
  scenario(c, 'initialize', [check('init', 'SUCCESS')]);
  scenario(c, 'auth/metadata-default', [check('auth-flow', 'FAILURE', { errorMessage: 'no token' })]);
  const cr = judge(c, { side: 'client', allow: ['auth/*'], notes: new Map([['initialize', { incomplete: 'the client exited with code 1 (test may be incomplete)' }]]) });
  const cv = Object.fromEntries(cr.scenarios.map((x) => [x.scenario, x]));
  assert.equal(cv.tools_call.verdict, 'PASS');
  assert.equal(cv.initialize.verdict, 'INCOMPLETE');
  assert.equal(cv['auth/metadata-default'].verdict, 'FAIL');
  assert.equal(cv['auth/metadata-default'].gated, false); // --allow 'auth/*' makes it report-only
  assert.deepEqual(cr.gated_failures.map((f) => f.scenario), ['initialize']);
  // Without an allow-list (the default for client runs), auth/* is gated like everything else.
  const cg = judge(c, { side: 'client' });
  assert.equal(cg.scenarios.find((x) => x.scenario === 'auth/metadata-default').gated, true);
  assert.deepEqual(cg.gated_failures.map((f) => f.scenario).sort(), ['auth/metadata-default']);

  // ---- requirements yaml subset
  const y = parseRequirementsYaml(`# comment
server:
  - server-initialize
  - ping

client:
  - auth/metadata-default

not_scored:
  - scenario: tasks-lifecycle
    leg: server
    reason: extension
    note: >-
      folded
      text
  - scenario: auth/dpop
    leg: client
    reason: extension
`);
  assert.deepEqual(y.server, ['server-initialize', 'ping']);
  assert.deepEqual(y.client, ['auth/metadata-default']);
  assert.deepEqual(y.notScored, [
    { scenario: 'tasks-lifecycle', leg: 'server', reason: 'extension', note: 'folded text' },
    { scenario: 'auth/dpop', leg: 'client', reason: 'extension' },
  ]);
  assert.throws(() => parseRequirementsYaml('server:\n  - a\nclient:\n  - b\nweird line\n'));

  process.stderr.write('conformance selftest: ok\n');
} finally {
  rmSync(root, { recursive: true, force: true });
}
