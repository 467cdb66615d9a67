/**
 * Schema validation for tool `inputSchema` / `outputSchema` (MCP 2025-11-25 SEP-1613, 2026-07-28 SEP-2106,
 * "JSON Schema Usage" in basic/index.mdx). Schemas are compiled once at registration with
 * {@link compileSchema}; the compiled validator is then reused on every call.
 */
import { VeloError } from '../jsonrpc/errors.js';
import { AjvSchemaCompiler } from './ajv.js';
import { formatIssues, isPlainObject, isPromiseLike } from './issues.js';
import { isStandardSchema, standardJsonSchema, standardSchemaValidator } from './standard-schema.js';
import type {
  CompiledSchema,
  JsonSchema,
  SchemaCompiler,
  StandardSchemaV1,
  Validate,
  ValidationResult,
} from './types.js';

export type {
  CompiledSchema,
  JsonSchema,
  SchemaCompiler,
  StandardJSONSchemaV1,
  StandardSchemaV1,
  SyncValidate,
  Validate,
  ValidationIssue,
  ValidationResult,
} from './types.js';
export { AjvSchemaCompiler, DEFAULT_ALL_ERRORS_MAX_VALUES, type AjvSchemaCompilerOptions } from './ajv.js';
export {
  hasStandardJsonSchema,
  isStandardSchema,
  issuePathToPointer,
  standardJsonSchema,
  standardSchemaValidator,
} from './standard-schema.js';
export { DEFAULT_MAX_ISSUES, formatIssues } from './issues.js';

/** Options of {@link compileSchema}. */
export interface CompileSchemaOptions {
  /** Compiler for JSON Schemas; defaults to the shared {@link defaultSchemaCompiler}. */
  compiler?: SchemaCompiler;
  /**
   * For Standard Schemas only: the JSON Schema to advertise. Takes precedence over the schema's own
   * `~standard.jsonSchema` conversion, and is required when the schema has none.
   */
  jsonSchema?: JsonSchema;
  /**
   * For Standard Schemas only: which side to derive the JSON Schema from when `jsonSchema` is absent.
   * `input` (default) suits `inputSchema`; `output` suits an `outputSchema` whose validated (transformed)
   * value is what gets sent.
   */
  io?: 'input' | 'output';
  /**
   * Names the validated value in failure summaries: `arguments` turns `/age: must be >= 0` into
   * `arguments/age: must be >= 0`. Issue paths stay plain JSON Pointers.
   */
  label?: string;
}

/**
 * Compiles a tool schema once, at registration; the single entry point the server uses.
 *
 * - JSON Schema: compiled by `options.compiler` (ajv by default); `jsonSchema` is the very object passed in.
 *   A plain object with a string `$schema` counts as JSON Schema even if it also carries a hidden
 *   `~standard` (zod's `z.toJSONSchema()` output does), so what was passed is what is advertised.
 * - Standard Schema (zod 4, valibot, arktype...): validated by the schema itself; `jsonSchema` is
 *   `options.jsonSchema` or else `~standard.jsonSchema.input({ target: 'draft-2020-12' })` (`.output` with
 *   `io: 'output'`). Such validators
 *   may return a Promise, so `sync` is false.
 *
 * @returns The schema to advertise, its validator and whether the validator is synchronous.
 * @throws VeloError `VELO_INVALID_SCHEMA` when the JSON Schema is rejected by the compiler (invalid,
 *   unresolved or network `$ref`, too deep, unsupported dialect), when a Standard Schema has no JSON Schema
 *   available, when `input` is neither kind, or when `jsonSchema` is given alongside a JSON Schema.
 */
export function compileSchema<S extends StandardSchemaV1>(
  input: S,
  options?: CompileSchemaOptions,
): CompiledSchema<StandardSchemaV1.InferOutput<S>>;
export function compileSchema<T = unknown>(input: JsonSchema, options?: CompileSchemaOptions): CompiledSchema<T>;
export function compileSchema(
  input: JsonSchema | StandardSchemaV1,
  options: CompileSchemaOptions = {},
): CompiledSchema {
  let compiled: CompiledSchema;
  if (isStandardSchema(input) && !(isPlainObject(input) && typeof input['$schema'] === 'string')) {
    const jsonSchema = options.jsonSchema ?? standardJsonSchema(input, options.io);
    if (!isPlainObject(jsonSchema)) {
      throw new VeloError('VELO_INVALID_SCHEMA', 'The jsonSchema option must be a JSON Schema object');
    }
    compiled = { jsonSchema, validate: standardSchemaValidator(input), sync: false };
  } else {
    if (!isPlainObject(input)) {
      throw new VeloError(
        'VELO_INVALID_SCHEMA',
        'A tool schema must be a JSON Schema object or a Standard Schema (an object with a "~standard" property)',
      );
    }
    if (options.jsonSchema !== undefined && options.jsonSchema !== input) {
      throw new VeloError(
        'VELO_INVALID_SCHEMA',
        'The jsonSchema option only applies to Standard Schemas: a JSON Schema is advertised as given',
      );
    }
    const compiler = options.compiler ?? defaultSchemaCompiler();
    compiled = { jsonSchema: input, validate: compiler.compile(input), sync: compiler.sync === true };
  }
  const label = options.label ?? '';
  return label === '' ? compiled : { ...compiled, validate: labelled(compiled.validate, label) };
}

/** Re-summarises failures with a label; only the failure path does extra work. */
function labelled<T>(validate: Validate<T>, label: string): Validate<T> {
  const relabel = (result: ValidationResult<T>): ValidationResult<T> =>
    result.valid
      ? result
      : { ...result, message: formatIssues(result.issues, label, result.issues.length + (result.omitted ?? 0)) };
  return (input) => {
    const result = validate(input);
    return isPromiseLike<ValidationResult<T>>(result) ? Promise.resolve(result).then(relabel) : relabel(result);
  };
}

let sharedCompiler: AjvSchemaCompiler | undefined;

/**
 * The process-wide {@link AjvSchemaCompiler} with default options, created on first use so that
 * importing this module costs nothing until a schema is compiled.
 */
export function defaultSchemaCompiler(): AjvSchemaCompiler {
  sharedCompiler ??= new AjvSchemaCompiler();
  return sharedCompiler;
}
