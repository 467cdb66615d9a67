/**
 * Reads a V8 `.cpuprofile` (as written by `node --cpu-prof`, e.g. through
 * `run.js --profile DIR`) and prints where the time went: the top functions
 * by self time and by inclusive time, and self time summed per file.
 *
 *   node dist/bench/http/profile-top.js <file.cpuprofile> [--top N] [--filter substring]
 *
 * `--filter` keeps only functions whose file path contains the substring in
 * the per-function tables (the shares stay relative to the whole profile).
 * Paths are shown relative to the repository; `(program)`, `(idle)` and
 * `(garbage collector)` are V8's own buckets.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

function where(cf: CallFrame): string {
  let url = cf.url.startsWith('file://') ? fileURLToPath(cf.url) : cf.url;
  if (url.startsWith(repoRoot)) url = url.slice(repoRoot.length);
  return url === '' ? '' : `${url}:${cf.lineNumber + 1}`;
}

function fileOf(cf: CallFrame): string {
  let url = cf.url.startsWith('file://') ? fileURLToPath(cf.url) : cf.url;
  if (url.startsWith(repoRoot)) url = url.slice(repoRoot.length);
  return url === '' ? `(${cf.functionName || 'native'})` : url;
}

function main(): number {
  const out: string[] = [];
  const flush = (): void => {
    // One write, and a closed pipe (`| head`) is not an error.
    process.stdout.on('error', () => {});
    process.stdout.write(out.join(''));
  };
  const args = process.argv.slice(2);
  let file: string | undefined;
  let top = 25;
  let filter: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--top') top = Number(args[++i]);
    else if (a === '--filter') filter = args[++i];
    else file = a;
  }
  if (file === undefined || !Number.isInteger(top) || top < 1) {
    process.stderr.write('usage: node dist/bench/http/profile-top.js <file.cpuprofile> [--top N] [--filter substring]\n');
    return 2;
  }
  const prof = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of prof.nodes) byId.set(n.id, n);
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const key = (n: ProfileNode): string => `${n.callFrame.functionName || '(anonymous)'}  ${where(n.callFrame)}`;
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  const perFile = new Map<string, number>();
  let total = 0;
  let idle = 0;
  const n = prof.samples.length;
  for (let i = 0; i < n; i++) {
    // The time of sample i is the gap to the next sample.
    const dt = i + 1 < n ? (prof.timeDeltas[i + 1] ?? 0) : 0;
    const node = byId.get(prof.samples[i] as number);
    if (!node) continue;
    if (node.callFrame.functionName === '(idle)') {
      idle += dt;
      continue;
    }
    total += dt;
    const k = key(node);
    self.set(k, (self.get(k) ?? 0) + dt);
    const f = fileOf(node.callFrame);
    perFile.set(f, (perFile.get(f) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const m = byId.get(id);
      if (!m) break;
      const mk = key(m);
      if (seen.has(mk)) continue;
      seen.add(mk);
      incl.set(mk, (incl.get(mk) ?? 0) + dt);
    }
  }
  const pct = (x: number): string => `${((100 * x) / total).toFixed(1).padStart(5)}%`;
  const ms = (x: number): string => `${(x / 1000).toFixed(0).padStart(7)} ms`;
  const keep = (k: string): boolean => filter === undefined || k.includes(filter);
  const print = (title: string, m: Map<string, number>, skipRoot: boolean): void => {
    out.push(`\n${title}\n`);
    const rows = [...m.entries()].filter(([k]) => keep(k) && !(skipRoot && k.startsWith('(root)'))).sort((a, b) => b[1] - a[1]).slice(0, top);
    for (const [k, v] of rows) out.push(`${ms(v)} ${pct(v)}  ${k}\n`);
  };
  out.push(`${file}: ${(total / 1000).toFixed(0)} ms busy (on the main thread), ${(idle / 1000).toFixed(0)} ms idle, ${n} samples\n`);
  print(`top ${top} by self time${filter ? ` (files containing "${filter}")` : ''}`, self, false);
  print(`top ${top} by inclusive time${filter ? ` (files containing "${filter}")` : ''}`, incl, true);
  out.push(`\nself time per file\n`);
  for (const [f, v] of [...perFile.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) out.push(`${ms(v)} ${pct(v)}  ${f}\n`);
  flush();
  return 0;
}

process.exitCode = main();
