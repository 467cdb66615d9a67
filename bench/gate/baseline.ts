/**
 * Baseline files: `bench/baseline/gate-YYYY-MM-DD.json`, then `gate-YYYY-MM-DD-2.json`, `-3`, ... for more
 * on the same day. A file is never overwritten; the newest (latest date, then highest number) is the one
 * the gate compares to, and the older ones are the history.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asGateReport, type GateReport } from './report.js';

const NAME = /^gate-(\d{4}-\d{2}-\d{2})(?:-(\d+))?\.json$/;

/** The baseline files of `dir`, oldest first. */
export function listBaselines(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const found: { name: string; date: string; n: number }[] = [];
  for (const name of readdirSync(dir)) {
    const m = NAME.exec(name);
    if (m) found.push({ name, date: m[1]!, n: m[2] === undefined ? 1 : Number(m[2]) });
  }
  found.sort((a, b) => (a.date === b.date ? a.n - b.n : a.date < b.date ? -1 : 1));
  return found.map((f) => join(dir, f.name));
}

/**
 * Reads the newest baseline of `dir`.
 * @throws Error when there is none, or it is not a gate report.
 */
export function newestBaseline(dir: string): { file: string; report: GateReport } {
  const file = listBaselines(dir).at(-1);
  if (file === undefined) throw new Error(`gate: no baseline in ${dir} (record one with: npm run bench:gate -- --update-baseline --reason "...")`);
  return { file, report: readReport(file) };
}

/**
 * Reads and checks a gate report (a run or a baseline).
 * @throws Error naming the file when it is unreadable, not JSON, or not a gate report.
 */
export function readReport(file: string): GateReport {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`gate: cannot read ${file}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`gate: ${file} is not JSON: ${(err as Error).message}`);
  }
  return asGateReport(value, file);
}

/**
 * Writes `report` as a new dated baseline of `dir` (the date of `now`, UTC), with its reason and commit.
 * @returns The file written; an existing file is never replaced.
 * @throws Error when `reason` is blank.
 */
export function writeBaseline(dir: string, report: GateReport, reason: string, commit: string | undefined, now = new Date()): string {
  if (reason.trim() === '') throw new Error('gate: --update-baseline needs --reason "why the figures changed"');
  mkdirSync(dir, { recursive: true });
  const date = now.toISOString().slice(0, 10);
  let file = join(dir, `gate-${date}.json`);
  for (let n = 2; existsSync(file); n++) file = join(dir, `gate-${date}-${n}.json`);
  const out: GateReport = { ...report, reason: reason.trim(), ...(commit === undefined ? {} : { commit }) };
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n', { flag: 'wx' });
  return file;
}
