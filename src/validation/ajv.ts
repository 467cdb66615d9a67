import { Ajv, type ErrorObject, type Options as AjvOptions, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { VeloError } from '../jsonrpc/errors.js';
import { formatIssues } from './issues.js';
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
  /** Report every issue instead of stopping at the first. Default false (cheaper on invalid input). */
  allErrors?: boolean;
}

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
  readonly #engines: { [D in Dialect]?: Engine } = {};

  /**
   * @param options - Bounds and ajv behaviour; see {@link AjvSchemaCompilerOptions}.
   * @throws VeloError `VELO_INVALID_CONFIG` when a bound is not a positive integer.
   */
  constructor(options: AjvSchemaCompilerOptions = {}) {
    this.#maxDepth = positiveInteger('maxDepth', options.maxDepth, 64);
    this.#maxSubschemas = positiveInteger('maxSubschemas', options.maxSubschemas, 10_000);
    this.#formats = options.formats ?? true;
    this.#allErrors = options.allErrors ?? false;
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
    const { ajv } = engine;
    let check: ValidateFunction;
    try {
      check = ajv.compile(copy);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new VeloError('VELO_INVALID_SCHEMA', `Invalid JSON Schema: ${message}`, { cause: error });
    } finally {
      forget(engine, copy);
    }
    return ajvValidator<T>(check);
  }

  #engine(dialect: Dialect): Engine {
    const existing = this.#engines[dialect];
    if (existing !== undefined) return existing;
    const options: AjvOptions = {
      strict: false, // unknown keywords (x-mcp-header, $comment-like annotations) must not break compilation
      allErrors: this.#allErrors,
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
    this.#engines[dialect] = engine;
    return engine;
  }
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

/** Wraps an ajv validate function; the success path allocates only the result object. */
function ajvValidator<T>(check: ValidateFunction): SyncValidate<T> {
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
    const issues = toIssues(check.errors ?? []);
    return { valid: false, issues, message: formatIssues(issues) };
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
