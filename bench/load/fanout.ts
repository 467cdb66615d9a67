/**
 * The **fanout** scenario: `subscribers` legacy sessions subscribe to the reference server's watched
 * resource and hold their GET SSE stream; a driver session changes the resource `updateHz` times a second
 * (open loop, `test_trigger_resource_update`), and every change is a `notifications/resources/updated` to
 * each subscriber.
 *
 * Delivery latency is measured per (update, subscriber) from the update's *intended* send time to the
 * notification's arrival. Notifications carry only the URI, so they are matched by order: each trigger's
 * answer names the revision it made, a subscriber's k-th notification belongs to the k-th revision after
 * the first one this run made (the server sends them in order on each stream), and arrivals beyond the
 * revisions made, or for a revision whose trigger answer was lost, are counted as unmatched.
 */
import { performance } from 'node:perf_hooks';
import { agentFor, openSession, openStream, subscribe, ToolCall, type SseStream } from './client.js';
import { runOpenLoop, type OpenLoopResult, type SecondStats } from './openloop.js';
import type { ResolvedOptions } from './options.js';
import type { Progress } from './progress.js';
import { atMost, type Check } from './report.js';
import { readServer, type TargetServer } from './server.js';
import { percentile } from '../shared/stats.js';

const WATCHED = 'test://watched-resource';
const TRIGGER = 'test_trigger_resource_update';

const round = (x: number | null, d = 2): number | null => (x === null || !Number.isFinite(x) ? null : Number(x.toFixed(d)));

export interface FanoutOutcome {
  run: OpenLoopResult;
  /** Per-second figures where the latency fields describe *delivery* (not the trigger call). */
  seconds: SecondStats[];
  summary: Record<string, number | string | boolean | null>;
  checks: Check[];
}

/** Runs the fanout scenario against a server exposing the reference server's watched resource. */
export async function fanout(target: TargetServer, o: ResolvedOptions, progress: Progress): Promise<FanoutOutcome> {
  const agent = agentFor(Math.max(4, o.connections));
  const streams: SseStream[] = [];
  const arrivals: number[][] = [];
  try {
    progress.start('subscribe', o.subscribers, 'sessions');
    for (let i = 0; i < o.subscribers; i++) {
      const sid = await openSession(agent, target.port, 15_000, 100 + i);
      const mine: number[] = [];
      arrivals.push(mine);
      streams.push(
        await openStream(target.port, sid, (msg) => {
          if (msg.method === 'notifications/resources/updated') mine.push(performance.now());
        }),
      );
      await subscribe(agent, target.port, sid, 5_000 + i, WATCHED);
      progress.update(i + 1, '');
    }
    progress.stop();
    const driver = await openSession(agent, target.port, 15_000, 99);
    const call = new ToolCall(TRIGGER, {});
    // revision -> intended send time of the trigger that made it
    const intendedByRevision = new Map<number, number>();
    progress.start('fanout', Math.ceil(o.durationS), 's');
    let id = 10_000;
    const run = await runOpenLoop({
      phases: [{ label: 'fanout', durationS: o.durationS, rate: o.updateHz }],
      maxOutstanding: o.maxOutstanding,
      send: (_seq, done, intendedAt) =>
        call.send(agent, target.port, driver, id++, (err, body) => {
          const m = /revision (\d+)/.exec(body);
          if (err === undefined && m) intendedByRevision.set(Number(m[1]), intendedAt);
          done(err ?? (m ? undefined : `no revision in the answer: ${body.slice(0, 200)}`));
        }),
      sample: () => readServer(target),
      onTick: (l) => progress.update(l.elapsedS, `updates ${l.completed} | drops ${l.drops} | delivered ${arrivals.reduce((a, x) => a + x.length, 0)}`),
    });
    progress.stop();
    // Let the last notifications arrive.
    await new Promise((r) => setTimeout(r, 500));
    const revisions = [...intendedByRevision.keys()].sort((a, b) => a - b);
    const first = revisions[0] ?? 0;
    const delivery: number[][] = run.seconds.map(() => []);
    let delivered = 0;
    let unmatched = 0;
    for (const mine of arrivals) {
      mine.forEach((at, k) => {
        const intended = intendedByRevision.get(first + k);
        if (intended === undefined) {
          unmatched++;
          return;
        }
        delivered++;
        const sec = Math.min(delivery.length - 1, Math.max(0, Math.floor((intended - run.t0) / 1000)));
        delivery[sec]?.push(at - intended);
      });
    }
    const expected = revisions.length * o.subscribers;
    const seconds: SecondStats[] = run.seconds.map((s, t) => {
      const l = Float64Array.from(delivery[t] ?? []).sort();
      const q = (p: number): number | null => (l.length === 0 ? null : round(percentile(l, p)));
      return { ...s, p50Ms: q(50), p95Ms: q(95), p99Ms: q(99), maxMs: l.length === 0 ? null : round(l[l.length - 1] as number) };
    });
    const all = Float64Array.from(delivery.flat()).sort();
    const q = (p: number): number | null => (all.length === 0 ? null : round(percentile(all, p)));
    const lostPct = expected === 0 ? null : (100 * Math.max(0, expected - delivered)) / expected;
    const updatesPerS = run.completed / o.durationS;
    const checks: Check[] = [
      atMost('lost notifications', round(lostPct, 2), 0.1, '% of expected', `${delivered} delivered and matched of ${expected} (${revisions.length} updates x ${o.subscribers} subscribers); ${unmatched} unmatched`),
      atMost('update rate shortfall', round(100 * (1 - updatesPerS / o.updateHz), 1), 5, '%', `${round(updatesPerS, 1)} updates/s achieved of ${o.updateHz} (drops ${run.drops}, errors ${run.errors})`),
    ];
    return {
      run,
      seconds,
      summary: {
        subscribers: o.subscribers,
        updateHz: o.updateHz,
        updates: revisions.length,
        triggerErrors: run.errors,
        triggerDrops: run.drops,
        expectedDeliveries: expected,
        delivered,
        unmatched,
        deliveriesPerS: round(delivered / o.durationS, 1),
        deliveryP50Ms: q(50),
        deliveryP95Ms: q(95),
        deliveryP99Ms: q(99),
        deliveryMaxMs: all.length === 0 ? null : round(all[all.length - 1] as number),
      },
      checks,
    };
  } finally {
    progress.stop();
    for (const s of streams) s.close();
    agent.destroy();
  }
}

