/**
 * Runs a workflow: each step starts as soon as every step it needs has succeeded (so steps of one
 * topological level run in parallel), at most `maxConcurrent` at once, highest priority first among ready
 * steps. Outputs pass on through expressions; failures follow the run's policy; cancelling the run aborts
 * the running steps' signals and starts no new ones. Every step leaves a record in the run log.
 */
import { inherit } from '../../exec/scheduler.js';
import type { CallToolResult, ReadResourceResult } from '../../protocol/types.js';
import { WorkflowError } from './errors.js';
import { stepInputs } from './graph.js';
import { digest, prepareWorkflow, type PreparedWorkflow } from './prepare.js';
import { resolveRefs, type RefScope } from './refs.js';
import { tolerant, type StepCache } from './step-cache.js';
import type { FailurePolicy, StepDefinition, StepRecord, WorkflowDefinition, WorkflowRunResult } from './types.js';

/** How steps reach tools and resources: a velomcp client, an in-process server, a gateway, a test double. */
export interface WorkflowCaller {
  /** Calls a tool; a result with `isError: true` counts as the step failing. Must honour `signal`. */
  callTool(name: string, args: Record<string, unknown>, options: { signal: AbortSignal }): Promise<CallToolResult>;
  /** Reads a resource. Must honour `signal`. */
  readResource(uri: string, options: { signal: AbortSignal }): Promise<ReadResourceResult>;
}

/**
 * Where steps are queued beyond the run's own `maxConcurrent`: a scheduler shared by many runs (and other
 * work), which orders by priority. Work started for a step carries the step's effective priority, which it
 * inherits from the run (and the run from the request that started it) unless the step sets its own.
 */
export interface WorkflowScheduler {
  /**
   * Runs `task` when the scheduler admits it; rejects (and never runs it) if `signal` aborts first.
   * `deadline` is absolute (ms, `Date.now()` clock) when the run has one.
   */
  schedule<T>(task: () => Promise<T>, options: { priority: number; deadline?: number; signal: AbortSignal; label: string }): Promise<T>;
}

/** A step's progress, as reported to {@link RunOptions.onProgress}. */
export interface StepProgress {
  step: string;
  status: 'started' | StepRecord['status'];
  /** Steps finished (in any status) so far, and in all. */
  completed: number;
  total: number;
}

/** Options of {@link runWorkflow}. */
export interface RunOptions {
  caller: WorkflowCaller;
  /** Parameters; the workflow's schema applies, with its defaults. */
  params?: unknown;
  /** Aborting cancels the run. */
  signal?: AbortSignal;
  /** Overrides the definition's `maxConcurrent` (default 8). */
  maxConcurrent?: number;
  /** Overrides the definition's `onFailure` (default `fail-fast`). */
  onFailure?: FailurePolicy;
  /**
   * The run's priority (higher first). Steps inherit it: a step without its own runs at it, and a step's own
   * priority can raise but never lower it (priority inheritance). Default 0.
   */
  priority?: number;
  /** The run's deadline (absolute ms on the `Date.now()` clock), passed to the scheduler for ordering. */
  deadline?: number;
  scheduler?: WorkflowScheduler;
  /** Where steps with a `cache` policy keep their outputs. */
  cache?: StepCache;
  /** Partitions cache entries (e.g. the principal the run serves). Default `''`. */
  cacheScope?: string;
  onProgress?: (event: StepProgress) => void;
}

const DEFAULT_MAX_CONCURRENT = 8;

function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return abortable(new Promise<void>((r) => setTimeout(r, ms)), signal);
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.name === 'TimeoutError' ? `timed out: ${err.message}` : err.message;
  return String(err);
}

function toolError(result: CallToolResult): string {
  const text = result.content?.find((c) => c.type === 'text') as { text?: string } | undefined;
  return `tool returned isError${text?.text ? `: ${text.text.slice(0, 500)}` : ''}`;
}

/**
 * Runs a workflow to its end.
 * @param workflow - A definition (validated and analysed on first use, memoised) or a {@link PreparedWorkflow}.
 * @returns The run's status, outputs, levels and run log; a failed or cancelled run resolves too.
 * @throws WorkflowError `VELO_WORKFLOW_INVALID` for a bad definition, `VELO_WORKFLOW_PARAMS` for bad parameters
 *   (before any step runs).
 */
export async function runWorkflow(workflow: WorkflowDefinition | PreparedWorkflow, options: RunOptions): Promise<WorkflowRunResult> {
  const prepared = 'graph' in workflow && 'definition' in workflow ? workflow : prepareWorkflow(workflow);
  const params = prepared.params(options.params);
  return new Run(prepared, params, options).execute();
}

class Run {
  readonly #p: PreparedWorkflow;
  readonly #def: WorkflowDefinition;
  readonly #opts: RunOptions;
  readonly #params: Record<string, unknown>;
  readonly #outputs = new Map<string, unknown>();
  readonly #records = new Map<string, StepRecord>();
  readonly #waiting = new Map<string, number>();
  readonly #ready: StepDefinition[] = [];
  readonly #steps = new Map<string, StepDefinition>();
  readonly #controller = new AbortController();
  readonly #policy: FailurePolicy;
  readonly #max: number;
  readonly #t0 = performance.now();
  readonly #cache: StepCache | undefined;
  #running = 0;
  #finished = 0;
  #firstError: string | undefined;
  #failed = false;
  #done!: () => void;

  constructor(p: PreparedWorkflow, params: Record<string, unknown>, opts: RunOptions) {
    this.#p = p;
    this.#def = p.definition;
    this.#opts = opts;
    this.#params = params;
    this.#policy = opts.onFailure ?? this.#def.onFailure ?? 'fail-fast';
    this.#max = opts.maxConcurrent ?? this.#def.maxConcurrent ?? DEFAULT_MAX_CONCURRENT;
    this.#cache = opts.cache ? tolerant(opts.cache) : undefined;
    for (const s of this.#def.steps) {
      this.#steps.set(s.id, s);
      this.#records.set(s.id, { id: s.id, status: 'skipped', level: p.graph.levelOf.get(s.id) ?? 0, attempts: 0, cached: false });
      this.#waiting.set(s.id, p.graph.deps.get(s.id)?.length ?? 0);
    }
  }

  #now(): number {
    return Math.round((performance.now() - this.#t0) * 1000) / 1000;
  }

  get #signal(): AbortSignal {
    return this.#controller.signal;
  }

  async execute(): Promise<WorkflowRunResult> {
    const outer = this.#opts.signal;
    const onOuterAbort = (): void => this.#controller.abort(outer?.reason);
    if (outer?.aborted) onOuterAbort();
    else outer?.addEventListener('abort', onOuterAbort, { once: true });
    const finished = new Promise<void>((r) => (this.#done = r));
    for (const id of this.#p.graph.levels[0] ?? []) this.#ready.push(this.#steps.get(id)!);
    this.#pump();
    if (this.#finished < this.#steps.size) await finished;
    outer?.removeEventListener('abort', onOuterAbort);
    const cancelled = outer?.aborted === true;
    const status: WorkflowRunResult['status'] = cancelled ? 'cancelled' : this.#failed ? 'failed' : 'succeeded';
    const result: WorkflowRunResult = {
      name: this.#def.name,
      status,
      outputs: this.#collectOutputs(),
      steps: this.#def.steps.map((s) => this.#records.get(s.id)!),
      levels: this.#p.graph.levels.map((l) => [...l]),
      durationMs: this.#now(),
    };
    const error = cancelled ? `cancelled: ${messageOf(outer?.reason)}` : this.#firstError;
    if (error !== undefined && status !== 'succeeded') result.error = error;
    return result;
  }

  #collectOutputs(): Record<string, unknown> {
    const scope: RefScope = { params: this.#params, outputs: this.#outputs };
    if (!this.#def.outputs) return Object.fromEntries(this.#outputs);
    const out: Record<string, unknown> = {};
    for (const [k, expr] of Object.entries(this.#def.outputs)) {
      try {
        out[k] = resolveRefs(expr, scope, `outputs/${k}`);
      } catch {
        // An output whose step did not succeed is absent.
      }
    }
    return out;
  }

  #priorityOf(step: StepDefinition): number {
    const inherited = this.#opts.priority ?? 0;
    return step.priority === undefined ? inherited : inherit({ priority: inherited }, { priority: step.priority }).priority;
  }

  /** Starts ready steps while slots are free; highest priority first, then definition order. */
  #pump(): void {
    while (this.#running < this.#max && this.#ready.length > 0) {
      if (this.#signal.aborted) {
        for (const s of this.#ready.splice(0)) this.#skip(s.id, this.#opts.signal?.aborted ? 'run cancelled' : `not started: ${this.#firstError ?? 'run stopped'}`);
        break;
      }
      let best = 0;
      for (let i = 1; i < this.#ready.length; i++) if (this.#priorityOf(this.#ready[i]!) > this.#priorityOf(this.#ready[best]!)) best = i;
      const step = this.#ready.splice(best, 1)[0]!;
      this.#running++;
      void this.#runStep(step).then(() => {
        this.#running--;
        this.#pump();
      });
    }
    if (this.#finished === this.#steps.size) this.#done?.();
  }

  #progress(step: string, status: StepProgress['status']): void {
    this.#opts.onProgress?.({ step, status, completed: this.#finished, total: this.#steps.size });
  }

  #finish(id: string, status: StepRecord['status']): void {
    const rec = this.#records.get(id)!;
    rec.status = status;
    this.#finished++;
    this.#progress(id, status);
  }

  /** Marks a step that will not run and, transitively, its dependants. */
  #skip(id: string, why: string): void {
    const rec = this.#records.get(id)!;
    if (rec.startedMs !== undefined || this.#waiting.get(id) === -1) return;
    this.#waiting.set(id, -1);
    rec.error = why;
    this.#finish(id, 'skipped');
    for (const d of this.#p.graph.dependants.get(id) ?? []) this.#skip(d, `dependency ${JSON.stringify(id)} did not succeed`);
  }

  async #runStep(step: StepDefinition): Promise<void> {
    const rec = this.#records.get(step.id)!;
    this.#waiting.set(step.id, -1);
    rec.startedMs = this.#now();
    this.#progress(step.id, 'started');
    try {
      const output = await this.#attempts(step, rec);
      this.#outputs.set(step.id, output);
      rec.outputDigest = digest(output);
      rec.endedMs = this.#now();
      this.#finish(step.id, 'succeeded');
      for (const d of this.#p.graph.dependants.get(step.id) ?? []) {
        const left = this.#waiting.get(d)!;
        if (left <= 0) continue;
        this.#waiting.set(d, left - 1);
        if (left === 1) this.#ready.push(this.#steps.get(d)!);
      }
    } catch (err) {
      rec.endedMs = this.#now();
      rec.error = messageOf(err);
      const cancelled = this.#signal.aborted && (this.#opts.signal?.aborted === true || this.#firstError !== undefined);
      this.#finish(step.id, cancelled ? 'cancelled' : 'failed');
      for (const d of this.#p.graph.dependants.get(step.id) ?? []) this.#skip(d, `dependency ${JSON.stringify(step.id)} ${cancelled ? 'was cancelled' : 'failed'}`);
      if (!cancelled && !step.optional) {
        this.#failed = true;
        this.#firstError ??= `step ${JSON.stringify(step.id)} failed: ${rec.error}`;
        if (this.#policy === 'fail-fast') this.#controller.abort(new WorkflowError('VELO_WORKFLOW_STEP_FAILED', this.#firstError));
      }
    }
  }

  async #attempts(step: StepDefinition, rec: StepRecord): Promise<unknown> {
    const [[key, raw]] = stepInputs(step) as [[string, unknown]];
    const input = resolveRefs(raw, { params: this.#params, outputs: this.#outputs }, `steps/${this.#def.steps.indexOf(step)}/${key}`);
    rec.inputDigest = digest(input);
    const cache = step.cache ? this.#cache : undefined;
    const cacheKey = cache ? digest({ scope: this.#opts.cacheScope ?? '', kind: 'tool' in step ? 'tool' : 'resource' in step ? 'resource' : 'workflow', target: 'tool' in step ? step.tool : 'workflow' in step ? step.workflow.name : '', input }) : '';
    if (cache) {
      const hit = await cache.get(cacheKey);
      if (hit !== undefined) {
        rec.cached = true;
        return hit;
      }
    }
    const attempts = step.retry?.attempts ?? 1;
    const backoff = step.retry?.backoffMs ?? 100;
    let last: unknown;
    for (let n = 1; n <= attempts; n++) {
      rec.attempts = n;
      if (this.#signal.aborted) throw this.#signal.reason;
      // A timer of our own (AbortSignal.timeout's is unref'd): a hanging step must still end the run.
      const limit = step.timeoutMs === undefined ? undefined : new AbortController();
      const timer = limit && setTimeout(() => limit.abort(new DOMException(`step ${JSON.stringify(step.id)} took longer than ${step.timeoutMs} ms`, 'TimeoutError')), step.timeoutMs);
      const signal = limit ? AbortSignal.any([this.#signal, limit.signal]) : this.#signal;
      try {
        const output = await this.#once(step, input, signal);
        if (cache) await cache.set(cacheKey, output, step.cache!.ttlMs);
        return output;
      } catch (err) {
        last = err;
        if (this.#signal.aborted || n === attempts) break;
        await sleep(backoff * 2 ** (n - 1), this.#signal);
      } finally {
        clearTimeout(timer);
      }
    }
    throw last;
  }

  #once(step: StepDefinition, input: unknown, signal: AbortSignal): Promise<unknown> {
    const work = async (): Promise<unknown> => {
      if ('tool' in step) {
        const result = await abortable(this.#opts.caller.callTool(step.tool, input as Record<string, unknown>, { signal }), signal);
        if (result.isError) throw new Error(toolError(result));
        return result;
      }
      if ('resource' in step) {
        if (typeof input !== 'string') throw new WorkflowError('VELO_WORKFLOW_REFERENCE', `step ${JSON.stringify(step.id)}: resource must resolve to a string URI`);
        return abortable(this.#opts.caller.readResource(input, { signal }), signal);
      }
      const { onProgress: _own, ...inherited } = this.#opts;
      const nested = await runWorkflow(this.#p.nested.get(step.id)!, { ...inherited, params: input, signal, priority: this.#priorityOf(step) });
      if (nested.status !== 'succeeded') throw new WorkflowError('VELO_WORKFLOW_STEP_FAILED', `nested workflow ${JSON.stringify(nested.name)} ${nested.status}: ${nested.error ?? ''}`);
      return nested.outputs;
    };
    const scheduler = this.#opts.scheduler;
    // A nested workflow holds no slot itself (its leaf steps queue), so a shared scheduler cannot deadlock on it.
    if (!scheduler || 'workflow' in step) return work();
    const deadline = this.#opts.deadline;
    return scheduler.schedule(work, { priority: this.#priorityOf(step), ...(deadline === undefined ? {} : { deadline }), signal, label: `${this.#def.name}/${step.id}` });
  }
}
