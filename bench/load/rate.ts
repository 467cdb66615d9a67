/**
 * The rate-driven scenarios: **sustained** (one constant rate; P95 drift and memory growth verdicts) and
 * **burst** (2x the rate for `burstS` between two stretches at the rate; P95 during the burst and the
 * time to recover). Both call one tool over legacy sessions with the open-loop generator.
 */
import { performance } from 'node:perf_hooks';
import { agentFor, openSession, ToolCall } from './client.js';
import { runOpenLoop, type OpenLoopResult, type Phase, type SecondStats } from './openloop.js';
import type { ResolvedOptions } from './options.js';
import type { Progress } from './progress.js';
import { atMost, medianOf, type Check } from './report.js';
import { readServer, type TargetServer } from './server.js';
import { percentile } from '../shared/stats.js';

/** What a rate scenario hands back to the report assembly. */
export interface RateOutcome {
  run: OpenLoopResult;
  summary: Record<string, number | string | boolean | null>;
  checks: Check[];
}

/** Opens the sessions and runs `phases` of the configured tool call. */
export async function driveCalls(target: TargetServer, o: ResolvedOptions, phases: readonly Phase[], progress: Progress, stage: string): Promise<OpenLoopResult> {
  const agent = agentFor(o.connections);
  try {
    const sids: string[] = [];
    for (let i = 0; i < o.sessions; i++) sids.push(await openSession(agent, target.port, 15_000, i + 1));
    const call = new ToolCall(o.tool, o.args);
    // One checked call first: a wrong tool name or arguments is a setup error, not a load result.
    await new Promise<void>((resolve, reject) =>
      call.send(agent, target.port, sids[0] as string, 1_000, (err) => (err === undefined ? resolve() : reject(new Error(`the ${o.tool} call failed before the run: ${err}`)))),
    );
    const totalS = phases.reduce((a, p) => a + p.durationS, 0);
    progress.start(stage, Math.ceil(totalS), 's');
    let id = 10_000;
    return await runOpenLoop({
      phases,
      maxOutstanding: o.maxOutstanding,
      send: (seq, done) => call.send(agent, target.port, sids[seq % sids.length] as string, id++, (err) => done(err)),
      sample: () => readServer(target),
      onTick: (l) => progress.update(l.elapsedS, `${l.phase} | p95 ${Number.isNaN(l.lastP95Ms) ? '-' : l.lastP95Ms.toFixed(1)} ms | sent ${l.sent} | drops ${l.drops} | errors ${l.errors}`),
    });
  } finally {
    progress.stop();
    agent.destroy();
  }
}

const round = (x: number | null, d = 2): number | null => (x === null || !Number.isFinite(x) ? null : Number(x.toFixed(d)));

function totals(run: OpenLoopResult): Record<string, number | null> {
  const l = run.latencies;
  return {
    scheduled: run.scheduled,
    sent: run.sent,
    completed: run.completed,
    errors: run.errors,
    drops: run.drops,
    achievedRate: round(run.completed / run.wallS, 1),
    p50Ms: round(l.length ? percentile(l, 50) : null),
    p95Ms: round(l.length ? percentile(l, 95) : null),
    p99Ms: round(l.length ? percentile(l, 99) : null),
    maxMs: round(l.length ? (l[l.length - 1] as number) : null),
    sendLagP99Ms: round(run.sendLagP99Ms),
    sendLagMaxMs: round(run.sendLagMaxMs),
  };
}

/** Seconds excluded from the drift and memory baselines at the start (JIT warm-up, pools filling). */
export function warmupSeconds(durationS: number): number {
  return Math.max(3, Math.round(durationS * 0.1));
}

/**
 * Sustained: P95 drift = (median per-second P95 over the last third − over the first third after the
 * warm-up) / the latter; memory growth = (median RSS over the last 5 s − over the 5 s after the warm-up)
 * / the latter. Limits: drift ≤ 20 %, growth ≤ 10 %, drops + errors ≤ 1 % of scheduled.
 */
export async function sustained(target: TargetServer, o: ResolvedOptions, progress: Progress): Promise<RateOutcome> {
  const run = await driveCalls(target, o, [{ label: 'sustained', durationS: o.durationS, rate: o.rate }], progress, 'sustained');
  const s = run.seconds;
  const w = warmupSeconds(o.durationS);
  const third = Math.max(1, Math.floor((s.length - w) / 3));
  const earlyP95 = medianOf(s, 'p95Ms', w, w + third);
  const lateP95 = medianOf(s, 'p95Ms', s.length - third, s.length);
  const drift = earlyP95 !== null && lateP95 !== null && earlyP95 > 0 ? (lateP95 - earlyP95) / earlyP95 : null;
  const earlyRss = medianOf(s, 'rssKiB', w, w + 5);
  const lateRss = medianOf(s, 'rssKiB', s.length - 5, s.length);
  const growth = earlyRss !== null && lateRss !== null && earlyRss > 0 ? (lateRss - earlyRss) / earlyRss : null;
  const lossPct = run.scheduled === 0 ? null : (100 * (run.drops + run.errors)) / run.scheduled;
  const checks: Check[] = [
    atMost('p95 drift', round(drift === null ? null : drift * 100, 1), 20, '%', `median per-second P95 of seconds ${s.length - third}-${s.length - 1} (${round(lateP95)} ms) vs seconds ${w}-${w + third - 1} (${round(earlyP95)} ms)`),
    atMost('memory growth', round(growth === null ? null : growth * 100, 1), 10, '%', `median server RSS of the last 5 s (${lateRss ?? '-'} KiB) vs the 5 s after the ${w} s warm-up (${earlyRss ?? '-'} KiB)`),
    atMost('drops + errors', round(lossPct, 2), 1, '% of scheduled', `${run.drops} dropped at the ${o.maxOutstanding}-outstanding bound, ${run.errors} failed, of ${run.scheduled}`),
  ];
  return {
    run,
    summary: { ...totals(run), targetRate: o.rate, warmupS: w, earlyP95Ms: round(earlyP95), lateP95Ms: round(lateP95), p95DriftPct: checks[0]?.value ?? null, earlyRssKiB: earlyRss, lateRssKiB: lateRss, rssGrowthPct: checks[1]?.value ?? null },
    checks,
  };
}

/**
 * First second index `>= from` that starts `hold` consecutive seconds with P95 ≤ `limitMs` and no drops
 * or errors; null when there is none.
 */
export function recoveredAt(seconds: readonly SecondStats[], from: number, limitMs: number, hold = 3): number | null {
  for (let t = from; t + hold <= seconds.length; t++) {
    let ok = true;
    for (let j = t; j < t + hold && ok; j++) {
      const x = seconds[j] as SecondStats;
      ok = x.p95Ms !== null && x.p95Ms <= limitMs && x.drops === 0 && x.errors === 0;
    }
    if (ok) return t;
  }
  return null;
}

/**
 * Burst: `pre` s at the rate, `burstS` at 2x, then the rest at the rate. Recovery: seconds from the end of
 * the burst until per-second P95 is back within 1.2x the pre-burst median P95 (plus 1 ms, so sub-ms
 * baselines are not held to timer resolution) for 3 s with no drops. Check: it recovers before the run ends.
 */
export async function burst(target: TargetServer, o: ResolvedOptions, progress: Progress): Promise<RateOutcome> {
  const pre = Math.max(5, Math.round((o.durationS - o.burstS) * 0.4));
  const post = o.durationS - o.burstS - pre;
  const phases: Phase[] = [
    { label: 'before', durationS: pre, rate: o.rate },
    { label: 'burst', durationS: o.burstS, rate: 2 * o.rate },
    { label: 'after', durationS: post, rate: o.rate },
  ];
  const t0 = performance.now();
  const run = await driveCalls(target, o, phases, progress, 'burst');
  const s = run.seconds;
  const w = Math.min(3, pre - 1);
  const preP95 = medianOf(s, 'p95Ms', w, pre);
  const inBurst = s.slice(pre, pre + Math.ceil(o.burstS));
  // P95 over every request scheduled during the burst (not a median of per-second figures).
  const burstLat = Float64Array.from(run.bucketLatencies.slice(pre, pre + Math.ceil(o.burstS)).flatMap((b) => Array.from(b))).sort();
  const burstP95 = burstLat.length === 0 ? null : percentile(burstLat, 95);
  const burstWorstP95 = inBurst.reduce<number | null>((m, x) => (x.p95Ms === null ? m : m === null ? x.p95Ms : Math.max(m, x.p95Ms)), null);
  const burstDrops = inBurst.reduce((a, x) => a + x.drops, 0);
  const burstEnd = pre + Math.ceil(o.burstS);
  const limit = preP95 === null ? Infinity : preP95 * 1.2 + 1;
  const at = recoveredAt(s, burstEnd, limit);
  const recoverS = at === null ? null : at - burstEnd;
  const checks: Check[] = [
    atMost('recovery', recoverS, post - 3, 's', `seconds after the burst until per-second P95 <= ${round(limit)} ms (1.2x the pre-burst ${round(preP95)} ms + 1 ms) with no drops for 3 s`),
  ];
  return {
    run,
    summary: {
      ...totals(run),
      targetRate: o.rate,
      burstRate: 2 * o.rate,
      preS: pre,
      burstS: o.burstS,
      postS: post,
      preP95Ms: round(preP95),
      burstP95Ms: round(burstP95),
      burstWorstSecondP95Ms: round(burstWorstP95),
      burstDrops,
      recoverS,
      wallS: round((performance.now() - t0) / 1000, 1),
    },
    checks,
  };
}
