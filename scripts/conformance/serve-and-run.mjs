#!/usr/bin/env node
// Starts an MCP server on a free 127.0.0.1 port, runs the server-side conformance runs against
// it, stops the server and exits with the verdict. This is what CI calls. See docs/conformance.md.
//
//   node scripts/conformance/serve-and-run.mjs [--server-cmd "cmd ... {port} ..."] [--run NAME ...]
//
// Default server command (run from the repository root; build first):
//   node dist/src/cli/main.js serve dist/examples/everything/server.js --http --port {port}
// Exit code: 0 all gated scenarios passed; 1 a gated scenario failed or the server crashed
// mid-run; 2 setup error (server never listened, bad arguments, install failure).
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT, ensureConformanceTools } from './install.mjs';
import { COMMON_OPTIONS, RESULTS_DIR, RUNS, commonFromValues, killAllChildren, killGroup, report, runServerSuite } from './run.mjs';

export const DEFAULT_SERVER_CMD = 'node dist/src/cli/main.js serve dist/examples/everything/server.js --http --port {port}';
const HOST = '127.0.0.1';
const err = (s = '') => process.stderr.write(s + '\n');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Asks the kernel for a free port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolvePromise(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolvePromise) => {
    const sock = connect({ host: HOST, port });
    const done = (ok) => {
      sock.destroy();
      resolvePromise(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/**
 * Starts the server command (through the shell, in its own process group) and waits until the port
 * accepts TCP connections. Rejects when the server exits first or never listens.
 */
export async function startServer({ cmd, port, startupTimeoutS = 60, logFile }) {
  let command = cmd.replaceAll('{port}', String(port));
  // Run a leading bare `node` with the very Node that runs this script.
  command = command.replace(/^node(?=\s)/, JSON.stringify(process.execPath));
  const log = logFile ? createWriteStream(logFile) : null;
  let tail = '';
  const keep = (d) => {
    log?.write(d);
    tail = (tail + d).slice(-16_384);
  };
  const child = spawn(command, { cwd: REPO_ROOT, shell: true, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const state = { exited: false, code: null, signal: null, spawnError: null };
  const exited = new Promise((resolvePromise) => {
    child.on('error', (e) => {
      state.spawnError = e;
      state.exited = true;
      resolvePromise();
    });
    child.on('exit', (code, signal) => {
      Object.assign(state, { exited: true, code, signal });
      resolvePromise();
    });
  });
  const server = { child, command, state, exited, output: () => tail, log };
  const deadline = Date.now() + startupTimeoutS * 1000;
  while (true) {
    if (state.exited) {
      const why = state.spawnError ? `could not start: ${state.spawnError.message}` : `exited with ${state.signal ?? `code ${state.code}`}`;
      throw Object.assign(new Error(`the server ${why} before listening on ${HOST}:${port}`), { server });
    }
    if (await canConnect(port)) return server;
    if (Date.now() > deadline) {
      await stopServer(server);
      throw Object.assign(new Error(`the server did not accept connections on ${HOST}:${port} within ${startupTimeoutS} s`), { server });
    }
    await sleep(200);
  }
}

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

async function waitGroupGone(pgid, ms) {
  const deadline = Date.now() + ms;
  while (groupAlive(pgid)) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

/**
 * Stops the server: SIGTERM to its whole process group (the shell and everything it started),
 * then SIGKILL if anything in the group is still alive after graceS.
 */
export async function stopServer(server, graceS = 5) {
  const pgid = server.child.pid;
  if (pgid && groupAlive(pgid)) {
    try {
      process.kill(-pgid, 'SIGTERM');
    } catch {
      /* gone meanwhile */
    }
    if (!(await waitGroupGone(pgid, graceS * 1000))) {
      err(`serve-and-run: the server was still running ${graceS} s after SIGTERM; sending SIGKILL`);
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        /* gone meanwhile */
      }
      await waitGroupGone(pgid, 2000);
    }
  }
  await Promise.race([server.exited, sleep(2000)]);
  await new Promise((r) => (server.log ? server.log.end(r) : r()));
}

const USAGE = `usage: node scripts/conformance/serve-and-run.mjs [options]

  --server-cmd "CMD"     server command, {port} is replaced (default: ${DEFAULT_SERVER_CMD})
  --path /mcp            endpoint path (default /mcp)
  --startup-timeout S    how long to wait for the port to accept connections (default 60)
  --stop-timeout S       grace period between SIGTERM and SIGKILL (default 5)
  --run NAME             server run(s): ${Object.keys(RUNS.server).join(', ')} (default: all)
  plus the judge options of run.mjs (--allow, --no-default-allow, --warnings-fail,
  --scenario-timeout, --run-timeout, --results-dir, --verbose)
`;

async function main(argv) {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      ...COMMON_OPTIONS,
      'server-cmd': { type: 'string' },
      path: { type: 'string' },
      'startup-timeout': { type: 'string' },
      'stop-timeout': { type: 'string' },
    },
  });
  if (v.help) {
    err(USAGE);
    return 0;
  }
  const common = commonFromValues(v);
  for (const n of common.runs ?? []) if (!RUNS.server[n]) throw new Error(`unknown server run "${n}" (known: ${Object.keys(RUNS.server).join(', ')})`);
  const cmd = v['server-cmd'] ?? DEFAULT_SERVER_CMD;
  if (!cmd.includes('{port}')) throw new Error('--server-cmd must contain {port}');
  if (!v['server-cmd'] && !existsSync(join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'))) {
    throw new Error('dist/src/cli/main.js does not exist: build first (npm run build, or node scripts/ensure-build.mjs)');
  }
  const startupTimeoutS = Number(v['startup-timeout'] ?? 60);
  const stopTimeoutS = Number(v['stop-timeout'] ?? 5);
  const path = v.path ?? '/mcp';

  // Install (or verify) the CLI first, so a slow or failing install never leaves a server running.
  await ensureConformanceTools();
  const resultsDir = common.resultsDir ?? RESULTS_DIR;
  mkdirSync(resultsDir, { recursive: true });
  const port = await freePort();
  const logFile = join(resultsDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-server-${port}.log`);
  err(`serve-and-run: starting: ${cmd.replaceAll('{port}', String(port))}`);
  let server;
  try {
    server = await startServer({ cmd, port, startupTimeoutS, logFile });
  } catch (e) {
    err(`serve-and-run: ${e.message}`);
    const out = e.server?.output().trim();
    err(out ? `--- server output (last 16 KiB) ---\n${out}\n--- end of server output ---` : '(the server wrote nothing)');
    return 2;
  }
  const onSignal = (sig) => {
    err(`serve-and-run: ${sig}, stopping the server and the conformance CLI`);
    killGroup(server.child, 'SIGKILL');
    killAllChildren('SIGKILL');
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const url = `http://${HOST}:${port}${path}`;
  err(`serve-and-run: server listening; testing ${url} (server log: ${logFile})`);

  let summary;
  try {
    summary = await runServerSuite({ ...common, url, resultsDir });
  } finally {
    const crashed = server.state.exited;
    await stopServer(server, stopTimeoutS);
    if (crashed && summary) {
      summary.errors.push(`the server exited during the conformance runs (${server.state.signal ?? `code ${server.state.code}`}); see ${logFile}`);
      summary.ok = false;
      const out = server.output().trim();
      if (out) err(`--- server output (last 16 KiB) ---\n${out}\n--- end of server output ---`);
    }
  }
  return report(summary);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      err(`serve-and-run: error: ${e.message}`);
      process.exit(2);
    },
  );
}
