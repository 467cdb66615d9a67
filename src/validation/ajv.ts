import { Ajv, type ErrorObject, type Options as AjvOptions, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { VeloError } from '../jsonrpc/errors.js';
import { DEFAULT_MAX_ISSUES, formatIssues } from './issues.js';
import { jsonEqualityKeywords } from './json-equality.js';
import { type Dialect, detectDialect, prepareSchema } from './prepare.js';
import type { JsonSchema, SchemaCompiler, SyncValidate, ValidationIssue, ValidationResult } from './types.js';

/** Options of {@link AjvSchemaCompiler}. */
export interface AjvSchemaCompilerOptions {
  /**
   * Maximum nesting depth of subschemas (the root is depth 1); JSON values inside keywords such as
   * `enum` or `default` are bounded by the same number. Default 64. SEP-2106 asks validators to bound depth.
   */
  maxDepth?: number;
  /** Maximum number of subschemas in one schema, boolean ones included. Default 10 000. */
  maxSubschemas?: number;
  /** Assert `format` (`email`, `date-time`, `uri`...) via ajv-formats. Default true; unknown formats are ignored. */
  formats?: boolean;
  /**
   * Report every issue of invalid input (up to `maxErrors`) instead of only the first. Default true. Valid
   * input costs the same either way: every value is checked once by a validator that stops at the first
   * issue, and only a failure is checked again, by one that collects them all.
   */
  allErrors?: boolean;
  /** Most issues reported for one value; the rest are counted in the message. Default {@link DEFAULT_MAX_ISSUES} (20). */
  maxErrors?: number;
  /**
   * Largest input, in JSON values (every object, array and scalar counts one), that is checked again to
   * collect every issue; bigger invalid inputs report their first issue only, so hostile input cannot make
   * the error path expensive. Default {@link DEFAULT_ALL_ERRORS_MAX_VALUES} (10 000).
   */
  allErrorsMaxValues?: number;
}

/** Default {@link AjvSchemaCompilerOptions.allErrorsMaxValues}. */
export const DEFAULT_ALL_ERRORS_MAX_VALUES = 10_000;

/** One ajv instance per dialect, plus the documents it already holds (its meta-schemas). */
interface Engine {
  readonly ajv: Ajv;
  readonly knownDocuments: ReadonlySet<string>;
}

/**
 * A {@link SchemaCompiler} built on ajv 8: JSON Schema 2020-12 by default, draft-07 when `$schema` says so
 * (MCP 2025-11-25 SEP-1613 / 2026-07-28 SEP-2106, "JSON Schema Usage" in basic/index.mdx).
 *
 * - Never fetches anything: there is no `loadSchema`, and every `$ref` must resolve within the schema.
 * - Never mutates the caller's schema: ajv compiles a private copy.
 * - Unknown keywords (`x-mcp-header`, vendor annotations) are tolerated (`strict: false`).
 * - Schemas sharing an `$id` compile independently: nothing stays registered in ajv after a compile.
 * - `const` / `enum` / `uniqueItems` compare as JSON (ajv's comparison throws on keys such as `valueOf`).
 * - Required / property checks look at own properties only, so `{}` does not satisfy `required: ["toString"]`.
 *
 * One ajv instance per dialect is created lazily and shared by all schemas this compiler compiles.
 */
export class AjvSchemaCompiler implements SchemaCompiler {
  /** Every validator this compiler returns is synchronous. */
  readonly sync = true;
  readonly #maxDepth: number;
  readonly #maxSubschemas: number;
  readonly #formats: boolean;
  readonly #allErrors: boolean;
  readonly #maxErrors: number;
  readonly #allErrorsMaxValues: number;
  /** Per dialect: the engine that stops at the first issue, and (lazily) the one that collects them all. */
  readonly #engines: { [D in Dialect]?: Engine } = {};
  readonly #allErrorsEngines: { [D in Dialect]?: Engine } = {};

  /**
   * @param options - Bounds and ajv behaviour; see {@link AjvSchemaCompilerOptions}.
   * @throws VeloError `VELO_INVALID_CONFIG` when a bound is not a positive integer.
   */
  constructor(options: AjvSchemaCompilerOptions = {}) {
    this.#maxDepth = positiveInteger('maxDepth', options.maxDepth, 64);
    this.#maxSubschemas = positiveInteger('maxSubschemas', options.maxSubschemas, 10_000);
    this.#formats = options.formats ?? true;
    this.#allErrors = options.allErrors ?? true;
    this.#maxErrors = positiveInteger('maxErrors', options.maxErrors, DEFAULT_MAX_ISSUES);
    this.#allErrorsMaxValues = positiveInteger('allErrorsMaxValues', options.allErrorsMaxValues, DEFAULT_ALL_ERRORS_MAX_VALUES);
  }

  /**
   * Compiles a JSON Schema once; the returned validator is meant to be reused on every call.
   * @param schema - A JSON Schema object; left untouched.
   * @returns A synchronous validator. It reports invalid input in its result and never throws for it.
   * @throws VeloError `VELO_INVALID_SCHEMA` for a non-object schema, an unsupported `$schema` dialect, a
   *   schema beyond `maxDepth` / `maxSubschemas`, a non-JSON or cyclic schema, a `$ref` that does not
   *   resolve within the schema (network refs included), or a schema ajv rejects (meta-schema violations,
   *   invalid `pattern`s...).
   */
  compile<T = unknown>(schema: JsonSchema): SyncValidate<T> {
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
      throw new VeloError('VELO_INVALID_SCHEMA', 'Invalid JSON Schema: a schema must be a JSON object');
    }
    const dialect = detectDialect(schema['$schema']);
    const engine = this.#engine(dialect);
    const copy = prepareSchema(schema, {
      dialect,
      maxDepth: this.#maxDepth,
      maxSubschemas: this.#maxSubschemas,
      knownDocuments: engine.knownDocuments,
    });
    const check = compileIn(engine, copy);
    if (!this.#allErrors) return ajvValidator<T>(check, undefined, this.#maxErrors, 0);
    // The collecting validator is compiled on the first failure only: most schemas never see one.
    let all: ValidateFunction | undefined;
    const collecting = (): ValidateFunction => (all ??= compileIn(this.#engine(dialect, true), copy));
    return ajvValidator<T>(check, collecting, this.#maxErrors, this.#allErrorsMaxValues);
  }

  #engine(dialect: Dialect, allErrors = false): Engine {
    const engines = allErrors ? this.#allErrorsEngines : this.#engines;
    const existing = engines[dialect];
    if (existing !== undefined) return existing;
    const options: AjvOptions = {
      strict: false, // unknown keywords (x-mcp-header, $comment-like annotations) must not break compilation
      allErrors,
      // ajv registers each compiled schema under its $id (and throws when a second tool reuses one);
      // `forget` unregisters it right after compiling. `addUsedSchema: false` is not an option: with it,
      // `"$ref": "#"` in a schema without `$id` fails to resolve.
      ownProperties: true,
      validateFormats: this.#formats,
      logger: false, // unknown formats are annotations: ignore them silently
    };
    const ajv = dialect === '2020-12' ? new Ajv2020(options) : new Ajv(options);
    if (this.#formats) ajvFormats.default(ajv);
    // ajv's deep equality throws on JSON objects with a `valueOf` / `toString` key: see json-equality.ts
    for (const keyword of jsonEqualityKeywords) ajv.removeKeyword(keyword.keyword as string).addKeyword(keyword);
    // compile the meta-schema now, so that whatever it registers counts as built in (see `forget`)
    ajv.validateSchema({});
    const engine: Engine = {
      ajv,
      knownDocuments: new Set([...Object.keys(ajv.refs), ...Object.keys(ajv.schemas)]),
    };
    engines[dialect] = engine;
    return engine;
  }
}

/**
 * Compiles a prepared copy in one engine and forgets it there at once (see {@link forget}).
 * @throws VeloError `VELO_INVALID_SCHEMA` when ajv rejects the schema.
 */
function compileIn(engine: Engine, copy: JsonSchema): ValidateFunction {
  try {
    return engine.ajv.compile(copy);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new VeloError('VELO_INVALID_SCHEMA', `Invalid JSON Schema: ${message}`, { cause: error });
  } finally {
    forget(engine, copy);
  }
}

/** True when `input` holds at most `max` JSON values (objects, arrays and scalars), counted with an early exit. */
function withinValues(input: unknown, max: number): boolean {
  const stack: unknown[] = [input];
  let count = 0;
  while (stack.length > 0) {
    const value = stack.pop();
    if (++count > max) return false;
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) for (const item of value) stack.push(item);
    else for (const key in value) if (Object.hasOwn(value, key)) stack.push((value as Record<string, unknown>)[key]);
  }
  return true;
}

/**
 * Drops what compiling `copy` left in the shared ajv instance: its cache entry (keyed by the copy, so
 * otherwise kept forever), its registration under its `$id` (a later schema may reuse the `$id`), and the
 * `$id`s of embedded resources (they would leak into later compilations).
 */
function forget(engine: Engine, copy: JsonSchema): void {
  // safe: prepareSchema rejects schemas whose $id is a meta-schema URI, the only entries removeSchema could hit
  engine.ajv.removeSchema(copy);
  const { refs, schemas } = engine.ajv;
  for (const key of Object.keys(refs)) if (!engine.knownDocuments.has(key)) delete refs[key];
  for (const key of Object.keys(schemas)) if (!engine.knownDocuments.has(key)) delete schemas[key];
}

/** The failure result for `errors`, capped at `maxErrors` issues. */
function failure<T>(errors: readonly ErrorObject[], maxErrors: number): ValidationResult<T> {
  const issues = toIssues(errors.slice(0, maxErrors));
  const result: ValidationResult<T> = { valid: false, issues, message: formatIssues(issues, '', errors.length) };
  if (errors.length > issues.length) result.omitted = errors.length - issues.length;
  return result;
}

/**
 * Wraps an ajv validate function; the success path allocates only the result object. On failure, when
 * `collecting` is given and the input holds at most `maxValues` JSON values, the input is checked again
 * by the collecting validator so that every issue (up to `maxErrors`) is reported.
 */
function ajvValidator<T>(check: ValidateFunction, collecting: (() => ValidateFunction) | undefined, maxErrors: number, maxValues: number): SyncValidate<T> {
  return (input: unknown): ValidationResult<T> => {
    let ok: boolean;
    try {
      ok = check(input);
    } catch (error) {
      // a recursive schema walking pathologically nested input can exhaust the stack
      if (!(error instanceof RangeError)) throw error;
      const issues = [{ path: '', message: 'is nested too deeply to validate' }];
      return { valid: false, issues, message: formatIssues(issues) };
    }
    if (ok) return { valid: true, value: input as T };
    const first = check.errors ?? [];
    if (collecting === undefined || !withinValues(input, maxValues)) return failure(first, maxErrors);
    try {
      const all = collecting();
      return all(input) ? failure(first, maxErrors) : failure(all.errors ?? first, maxErrors);
    } catch {
      // the first pass already told what is wrong; a failure to collect more must not hide it
      return failure(first, maxErrors);
    }
  };
}

/**
 * Maps ajv errors to {@link ValidationIssue}s: `instancePath` is already a JSON Pointer; messages gain
 * the offending property name or the allowed values where ajv leaves them in `params`.
 */
export function toIssues(errors: readonly ErrorObject[]): ValidationIssue[] {
  const issues: ValidationIssue[] = new Array<ValidationIssue>(errors.length);
  for (let i = 0; i < errors.length; i++) {
    const error = errors[i]!;
    issues[i] = { path: error.instancePath, message: issueMessage(error) };
  }
  return issues;
}

function issueMessage(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return `must NOT have additional property '${String(params['additionalProperty'])}'`;
    case 'unevaluatedProperties':
      return `must NOT have unevaluated property '${String(params['unevaluatedProperty'])}'`;
    case 'enum':
      if (Array.isArray(params['allowedValues'])) {
        return `must be equal to one of the allowed values: ${preview(params['allowedValues'])}`;
      }
      break;
    case 'const':
      return `must be equal to constant ${preview([params['allowedValue']])}`;
  }
  return error.message ?? `must pass "${error.keyword}" keyword validation`;
}

/** Short JSON rendering of a few values (enum lists can be long; messages must stay one readable line). */
function preview(values: readonly unknown[]): string {
  const shown = values.slice(0, 10).map((value) => {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 40 ? `${text.slice(0, 37)}...` : text;
  });
  return values.length > shown.length ? `${shown.join(', ')}, ...` : shown.join(', ');
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new VeloError('VELO_INVALID_CONFIG', `AjvSchemaCompiler: ${name} must be a positive integer, got ${value}`);
  }
  return value;
}
