/**
 * `velomcp serve --redis`: an unreachable Redis stops the start with exit code 5 and one line naming the URL
 * and the cause; misuse of the flags exits 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './helpers.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const server = join(root, 'dist', 'examples', 'everything', 'server.js');
const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'serve', server, ...args], { encoding: 'utf8', timeout: 20_000 });

test('serve --http --redis with Redis unreachable exits 5 naming the URL and ECONNREFUSED', async () => {
  const port = await freePort();
  const r = run('--http', '--port', '0', '--redis', `redis://127.0.0.1:${port}/3`);
  assert.equal(r.status, 5, r.stderr);
  assert.match(r.stderr, new RegExp(`^velomcp: Redis at redis://127\\.0\\.0\\.1:${port}/3 is unreachable \\(connect ECONNREFUSED`));
  assert.equal(r.stderr.trim().split('\n').length, 1, 'one line, no stack');
});

test('serve --redis without --http, --redis-prefix without --redis, and a bad URL exit 2', () => {
  assert.equal(run('--redis', 'redis://127.0.0.1:6379/3').status, 2);
  const r = run('--http', '--redis-prefix', 'x:');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--redis-prefix needs --redis/);
  const bad = run('--http', '--port', '0', '--redis', 'http://127.0.0.1:6379');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /the scheme must be redis: or rediss:/);
});
