import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { VeloError } from '../../src/jsonrpc/errors.js';
import { compileSchema } from '../../src/validation/index.js';
import {
  hasStandardJsonSchema,
  isStandardSchema,
  issuePathToPointer,
  standardJsonSchema,
  standardSchemaValidator,
} from '../../src/validation/standard-schema.js';
import type { StandardSchemaV1, ValidationResult } from '../../src/validation/types.js';

function isVeloSchemaError(pattern: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof VeloError, `expected a VeloError, got ${String(error)}`);
    assert.equal(error.code, 'VELO_INVALID_SCHEMA');
    assert.match(error.message, pattern);
    return true;
  };
}

/** A minimal hand-written Standard Schema without the JSON Schema extension. */
const bareSchema: StandardSchemaV1<unknown, string> = {
  '~standard': {
    version: 1,
    vendor: 'hand-rolled',
    validate: (value) =>
      typeof value === 'string' ? { value } : { issues: [{ message: 'must be a string', path: [{ key: 'x' }, 0] }] },
  },
};

describe('isStandardSchema', () => {
  test('recognises zod schemas and hand-written ones', () => {
    assert.equal(isStandardSchema(z.string()), true);
    assert.equal(isStandardSchema(bareSchema), true);
  });

  test('recognises callable schemas (functions with ~standard)', () => {
    const callable = Object.assign(() => undefined, { '~standard': bareSchema['~standard'] });
    assert.equal(isStandardSchema(callable), true);
  });

  test('rejects JSON Schemas, primitives and malformed ~standard values', () => {
    for (const value of [{ type: 'object' }, null, undefined, 'x', 1, { '~standard': {} }, { '~standard': { version: 2, validate() {} } }]) {
      assert.equal(isStandardSchema(value), false);
    }
  });
});

describe('zod 4 through Standard Schema', () => {
  const user = z.object({
    name: z.string().min(1),
    age: z.number().int().min(0).optional(),
    tags: z.array(z.string()).default([]),
  });

  test('the JSON Schema is derived from ~standard.jsonSchema.input as 2020-12', () => {
    assert.equal(hasStandardJsonSchema(user), true);
    const compiled = compileSchema(user);
    assert.equal(compiled.jsonSchema['$schema'], 'https://json-schema.org/draft/2020-12/schema');
    assert.equal(compiled.jsonSchema['type'], 'object');
    assert.deepEqual(compiled.jsonSchema['required'], ['name']); // input side: defaulted `tags` is optional
    assert.deepEqual(Object.keys(compiled.jsonSchema['properties'] as object), ['name', 'age', 'tags']);
  });

  test('sync validation returns zod\'s output value (defaults applied)', () => {
    const compiled = compileSchema(user);
    assert.equal(compiled.sync, false); // a Standard Schema may be async, so callers must be ready for it
    const result = compiled.validate({ name: 'Ada' }) as ValidationResult<z.output<typeof user>>;
    assert.ok(!(result instanceof Promise));
    assert.deepEqual(result, { valid: true, value: { name: 'Ada', tags: [] } });
  });

  test('zod issues become JSON Pointer paths and a summary line', () => {
    const result = compileSchema(user).validate({ name: '', age: -1, tags: ['ok', 3] }) as ValidationResult;
    assert.equal(result.valid, false);
    if (result.valid) return;
    assert.deepEqual(
      result.issues.map((issue) => issue.path),
      ['/name', '/age', '/tags/1'],
    );
    assert.match(result.message, /^\/name: .+; \/age: .+; \/tags\/1: .+$/);
  });

  test('an async refinement makes validate return a Promise', async () => {
    const lookup = z.object({ id: z.string() }).refine(async (value) => value.id === 'known', { message: 'unknown id', path: ['id'] });
    const compiled = compileSchema(lookup);
    const pending = compiled.validate({ id: 'other' });
    assert.ok(pending instanceof Promise);
    assert.deepEqual(await pending, { valid: false, issues: [{ path: '/id', message: 'unknown id' }], message: '/id: unknown id' });
    assert.deepEqual(await compiled.validate({ id: 'known' }), { valid: true, value: { id: 'known' } });
  });

  test('io: "output" derives the schema of the parsed value', () => {
    const compiled = compileSchema(user, { io: 'output' });
    assert.deepEqual(compiled.jsonSchema['required'], ['name', 'tags']); // the default makes tags always present
    assert.equal(compiled.jsonSchema['additionalProperties'], false); // zod strips unknown keys from its output
  });

  test('an explicit jsonSchema wins over the derived one and is advertised as the same object', () => {
    const explicit = { type: 'object', properties: { name: { type: 'string', description: 'hand-written' } } };
    const compiled = compileSchema(user, { jsonSchema: explicit });
    assert.equal(compiled.jsonSchema, explicit);
  });

  test('a zod type that JSON Schema cannot express needs an explicit jsonSchema', () => {
    const dated = z.object({ when: z.date() });
    assert.throws(() => compileSchema(dated), isVeloSchemaError(/Could not convert.*"zod".*jsonSchema option/));
    const fallback = { type: 'object', properties: { when: { type: 'string', format: 'date-time' } } };
    assert.equal(compileSchema(dated, { jsonSchema: fallback }).jsonSchema, fallback);
  });

  test('z.toJSONSchema() output is treated as JSON Schema and advertised verbatim', () => {
    // zod attaches a hidden ~standard to it; the object passed in must still be what tools/list shows
    const document = z.toJSONSchema(z.object({ a: z.string() }));
    assert.equal(isStandardSchema(document), true);
    const compiled = compileSchema(document);
    assert.equal(compiled.jsonSchema, document);
    assert.equal(compiled.sync, true);
    assert.equal((compiled.validate({ a: 1 }) as ValidationResult).valid, false);
  });
});

describe('Standard Schemas without JSON Schema', () => {
  test('compiling one without an explicit jsonSchema throws a clear VeloError', () => {
    assert.throws(() => compileSchema(bareSchema), isVeloSchemaError(/"hand-rolled" does not expose a JSON Schema.*jsonSchema option/));
    assert.throws(() => standardJsonSchema(bareSchema), VeloError);
  });

  test('with an explicit jsonSchema it compiles and validates through the schema', () => {
    const jsonSchema = { type: 'string' };
    const compiled = compileSchema(bareSchema, { jsonSchema });
    assert.equal(compiled.jsonSchema, jsonSchema);
    assert.deepEqual(compiled.validate('x'), { valid: true, value: 'x' });
    assert.deepEqual(compiled.validate(1), {
      valid: false,
      issues: [{ path: '/x/0', message: 'must be a string' }],
      message: '/x/0: must be a string',
    });
  });

  test('a converter returning a non-object is rejected', () => {
    const odd = {
      '~standard': { ...bareSchema['~standard'], jsonSchema: { input: () => 'nope', output: () => 'nope' } },
    } as unknown as StandardSchemaV1;
    assert.throws(() => compileSchema(odd), isVeloSchemaError(/did not return a JSON object/));
  });
});

describe('standardSchemaValidator', () => {
  test('exceptions from the schema propagate instead of becoming issues', async () => {
    const broken = z.string().refine(() => {
      throw new Error('bug in refinement');
    });
    const validate = standardSchemaValidator(broken);
    // zod turns a sync throw into a rejected Promise; either way it is not reported as invalid input
    await assert.rejects(async () => validate('x'), /bug in refinement/);
  });

  test('issuePathToPointer handles keys, segments, numbers, symbols and escaping', () => {
    assert.equal(issuePathToPointer(undefined), '');
    assert.equal(issuePathToPointer([]), '');
    assert.equal(issuePathToPointer(['a', 0, { key: 'b/c' }, { key: 1 }, Symbol('s'), 'x~y']), '/a/0/b~1c/1/s/x~0y');
  });
});
