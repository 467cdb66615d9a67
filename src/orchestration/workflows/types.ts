/**
 * The shapes of workflow definitions: plain JSON/YAML-compatible data, validated by {@link workflowSchema}.
 *
 * A workflow is a set of steps; a step calls a tool, reads a resource, or runs a nested workflow. A step's
 * inputs may reference the workflow's parameters and earlier steps' outputs with the two expression forms of
 * `refs.ts`: `{ "$param": "name", "pointer"?: "/json/pointer" }` and
 * `{ "$step": "stepId", "pointer"?: "/structuredContent/field" }`. A step runs once every step it references
 * (and every step in its `needs`) has succeeded.
 */
import type { CallToolResult, ReadResourceResult } from '../../protocol/types.js';

/** What a failing step does to the rest of the run. */
export type FailurePolicy = 'fail-fast' | 'continue';

/** Retry of a failing step: `attempts` in all (1 = no retry), waiting `backoffMs × 2^(n-1)` between them. */
export interface RetryPolicy {
  /** Attempts in all, 1 to 10. Default 1. */
  attempts: number;
  /** First wait between attempts in ms. Default 100. */
  backoffMs?: number;
}

/** Caching of a step's output, keyed by what it calls and its resolved input. */
export interface StepCachePolicy {
  /** How long a cached output is served, in ms. */
  ttlMs: number;
}

interface StepBase {
  /** Unique within the workflow: `[A-Za-z0-9_.-]{1,64}`. */
  id: string;
  /** Steps that must succeed first, beyond the ones the inputs reference. */
  needs?: string[];
  /** Per-attempt timeout in ms; the step's signal aborts past it. */
  timeoutMs?: number;
  retry?: RetryPolicy;
  cache?: StepCachePolicy;
  /** Scheduling priority (higher runs first among ready steps). Default: the run's priority. */
  priority?: number;
  /** When true, the step's failure does not fail the run under `fail-fast` (its dependants are skipped). */
  optional?: boolean;
}

/** Calls a tool (local, mounted or upstream: whatever the caller reaches). Output: the `CallToolResult`. */
export interface ToolStep extends StepBase {
  tool: string;
  /** Arguments; any value may be an expression. */
  arguments?: Record<string, unknown>;
}

/** Reads a resource. Output: the `ReadResourceResult`. */
export interface ResourceStep extends StepBase {
  /** The URI, or an expression yielding a string. */
  resource: unknown;
}

/** Runs a nested workflow. Output: the nested run's `outputs`. */
export interface WorkflowStep extends StepBase {
  workflow: WorkflowDefinition;
  /** Parameters of the nested workflow; any value may be an expression. */
  params?: Record<string, unknown>;
}

/** One step of a workflow. */
export type StepDefinition = ToolStep | ResourceStep | WorkflowStep;

/** A workflow definition. */
export interface WorkflowDefinition {
  name: string;
  description?: string;
  /** JSON Schema (an object schema) of the parameters; defaults apply. Default: any object. */
  params?: Record<string, unknown>;
  steps: StepDefinition[];
  /**
   * What the run returns: names mapped to expressions (e.g. `{ "$step": "b", "pointer": "/structuredContent" }`).
   * Default: every step's output keyed by step id.
   */
  outputs?: Record<string, unknown>;
  /** Default `fail-fast`. */
  onFailure?: FailurePolicy;
  /** Most steps running at once. Default 8. */
  maxConcurrent?: number;
}

/** A step's outcome in the run log. */
export type StepStatus = 'succeeded' | 'failed' | 'skipped' | 'cancelled';

/** One entry of the run log. */
export interface StepRecord {
  id: string;
  status: StepStatus;
  /** Topological level (0 = no dependencies). */
  level: number;
  attempts: number;
  /** Whether the output came from the step cache. */
  cached: boolean;
  /** Milliseconds since the run started, when the step started and ended (absent for skipped steps). */
  startedMs?: number;
  endedMs?: number;
  /** SHA-256 (base64url) of the canonical JSON of the resolved input and of the output. */
  inputDigest?: string;
  outputDigest?: string;
  /** Why the step failed or was skipped. */
  error?: string;
}

/** The result of a run. */
export interface WorkflowRunResult {
  name: string;
  status: 'succeeded' | 'failed' | 'cancelled';
  /** The declared outputs (or every step's output); steps that did not succeed are absent. */
  outputs: Record<string, unknown>;
  /** One record per step, in definition order. */
  steps: StepRecord[];
  /** Topological levels: step ids per level. */
  levels: string[][];
  durationMs: number;
  /** The first failure, when the run failed. */
  error?: string;
}

/** An output a step produced: a tool result, a resource read, or a nested run's outputs. */
export type StepOutput = CallToolResult | ReadResourceResult | Record<string, unknown>;
