/**
 * The expression forms of workflow inputs, resolved against the run's parameters and the outputs of
 * finished steps:
 *
 * - `{ "$param": "name" }` (optionally `"pointer": "/a/0"`): a workflow parameter, or a part of it;
 * - `{ "$step": "id" }` (optionally `"pointer": "/structuredContent/temp"`): a finished step's output, or a part
 *   of it, addressed by a JSON Pointer (RFC 6901).
 *
 * An object with exactly these keys is an expression; anything else is a literal, walked for nested
 * expressions. Only own properties are followed, so `constructor` or `__proto__` never reach a prototype.
 */
import { WorkflowError } from './errors.js';

/** A reference to a parameter. */
export interface ParamRef {
  $param: string;
  pointer?: string;
}

/** A reference to a step's output. */
export interface StepRef {
  $step: string;
  pointer?: string;
}

const MAX_DEPTH = 64;
const own = Object.prototype.hasOwnProperty;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function onlyKeys(v: Record<string, unknown>, head: string): boolean {
  const keys = Object.keys(v);
  return keys.includes(head) && keys.every((k) => k === head || k === 'pointer') && (v.pointer === undefined || typeof v.pointer === 'string');
}

/** Whether `v` is a `$param` expression. */
export function isParamRef(v: unknown): v is ParamRef {
  return isPlainObject(v) && typeof v.$param === 'string' && onlyKeys(v, '$param');
}

/** Whether `v` is a `$step` expression. */
export function isStepRef(v: unknown): v is StepRef {
  return isPlainObject(v) && typeof v.$step === 'string' && onlyKeys(v, '$step');
}

/**
 * Evaluates a JSON Pointer (RFC 6901) against `doc`.
 * @returns `{ found: true, value }`, or `{ found: false }` when a token names nothing (own properties only).
 * @throws WorkflowError `VELO_WORKFLOW_INVALID` when the pointer is malformed (not empty and not starting with `/`).
 */
export function evaluatePointer(doc: unknown, pointer: string): { found: true; value: unknown } | { found: false } {
  if (pointer === '') return { found: true, value: doc };
  if (!pointer.startsWith('/')) throw new WorkflowError('VELO_WORKFLOW_INVALID', `Invalid JSON Pointer ${JSON.stringify(pointer)}: it must be empty or start with "/"`);
  let cur: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) {
      if (!/^(?:0|[1-9]\d{0,9})$/.test(token)) return { found: false };
      const i = Number(token);
      if (i >= cur.length) return { found: false };
      cur = cur[i];
    } else if (isPlainObject(cur)) {
      if (!own.call(cur, token)) return { found: false };
      cur = cur[token];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: cur };
}

/** Calls `visit` for every expression inside `value` (depth-bounded). */
export function walkRefs(value: unknown, visit: (ref: ParamRef | StepRef, path: string) => void, path = '', depth = 0): void {
  if (depth > MAX_DEPTH) throw new WorkflowError('VELO_WORKFLOW_INVALID', `${path || '/'}: nested deeper than ${MAX_DEPTH} levels`);
  if (isParamRef(value) || isStepRef(value)) {
    visit(value, path);
    return;
  }
  if (Array.isArray(value)) value.forEach((v, i) => walkRefs(v, visit, `${path}/${i}`, depth + 1));
  else if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) walkRefs(v, visit, `${path}/${k}`, depth + 1);
}

/** What expressions resolve against. */
export interface RefScope {
  params: Record<string, unknown>;
  /** Outputs of finished steps, by id. */
  outputs: ReadonlyMap<string, unknown>;
}

/**
 * Returns `value` with every expression replaced by what it references (a new structure; `value` is not
 * modified).
 * @param where - Names the place in error messages (e.g. `steps/2/arguments`).
 * @throws WorkflowError `VELO_WORKFLOW_REFERENCE` when a parameter, a step output, or a pointer target is missing.
 */
export function resolveRefs(value: unknown, scope: RefScope, where: string, depth = 0): unknown {
  if (depth > MAX_DEPTH) throw new WorkflowError('VELO_WORKFLOW_INVALID', `${where}: nested deeper than ${MAX_DEPTH} levels`);
  if (isParamRef(value)) {
    if (!own.call(scope.params, value.$param)) throw new WorkflowError('VELO_WORKFLOW_REFERENCE', `${where}: parameter ${JSON.stringify(value.$param)} is not set`);
    return pick(scope.params[value.$param], value.pointer, where, `parameter ${JSON.stringify(value.$param)}`);
  }
  if (isStepRef(value)) {
    if (!scope.outputs.has(value.$step)) throw new WorkflowError('VELO_WORKFLOW_REFERENCE', `${where}: step ${JSON.stringify(value.$step)} has no output`);
    return pick(scope.outputs.get(value.$step), value.pointer, where, `the output of step ${JSON.stringify(value.$step)}`);
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveRefs(v, scope, `${where}/${i}`, depth + 1));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolveRefs(v, scope, `${where}/${k}`, depth + 1);
    return out;
  }
  return value;
}

function pick(doc: unknown, pointer: string | undefined, where: string, what: string): unknown {
  if (pointer === undefined) return doc;
  const r = evaluatePointer(doc, pointer);
  if (!r.found) throw new WorkflowError('VELO_WORKFLOW_REFERENCE', `${where}: ${what} has nothing at ${JSON.stringify(pointer)}`);
  return r.value;
}
