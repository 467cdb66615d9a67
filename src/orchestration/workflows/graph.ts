/**
 * The dependency graph of a workflow: which steps each step waits for, the topological levels, and the
 * checks a schema cannot make (duplicate ids, unknown steps and parameters, cycles named step by step).
 * Kahn's algorithm: O(V + E).
 */
import { WorkflowError } from './errors.js';
import { walkRefs } from './refs.js';
import type { StepDefinition, WorkflowDefinition } from './types.js';

/** The analysed graph of one workflow (nested workflows have their own). */
export interface WorkflowGraph {
  /** Step ids in definition order. */
  readonly order: readonly string[];
  /** Each step's dependencies (from `needs` and from `$step` references). */
  readonly deps: ReadonlyMap<string, readonly string[]>;
  /** Each step's dependants. */
  readonly dependants: ReadonlyMap<string, readonly string[]>;
  /** Step ids per topological level; level 0 has no dependencies. */
  readonly levels: readonly (readonly string[])[];
  /** The level of each step. */
  readonly levelOf: ReadonlyMap<string, number>;
}

/** The input values of a step that may hold expressions, with the path that names them in errors. */
export function stepInputs(step: StepDefinition): [string, unknown][] {
  if ('tool' in step) return [['arguments', step.arguments ?? {}]];
  if ('resource' in step) return [['resource', step.resource]];
  return [['params', step.params ?? {}]];
}

function declaredParams(def: WorkflowDefinition): Set<string> | undefined {
  const props = (def.params as { properties?: unknown } | undefined)?.properties;
  if (typeof props !== 'object' || props === null) return undefined;
  return new Set(Object.keys(props));
}

/**
 * Analyses a definition (already shape-checked by `validateDefinition`).
 * @throws WorkflowError `VELO_WORKFLOW_INVALID` for a duplicate step id, a `needs` or `$step` naming an
 *   unknown step, a `$param` naming an undeclared parameter, or a cycle (`cycle: a → b → a`); each message
 *   names the offending path (`steps/2/arguments/x`).
 */
export function analyseWorkflow(def: WorkflowDefinition, path = ''): WorkflowGraph {
  const index = new Map<string, number>();
  def.steps.forEach((s, i) => {
    if (index.has(s.id)) throw new WorkflowError('VELO_WORKFLOW_INVALID', `${path}steps/${i}/id: duplicate step id ${JSON.stringify(s.id)} (also steps/${index.get(s.id)})`);
    index.set(s.id, i);
  });
  const params = declaredParams(def);
  const checkParam = (name: string, where: string): void => {
    if (params && !params.has(name)) throw new WorkflowError('VELO_WORKFLOW_INVALID', `${where}: unknown parameter ${JSON.stringify(name)} (declared: ${[...params].join(', ') || 'none'})`);
  };
  const deps = new Map<string, string[]>();
  const dependants = new Map<string, string[]>();
  for (const id of index.keys()) dependants.set(id, []);
  def.steps.forEach((s, i) => {
    const mine = new Set<string>();
    (s.needs ?? []).forEach((n, j) => {
      if (!index.has(n)) throw new WorkflowError('VELO_WORKFLOW_INVALID', `${path}steps/${i}/needs/${j}: unknown step ${JSON.stringify(n)}`);
      mine.add(n);
    });
    for (const [key, value] of stepInputs(s)) {
      walkRefs(value, (ref, p) => {
        const where = `${path}steps/${i}/${key}${p}`;
        if ('$param' in ref) checkParam(ref.$param, where);
        else if (!index.has(ref.$step)) throw new WorkflowError('VELO_WORKFLOW_INVALID', `${where}: unknown step ${JSON.stringify(ref.$step)}`);
        else mine.add(ref.$step);
      });
    }
    if ('workflow' in s) analyseNested(s.workflow, `${path}steps/${i}/workflow/`);
    deps.set(s.id, [...mine]);
    for (const d of mine) dependants.get(d)!.push(s.id);
  });
  if (def.outputs) {
    walkRefs(def.outputs, (ref, p) => {
      const where = `${path}outputs${p}`;
      if ('$param' in ref) checkParam(ref.$param, where);
      else if (!index.has(ref.$step)) throw new WorkflowError('VELO_WORKFLOW_INVALID', `${where}: unknown step ${JSON.stringify(ref.$step)}`);
    });
  }
  // Kahn: peel off the steps whose dependencies are all placed, level by level.
  const remaining = new Map<string, number>();
  for (const [id, d] of deps) remaining.set(id, d.length);
  const levels: string[][] = [];
  const levelOf = new Map<string, number>();
  let frontier = [...index.keys()].filter((id) => remaining.get(id) === 0);
  while (frontier.length > 0) {
    const level = levels.length;
    levels.push(frontier);
    const next: string[] = [];
    for (const id of frontier) {
      levelOf.set(id, level);
      for (const t of dependants.get(id)!) {
        const left = remaining.get(t)! - 1;
        remaining.set(t, left);
        if (left === 0) next.push(t);
      }
    }
    frontier = next;
  }
  if (levelOf.size < index.size) {
    const cycle = findCycle([...index.keys()].filter((id) => !levelOf.has(id)), deps);
    throw new WorkflowError('VELO_WORKFLOW_INVALID', `${path}steps: cycle: ${cycle.join(' → ')} (each step needs the next)`);
  }
  return { order: [...index.keys()], deps, dependants, levels, levelOf };
}

function analyseNested(def: WorkflowDefinition, path: string): void {
  analyseWorkflow(def, path);
}

/** A cycle among `candidates` (every one of which lies on or behind a cycle), as ids with the first repeated last. */
function findCycle(candidates: string[], deps: ReadonlyMap<string, readonly string[]>): string[] {
  const inSet = new Set(candidates);
  const state = new Map<string, 1 | 2>(); // 1 on the stack, 2 done
  const stack: string[] = [];
  // Iterative DFS so that a long chain cannot overflow the call stack.
  for (const start of candidates) {
    if (state.has(start)) continue;
    const work: [string, number][] = [[start, 0]];
    state.set(start, 1);
    stack.push(start);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const [node, i] = top;
      const next = (deps.get(node) ?? []).filter((d) => inSet.has(d));
      if (i < next.length) {
        top[1] = i + 1;
        const d = next[i]!;
        if (state.get(d) === 1) return [...stack.slice(stack.indexOf(d)), d];
        if (!state.has(d)) {
          state.set(d, 1);
          stack.push(d);
          work.push([d, 0]);
        }
      } else {
        state.set(node, 2);
        stack.pop();
        work.pop();
      }
    }
  }
  return candidates; // unreachable for a real cycle
}
