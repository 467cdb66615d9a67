import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { VeloError } from '../../src/jsonrpc/errors.js';
import {
  AjvSchemaCompiler,
  compileSchema,
  defaultSchemaCompiler,
  DEFAULT_MAX_ISSUES,
  formatIssues,
  type JsonSchema,
  type SchemaCompiler,
  type Validate,
  type ValidationResult,
} from '../../src/validation/index.js';

describe('compileSchema with JSON Schema', () => {
  test('advertises the very object passed in and validates synchronously', () => {
    const schema: JsonSchema = { type: 'object', properties: { age: { type: 'integer', minimum: 0 } }, 'x-mcp-header': 'A' };
    const text = JSON.stringify(schema);
    const compiled = compileSchema(schema);
    assert.equal(compiled.jsonSchema, schema);
    assert.equal(compiled.sync, true);
    const result = compiled.validate({ age: -1 });
    assert.ok(!(result instanceof Promise));
    assert.equal(result.valid, false);
    assert.equal(JSON.stringify(compiled.jsonSchema), text);
  });

  test('label prefixes the summary, not the issue paths', () => {
    const compiled = compileSchema({ type: 'object', properties: { age: { type: 'integer', minimum: 0 } } }, { label: 'arguments' });
    const result = compiled.validate({ age: -1 }) as ValidationResult;
    assert.deepEqual(result, {
      valid: false,
      issues: [{ path: '/age', message: 'must be >= 0' }],
      message: 'arguments/age: must be >= 0',
    });
    const root = compiled.validate('nope') as ValidationResult;
    assert.equal(root.valid ? '' : root.message, 'arguments: must be object');
    assert.deepEqual(compiled.validate({ age: 1 }), { valid: true, value: { age: 1 } });
  });

  test('uses a custom compiler and trusts its sync flag', () => {
    const seen: JsonSchema[] = [];
    const custom: SchemaCompiler = {
      compile<T>(schema: JsonSchema): Validate<T> {
        seen.push(schema);
        return (input) => Promise.resolve({ valid: true as const, value: input as T });
      },
    };
    const schema = { type: 'string' };
    const compiled = compileSchema(schema, { compiler: custom });
    assert.deepEqual(seen, [schema]);
    assert.equal(compiled.sync, false); // no `sync: true` declared, so callers must await
    assert.ok(compiled.validate('x') instanceof Promise);
  });

  test('schema errors surface as VELO_INVALID_SCHEMA', () => {
    assert.throws(() => compileSchema({ $ref: 'https://example.com/s.json' }), { code: 'VELO_INVALID_SCHEMA' });
    assert.throws(() => compileSchema(42 as unknown as JsonSchema), { code: 'VELO_INVALID_SCHEMA' });
  });

  test('a jsonSchema option next to a JSON Schema is rejected as ambiguous', () => {
    assert.throws(
      () => compileSchema({ type: 'string' }, { jsonSchema: { type: 'number' } }),
      (error: unknown) => error instanceof VeloError && /only applies to Standard Schemas/.test(error.message),
    );
  });

  test('defaultSchemaCompiler is created once and shared', () => {
    assert.ok(defaultSchemaCompiler() instanceof AjvSchemaCompiler);
    assert.equal(defaultSchemaCompiler(), defaultSchemaCompiler());
  });
});

describe('formatIssues', () => {
  test('joins up to DEFAULT_MAX_ISSUES issues and counts the rest, including ones cut off before', () => {
    const issues = [1, 2, 3, 4, 5].map((i) => ({ path: `/p${i}`, message: `bad ${i}` }));
    assert.equal(formatIssues(issues), '/p1: bad 1; /p2: bad 2; /p3: bad 3; /p4: bad 4; /p5: bad 5');
    assert.equal(formatIssues(issues, '', 9), '/p1: bad 1; /p2: bad 2; /p3: bad 3; /p4: bad 4; /p5: bad 5 (and 4 more)');
    const many = Array.from({ length: DEFAULT_MAX_ISSUES + 3 }, (_, i) => ({ path: `/p${i}`, message: 'bad' }));
    assert.match(formatIssues(many), new RegExp(`/p${DEFAULT_MAX_ISSUES - 1}: bad \\(and 3 more\\)$`));
    assert.equal(formatIssues(issues.slice(0, 1), 'structuredContent'), 'structuredContent/p1: bad 1');
    assert.equal(formatIssues([{ path: '', message: 'must be object' }]), 'must be object');
    assert.equal(formatIssues([]), 'invalid value');
  });
});

describe('validators never throw on arbitrary JSON input', () => {
  const schemas: JsonSchema[] = [
    {
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 1, pattern: '^[a-z]+$' },
        email: { type: 'string', format: 'email' },
        at: { type: 'string', format: 'date-time' },
        n: { type: 'number', multipleOf: 0.5, exclusiveMaximum: 100 },
      },
      required: ['name'],
      additionalProperties: false,
    },
    {
      $defs: { node: { anyOf: [{ type: 'null' }, { type: 'array', items: { $ref: '#/$defs/node' } }, { type: 'object', additionalProperties: { $ref: '#/$defs/node' } }] } },
      $ref: '#/$defs/node',
    },
    {
      type: 'array',
      prefixItems: [{ type: 'string' }, { enum: [1, 'a', null, { x: [1] }] }],
      contains: { type: 'boolean' },
      uniqueItems: true,
      unevaluatedItems: { type: 'number' },
    },
    {
      if: { type: 'object', required: ['kind'] },
      then: { properties: { kind: { const: 'a' } }, dependentRequired: { kind: ['value'] } },
      else: { not: { type: ['string', 'integer'] } },
      propertyNames: { maxLength: 5 },
      unevaluatedProperties: false,
    },
    { $schema: 'http://json-schema.org/draft-07/schema#', type: 'array', items: [{ type: 'object' }], additionalItems: { type: 'string' }, uniqueItems: true },
  ];
  const compilers = [new AjvSchemaCompiler(), new AjvSchemaCompiler({ allErrors: true })];

  test('every result is a well-formed ValidationResult', () => {
    const validators = compilers.flatMap((compiler) => schemas.map((schema) => compileSchema(schema, { compiler })));
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        for (const { validate } of validators) {
          const result = validate(value);
          assert.ok(!(result instanceof Promise));
          if (result.valid) {
            assert.equal(result.value, value);
          } else {
            assert.ok(result.issues.length > 0);
            assert.equal(typeof result.message, 'string');
            for (const issue of result.issues) {
              assert.equal(typeof issue.message, 'string');
              assert.ok(issue.path === '' || issue.path.startsWith('/'));
            }
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
