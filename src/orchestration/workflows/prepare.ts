/**
 * A workflow checked once and kept ready to run many times: the shape-checked definition, its graph, and the
 * compiled validator of its parameters (with defaults), nested workflows included.
 */
import { createHash } from 'node:crypto';
import { compileSchema, type JsonSchema, type SyncValidate } from '../../validation/index.js';
import { WorkflowError } from './errors.js';
import { analyseWorkflow, type WorkflowGraph } from './graph.js';
import { validateDefinition } from './schema.js';
import type { WorkflowDefinition } from './types.js';

/** A validated, analysed workflow (see {@link prepareWorkflow}). */
export interface PreparedWorkflow {
  readonly definition: WorkflowDefinition;
  readonly graph: WorkflowGraph;
  /** Applies the parameters' defaults and validates them. @throws WorkflowError `VELO_WORKFLOW_PARAMS`. */
  params(input: unknown): Record<string, unknown>;
  /** Prepared nested workflows, by step id. */
  readonly nested: ReadonlyMap<string, PreparedWorkflow>;
}

const prepared = new WeakMap<WorkflowDefinition, PreparedWorkflow>();

/**
 * Validates a definition against the shipped schema, analyses its graph, and compiles its parameter
 * schema; the result is memoised per definition object.
 * @throws WorkflowError `VELO_WORKFLOW_INVALID` (shape, unknown references, cycles; the message names the path).
 */
export function prepareWorkflow(input: unknown): PreparedWorkflow {
  if (typeof input === 'object' && input !== null) {
    const hit = prepared.get(input as WorkflowDefinition);
    if (hit) return hit;
  }
  const definition = validateDefinition(input);
  return prepareChecked(definition);
}

function prepareChecked(definition: WorkflowDefinition): PreparedWorkflow {
  const graph = analyseWorkflow(definition);
  const nested = new Map<string, PreparedWorkflow>();
  for (const s of definition.steps) if ('workflow' in s) nested.set(s.id, prepareChecked(s.workflow));
  const schema = (definition.params ?? { type: 'object' }) as JsonSchema;
  let validate: SyncValidate;
  try {
    validate = compileSchema(schema, { label: 'params' }).validate as SyncValidate;
  } catch (err) {
    throw new WorkflowError('VELO_WORKFLOW_INVALID', `params: invalid JSON Schema: ${(err as Error).message}`, { cause: err });
  }
  const p: PreparedWorkflow = {
    definition,
    graph,
    nested,
    params(value: unknown): Record<string, unknown> {
      const withDefaults = applyDefaults(schema, value ?? {});
      const r = validate(withDefaults);
      if (!r.valid) throw new WorkflowError('VELO_WORKFLOW_PARAMS', `Invalid parameters of workflow ${JSON.stringify(definition.name)}: ${r.message}`);
      return withDefaults as Record<string, unknown>;
    },
  };
  prepared.set(definition, p);
  return p;
}

/** Fills absent top-level properties from `properties.*.default` (a copy; `value` is not modified). */
export function applyDefaults(schema: JsonSchema, value: unknown): unknown {
  const props = schema.properties;
  if (typeof value !== 'object' || value === null || Array.isArray(value) || typeof props !== 'object' || props === null) return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [k, p] of Object.entries(props as Record<string, unknown>)) {
    if (Object.prototype.hasOwnProperty.call(out, k)) continue;
    if (typeof p === 'object' && p !== null && Object.prototype.hasOwnProperty.call(p, 'default')) out[k] = structuredClone((p as { default: unknown }).default);
  }
  return out;
}

/** Canonical JSON (sorted keys, iterative depth bound via JSON.stringify's replacer), for digests and cache keys. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v as Record<string, unknown>).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  }) ?? 'null';
}

/** SHA-256 (base64url) of the canonical JSON of `value`. */
export function digest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url');
}
