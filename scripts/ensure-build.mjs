#!/usr/bin/env node
// Installs dependencies when they are missing and builds the TypeScript sources, so that
// `npm start` and `npm test` work on a fresh clone with nothing but Node and npm.
import { existsSync, statSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const always = process.argv.includes('--always');

// Native addons (better-sqlite3) build from source when no prebuilt binary is reachable; point node-gyp at
// the local Node headers so it does not try to download them.
const env = { ...process.env };
if (!env.npm_config_nodedir && existsSync('/usr/include/node/node.h')) env.npm_config_nodedir = '/usr';

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 2, 2], env });
  if (r.status !== 0) {
    console.error(`velomcp: '${cmd} ${args.join(' ')}' failed with exit code ${r.status}`);
    process.exit(r.status ?? 1);
  }
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(installed).mtimeMs)) {
  // npm writes its progress to stdout; keep it off stdout so stdio servers stay clean.
  run('npm', existsSync(lock) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund']);
}

const stamp = join(root, 'dist', '.tsbuildinfo');
const sources = ['src', 'test', 'examples', 'bench'].filter((d) => existsSync(join(root, d)));
const stale = !existsSync(stamp) || sources.some((d) => newestMtime(join(root, d)) > statSync(stamp).mtimeMs);
if (always || stale) run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
