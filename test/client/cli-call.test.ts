/**
 * `velomcp call`: JSON on stdout, errors on stderr, exit codes (0 ok, 1 server error, 2 usage, 3 transport).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, SERVE_ARGS } from './helpers.js';

const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const call = (...args: string[]) => spawnSync(process.execPath, [CLI, 'call', ...args], { encoding: 'utf8', timeout: 60_000 });

describe('velomcp call', () => {
  test('lists tools of a stdio server as JSON', () => {
    const r = call('--list-tools', '--', process.execPath, ...SERVE_ARGS);
    assert.equal(r.status, 0, r.stderr);
    assert.ok((JSON.parse(r.stdout) as { tools: unknown[] }).tools.length > 20);
  });
  test('calls a tool, reads a resource, gets a prompt', () => {
    const t = call('--tool', 'test_simple_text', '--', process.execPath, ...SERVE_ARGS);
    assert.equal(t.status, 0, t.stderr);
    assert.equal((JSON.parse(t.stdout) as { content: { type: string }[] }).content[0]!.type, 'text');
    const r = call('--read', 'test://static-text', '--era', 'legacy', '--', process.execPath, ...SERVE_ARGS);
    assert.equal(r.status, 0, r.stderr);
    const p = call('--prompt', 'test_prompt_with_arguments', '--args', '{"arg1":"a","arg2":"b"}', '--', process.execPath, ...SERVE_ARGS);
    assert.equal(p.status, 0, p.stderr);
  });
  test('a tool error exits 1; an unknown tool prints the JSON-RPC error and exits 1', () => {
    assert.equal(call('--tool', 'test_error_handling', '--', process.execPath, ...SERVE_ARGS).status, 1);
    const r = call('--tool', 'nope', '--', process.execPath, ...SERVE_ARGS);
    assert.equal(r.status, 1);
    assert.equal((JSON.parse(r.stdout) as { error: { code: number } }).error.code, -32602);
  });
  test('usage errors exit 2; an unreachable server exits 3', () => {
    assert.equal(call('--list-tools').status, 2);
    assert.equal(call('--tool', 'x', '--read', 'y', 'http://127.0.0.1:1/mcp').status, 2);
    const r = call('--list-tools', 'http://127.0.0.1:1/mcp');
    assert.equal(r.status, 3);
    assert.match(r.stderr, /ECONNREFUSED/);
  });
});
