#!/usr/bin/env node
// Runs the official MCP conformance suite (@modelcontextprotocol/conformance) and judges the
// results from the checks.json files it writes, not from its exit code or summary.
// Plain Node 20 ESM, no dependencies. See docs/conformance.md.
//
//   node scripts/conformance/run.mjs server --url http://127.0.0.1:PORT/mcp [--run NAME ...]
//   node scripts/conformance/run.mjs client --command "<cmd>" [--run NAME ...]
//   node scripts/conformance/run.mjs judge --dir DIR --side server|client --run NAME
//
// stderr: progress, one table per run, failure messages, and the last line
//         `conformance: N passed, M failed` (gated scenarios).
// stdout: one JSON document {runs: [...], ok}.
// Exit code: 0 when no gated scenario failed, 1 when one did, 2 on usage or setup errors.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { ensureConformanceTools, CACHE_DIR, CLI_VERSIONS } from './install.mjs';

// ---------------------------------------------------------------------------------------------
// Configuration

/** Check status values the CLI writes (its severity table: FAILURE > WARNING > SUCCESS = INFO > SKIPPED). */
export const KNOWN_STATUSES = ['SUCCESS', 'FAILURE', 'WARNING', 'SKIPPED', 'INFO'];

/**
 * Checks the harness appends to every scenario that exchanged messages (alpha CLI: a JSON-schema
 * validation of everything the implementation sent). They count in the table, but a scenario whose
 * only non-SKIPPED/INFO checks are these has not tested what the scenario is about: it is vacuous.
 */
export const GENERIC_CHECK_IDS = ['wire-schema-valid'];

/** Scenario-name patterns reported but not gated in `--suite all` runs (`*` matches anything). */
export const DEFAULT_ALLOW = {
  server: ['tasks-*', 'sep-2640-*', 'http-header-validation', 'http-custom-header-server-validation'],
  client: [],
};

/** Named runs. `requirements` runs gate exactly the scenarios the revision's yaml scores. */
export const RUNS = {
  server: {
    'stable-all': { cli: 'stable', mode: 'suite', suite: 'all' },
    'alpha-2025-11-25': { cli: 'alpha', mode: 'requirements', revision: '2025-11-25' },
    'alpha-2026-07-28': { cli: 'alpha', mode: 'requirements', revision: '2026-07-28' },
    'alpha-all': { cli: 'alpha', mode: 'suite', suite: 'all' },
  },
  client: {
    'alpha-2025-11-25': { cli: 'alpha', mode: 'requirements', revision: '2025-11-25' },
    'alpha-2026-07-28': { cli: 'alpha', mode: 'requirements', revision: '2026-07-28' },
    'stable-all': { cli: 'stable', mode: 'suite', suite: 'all' },
    // The alpha's extension scenarios (tagged [extension] by `conformance list`) are in no requirements
    // yaml; this run gates its auth ones (client credentials, SEP-990, DPoP, workload identity).
    'alpha-auth-extensions': { cli: 'alpha', mode: 'suite', suite: 'all', only: 'auth/*', tag: 'extension' },
  },
};

export const RESULTS_DIR = join(CACHE_DIR, 'results');
const SCENARIO_DIR_SUFFIX = /-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/;

const err = (s = '') => process.stderr.write(s + '\n');
const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');

// ---------------------------------------------------------------------------------------------
// Child processes (each in its own process group, so a timeout or Ctrl-C takes down the CLI and
// everything it spawned, e.g. the client under test).

const activeGroups = new Set();
let signalHandlersInstalled = false;

/** Signals the child's whole process group (even when the child itself has exited already). */
export function killGroup(child, signal = 'SIGKILL') {
  if (!child?.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill(signal);
      } catch {
        /* already gone */
      }
    }
  }
}

/** Kill every process group started through runProcess (used on SIGINT/SIGTERM). */
export function killAllChildren(signal = 'SIGKILL') {
  for (const child of activeGroups) killGroup(child, signal);
}

function installSignalHandlers() {
  if (signalHandlersInstalled) return;
  signalHandlersInstalled = true;
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => {
      err(`conformance: ${sig}, stopping child processes`);
      killAllChildren('SIGKILL');
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

/**
 * Runs a command with a hard time limit; output goes to logFile (and to stderr when echo).
 * @returns {Promise<{code: number|null, signal: string|null, timedOut: boolean, stdout: string, stderr: string, ms: number}>}
 */
export function runProcess(cmd, args, { logFile, timeoutMs, echo = false, env = process.env, cwd } = {}) {
  installSignalHandlers();
  return new Promise((resolvePromise) => {
    const started = Date.now();
    const log = logFile ? createWriteStream(logFile) : null;
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    activeGroups.add(child);
    child.stdout.on('data', (d) => {
      stdout += d;
      log?.write(d);
      if (echo) process.stderr.write(d);
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      log?.write(d);
      if (echo) process.stderr.write(d);
    });
    const timer = timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          killGroup(child, 'SIGKILL');
        }, timeoutMs)
      : null;
    let settled = false;
    const finish = (code, signal, extra = '') => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      activeGroups.delete(child);
      // Whatever the CLI left behind in its group (a hung client, a mock server) goes too.
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* group already empty */
      }
      stderr += extra;
      const done = () => resolvePromise({ code, signal, timedOut, stdout, stderr, ms: Date.now() - started });
      if (log) log.end(extra, done);
      else done();
    };
    child.on('error', (e) => finish(null, null, `\nspawn error: ${e.message}\n`));
    child.on('close', (code, signal) => finish(code, signal));
  });
}

// ---------------------------------------------------------------------------------------------
// What the CLI says: scenario lists and the requirements yaml

/**
 * Parses the CLI's requirements/<revision>.yaml (a small, fixed subset of YAML: top-level keys
 * `server`, `client` holding lists of names, and `not_scored` holding maps with scenario, leg,
 * reason and an optional folded `note`).
 * @returns {{server: string[], client: string[], notScored: {scenario: string, leg: string, reason: string, note?: string}[]}}
 */
export function parseRequirementsYaml(text) {
  const out = { server: [], client: [], notScored: [] };
  let section = null;
  let current = null;
  let fold = null; // {key, indent} while reading a folded scalar
  const unquote = (v) => v.trim().replace(/^(['"])(.*)\1$/, '$2');
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    if (fold) {
      const indent = raw.match(/^ */)[0].length;
      if (raw.trim() === '' || indent > fold.indent) {
        current[fold.key] = `${current[fold.key]} ${raw.trim()}`.trim();
        continue;
      }
      fold = null;
    }
    if (/^\s*(#.*)?$/.test(raw)) continue;
    let m;
    if ((m = raw.match(/^([A-Za-z_][\w-]*):\s*(#.*)?$/))) {
      section = m[1];
      current = null;
      continue;
    }
    if ((m = raw.match(/^\s+-\s+(.*?)\s*$/))) {
      if (section === 'server' || section === 'client') {
        out[section].push(unquote(m[1]));
      } else if (section === 'not_scored') {
        current = {};
        out.notScored.push(current);
        const kv = m[1].match(/^([\w-]+):\s*(.*)$/);
        if (!kv) throw new Error(`requirements yaml line ${i + 1}: expected "- scenario: NAME", got: ${raw}`);
        current[kv[1]] = unquote(kv[2]);
      } else {
        throw new Error(`requirements yaml line ${i + 1}: list item outside a known section: ${raw}`);
      }
      continue;
    }
    if ((m = raw.match(/^(\s+)([\w-]+):\s*(.*?)\s*$/)) && current) {
      if (/^[>|][-+]?$/.test(m[3])) {
        current[m[2]] = '';
        fold = { key: m[2], indent: m[1].length };
      } else {
        current[m[2]] = unquote(m[3]);
      }
      continue;
    }
    throw new Error(`requirements yaml line ${i + 1}: cannot parse: ${raw}`);
  }
  for (const e of out.notScored) {
    if (!e.scenario || !e.leg) throw new Error(`requirements yaml: not_scored entry without scenario/leg: ${JSON.stringify(e)}`);
  }
  if (out.server.length === 0 || out.client.length === 0) throw new Error('requirements yaml: empty server or client list');
  return out;
}

/** Reads requirements/<revision>.yaml from the installed CLI package (the file the CLI itself scores with). */
export function loadRequirements(cliEntry, revision) {
  const file = join(dirname(dirname(cliEntry)), 'requirements', `${revision}.yaml`);
  if (!existsSync(file)) throw new Error(`no requirements file for ${revision} in the installed CLI (${file})`);
  return { file, ...parseRequirementsYaml(readFileSync(file, 'utf8')) };
}

/**
 * Scenario lists for one side of one revision: scored names, and unscored ones with reasons.
 * @returns {{scored: string[], notScored: Map<string, string>, all: string[], file: string}}
 */
export function requirementsFor(cliEntry, revision, side) {
  const req = loadRequirements(cliEntry, revision);
  const notScored = new Map(req.notScored.filter((e) => e.leg === side).map((e) => [e.scenario, e.reason ?? 'not scored']));
  const scored = req[side];
  return { scored, notScored, all: [...scored, ...notScored.keys()], file: req.file };
}

/**
 * `conformance list --server|--client` (no filter) is exactly what `--suite all` runs.
 * @param {{only?: string, tag?: string}} [filter] keep names matching the glob `only` and listed with `tag`
 */
export async function listScenarios(tools, cli, side, filter = {}) {
  const r = await runProcess(tools.node22, [tools.cli[cli], 'list', `--${side}`], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`conformance list --${side} failed: ${r.stderr.trim() || r.stdout.trim()}`);
  const only = filter.only ? globToRegExp(filter.only) : undefined;
  const names = [...r.stdout.matchAll(/^ {2}- (\S+)(?: \[([^\]]*)\])?/gm)]
    .filter((m) => (!only || only.test(m[1])) && (!filter.tag || (m[2] ?? '').split(',').includes(filter.tag)))
    .map((m) => m[1]);
  if (names.length === 0) throw new Error(`conformance list --${side} listed no scenarios:\n${r.stdout}`);
  return names;
}

// ---------------------------------------------------------------------------------------------
// Judging

export function globToRegExp(pattern) {
  return new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/** Finds scenario result directories (`[server-]<scenario>-<ISO timestamp>`, nested for names like auth/x). */
export function findScenarioDirs(dir, side) {
  const found = new Map(); // scenario -> [absolute dirs]
  const walk = (d) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory() || e.name === '_logs') continue;
      const abs = join(d, e.name);
      if (SCENARIO_DIR_SUFFIX.test(e.name)) {
        let name = relative(dir, abs).split(sep).join('/').replace(SCENARIO_DIR_SUFFIX, '');
        if (side === 'server') name = name.replace(/^server-/, '');
        if (!found.has(name)) found.set(name, []);
        found.get(name).push(abs);
      } else {
        walk(abs);
      }
    }
  };
  walk(dir);
  return found;
}

function checkLabel(c) {
  const text = c.errorMessage || c.description || c.name || '';
  return `${c.id ?? c.name ?? '?'}: ${String(text).split('\n')[0]}`;
}

/**
 * Judges one results directory.
 * @param {string} dir the `-o` directory of one CLI run (or of several single-scenario runs)
 * @param {object} [options]
 * @param {'server'|'client'} [options.side='server']
 * @param {'suite'|'requirements'} [options.mode='suite']
 * @param {string[]} [options.expected] scenarios that must have results (missing ones are reported as MISSING)
 * @param {string[]} [options.scored] requirements mode: the scored scenarios (gated)
 * @param {Map<string,string>|object} [options.notScored] requirements mode: unscored scenario -> reason
 * @param {string[]} [options.allow] suite mode: patterns reported but not gated (default DEFAULT_ALLOW[side])
 * @param {string[]} [options.reportOnly] requirements mode: scored scenarios matching these patterns (from
 *   explicit `--allow` options) are reported but not gated, e.g. `auth/*` until client authorization exists
 * @param {boolean} [options.warningsFail=false] count WARNING checks as failures
 * @param {Map<string,{error?: string, incomplete?: string, note?: string}>} [options.notes] what the CLI output said per scenario
 */
export function judge(dir, options = {}) {
  const side = options.side ?? 'server';
  const mode = options.mode ?? 'suite';
  const allow = options.allow ?? DEFAULT_ALLOW[side];
  const allowRes = allow.map((p) => [p, globToRegExp(p)]);
  const reportOnlyRes = (options.reportOnly ?? []).map((p) => [p, globToRegExp(p)]);
  const scored = new Set(options.scored ?? []);
  const notScored = options.notScored instanceof Map ? options.notScored : new Map(Object.entries(options.notScored ?? {}));
  const notes = options.notes ?? new Map();
  const found = findScenarioDirs(dir, side);
  const names = [...new Set([...(options.expected ?? []), ...found.keys()])];

  const scenarios = names.map((name) => {
    // Is it gated?
    let gated;
    let scoredLabel;
    if (mode === 'requirements') {
      gated = scored.has(name);
      scoredLabel = gated ? 'yes' : `no (${notScored.get(name) ?? 'not in requirements'})`;
      const hit = gated ? reportOnlyRes.find(([, re]) => re.test(name)) : undefined;
      if (hit) {
        gated = false;
        scoredLabel = `yes, report-only (--allow ${hit[0]})`;
      }
    } else {
      const hit = allowRes.find(([, re]) => re.test(name));
      gated = !hit;
      scoredLabel = gated ? 'yes' : `no (allow-list ${hit[0]})`;
    }

    const counts = Object.fromEntries([...KNOWN_STATUSES, 'OTHER'].map((s) => [s, 0]));
    const note = notes.get(name) ?? {};
    const dirs = found.get(name) ?? [];
    const checks = [];
    let verdict = null;
    let message = null;
    if (dirs.length === 0) {
      verdict = 'MISSING';
      message = note.error ?? 'no result directory: the scenario did not run';
    } else {
      const files = dirs.map((d) => join(d, 'checks.json')).filter((f) => existsSync(f));
      if (files.length === 0) {
        verdict = 'MISSING';
        message = note.error ?? 'no checks.json: the scenario crashed or was skipped';
      }
      for (const f of files) {
        try {
          const data = JSON.parse(readFileSync(f, 'utf8'));
          if (!Array.isArray(data)) throw new Error('not a JSON array');
          checks.push(...data);
        } catch (e) {
          verdict = 'ERROR';
          message = `unreadable ${relative(dir, f)}: ${e.message}`;
        }
      }
    }
    for (const c of checks) {
      const s = KNOWN_STATUSES.includes(c?.status) ? c.status : 'OTHER';
      counts[s]++;
    }
    // A scenario proves something only through a SUCCESS check of its own (not a generic harness check).
    const ownSuccesses = checks.filter((c) => c?.status === 'SUCCESS' && !GENERIC_CHECK_IDS.includes(c?.id)).length;

    if (!verdict) {
      if (counts.FAILURE > 0) {
        verdict = 'FAIL';
        message = checkLabel(checks.find((c) => c.status === 'FAILURE'));
      } else if (counts.OTHER > 0) {
        const c = checks.find((x) => !KNOWN_STATUSES.includes(x?.status));
        verdict = 'ERROR';
        message = `unknown check status ${JSON.stringify(c?.status)} (${checkLabel(c ?? {})})`;
      } else if (note.incomplete) {
        verdict = 'INCOMPLETE';
        message = note.incomplete;
      } else if (ownSuccesses === 0) {
        verdict = 'VACUOUS';
        const why = checks.find((c) => c.status === 'WARNING') ?? checks.find((c) => c.status === 'SKIPPED');
        message =
          checks.length === 0
            ? 'vacuous: zero checks'
            : `vacuous: no check of its own succeeded (${KNOWN_STATUSES.filter((s) => counts[s]).map((s) => `${counts[s]} ${s}`).join(', ')}` +
              `${counts.SUCCESS ? `; generic ${GENERIC_CHECK_IDS.join('/')} ignored` : ''})` +
              (why ? `; ${why.status} ${checkLabel(why)}` : '');
      } else if (counts.WARNING > 0 && options.warningsFail) {
        verdict = 'WARN';
        message = checkLabel(checks.find((c) => c.status === 'WARNING'));
      } else {
        verdict = 'PASS';
        if (counts.WARNING > 0) message = `warning: ${checkLabel(checks.find((c) => c.status === 'WARNING'))}`;
      }
    }
    if (note.incomplete && verdict !== 'INCOMPLETE') message = `${message}; ${note.incomplete}`;
    if (note.note) message = message ? `${message}; ${note.note}` : note.note;
    return {
      scenario: name,
      scored: scoredLabel,
      gated,
      counts,
      total: checks.length,
      verdict,
      passed: verdict === 'PASS',
      message,
      result_dirs: dirs.map((d) => relative(dir, d)),
    };
  });

  const gated = scenarios.filter((s) => s.gated);
  return {
    scenarios,
    gated_failures: gated.filter((s) => !s.passed).map((s) => ({ scenario: s.scenario, verdict: s.verdict, message: s.message })),
    gated_passed: gated.filter((s) => s.passed).length,
    gated_failed: gated.filter((s) => !s.passed).length,
    not_gated: scenarios.length - gated.length,
    not_gated_failing: scenarios.filter((s) => !s.gated && !s.passed).length,
  };
}

// ---------------------------------------------------------------------------------------------
// Output

export function printRunTable(run) {
  const cols = ['scenario', 'scored?', 'SUCCESS', 'FAILURE', 'WARNING', 'SKIPPED', 'INFO', 'verdict'];
  const rows = run.scenarios.map((s) => [
    s.scenario,
    s.scored,
    ...['SUCCESS', 'FAILURE', 'WARNING', 'SKIPPED', 'INFO'].map((k) => String(s.counts[k])),
    s.gated ? s.verdict : `${s.verdict} (not gated)`,
  ]);
  for (const s of run.scenarios) if (s.counts.OTHER) rows[run.scenarios.indexOf(s)][7] += ` +${s.counts.OTHER} unknown`;
  const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
  const fmt = (r) => r.map((v, i) => (i >= 2 && i <= 6 ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ').trimEnd();
  err();
  err(`== ${run.side} run ${run.name}: conformance ${run.cli_version} ${run.cli_args.join(' ')}`);
  err(`   results: ${run.output_dir}`);
  err(fmt(cols));
  err(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) err(fmt(r));
  const failing = run.scenarios.filter((s) => !s.passed);
  if (failing.length) {
    err('');
    err('failing scenarios (first failing check):');
    for (const s of failing) err(`  ${s.gated ? '✗' : '-'} ${s.scenario} [${s.verdict}${s.gated ? '' : ', not gated'}]: ${s.message}`);
  }
  const warned = run.scenarios.filter((s) => s.passed && s.counts.WARNING > 0);
  if (warned.length) {
    err('');
    err('passing scenarios with warnings (not gated; --warnings-fail gates them):');
    for (const s of warned) err(`  ! ${s.scenario}: ${s.message}`);
  }
  for (const e of run.errors) err(`  run error: ${e}`);
  for (const n of run.notes) err(`  note: ${n}`);
  err(
    `-- ${run.name} (${run.side}): gated ${run.gated_passed} passed, ${run.gated_failed} failed; ` +
      `${run.not_gated} reported only (${run.not_gated_failing} not passing); CLI exit code ${run.cli_exit_code ?? 'n/a'}` +
      `${run.ok ? '' : '  => FAILED'}`,
  );
}

/** Prints the JSON summary on stdout and the final count line on stderr; returns the exit code. */
export function report(summary) {
  const passed = summary.runs.reduce((n, r) => n + r.gated_passed, 0);
  const failed = summary.runs.reduce((n, r) => n + r.gated_failed, 0);
  process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  err();
  for (const r of summary.runs) {
    err(`${r.ok ? 'ok  ' : 'FAIL'} ${r.side} ${r.name}: ${r.gated_passed} passed, ${r.gated_failed} failed${r.errors.length ? `, ${r.errors.length} run error(s)` : ''}`);
  }
  for (const e of summary.errors ?? []) err(`error: ${e}`);
  err(`conformance: ${passed} passed, ${failed} failed`);
  return summary.ok ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// Running

function finishRun(base, judged) {
  const run = { ...base, ...judged };
  run.ok = run.gated_failed === 0 && run.errors.length === 0;
  return run;
}

/** Parses `Failed to run scenario X: message` lines (server runs) into per-scenario notes. */
function notesFromServerOutput(text) {
  const notes = new Map();
  for (const m of text.matchAll(/^Failed to run scenario (\S+?):?\s+(.*)$/gm)) {
    if (!notes.has(m[1])) notes.set(m[1], { error: `scenario crashed in the CLI: ${m[2].trim()}` });
  }
  return notes;
}

/** The CLI's own "Not scored for REV" block; used to cross-check our reading of the yaml. */
function notScoredFromCliOutput(text) {
  const i = text.search(/^Not scored for \S+:/m);
  if (i < 0) return null;
  const names = new Set();
  for (const line of text.slice(i).split('\n').slice(1)) {
    const m = line.match(/^ {2}[✓✗] (\S+) \(/);
    if (!m) break;
    names.add(m[1]);
  }
  return names;
}

async function prepareRun(side, name, tools, opts) {
  const cfg = RUNS[side][name];
  if (!cfg) throw new Error(`unknown ${side} run "${name}" (known: ${Object.keys(RUNS[side]).join(', ')})`);
  const entry = tools.cli[cfg.cli];
  const outputDir = join(opts.resultsDir ?? RESULTS_DIR, `${stamp()}-${side}-${name}`);
  mkdirSync(join(outputDir, '_logs'), { recursive: true });
  const judgeOptions = { side, mode: cfg.mode, warningsFail: !!opts.warningsFail };
  let expected;
  if (cfg.mode === 'requirements') {
    const req = requirementsFor(entry, cfg.revision, side);
    Object.assign(judgeOptions, { scored: req.scored, notScored: req.notScored, reportOnly: opts.allow ?? [] });
    expected = req.all;
  } else {
    judgeOptions.allow = [...(opts.defaultAllow === false ? [] : DEFAULT_ALLOW[side]), ...(opts.allow ?? [])];
    expected = await listScenarios(tools, cfg.cli, side, { only: cfg.only, tag: cfg.tag });
  }
  judgeOptions.expected = expected;
  const base = {
    name,
    side,
    cli_version: CLI_VERSIONS[cfg.cli],
    cli_args: cfg.mode === 'requirements' ? ['--requirements', cfg.revision] : ['--suite', cfg.suite],
    mode: cfg.mode,
    output_dir: outputDir,
    cli_exit_code: null,
    duration_s: 0,
    errors: [],
    notes: [],
  };
  return { cfg, entry, outputDir, judgeOptions, expected, base };
}

async function runOneServerRun(name, tools, opts) {
  const { cfg, entry, outputDir, judgeOptions, expected, base } = await prepareRun('server', name, tools, opts);
  const args = [entry, 'server', '--url', opts.url, ...base.cli_args, '-o', outputDir];
  // The alpha CLI bounds each scenario itself; 0.1.16 has no --timeout, so the run-level bound covers it.
  if (cfg.cli === 'alpha') args.push('--timeout', String(opts.scenarioTimeoutMs ?? 30_000));
  const runTimeoutMs = (opts.runTimeoutS ?? 1200) * 1000;
  err(`conformance: server run ${name}: ${expected.length} scenarios (conformance ${base.cli_version} ${base.cli_args.join(' ')}) against ${opts.url}`);
  const r = await runProcess(tools.node22, args, {
    logFile: join(outputDir, '_logs', 'cli.log'),
    timeoutMs: runTimeoutMs,
    echo: !!opts.verbose,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  base.cli_exit_code = r.code;
  base.duration_s = Math.round(r.ms / 100) / 10;
  if (r.timedOut) base.errors.push(`the CLI did not finish within ${runTimeoutMs / 1000} s and was killed; scenarios without results count as MISSING`);
  else if (r.code === null) base.errors.push(r.signal ? `the CLI died of ${r.signal}` : `the CLI could not run: ${r.stderr.trim().split('\n').pop()}`);
  else if (r.code !== 0 && r.code !== 1) base.notes.push(`CLI exit code ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const out = r.stdout + '\n' + r.stderr;
  judgeOptions.notes = notesFromServerOutput(out);
  const judged = judge(outputDir, judgeOptions);
  // Cross-check: what the CLI printed as "not scored" must match our reading of the yaml.
  if (cfg.mode === 'requirements') {
    const cliNotScored = notScoredFromCliOutput(r.stdout);
    const ran = new Set([...r.stdout.matchAll(/^=== Running scenario: (\S+) ===$/gm)].map((m) => m[1]));
    if (cliNotScored) {
      const ours = new Set(judged.scenarios.filter((s) => !s.gated && ran.has(s.scenario)).map((s) => s.scenario));
      const diff = [...new Set([...cliNotScored, ...ours])].filter((n) => cliNotScored.has(n) !== ours.has(n));
      if (diff.length) base.errors.push(`scored/not-scored disagreement between the requirements yaml and the CLI output: ${diff.join(', ')}`);
    } else if (judged.scenarios.some((s) => !s.gated && ran.has(s.scenario))) {
      base.notes.push('the CLI printed no "Not scored" block to cross-check against');
    }
  }
  const announced = [...r.stdout.matchAll(/^=== Running scenario: (\S+) ===$/gm)].map((m) => m[1]);
  const unexpected = announced.filter((n) => !expected.includes(n));
  if (unexpected.length) base.notes.push(`the CLI ran scenarios outside the expected list: ${unexpected.join(', ')}`);
  if (r.code === 0 && judged.gated_failed > 0) base.notes.push(`the CLI exited 0, but the judge found ${judged.gated_failed} gated failure(s)`);
  return finishRun(base, judged);
}

async function runOneClientRun(name, tools, opts) {
  const { cfg, entry, outputDir, judgeOptions, expected, base } = await prepareRun('client', name, tools, opts);
  // The CLI's own suite mode starts every scenario at once, each with a 30 s budget; on a small
  // machine that turns slowness into failures. Run one scenario per CLI invocation instead; for a
  // requirements run `--spec-version REV --force` is what `--requirements` does per scenario.
  const timeoutMs = opts.scenarioTimeoutMs ?? 30_000;
  const jobs = Math.max(1, opts.jobs ?? 1);
  const notes = new Map();
  const codes = [];
  const started = Date.now();
  err(`conformance: client run ${name}: ${expected.length} scenarios, one at a time (${jobs} in parallel), conformance ${base.cli_version} ${base.cli_args.join(' ')}`);
  let next = 0;
  let doneCount = 0;
  const worker = async () => {
    while (next < expected.length) {
      const scenario = expected[next++];
      const args = [entry, 'client', '--command', opts.command, '--scenario', scenario, '-o', outputDir, '--timeout', String(timeoutMs)];
      if (cfg.mode === 'requirements') args.push('--spec-version', cfg.revision, '--force');
      const r = await runProcess(tools.node22, args, {
        logFile: join(outputDir, '_logs', `${scenario.replace(/[^\w.-]+/g, '_')}.log`),
        timeoutMs: timeoutMs + 60_000,
        echo: !!opts.verbose,
        env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      });
      codes.push(r.code);
      const out = r.stdout + '\n' + r.stderr;
      const note = {};
      let m;
      if (r.timedOut) note.incomplete = `the CLI did not finish within ${(timeoutMs + 60_000) / 1000} s and was killed`;
      else if (/CLIENT TIMED OUT/.test(out)) note.incomplete = `the client timed out after ${timeoutMs} ms (test incomplete)`;
      else if ((m = out.match(/CLIENT EXITED WITH ERROR \(code (-?\d+)\)/))) note.incomplete = `the client exited with code ${m[1]} (test may be incomplete)`;
      if ((m = out.match(/^SKIPPED: (.*)$/m))) note.note = `CLI: ${m[1]}`;
      // Only used when the scenario left no checks.json behind.
      if ((m = out.match(/^(Client test error:.*|Validation error:.*)$/m))) note.error = `CLI error: ${m[1].trim()}`;
      if (r.code === null && !r.timedOut) note.error = `the CLI could not run: ${r.stderr.trim().split('\n').pop()}`;
      if (Object.keys(note).length) notes.set(scenario, note);
      doneCount++;
      err(`  [${doneCount}/${expected.length}] ${scenario} (${(r.ms / 1000).toFixed(1)} s, cli exit ${r.code ?? r.signal ?? 'killed'})${note.incomplete ? `: ${note.incomplete}` : ''}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, expected.length) }, worker));
  base.duration_s = Math.round((Date.now() - started) / 100) / 10;
  base.cli_exit_code = codes.every((c) => c === 0) ? 0 : Math.max(...codes.map((c) => c ?? 255));
  judgeOptions.notes = notes;
  return finishRun(base, judge(outputDir, judgeOptions));
}

function summarize(runs, errors = []) {
  return { runs, errors, ok: runs.length > 0 && errors.length === 0 && runs.every((r) => r.ok) };
}

/** Runs the named runs of one side in order, printing each table unless quiet, and summarises them. */
async function runSuite(side, opts, runOne) {
  const tools = await ensureConformanceTools();
  const names = opts.runs?.length ? opts.runs : Object.keys(RUNS[side]);
  for (const n of names) if (!RUNS[side][n]) throw new Error(`unknown ${side} run "${n}" (known: ${Object.keys(RUNS[side]).join(', ')})`);
  const runs = [];
  for (const n of names) {
    const run = await runOne(n, tools, opts);
    if (!opts.quiet) printRunTable(run);
    runs.push(run);
  }
  return summarize(runs);
}

/**
 * Runs server-side conformance runs against a running server and judges them.
 * @param {{url: string, runs?: string[], allow?: string[], defaultAllow?: boolean, warningsFail?: boolean,
 *          scenarioTimeoutMs?: number, runTimeoutS?: number, verbose?: boolean, resultsDir?: string, quiet?: boolean}} opts
 * @returns {Promise<{runs: object[], errors: string[], ok: boolean}>}
 */
export async function runServerSuite(opts) {
  if (!opts?.url) throw new Error('runServerSuite: url is required');
  return runSuite('server', opts, runOneServerRun);
}

/**
 * Runs client-side conformance runs (one scenario per CLI invocation) and judges them.
 * @param {{command: string, runs?: string[], jobs?: number} & object} opts same options as runServerSuite, plus command and jobs
 */
export async function runClientSuite(opts) {
  if (!opts?.command) throw new Error('runClientSuite: command is required');
  return runSuite('client', opts, runOneClientRun);
}

/** Re-judges an existing results directory as if it came from the named run. */
export async function judgeExisting({ dir, side = 'server', run: name, ...opts }) {
  const tools = await ensureConformanceTools();
  const cfg = RUNS[side]?.[name];
  if (!cfg) throw new Error(`unknown ${side} run "${name}"`);
  const options = { side, mode: cfg.mode, warningsFail: !!opts.warningsFail };
  if (cfg.mode === 'requirements') {
    const req = requirementsFor(tools.cli[cfg.cli], cfg.revision, side);
    Object.assign(options, { scored: req.scored, notScored: req.notScored, expected: req.all, reportOnly: opts.allow ?? [] });
  } else {
    options.allow = [...(opts.defaultAllow === false ? [] : DEFAULT_ALLOW[side]), ...(opts.allow ?? [])];
    options.expected = await listScenarios(tools, cfg.cli, side, { only: cfg.only, tag: cfg.tag });
  }
  const log = join(dir, '_logs', 'cli.log');
  if (side === 'server' && existsSync(log)) options.notes = notesFromServerOutput(readFileSync(log, 'utf8'));
  const base = {
    name,
    side,
    cli_version: CLI_VERSIONS[cfg.cli],
    cli_args: cfg.mode === 'requirements' ? ['--requirements', cfg.revision] : ['--suite', cfg.suite],
    mode: cfg.mode,
    output_dir: dir,
    cli_exit_code: null,
    duration_s: 0,
    errors: [],
    notes: ['re-judged from an existing directory'],
  };
  const run = finishRun(base, judge(dir, options));
  printRunTable(run);
  return summarize([run]);
}

// ---------------------------------------------------------------------------------------------
// Command line

export const COMMON_OPTIONS = {
  run: { type: 'string', multiple: true },
  allow: { type: 'string', multiple: true },
  'no-default-allow': { type: 'boolean' },
  'warnings-fail': { type: 'boolean' },
  'scenario-timeout': { type: 'string' },
  'run-timeout': { type: 'string' },
  'results-dir': { type: 'string' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

export function commonFromValues(v) {
  const num = (x, what) => {
    if (x === undefined) return undefined;
    const n = Number(x);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${what} needs a positive number, got "${x}"`);
    return n;
  };
  return {
    runs: v.run,
    allow: v.allow,
    defaultAllow: !v['no-default-allow'],
    warningsFail: !!v['warnings-fail'],
    scenarioTimeoutMs: num(v['scenario-timeout'], 'scenario-timeout'),
    runTimeoutS: num(v['run-timeout'], 'run-timeout'),
    resultsDir: v['results-dir'],
    verbose: !!v.verbose,
  };
}

const USAGE = `usage:
  node scripts/conformance/run.mjs server --url http://127.0.0.1:PORT/mcp [--run NAME ...] [options]
  node scripts/conformance/run.mjs client --command "<cmd>" [--run NAME ...] [--jobs N] [options]
  node scripts/conformance/run.mjs judge --dir DIR --side server|client --run NAME [options]

server runs: ${Object.keys(RUNS.server).join(', ')} (default: all)
client runs: ${Object.keys(RUNS.client).join(', ')} (default: all)

options:
  --allow PATTERN         also report-only (not gate) matching scenarios (repeatable); in requirements runs it
                          applies to scored scenarios too (e.g. --allow 'auth/*')
  --no-default-allow      gate everything in --suite all runs (defaults: server ${DEFAULT_ALLOW.server.join(' ')}; client ${DEFAULT_ALLOW.client.join(' ')})
  --warnings-fail         a WARNING check fails its scenario
  --scenario-timeout MS   per-scenario timeout passed to the CLI (default 30000)
  --run-timeout S         hard limit per server run (default 1200)
  --jobs N                client scenarios run in parallel (default 1)
  --results-dir DIR       where run directories go (default .cache/conformance/results)
  --verbose               echo the CLI's output to stderr
`;

async function main(argv) {
  const side = argv[0];
  if (!side || side === '-h' || side === '--help') {
    err(USAGE);
    return side ? 0 : 2;
  }
  const options = { ...COMMON_OPTIONS, url: { type: 'string' }, command: { type: 'string' }, jobs: { type: 'string' }, dir: { type: 'string' }, side: { type: 'string' } };
  const { values: v } = parseArgs({ args: argv.slice(1), options, strict: true, allowPositionals: false });
  if (v.help) {
    err(USAGE);
    return 0;
  }
  const common = commonFromValues(v);
  let summary;
  if (side === 'server') {
    if (!v.url) throw new Error('server: --url is required');
    summary = await runServerSuite({ ...common, url: v.url });
  } else if (side === 'client') {
    if (!v.command) throw new Error('client: --command is required');
    summary = await runClientSuite({ ...common, command: v.command, jobs: v.jobs ? Number(v.jobs) : 1 });
  } else if (side === 'judge') {
    if (!v.dir || !v.run || v.run.length !== 1) throw new Error('judge: --dir DIR and exactly one --run NAME are required');
    summary = await judgeExisting({ ...common, dir: v.dir, side: v.side ?? 'server', run: v.run[0] });
  } else {
    throw new Error(`unknown mode "${side}"\n${USAGE}`);
  }
  return report(summary);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      killAllChildren();
      err(`conformance: error: ${e.message}`);
      process.exit(2);
    },
  );
}
