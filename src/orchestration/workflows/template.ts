/**
 * Workflow templates: a workflow with `{{param}}` placeholders, parameters declared by JSON Schema (with
 * defaults), composition by `includes` of other templates (cycles refused), semantic versions, and a
 * registry that finds a template by `name@range`. Instantiating a template yields a plain workflow.
 *
 * Substitution: a string that is exactly `{{name}}` becomes the parameter's value, whatever its type; a
 * `{{name}}` inside a longer string is replaced by the value as text (JSON for non-strings). Placeholders
 * appear in values only, never in keys.
 */
import semver from 'semver';
import { compileSchema, type JsonSchema, type SyncValidate } from '../../validation/index.js';
import { WorkflowError } from './errors.js';
import { isStepRef } from './refs.js';
import { applyDefaults, prepareWorkflow } from './prepare.js';
import type { StepDefinition, WorkflowDefinition } from './types.js';

/** Another template included in this one: its steps join this workflow with ids prefixed `as.`. */
export interface TemplateInclude {
  /** `name@range` (semver range; `name` alone means any version). */
  template: string;
  /** Prefix of the included steps' ids (`as.stepId`); this template's steps reference them so. */
  as: string;
  /** Parameters of the included template; strings may hold `{{param}}` of this template. */
  params?: Record<string, unknown>;
}

/** A workflow template. */
export interface WorkflowTemplate {
  name: string;
  /** A semantic version (`1.2.0`). */
  version: string;
  description?: string;
  /** JSON Schema (object) of the parameters, with `default`s. Default: no parameters. */
  parameters?: JsonSchema;
  includes?: TemplateInclude[];
  /** The workflow body; values may hold `{{param}}` placeholders. */
  workflow: Omit<WorkflowDefinition, 'name' | 'params'>;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}\}/g;
const WHOLE = /^\{\{\s*([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}\}$/;
const MAX_DEPTH = 64;

/** Replaces `{{param}}` placeholders in every string value of `value`. @throws WorkflowError `VELO_WORKFLOW_TEMPLATE` naming the path of an unknown placeholder. */
export function substitute(value: unknown, params: Record<string, unknown>, path: string, depth = 0): unknown {
  if (depth > MAX_DEPTH) throw new WorkflowError('VELO_WORKFLOW_TEMPLATE', `${path}: nested deeper than ${MAX_DEPTH} levels`);
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    const lookup = (name: string): unknown => {
      if (!Object.prototype.hasOwnProperty.call(params, name)) throw new WorkflowError('VELO_WORKFLOW_TEMPLATE', `${path}: unknown template parameter {{${name}}}`);
      return params[name];
    };
    if (whole) return structuredClone(lookup(whole[1]!));
    if (!value.includes('{{')) return value;
    return value.replace(PLACEHOLDER, (_m, name: string) => {
      const v = lookup(name);
      return typeof v === 'string' ? v : JSON.stringify(v);
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substitute(v, params, `${path}/${i}`, depth + 1));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substitute(v, params, `${path}/${k}`, depth + 1);
    return out;
  }
  return value;
}

function prefixRefs(value: unknown, prefix: string, local: ReadonlySet<string>): unknown {
  if (isStepRef(value)) return local.has(value.$step) ? { ...value, $step: `${prefix}.${value.$step}` } : value;
  if (Array.isArray(value)) return value.map((v) => prefixRefs(v, prefix, local));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = prefixRefs(v, prefix, local);
    return out;
  }
  return value;
}

/** Splits `name@range` (the range defaults to `*`). */
export function parseTemplateRef(ref: string): { name: string; range: string } {
  const at = ref.lastIndexOf('@');
  return at <= 0 ? { name: ref, range: '*' } : { name: ref.slice(0, at), range: ref.slice(at + 1) };
}

interface Entry {
  template: WorkflowTemplate;
  validate: SyncValidate;
}

/** Templates by name and version. */
export class TemplateRegistry {
  readonly #byName = new Map<string, Map<string, Entry>>();

  /**
   * Adds a template.
   * @throws WorkflowError `VELO_WORKFLOW_TEMPLATE` for an invalid name or version, a version already registered,
   *   or a parameters schema that does not compile.
   */
  register(template: WorkflowTemplate): void {
    if (typeof template.name !== 'string' || !/^[A-Za-z0-9_.-]{1,128}$/.test(template.name)) throw new WorkflowError('VELO_WORKFLOW_TEMPLATE', `Template name ${JSON.stringify(template.name)} must be 1-128 characters of [A-Za-z0-9_.-]`);
    if (semver.valid(template.version) === null) throw new WorkflowError('VELO_WORKFLOW_TEMPLATE', `Template ${template.name}: version ${JSON.stringify(template.version)} is not a semantic version`);
    const versions = this.#byName.get(template.name) ?? new Map<string, Entry>();
    if (versions.has(template.version)) throw new WorkflowError('VELO_WORKFLOW_TEMPLATE', `Template ${template.name}@${template.version} is already registered`);
    let validate: SyncValidate;
    try {
      validate = compileSchema(template.parameters ?? { type: 'object' }, { label: 'params' }).validate as SyncValidate;
    } catch (err) {
      throw new WorkflowError('VELO_WORKFLOW_TEMPLATE', `Template ${template.name}@${template.version}: parameters: ${(err as Error).message}`, { cause: err });
    }
    versions.set(template.version, { template, validate });
    this.#byName.set(template.name, versions);
  }

  /** The highest version of `name` that satisfies `range` (default any). */
  get(name: string, range = '*'): WorkflowTemplate | undefined {
    return this.#entry(name, range)?.template;
  }

  /** Every template, `{ name, version, description }`, sorted by name then version. */
  list(): { name: string; version: string; description?: string }[] {
    const out: { name: string; version: string; description?: string }[] = [];
    for (const [name, versions] of [...this.#byName].sort(([a], [b]) => a.localeCompare(b))) {
      for (const v of [...versions.keys()].sort(semver.compare)) {
        const t = versions.get(v)!.template;
        out.push(t.description === undefined ? { name, version: v } : { name, version: v, description: t.description });
      }
    }
    return out;
  }

  #entry(name: string, range: string): Entry | undefined {
    const versions = this.#byName.get(name);
    if (!versions) return undefined;
    const best = semver.maxSatisfying([...versions.keys()], range);
    return best === null ? undefined : versions.get(best);
  }

  /**
   * Instantiates a template into a validated workflow definition (named `name@version`).
   * @param ref - `name@range`, or a template object (registered or not; its includes resolve here).
   * @throws WorkflowError `VELO_WORKFLOW_TEMPLATE` (unknown template, include cycle, unknown placeholder),
   *   `VELO_WORKFLOW_PARAMS` (parameters fail the schema; the message names the parameter), or
   *   `VELO_WORKFLOW_INVALID` (the instantiated workflow is not valid).
   */
  instantiate(ref: string | WorkflowTemplate, params: unknown = {}): WorkflowDefinition {
    const steps: StepDefinition[] = [];
    const top = this.#expand(ref, params, '', [], steps);
    const definition: WorkflowDefinition = { ...(top.body as Omit<WorkflowDefinition, 'name'>), name: `${top.template.name}@${top.template.version}`, steps };
    prepareWorkflow(definition);
    return definition;
  }

  #resolve(ref: string | WorkflowTemplate): Entry {
    if (typeof ref !== 'string') {
      const registered = this.#byName.get(ref.name)?.get(ref.version);
      if (registered && registered.template === ref) return registered;
      return { template: ref, validate: compileSchema(ref.parameters ?? { type: 'object' }, { label: 'params' }).validate as SyncValidate };
    }
    const { name, range } = parseTemplateRef(ref);
    const entry = this.#entry(name, range);
    if (!entry) throw new WorkflowError('VELO_WORKFLOW_TEMPLATE', `No template ${name} satisfies ${JSON.stringify(range)} (registered: ${[...(this.#byName.get(name)?.keys() ?? [])].join(', ') || 'none'})`);
    return entry;
  }

  /** Expands one template (and its includes, depth first) into `steps`; returns its substituted body. */
  #expand(ref: string | WorkflowTemplate, params: unknown, prefix: string, chain: string[], steps: StepDefinition[]): { template: WorkflowTemplate; body: Record<string, unknown> } {
    const { template, validate } = this.#resolve(ref);
    const key = `${template.name}@${template.version}`;
    if (chain.includes(key)) throw new WorkflowError('VELO_WORKFLOW_TEMPLATE', `Include cycle: ${[...chain, key].join(' → ')}`);
    const values = applyDefaults(template.parameters ?? {}, params ?? {});
    const r = validate(values);
    if (!r.valid) throw new WorkflowError('VELO_WORKFLOW_PARAMS', `Invalid parameters of template ${key}${prefix ? ` (included as ${prefix})` : ''}: ${r.message}`);
    const p = values as Record<string, unknown>;
    (template.includes ?? []).forEach((inc, i) => {
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(inc.as)) throw new WorkflowError('VELO_WORKFLOW_TEMPLATE', `${key}: includes/${i}/as must be 1-32 characters of [A-Za-z0-9_-]`);
      const incParams = substitute(inc.params ?? {}, p, `${key}: includes/${i}/params`);
      this.#expand(inc.template, incParams, prefix ? `${prefix}.${inc.as}` : inc.as, [...chain, key], steps);
    });
    const body = substitute(template.workflow, p, `${key}: workflow`) as Record<string, unknown>;
    const own = (Array.isArray(body.steps) ? body.steps : []) as StepDefinition[];
    if (prefix === '') {
      steps.push(...own);
    } else {
      const local = new Set(own.map((s) => s.id));
      for (const s of own) {
        const renamed = prefixRefs(s, prefix, local) as StepDefinition;
        renamed.id = `${prefix}.${s.id}`;
        if (renamed.needs) renamed.needs = renamed.needs.map((n) => (local.has(n) ? `${prefix}.${n}` : n));
        steps.push(renamed);
      }
    }
    return { template, body };
  }
}
