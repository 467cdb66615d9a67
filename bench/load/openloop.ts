/**
 * Open-loop, rate-controlled request scheduling (coordinated-omission safe).
 *
 * Requests are scheduled at a constant arrival rate per phase: request k of a phase is *intended* at
 * `phaseStart + k / rate`, whether or not earlier requests have been answered. Latency is measured from
 * that intended time, not from when the request actually left, so a stall in the server (or in this
 * process) shows in every request scheduled during it, as a user arriving at that moment would see it.
 * A closed-loop generator instead waits for the answer before sending the next request and so records
 * one slow request per stall: the omission this avoids.
 *
 * Outstanding requests are bounded (`maxOutstanding`): a request intended while the bound is reached is
 * not sent and counts as a drop in the second it was intended for.
 */
import { performance } from 'node:perf_hooks';
import { percentile } from '../shared/stats.js';

/** One stretch of the schedule at one arrival rate. */
export interface Phase {
  /** Shown in reports, e.g. `warm-up`, `burst`. */
  label: string;
  /** Seconds. */
  durationS: number;
  /** Requests per second (> 0). */
  rate: number;
}

/** A completed request's outcome: undefined on success, else a short error text. */
export type Done = (error?: string) => void;

export interface OpenLoopOptions {
  phases: readonly Phase[];
  /** At most this many requests in flight; more are dropped (counted). */
  maxOutstanding: number;
  /**
   * Sends request `seq` (0-based, in intended order); must call `done` exactly once. `intendedAt` is its
   * intended send time on the `performance.now()` clock (ms).
   */
  send: (seq: number, done: Done, intendedAt: number) => void;
  /** Once a wall-clock second, with live figures (progress bars, dashboards). */
  onTick?: (live: LiveFigures) => void;
  /** Once a wall-clock second: a reading of the server (RSS KiB, cumulative CPU µs), if available. */
  sample?: () => { rssKiB: number | null; cpuUs: number | null };
  /** After the last phase, wait this long (ms) for outstanding answers; the rest count as errors. */
  drainMs?: number;
}

/** What the generator knows at a tick. */
export interface LiveFigures {
  elapsedS: number;
  totalS: number;
  phase: string;
  sent: number;
  completed: number;
  errors: number;
  drops: number;
  outstanding: number;
  /** P95 (ms) of the answers that arrived during the last second; NaN when none did. */
  lastP95Ms: number;
}

/** Figures for one second of *intended* send time (bucketed by when requests were scheduled). */
export interface SecondStats {
  /** Seconds since the run started (bucket start). */
  t: number;
  phase: string;
  /** Target arrival rate in this second (requests/s). */
  rate: number;
  scheduled: number;
  sent: number;
  completed: number;
  errors: number;
  drops: number;
  /** Answers that *arrived* in this wall-clock second (throughput). */
  answered: number;
  /** Latency percentiles (ms, from intended send time) of the requests scheduled in this second; null when none completed. */
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** Server RSS (KiB) read at the end of this second; null when unreadable. */
  rssKiB: number | null;
  /** Server CPU over this second, % of one core; null when unreadable. */
  serverCpuPct: number | null;
}

export interface OpenLoopResult {
  seconds: SecondStats[];
  scheduled: number;
  sent: number;
  completed: number;
  errors: number;
  drops: number;
  firstError: string | null;
  /** All completed latencies (ms), ascending. */
  latencies: Float64Array;
  /** Completed latencies (ms, ascending) by second of intended send time (index = `SecondStats.t`). */
  bucketLatencies: Float64Array[];
  /** How late this process dispatched requests versus their intended time (ms): a generator-health figure. */
  sendLagP99Ms: number;
  sendLagMaxMs: number;
  /** Wall seconds from the first intended send to the end of the drain. */
  wallS: number;
  /** The run's time origin on the `performance.now()` clock (ms): second 0 starts here. */
  t0: number;
}

class Bucket {
  scheduled = 0;
  sent = 0;
  completed = 0;
  errors = 0;
  drops = 0;
  answered = 0;
  lat: number[] = [];
  rssKiB: number | null = null;
  serverCpuPct: number | null = null;
  constructor(
    readonly phase: string,
    readonly rate: number,
  ) {}
}

const sorted = (xs: readonly number[]): Float64Array => Float64Array.from(xs).sort();

/** Percentile of a non-empty list, else null. */
function pct(xs: Float64Array, p: number): number | null {
  return xs.length === 0 ? null : percentile(xs, p);
}

/**
 * Runs the schedule to the end (plus the drain) and resolves with per-second figures. Never rejects for
 * request failures: they are counted.
 * @throws Error when a phase has a non-positive rate or duration, or `maxOutstanding` < 1.
 */
export function runOpenLoop(opts: OpenLoopOptions): Promise<OpenLoopResult> {
  for (const p of opts.phases) {
    if (!(p.rate > 0) || !(p.durationS > 0)) throw new Error(`phase ${p.label}: rate and duration must be positive (got ${p.rate}/s for ${p.durationS} s)`);
  }
  if (!(opts.maxOutstanding >= 1)) throw new Error(`maxOutstanding must be at least 1, got ${opts.maxOutstanding}`);
  const totalS = opts.phases.reduce((a, p) => a + p.durationS, 0);
  const buckets: Bucket[] = [];
  // Phase of each whole second (a phase change mid-second keeps the earlier label).
  let acc = 0;
  for (const p of opts.phases) {
    const end = acc + p.durationS;
    for (let s = Math.ceil(acc - 1e-9); s < end - 1e-9; s++) if (buckets[s] === undefined) buckets[s] = new Bucket(p.label, p.rate);
    acc = end;
  }
  const bucketAt = (tMs: number): Bucket => buckets[Math.min(buckets.length - 1, Math.floor(tMs / 1000))] as Bucket;

  const all: number[] = [];
  const lag: number[] = [];
  let scheduled = 0;
  let sent = 0;
  let completed = 0;
  let errors = 0;
  let drops = 0;
  let outstanding = 0;
  let firstError: string | null = null;
  let lastSecondLat: number[] = [];

  return new Promise<OpenLoopResult>((resolve) => {
    const t0 = performance.now();
    let phaseIdx = 0;
    let phaseStart = 0; // ms since t0
    let k = 0; // request index within the phase
    let seq = 0;
    let timer: NodeJS.Timeout | undefined;
    let finished = false;

    const dispatch = (intended: number): void => {
      const b = bucketAt(intended);
      b.scheduled++;
      scheduled++;
      if (outstanding >= opts.maxOutstanding) {
        b.drops++;
        drops++;
        return;
      }
      outstanding++;
      b.sent++;
      sent++;
      lag.push(performance.now() - t0 - intended);
      let called = false;
      opts.send(
        seq++,
        (error) => {
        if (called || finished) return;
        called = true;
        outstanding--;
        const now = performance.now() - t0;
        const ab = buckets[Math.floor(now / 1000)];
        if (ab !== undefined) ab.answered++;
        if (error !== undefined) {
          b.errors++;
          errors++;
          if (firstError === null) firstError = error.slice(0, 400);
          return;
        }
        const ms = now - intended;
        b.completed++;
        completed++;
        b.lat.push(ms);
        all.push(ms);
        lastSecondLat.push(ms);
        if (outstanding === 0 && phaseIdx >= opts.phases.length) end();
        },
        t0 + intended,
      );
    };

    const schedule = (): void => {
      const now = performance.now() - t0;
      while (phaseIdx < opts.phases.length) {
        const p = opts.phases[phaseIdx] as Phase;
        const intended = phaseStart + (k * 1000) / p.rate;
        if (intended >= phaseStart + p.durationS * 1000) {
          phaseStart += p.durationS * 1000;
          phaseIdx++;
          k = 0;
          continue;
        }
        if (intended > now) break;
        k++;
        dispatch(intended);
      }
      if (phaseIdx >= opts.phases.length) {
        if (outstanding === 0) end();
        else drainTimer = setTimeout(end, opts.drainMs ?? 5_000);
        return;
      }
      const p = opts.phases[phaseIdx] as Phase;
      const next = phaseStart + (k * 1000) / p.rate;
      timer = setTimeout(schedule, Math.max(0, Math.floor(next - (performance.now() - t0))));
    };
    let drainTimer: NodeJS.Timeout | undefined;

    let second = 0;
    let cpuPrev = opts.sample?.().cpuUs ?? null;
    const ticker = setInterval(() => {
      second++;
      const reading = opts.sample?.();
      const b = buckets[second - 1];
      if (b !== undefined && reading !== undefined) {
        b.rssKiB = reading.rssKiB;
        b.serverCpuPct = reading.cpuUs !== null && cpuPrev !== null ? (reading.cpuUs - cpuPrev) / 10_000 : null;
        cpuPrev = reading.cpuUs;
      }
      const p95 = lastSecondLat.length === 0 ? NaN : percentile(sorted(lastSecondLat), 95);
      lastSecondLat = [];
      const label = buckets[Math.min(second, buckets.length - 1)]?.phase ?? 'drain';
      opts.onTick?.({ elapsedS: Math.min(second, totalS), totalS, phase: label, sent, completed, errors, drops, outstanding, lastP95Ms: p95 });
    }, 1000);

    const end = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearTimeout(drainTimer);
      clearInterval(ticker);
      const wallS = (performance.now() - t0) / 1000;
      if (outstanding > 0) {
        errors += outstanding;
        if (firstError === null) firstError = `${outstanding} requests unanswered ${opts.drainMs ?? 5_000} ms after the schedule ended`;
      }
      const bucketLatencies = buckets.map((b) => sorted(b.lat));
      const seconds: SecondStats[] = buckets.map((b, t) => {
        const l = bucketLatencies[t] as Float64Array;
        return {
          t,
          phase: b.phase,
          rate: b.rate,
          scheduled: b.scheduled,
          sent: b.sent,
          completed: b.completed,
          errors: b.errors,
          drops: b.drops,
          answered: b.answered,
          p50Ms: pct(l, 50),
          p95Ms: pct(l, 95),
          p99Ms: pct(l, 99),
          maxMs: l.length === 0 ? null : (l[l.length - 1] as number),
          rssKiB: b.rssKiB,
          serverCpuPct: b.serverCpuPct,
        };
      });
      const lagS = sorted(lag);
      resolve({
        seconds,
        scheduled,
        sent,
        completed,
        errors,
        drops,
        firstError,
        latencies: sorted(all),
        bucketLatencies,
        sendLagP99Ms: pct(lagS, 99) ?? 0,
        sendLagMaxMs: lagS.length === 0 ? 0 : (lagS[lagS.length - 1] as number),
        wallS,
        t0,
      });
    };

    schedule();
  });
}
