#!/usr/bin/env node
// Runs every compiled test file under dist/test with Node's test runner (Node 20 takes no globs, so
// the files are listed here). Extra arguments are passed through (e.g. a subfolder to narrow the run).
import { readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const roots = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const files = (roots.length ? roots.map((r) => resolve(root, r)) : [join(root, 'dist', 'test')]).flatMap((r) => (statSync(r).isDirectory() ? collect(r, []) : [r])).sort();
if (files.length === 0) {
  console.error('velomcp: no test files found; did the build run?');
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', '--test-timeout=120000', ...flags, ...files], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
