import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStepCache, QueueScheduler, runWorkflow, type WorkflowDefinition } from '../../../src/orchestration/workflows/index.js';
import { ScriptedCaller, sleep, text, wait } from './helpers.js';

const diamond: WorkflowDefinition = {
  name: 'diamond',
  steps: [
    { id: 'a', tool: 'wait', arguments: { label: 'a', ms: 50 } },
    { id: 'b', tool: 'wait', arguments: { label: 'b', ms: 50, from: { $step: 'a', pointer: '/structuredContent/label' } } },
    { id: 'c', tool: 'wait', arguments: { label: 'c', ms: 50 }, needs: ['a'] },
    { id: 'd', tool: 'wait', arguments: { label: 'd', ms: 50, b: { $step: 'b', pointer: '/structuredContent/from' } }, needs: ['c'] },
  ],
  outputs: { final: { $step: 'd', pointer: '/structuredContent/b' } },
};

describe('workflow executor', () => {
  test('a diamond runs its middle level in parallel and passes outputs on', async () => {
    const caller = new ScriptedCaller({ wait });
    const r = await runWorkflow(diamond, { caller });
    assert.equal(r.status, 'succeeded');
    assert.deepEqual(r.outputs, { final: 'a' });
    assert.deepEqual(r.levels, [['a'], ['b', 'c'], ['d']]);
    // b and c both start before either ends: they overlap, so the run takes two steps' time, not three.
    const ev = caller.events;
    assert.ok(ev.indexOf('start:c') < ev.indexOf('end:b') && ev.indexOf('start:b') < ev.indexOf('end:c'), ev.join(' '));
    assert.equal(caller.maxRunning, 2);
    assert.deepEqual(r.steps.map((s) => [s.id, s.status, s.level, s.attempts]), [['a', 'succeeded', 0, 1], ['b', 'succeeded', 1, 1], ['c', 'succeeded', 1, 1], ['d', 'succeeded', 2, 1]]);
    for (const s of r.steps) assert.ok(s.inputDigest && s.outputDigest && s.endedMs! >= s.startedMs!);
  });

  test('maxConcurrent bounds the steps running at once', async () => {
    const caller = new ScriptedCaller({ wait });
    const steps = Array.from({ length: 10 }, (_, i) => ({ id: `s${i}`, tool: 'wait', arguments: { ms: 10 } }));
    const r = await runWorkflow({ name: 'wide', steps, maxConcurrent: 3 }, { caller });
    assert.equal(r.status, 'succeeded');
    assert.equal(caller.maxRunning, 3);
  });

  test('fail-fast: the first failure aborts running steps and starts no new ones', async () => {
    const caller = new ScriptedCaller({ wait, boom: () => ({ ...text('kaput'), isError: true }) });
    const r = await runWorkflow(
      {
        name: 'ff',
        steps: [
          { id: 'slow', tool: 'wait', arguments: { label: 'slow', ms: 5000 } },
          { id: 'bad', tool: 'boom', needs: [] },
          { id: 'after', tool: 'wait', arguments: { label: 'after', ms: 1 }, needs: ['slow'] },
        ],
      },
      { caller },
    );
    assert.equal(r.status, 'failed');
    assert.match(r.error!, /step "bad" failed: tool returned isError: kaput/);
    const by = Object.fromEntries(r.steps.map((s) => [s.id, s]));
    assert.equal(by.bad!.status, 'failed');
    assert.equal(by.slow!.status, 'cancelled');
    assert.equal(by.after!.status, 'skipped');
    assert.deepEqual(caller.aborted, ['slow']);
    assert.ok(!caller.events.includes('start:after'));
  });

  test('continue: a failure skips its dependants only; independent branches finish', async () => {
    const caller = new ScriptedCaller({ wait, boom: () => ({ ...text('no'), isError: true }) });
    const r = await runWorkflow(
      {
        name: 'cont',
        onFailure: 'continue',
        steps: [
          { id: 'bad', tool: 'boom' },
          { id: 'child', tool: 'wait', arguments: { v: { $step: 'bad' } } },
          { id: 'grandchild', tool: 'wait', needs: ['child'] },
          { id: 'other', tool: 'wait', arguments: { label: 'other', ms: 20 } },
        ],
      },
      { caller },
    );
    assert.equal(r.status, 'failed');
    assert.deepEqual(r.steps.map((s) => s.status), ['failed', 'skipped', 'skipped', 'succeeded']);
    assert.match(r.steps[2]!.error!, /dependency "child" did not succeed/);
    assert.ok('other' in r.outputs && !('child' in r.outputs));
  });

  test('retry: a step failing twice succeeds on its third attempt', async () => {
    let n = 0;
    const caller = new ScriptedCaller({ flaky: () => (++n < 3 ? { ...text(`fail ${n}`), isError: true } : text('ok')) });
    const r = await runWorkflow({ name: 'r', steps: [{ id: 'f', tool: 'flaky', retry: { attempts: 3, backoffMs: 1 } }] }, { caller });
    assert.equal(r.status, 'succeeded');
    assert.equal(r.steps[0]!.attempts, 3);
    const r2 = await runWorkflow({ name: 'r2', steps: [{ id: 'f', tool: 'flaky', retry: { attempts: 2, backoffMs: 1 } }] }, { caller: new ScriptedCaller({ flaky: () => ({ ...text('always'), isError: true }) }) });
    assert.equal(r2.status, 'failed');
    assert.equal(r2.steps[0]!.attempts, 2);
  });

  test('a step that never returns is cut by its timeout, even if the tool ignores the signal', async () => {
    const caller = new ScriptedCaller({ hang: () => new Promise(() => undefined) });
    const r = await runWorkflow({ name: 't', steps: [{ id: 'h', tool: 'hang', timeoutMs: 30 }] }, { caller });
    assert.equal(r.status, 'failed');
    assert.match(r.steps[0]!.error!, /timed out|timeout/i);
  });

  test('cancelling the run aborts running steps and starts no new ones', async () => {
    const caller = new ScriptedCaller({ wait });
    const ac = new AbortController();
    const p = runWorkflow(
      { name: 'x', steps: [{ id: 'a', tool: 'wait', arguments: { label: 'a', ms: 5000 } }, { id: 'b', tool: 'wait', arguments: { label: 'b', ms: 5000 } }, { id: 'c', tool: 'wait', needs: ['a'], arguments: { label: 'c' } }] },
      { caller, signal: ac.signal },
    );
    await sleep(20);
    ac.abort(new Error('user stop'));
    const r = await p;
    assert.equal(r.status, 'cancelled');
    assert.match(r.error!, /user stop/);
    assert.deepEqual(caller.aborted.sort(), ['a', 'b']);
    assert.deepEqual(r.steps.map((s) => s.status), ['cancelled', 'cancelled', 'skipped']);
    assert.ok(!caller.events.includes('start:c'));
  });

  test('per-step caching: the second run takes the output from the cache, keyed by input and scope', async () => {
    const caller = new ScriptedCaller({ wait });
    const cache = new MemoryStepCache();
    const def: WorkflowDefinition = { name: 'c', params: { type: 'object', properties: { v: { type: 'integer' } } }, steps: [{ id: 'a', tool: 'wait', arguments: { ms: 1, v: { $param: 'v' } }, cache: { ttlMs: 60_000 } }] };
    const r1 = await runWorkflow(def, { caller, cache, params: { v: 1 } });
    const r2 = await runWorkflow(def, { caller, cache, params: { v: 1 } });
    assert.equal(r1.steps[0]!.cached, false);
    assert.equal(r2.steps[0]!.cached, true);
    assert.deepEqual(r2.outputs, r1.outputs);
    await runWorkflow(def, { caller, cache, params: { v: 2 } });
    await runWorkflow(def, { caller, cache, params: { v: 1 }, cacheScope: 'alice' });
    assert.equal(caller.calls.length, 3);
    assert.deepEqual(cache.stats(), { hits: 1, misses: 3, size: 3 });
  });

  test('a failing cache backend never fails the step: it runs uncached', async () => {
    const caller = new ScriptedCaller({ wait });
    const broken = { get: () => Promise.reject(new Error('down')), set: () => Promise.reject(new Error('down')) };
    const r = await runWorkflow({ name: 'b', steps: [{ id: 'a', tool: 'wait', arguments: { ms: 1 }, cache: { ttlMs: 1000 } }] }, { caller, cache: broken });
    assert.equal(r.status, 'succeeded');
    assert.equal(r.steps[0]!.cached, false);
  });

  test('priority inheritance: steps of an urgent run overtake queued steps of a background run on a shared scheduler', async () => {
    // bg0 holds the only slot until the urgent run is queued (a gate, not a timing guess: robust under load).
    let open!: () => void;
    const gateOpen = new Promise<void>((r) => (open = r));
    const gate = async (args: Record<string, unknown>) => (await gateOpen, { ...text(String(args.label)), structuredContent: { ...args } });
    const caller = new ScriptedCaller({ wait, gate });
    const scheduler = new QueueScheduler(1);
    const def = (tag: string, first = 'wait'): WorkflowDefinition => ({ name: tag, steps: Array.from({ length: 3 }, (_, i) => ({ id: `s${i}`, tool: i === 0 ? first : 'wait', arguments: { label: `${tag}${i}`, ms: 5 } })) });
    const background = runWorkflow(def('bg', 'gate'), { caller, scheduler, priority: 0 });
    for (let i = 0; i < 400 && !caller.events.includes('start:bg0'); i++) await sleep(5); // bg0 runs; bg1 and bg2 wait in the queue
    const urgent = runWorkflow(def('ur'), { caller, scheduler, priority: 10 });
    await sleep(20);
    open();
    await Promise.all([background, urgent]);
    const starts = caller.events.filter((e) => e.startsWith('start:')).map((e) => e.slice(6));
    assert.equal(starts[0], 'bg0');
    assert.deepEqual(starts.slice(1, 4), ['ur0', 'ur1', 'ur2'], starts.join(' '));
    // A nested workflow inherits its step's priority.
    const events: string[] = [];
    const c2 = new ScriptedCaller({ wait });
    const s2 = new QueueScheduler(1);
    const bg = runWorkflow(def('bg'), { caller: c2, scheduler: s2, priority: 0 });
    await sleep(1);
    const nested = runWorkflow({ name: 'outer', steps: [{ id: 'n', priority: 5, workflow: def('in') }] }, { caller: c2, scheduler: { schedule: (t, o) => (events.push(`${o.label}@${o.priority}`), s2.schedule(t, o)) } });
    await Promise.all([bg, nested]);
    assert.deepEqual(events, ['in/s0@5', 'in/s1@5', 'in/s2@5']);
  });

  test('resource steps read resources and nested workflows return their outputs', async () => {
    const caller = new ScriptedCaller({ wait }, { 'mem://greeting': 'hello' });
    const r = await runWorkflow(
      {
        name: 'mix',
        params: { type: 'object', properties: { uri: { type: 'string', default: 'mem://greeting' } } },
        steps: [
          { id: 'read', resource: { $param: 'uri' } },
          { id: 'inner', workflow: { name: 'in', params: { type: 'object', properties: { t: { type: 'string' } } }, steps: [{ id: 'w', tool: 'wait', arguments: { ms: 1, t: { $param: 't' } } }], outputs: { t: { $step: 'w', pointer: '/structuredContent/t' } } }, params: { t: { $step: 'read', pointer: '/contents/0/text' } } },
        ],
        outputs: { greeting: { $step: 'inner', pointer: '/t' } },
      },
      { caller },
    );
    assert.equal(r.status, 'succeeded', r.error);
    assert.deepEqual(r.outputs, { greeting: 'hello' });
    const bad = await runWorkflow({ name: 'nf', steps: [{ id: 'read', resource: 'mem://nope' }] }, { caller });
    assert.match(bad.steps[0]!.error!, /Resource not found: mem:\/\/nope/);
  });

  test('progress is reported for every step', async () => {
    const events: string[] = [];
    await runWorkflow(diamond, { caller: new ScriptedCaller({ wait }), onProgress: (e) => events.push(`${e.step}:${e.status}:${e.completed}/${e.total}`) });
    const ends = events.filter((e) => !e.includes(':started:'));
    assert.deepEqual(ends.map((e) => e.split(':')[2]), ['1/4', '2/4', '3/4', '4/4']);
    assert.equal(ends[0], 'a:succeeded:1/4');
    assert.equal(events.filter((e) => e.includes(':started:')).length, 4);
    assert.equal(events.at(-1), 'd:succeeded:4/4');
  });

  test('a step cannot lower the priority it inherits from its run, only raise it', async () => {
    const seen: string[] = [];
    const scheduler = { schedule: <T,>(t: () => Promise<T>, o: { priority: number; label: string }) => (seen.push(`${o.label}@${o.priority}`), t()) };
    await runWorkflow({ name: 'w', steps: [{ id: 'low', tool: 'wait', priority: -3, arguments: { ms: 1 } }, { id: 'high', tool: 'wait', priority: 9, arguments: { ms: 1 } }, { id: 'none', tool: 'wait', arguments: { ms: 1 } }] }, { caller: new ScriptedCaller({ wait }), scheduler, priority: 4 });
    assert.deepEqual(seen.sort(), ['w/high@9', 'w/low@4', 'w/none@4']);
  });
});

describe('QueueScheduler (on the engine scheduler)', () => {
  test('orders waiting work by priority then deadline, runs at most its concurrency, and reports stats', async () => {
    const s = new QueueScheduler(1);
    const order: string[] = [];
    const ac = new AbortController();
    const job = (name: string, ms = 5) => () => sleep(ms).then(() => void order.push(name));
    const first = s.schedule(job('first', 20), { priority: 0, signal: ac.signal, label: 'first' });
    const later = Date.now() + 60_000;
    const sooner = Date.now() + 30_000;
    const all = [
      s.schedule(job('p1-late'), { priority: 1, deadline: later, signal: ac.signal, label: 'a' }),
      s.schedule(job('p0'), { priority: 0, signal: ac.signal, label: 'b' }),
      s.schedule(job('p1-soon'), { priority: 1, deadline: sooner, signal: ac.signal, label: 'c' }),
    ];
    assert.equal(s.stats().depth, 3);
    assert.equal(s.stats().running, 1);
    await Promise.all([first, ...all]);
    assert.deepEqual(order, ['first', 'p1-soon', 'p1-late', 'p0']);
    assert.equal(s.stats().dequeued, 4);
  });

  test('work aborted while queued never runs; a full queue refuses with VELO_QUEUE_FULL; bad concurrency is refused', async () => {
    const s = new QueueScheduler(1, { capacity: 1 });
    const ran: string[] = [];
    const hold = s.schedule(() => sleep(20).then(() => void ran.push('hold')), { priority: 0, signal: new AbortController().signal, label: 'hold' });
    const ac = new AbortController();
    const queued = s.schedule(() => Promise.resolve(void ran.push('queued')), { priority: 0, signal: ac.signal, label: 'q' });
    await assert.rejects(s.schedule(() => Promise.resolve(), { priority: 0, signal: new AbortController().signal, label: 'x' }), (e: any) => e.code === 'VELO_QUEUE_FULL');
    ac.abort(new Error('gone'));
    await assert.rejects(queued, /gone/);
    await hold;
    assert.deepEqual(ran, ['hold']);
    assert.throws(() => new QueueScheduler(0), (e: any) => e.code === 'VELO_INVALID_CONFIG');
  });
});

