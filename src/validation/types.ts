/**
 * Shared shapes of the validation module. Tools declare `inputSchema` / `outputSchema` as JSON Schema
 * (MCP 2025-11-25 SEP-1613, 2026-07-28 SEP-2106, "JSON Schema Usage" in basic/index.mdx) or as a
 * Standard Schema (https://standardschema.dev); both end up as a {@link CompiledSchema}.
 */

/** One reason a value failed validation. */
export interface ValidationIssue {
  /** JSON Pointer (RFC 6901) of the failing value inside the validated input; `''` for the root. */
  path: string;
  /** Human-readable reason, e.g. `must be >= 0`. */
  message: string;
}

/**
 * Outcome of validating one value. A failure carries every issue the validator reported plus a
 * one-line summary, so callers can answer a tool call without formatting anything themselves.
 */
export type ValidationResult<T = unknown> =
  | { valid: true; value: T }
  | {
      valid: false;
      issues: ValidationIssue[];
      /** One line summarising the issues, e.g. `arguments/age: must be >= 0`. */
      message: string;
      /** Issues found beyond the validator's cap and left out of `issues` (counted in `message`). */
      omitted?: number;
    };

/**
 * A compiled validator: synchronous for JSON Schema (ajv); may return a Promise for async Standard
 * Schemas. It reports invalid input through the result and does not throw for it.
 */
export type Validate<T = unknown> = (input: unknown) => ValidationResult<T> | Promise<ValidationResult<T>>;

/** A validator that never returns a Promise (what {@link SchemaCompiler}s built on ajv produce). */
export type SyncValidate<T = unknown> = (input: unknown) => ValidationResult<T>;

/** A JSON Schema object, kept as an opaque JSON object (it is advertised verbatim in tools/list). */
export type JsonSchema = { [key: string]: unknown };

/**
 * The Standard Schema v1 interface (https://standardschema.dev), declared here so that no schema
 * library is needed at runtime. zod 4, valibot and arktype implement it.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The Standard Schema properties. */
  readonly '~standard': StandardSchemaV1.Props<Input, Output>;
}

/** Types belonging to {@link StandardSchemaV1}, as published by the Standard Schema spec. */
export declare namespace StandardSchemaV1 {
  /** The `~standard` property of a Standard Schema. */
  interface Props<Input = unknown, Output = Input> {
    /** Version of the standard; always 1. */
    readonly version: 1;
    /** Name of the schema library, e.g. `"zod"`. */
    readonly vendor: string;
    /** Validates an unknown value; may be asynchronous. */
    readonly validate: (value: unknown, options?: Options | undefined) => Result<Output> | Promise<Result<Output>>;
    /** Inferred types (type-level only). */
    readonly types?: Types<Input, Output> | undefined;
  }
  /** Outcome of `validate`. */
  type Result<Output> = SuccessResult<Output> | FailureResult;
  /** Success: the (possibly transformed) value and no issues. */
  interface SuccessResult<Output> {
    readonly value: Output;
    readonly issues?: undefined;
  }
  /** Failure: the presence of `issues` is what signals it. */
  interface FailureResult {
    readonly issues: ReadonlyArray<Issue>;
  }
  /** One validation issue. */
  interface Issue {
    readonly message: string;
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined;
  }
  /** A path segment given as an object. */
  interface PathSegment {
    readonly key: PropertyKey;
  }
  /** Vendor-specific options of `validate`. */
  interface Options {
    readonly libraryOptions?: Record<string, unknown> | undefined;
  }
  /** Input and output types of a schema. */
  interface Types<Input = unknown, Output = Input> {
    readonly input: Input;
    readonly output: Output;
  }
  /** The input type of a Standard Schema. */
  type InferInput<Schema extends StandardSchemaV1> = NonNullable<Schema['~standard']['types']>['input'];
  /** The output type of a Standard Schema. */
  type InferOutput<Schema extends StandardSchemaV1> = NonNullable<Schema['~standard']['types']>['output'];
}

/**
 * The Standard JSON Schema v1 extension (https://standardschema.dev/json-schema): a `~standard.jsonSchema`
 * converter. zod >= 4.2 implements it; it is how a JSON Schema for tools/list is derived from a Standard Schema.
 */
export interface StandardJSONSchemaV1<Input = unknown, Output = Input> {
  /** The Standard JSON Schema properties. */
  readonly '~standard': StandardJSONSchemaV1.Props<Input, Output>;
}

/** Types belonging to {@link StandardJSONSchemaV1}. */
export declare namespace StandardJSONSchemaV1 {
  /** The `~standard` property of a schema offering JSON Schema conversion. */
  interface Props<Input = unknown, Output = Input> {
    readonly version: 1;
    readonly vendor: string;
    readonly types?: StandardSchemaV1.Types<Input, Output> | undefined;
    /** Converters to JSON Schema; each may throw if the schema cannot be represented. */
    readonly jsonSchema: Converter;
  }
  /** JSON Schema converters for the input and output types. */
  interface Converter {
    readonly input: (options: Options) => Record<string, unknown>;
    readonly output: (options: Options) => Record<string, unknown>;
  }
  /** Target dialect; libraries throw for targets they do not support. */
  type Target = 'draft-2020-12' | 'draft-07' | 'openapi-3.0' | ({} & string);
  /** Options of the converters. */
  interface Options {
    readonly target: Target;
    readonly libraryOptions?: Record<string, unknown> | undefined;
  }
}

/**
 * A schema ready for use: compiled once at registration, reused on every call.
 * Produced by `compileSchema`.
 */
export interface CompiledSchema<T = unknown> {
  /** The exact object to advertise (tools/list), verbatim: the caller's object is never mutated or copied. */
  readonly jsonSchema: JsonSchema;
  /** Validates one value against the schema. */
  readonly validate: Validate<T>;
  /** True when `validate` never returns a Promise, so the hot path can skip `await`. */
  readonly sync: boolean;
}

/**
 * Pluggable JSON Schema compiler, so users can swap ajv for another validator.
 * `compile` runs once per schema at registration time, never per call.
 */
export interface SchemaCompiler {
  /**
   * Compiles a JSON Schema into a reusable validator. Must not mutate `schema` and must not fetch
   * anything over the network.
   * @throws VeloError `VELO_INVALID_SCHEMA` for invalid schemas, unresolved `$ref`s, schemas beyond
   *   the depth / subschema bounds, and unsupported dialects (SEP-2106).
   */
  compile<T = unknown>(schema: JsonSchema): Validate<T>;
  /**
   * Set to true when every validator `compile` returns is synchronous. When absent, callers must
   * assume a validator may return a Promise.
   */
  readonly sync?: boolean;
}
