import { VeloError } from '../jsonrpc/errors.js';
import { DEFAULT_MAX_ISSUES, escapePointerToken, formatIssues, isPlainObject, isPromiseLike } from './issues.js';
import type {
  JsonSchema,
  StandardJSONSchemaV1,
  StandardSchemaV1,
  Validate,
  ValidationIssue,
  ValidationResult,
} from './types.js';

/**
 * True when `value` implements Standard Schema v1 (https://standardschema.dev): an object or function
 * with `~standard: { version: 1, vendor, validate }`. Functions count because some libraries (arktype)
 * make schemas callable.
 */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const props = (value as { '~standard'?: unknown })['~standard'];
  return (
    typeof props === 'object' &&
    props !== null &&
    (props as { version?: unknown }).version === 1 &&
    typeof (props as { validate?: unknown }).validate === 'function'
  );
}

/**
 * True when a Standard Schema also offers the Standard JSON Schema extension (`~standard.jsonSchema`
 * with `input` / `output` converters), as zod >= 4.2 does.
 */
export function hasStandardJsonSchema<S extends StandardSchemaV1>(schema: S): schema is S & StandardJSONSchemaV1 {
  const converter = (schema['~standard'] as { jsonSchema?: unknown }).jsonSchema;
  return (
    typeof converter === 'object' &&
    converter !== null &&
    typeof (converter as { input?: unknown }).input === 'function'
  );
}

/**
 * The JSON Schema of a Standard Schema, for tools/list: `~standard.jsonSchema.input` (or `.output`) with
 * target `draft-2020-12` (the MCP default dialect).
 * @param io - `input` (default) describes what the schema accepts: right for `inputSchema`, which clients
 *   fill in. `output` describes what it produces after transforms and defaults: right for an `outputSchema`
 *   when the server sends the validated value.
 * @throws VeloError `VELO_INVALID_SCHEMA` when the schema has no converter, the converter throws (the
 *   type is not representable, e.g. a zod `z.date()`), or it returns something other than a JSON object.
 *   The remedy in each case is to pass a JSON Schema explicitly.
 */
export function standardJsonSchema(schema: StandardSchemaV1, io: 'input' | 'output' = 'input'): JsonSchema {
  const vendor = String(schema['~standard'].vendor);
  if (!hasStandardJsonSchema(schema)) {
    throw new VeloError(
      'VELO_INVALID_SCHEMA',
      `A Standard Schema from "${vendor}" does not expose a JSON Schema (~standard.jsonSchema, Standard JSON ` +
        `Schema v1), and MCP needs one to advertise the tool: pass it explicitly (the jsonSchema option).`,
    );
  }
  let jsonSchema: unknown;
  try {
    jsonSchema = schema['~standard'].jsonSchema[io]({ target: 'draft-2020-12' });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new VeloError(
      'VELO_INVALID_SCHEMA',
      `Could not convert a Standard Schema from "${vendor}" to JSON Schema 2020-12 (${reason}): pass a JSON ` +
        `Schema explicitly (the jsonSchema option).`,
      { cause: error },
    );
  }
  if (!isPlainObject(jsonSchema)) {
    throw new VeloError(
      'VELO_INVALID_SCHEMA',
      `The JSON Schema converter of a Standard Schema from "${vendor}" did not return a JSON object.`,
    );
  }
  return jsonSchema;
}

/**
 * Adapts a Standard Schema to a {@link Validate}. The result is the schema's own output value (a library
 * may transform it), and issue paths become JSON Pointers. The validator returns a Promise exactly when
 * the schema's `validate` does (e.g. zod with an async refinement).
 *
 * Exceptions thrown by the schema (a bug in a refinement, say) propagate: they are not the caller's fault,
 * so they must not be reported as invalid input.
 */
export function standardSchemaValidator<Output>(schema: StandardSchemaV1<unknown, Output>): Validate<Output> {
  const props = schema['~standard'];
  return (input: unknown) => {
    const result = props.validate(input);
    return isPromiseLike<StandardSchemaV1.Result<Output>>(result)
      ? Promise.resolve(result).then(fromStandardResult)
      : fromStandardResult(result);
  };
}

function fromStandardResult<Output>(result: StandardSchemaV1.Result<Output>): ValidationResult<Output> {
  if (result.issues === undefined) return { valid: true, value: result.value };
  const all = result.issues;
  const issues: ValidationIssue[] = all.slice(0, DEFAULT_MAX_ISSUES).map((issue) => ({
    path: issuePathToPointer(issue.path),
    message: issue.message,
  }));
  const failed: ValidationResult<Output> = { valid: false, issues, message: formatIssues(issues, '', all.length) };
  if (all.length > issues.length) failed.omitted = all.length - issues.length;
  return failed;
}

/**
 * Converts a Standard Schema issue path (keys or `{ key }` segments) to a JSON Pointer; `''` for the root.
 */
export function issuePathToPointer(path: StandardSchemaV1.Issue['path']): string {
  if (path === undefined) return '';
  let pointer = '';
  for (const segment of path) {
    const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
    const token = typeof key === 'symbol' ? (key.description ?? '') : String(key);
    pointer += `/${escapePointerToken(token)}`;
  }
  return pointer;
}
