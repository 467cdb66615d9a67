import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { VeloError } from '../../src/jsonrpc/errors.js';
import { AjvSchemaCompiler, DEFAULT_ALL_ERRORS_MAX_VALUES } from '../../src/validation/ajv.js';
import { DEFAULT_MAX_ISSUES } from '../../src/validation/issues.js';
import type { JsonSchema, SyncValidate, ValidationResult } from '../../src/validation/types.js';

const compiler = new AjvSchemaCompiler();

function ok(result: ValidationResult): void {
  assert.equal(result.valid, true, result.valid ? '' : result.message);
}

function fails(result: ValidationResult): { path: string; message: string }[] {
  assert.equal(result.valid, false, 'expected the value to be rejected');
  return result.valid ? [] : result.issues;
}

function rejectsSchema(schema: JsonSchema, pattern: RegExp, using = compiler): void {
  assert.throws(
    () => using.compile(schema),
    (error: unknown) => {
      assert.ok(error instanceof VeloError, `expected a VeloError, got ${String(error)}`);
      assert.equal(error.code, 'VELO_INVALID_SCHEMA');
      assert.match(error.message, pattern);
      return true;
    },
  );
}

describe('JSON Schema 2020-12 is the default dialect', () => {
  test('prefixItems validates tuple positions', () => {
    const validate = compiler.compile({ type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }], items: false });
    ok(validate(['a', 1]));
    assert.equal(fails(validate(['a', 'b']))[0]?.path, '/1');
    assert.equal(validate(['a', 1, true]).valid, false);
  });

  test('$ref resolves into $defs by JSON Pointer and by $anchor', () => {
    const validate = compiler.compile({
      type: 'object',
      properties: { home: { $ref: '#/$defs/address' }, work: { $ref: '#addr' } },
      $defs: { address: { $anchor: 'addr', type: 'object', required: ['city'], properties: { city: { type: 'string' } } } },
    });
    ok(validate({ home: { city: 'Oslo' }, work: { city: 'Rome' } }));
    const issues = fails(validate({ work: {} }));
    assert.equal(issues[0]?.path, '/work');
    assert.match(issues[0]?.message ?? '', /required property 'city'/);
  });

  test('recursive $ref to the root validates nested data', () => {
    const validate = compiler.compile({
      type: 'object',
      properties: { value: { type: 'number' }, children: { type: 'array', items: { $ref: '#' } } },
    });
    ok(validate({ value: 1, children: [{ value: 2, children: [{ value: 3 }] }] }));
    assert.equal(fails(validate({ children: [{ children: [{ value: 'x' }] }] }))[0]?.path, '/children/0/children/0/value');
  });

  test('if/then/else applies the branch selected by if', () => {
    const validate = compiler.compile({
      type: 'object',
      if: { properties: { kind: { const: 'card' } } },
      then: { required: ['number'] },
      else: { required: ['iban'] },
    });
    ok(validate({ kind: 'card', number: '4111' }));
    ok(validate({ kind: 'bank', iban: 'DE00' }));
    assert.equal(validate({ kind: 'card', iban: 'DE00' }).valid, false);
  });

  test('unevaluatedProperties sees properties evaluated by allOf', () => {
    const validate = compiler.compile({
      allOf: [{ properties: { a: { type: 'string' } } }],
      properties: { b: { type: 'number' } },
      unevaluatedProperties: false,
    });
    ok(validate({ a: 'x', b: 1 }));
    const issues = fails(validate({ a: 'x', c: true }));
    assert.match(issues[0]?.message ?? '', /unevaluated property 'c'/);
  });

  test('$dynamicRef resolves to a $dynamicAnchor', () => {
    const validate = compiler.compile({
      $dynamicAnchor: 'node',
      type: 'object',
      properties: { next: { $dynamicRef: '#node' } },
    });
    ok(validate({ next: { next: {} } }));
    assert.equal(validate({ next: { next: 1 } }).valid, false);
  });

  test('an explicit 2020-12 $schema (with or without "#") selects the same dialect', () => {
    for (const uri of ['https://json-schema.org/draft/2020-12/schema', 'https://json-schema.org/draft/2020-12/schema#']) {
      const validate = compiler.compile({ $schema: uri, prefixItems: [{ type: 'string' }] });
      assert.equal(validate([1]).valid, false);
    }
  });

  test('a bare http:// spelling of the 2020-12 URI is accepted', () => {
    const validate = compiler.compile({ $schema: 'http://json-schema.org/draft/2020-12/schema', type: 'string' });
    ok(validate('x'));
  });
});

describe('draft-07 via $schema', () => {
  test('array-form items and additionalItems follow draft-07 semantics', () => {
    const validate = compiler.compile({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'array',
      items: [{ type: 'string' }, { type: 'integer' }],
      additionalItems: false,
    });
    ok(validate(['a', 1]));
    assert.equal(validate(['a', 1, 2]).valid, false);
    assert.equal(fails(validate(['a', 'b']))[0]?.path, '/1');
  });

  test('definitions, $ref and "$id": "#name" anchors resolve', () => {
    const validate = compiler.compile({
      $schema: 'http://json-schema.org/draft-07/schema',
      properties: { a: { $ref: '#/definitions/positive' }, b: { $ref: '#pos' } },
      definitions: { positive: { $id: '#pos', type: 'number', exclusiveMinimum: 0 } },
    });
    ok(validate({ a: 1, b: 2 }));
    assert.equal(validate({ a: 0 }).valid, false);
    assert.equal(validate({ b: -1 }).valid, false);
  });

  test('draft-07 keeps 2020-12-only keywords as annotations', () => {
    // prefixItems means nothing in draft-07: it must not be enforced
    const validate = compiler.compile({ $schema: 'http://json-schema.org/draft-07/schema#', prefixItems: [{ type: 'string' }] });
    ok(validate([1]));
  });
});

describe('unsupported dialects', () => {
  for (const uri of [
    'http://json-schema.org/draft-04/schema#',
    'https://json-schema.org/draft/2019-09/schema',
    'https://example.com/my-dialect',
  ]) {
    test(`"${uri}" is rejected with a message naming the supported dialects`, () => {
      rejectsSchema({ $schema: uri, type: 'object' }, /Unsupported JSON Schema dialect.*2020-12.*draft-07/);
    });
  }

  test('a non-string $schema is rejected', () => {
    rejectsSchema({ $schema: 7 }, /\$schema/);
  });

  test('an embedded $schema of another dialect is rejected', () => {
    rejectsSchema(
      { type: 'object', properties: { a: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'string' } } },
      /mixing dialects/,
    );
  });
});

describe('unknown keywords and annotations', () => {
  test('x-mcp-header, $comment and vendor keywords do not break compilation', () => {
    const validate = compiler.compile({
      $comment: 'annotated',
      type: 'object',
      'x-vendor': { nested: [1, { deep: true }] },
      properties: {
        region: { type: 'string', 'x-mcp-header': 'Region', $comment: 'routed as a header' },
        mode: { type: 'string', format: 'velomcp-custom-format' },
      },
    });
    ok(validate({ region: 'eu', mode: 'anything' }));
    assert.equal(validate({ region: 1 }).valid, false);
  });
});

describe('schemas are never mutated', () => {
  test('compile and validate leave the schema deep-equal and byte-identical', () => {
    const schema: JsonSchema = {
      $id: 'https://example.com/tools/search',
      type: 'object',
      properties: {
        query: { type: 'string', minLength: 1, 'x-mcp-header': 'Query' },
        when: { type: 'string', format: 'date-time' },
        tags: { type: 'array', items: { $ref: '#/$defs/tag' }, default: [] },
      },
      required: ['query'],
      additionalProperties: false,
      $defs: { tag: { type: 'string', enum: ['a', 'b'] } },
    };
    const snapshot = structuredClone(schema);
    const text = JSON.stringify(schema);
    const validate = compiler.compile(schema);
    validate({ query: 'x', tags: ['a'] });
    validate({ tags: ['z'], extra: 1 });
    validate(null);
    assert.deepEqual(schema, snapshot);
    assert.equal(JSON.stringify(schema), text);
  });

  test('a frozen schema compiles (nothing writes to it)', () => {
    const deepFreeze = (value: unknown): void => {
      if (typeof value === 'object' && value !== null) {
        Object.freeze(value);
        for (const child of Object.values(value)) deepFreeze(child);
      }
    };
    const schema = { type: 'object', properties: { a: { type: 'integer', minimum: 0 } }, required: ['a'] };
    deepFreeze(schema);
    ok(compiler.compile(schema)({ a: 1 }));
  });

  test('later edits to the schema object do not change the compiled validator', () => {
    const schema: JsonSchema = { type: 'object', properties: { a: { type: 'string' } } };
    const validate = compiler.compile(schema);
    (schema['properties'] as { a: { type: string } }).a.type = 'number';
    ok(validate({ a: 'still a string' }));
  });
});

describe('$ref resolution never leaves the document', () => {
  function withNetworkTrap(run: () => void): string[] {
    const calls: string[] = [];
    const originalFetch = globalThis.fetch;
    const originals = [http.get, http.request, https.get, https.request] as const;
    const trap = (name: string) => (..._args: unknown[]): never => {
      calls.push(name);
      throw new Error(`network access: ${name}`);
    };
    globalThis.fetch = trap('fetch') as typeof fetch;
    http.get = trap('http.get') as typeof http.get;
    http.request = trap('http.request') as typeof http.request;
    https.get = trap('https.get') as typeof https.get;
    https.request = trap('https.request') as typeof https.request;
    try {
      run();
    } finally {
      globalThis.fetch = originalFetch;
      [http.get, http.request, https.get, https.request] = originals;
    }
    return calls;
  }

  test('a network $ref is rejected at compile time without any network access', () => {
    const calls = withNetworkTrap(() => {
      rejectsSchema(
        { type: 'object', properties: { a: { $ref: 'https://example.com/s.json' } } },
        /"https:\/\/example\.com\/s\.json".*remote.*must not fetch/,
      );
    });
    assert.deepEqual(calls, []);
  });

  test('a network $ref inside an unused $defs entry is rejected too', () => {
    rejectsSchema({ type: 'object', $defs: { unused: { $ref: 'https://example.com/s.json#/x' } } }, /remote/);
  });

  test('an unresolved JSON Pointer $ref is rejected, naming the reference and its location', () => {
    rejectsSchema(
      { type: 'object', properties: { a: { $ref: '#/$defs/missing' } } },
      /\$ref "#\/\$defs\/missing" at \/properties\/a is unresolved/,
    );
  });

  test('an unresolved $ref in an unused $defs entry is rejected (ajv alone would accept it)', () => {
    rejectsSchema({ type: 'object', $defs: { a: { $ref: '#/$defs/b' } } }, /unresolved/);
  });

  test('an unknown anchor and a relative document $ref are rejected', () => {
    rejectsSchema({ $ref: '#nowhere' }, /no anchor "nowhere"/);
    rejectsSchema({ $ref: 'other.json' }, /unresolved/);
    rejectsSchema({ $id: 'https://example.com/root.json', $ref: 'other.json' }, /remote/);
  });

  test('an unresolved $dynamicRef is rejected', () => {
    rejectsSchema({ properties: { a: { $dynamicRef: '#missing' } } }, /\$dynamicRef "#missing".*unresolved/);
  });

  test('refs to embedded resources resolve by their $id, without registering them globally', () => {
    const schema = {
      $id: 'https://example.com/order.json',
      type: 'object',
      properties: { item: { $ref: 'item.json' }, first: { $ref: 'item.json#/properties/sku' } },
      $defs: { item: { $id: 'item.json', type: 'object', properties: { sku: { type: 'string' } }, required: ['sku'] } },
    };
    const validate = compiler.compile(schema);
    ok(validate({ item: { sku: 'A1' }, first: 'B2' }));
    assert.equal(validate({ item: {} }).valid, false);
    // another schema cannot reach the first one's embedded resource
    rejectsSchema({ $ref: 'https://example.com/item.json' }, /remote/);
  });

  test('a $ref to the bundled meta-schema resolves locally', () => {
    const validate = compiler.compile({ $ref: 'https://json-schema.org/draft/2020-12/schema' });
    ok(validate({ type: 'string' }));
    assert.equal(validate({ type: 'no-such-type' }).valid, false);
  });

  test('refs inside non-schema values (enum, const, unknown keywords) are data, not references', () => {
    const validate = compiler.compile({
      'x-example': { $ref: 'https://example.com/never-fetched.json' },
      const: { $ref: '#/nowhere' },
    });
    ok(validate({ $ref: '#/nowhere' }));
  });

  test('an $id reusing a meta-schema URI is rejected', () => {
    rejectsSchema({ $id: 'https://json-schema.org/draft/2020-12/schema', type: 'string' }, /meta-schema/);
  });
});

describe('schemas sharing an $id', () => {
  test('two schemas with the same $id both compile and validate independently', () => {
    const a = compiler.compile({ $id: 'https://example.com/args.json', type: 'object', required: ['a'] });
    const b = compiler.compile({ $id: 'https://example.com/args.json', type: 'object', required: ['b'] });
    ok(a({ a: 1 }));
    ok(b({ b: 1 }));
    assert.equal(a({ b: 1 }).valid, false);
    assert.equal(b({ a: 1 }).valid, false);
  });

  test('the same embedded $id in two schemas does not collide', () => {
    const make = (type: string): SyncValidate =>
      compiler.compile({ $ref: 'https://example.com/shared.json', $defs: { s: { $id: 'https://example.com/shared.json', type } } });
    const s = make('string');
    const n = make('number');
    ok(s('x'));
    ok(n(1));
    assert.equal(s(1).valid, false);
    assert.equal(n('x').valid, false);
  });

  test('recompiling one schema object many times keeps working', () => {
    const schema = { $id: 'https://example.com/again.json', type: 'integer' };
    for (let i = 0; i < 50; i++) ok(compiler.compile(schema)(i));
  });
});

describe('bounds on depth and subschema count', () => {
  function nested(depth: number): JsonSchema {
    let schema: JsonSchema = { type: 'string' };
    for (let i = 1; i < depth; i++) schema = { type: 'object', properties: { a: schema } };
    return schema;
  }

  test('a schema at the depth limit compiles; one level deeper is rejected', () => {
    const small = new AjvSchemaCompiler({ maxDepth: 10 });
    ok(small.compile(nested(10))({}));
    rejectsSchema(nested(11), /nested deeper than the limit of 10/, small);
  });

  test('the default limit (64) rejects a 1000-level schema without overflowing the stack', () => {
    rejectsSchema(nested(1000), /limit of 64/);
  });

  test('deeply nested non-schema values are bounded too', () => {
    let value: unknown = 1;
    for (let i = 0; i < 100; i++) value = [value];
    rejectsSchema({ const: value }, /value is nested deeper than the limit of 64/);
  });

  test('too many subschemas are rejected', () => {
    const properties: Record<string, JsonSchema> = {};
    for (let i = 0; i < 20; i++) properties[`p${i}`] = { type: 'string' };
    const small = new AjvSchemaCompiler({ maxSubschemas: 10 });
    rejectsSchema({ type: 'object', properties }, /more than the limit of 10 subschemas/, small);
    ok(new AjvSchemaCompiler({ maxSubschemas: 21 }).compile({ type: 'object', properties })({}));
  });

  test('invalid bounds are a configuration error', () => {
    assert.throws(() => new AjvSchemaCompiler({ maxDepth: 0 }), { code: 'VELO_INVALID_CONFIG' });
    assert.throws(() => new AjvSchemaCompiler({ maxSubschemas: 1.5 }), { code: 'VELO_INVALID_CONFIG' });
  });
});

describe('malformed schemas', () => {
  test('a meta-schema violation is reported with ajv\'s reason', () => {
    rejectsSchema({ type: 'strnig' }, /schema is invalid/);
  });

  test('an invalid pattern is rejected at compile time', () => {
    rejectsSchema({ type: 'string', pattern: '(' }, /Invalid regular expression/);
  });

  test('non-objects are rejected', () => {
    for (const schema of [null, [], 'string', true]) {
      rejectsSchema(schema as unknown as JsonSchema, /must be a JSON object/);
    }
  });

  test('cyclic objects and non-JSON values are rejected', () => {
    const cyclic: JsonSchema = { type: 'object', properties: {} };
    (cyclic['properties'] as JsonSchema)['self'] = cyclic;
    rejectsSchema(cyclic, /contains itself/);
    rejectsSchema({ type: 'number', maximum: Infinity }, /not a JSON number/);
    rejectsSchema({ type: 'string', default: () => 'x' }, /function/);
    rejectsSchema({ type: 'string', default: new Date(0) }, /Date instance/);
  });

  test('a duplicate $id inside one document is rejected', () => {
    rejectsSchema(
      { $defs: { a: { $id: 'https://example.com/x.json' }, b: { $id: 'https://example.com/x.json' } } },
      /declared more than once/,
    );
  });
});

describe('formats', () => {
  const validate = compiler.compile({
    type: 'object',
    properties: { email: { type: 'string', format: 'email' }, at: { type: 'string', format: 'date-time' } },
  });

  test('valid email and date-time pass', () => {
    ok(validate({ email: 'ada@example.com', at: '2026-07-28T12:00:00Z' }));
  });

  test('invalid email and date-time fail with the format named', () => {
    const email = fails(validate({ email: 'not-an-email' }));
    assert.deepEqual(email[0], { path: '/email', message: 'must match format "email"' });
    const at = fails(validate({ at: '28/07/2026' }));
    assert.deepEqual(at[0], { path: '/at', message: 'must match format "date-time"' });
  });

  test('formats: false turns format into an annotation', () => {
    const lax = new AjvSchemaCompiler({ formats: false }).compile({ type: 'string', format: 'email' });
    ok(lax('not-an-email'));
  });
});

describe('issues', () => {
  const schema: JsonSchema = {
    type: 'object',
    properties: {
      name: { type: 'string' },
      age: { type: 'integer', minimum: 0 },
      color: { enum: ['red', 'green'] },
      kind: { const: 'fixed' },
      'a/b~c': { type: 'string' },
    },
    required: ['name'],
    additionalProperties: false,
  };
  const validate = compiler.compile(schema);

  test('a missing required property is named, at the object path', () => {
    const result = validate({});
    assert.deepEqual(fails(result), [{ path: '', message: "must have required property 'name'" }]);
    assert.equal(result.valid ? '' : result.message, "must have required property 'name'");
  });

  test('an additional property is named', () => {
    assert.deepEqual(fails(validate({ name: 'a', colour: 'red' })), [
      { path: '', message: "must NOT have additional property 'colour'" },
    ]);
  });

  test('numeric bounds give the JSON Pointer of the value and a one-line summary', () => {
    const result = validate({ name: 'a', age: -1 });
    assert.deepEqual(fails(result), [{ path: '/age', message: 'must be >= 0' }]);
    assert.equal(result.valid ? '' : result.message, '/age: must be >= 0');
  });

  test('enum and const messages list the allowed values', () => {
    assert.equal(fails(validate({ name: 'a', color: 'blue' }))[0]?.message, 'must be equal to one of the allowed values: "red", "green"');
    assert.equal(fails(validate({ name: 'a', kind: 'other' }))[0]?.message, 'must be equal to constant "fixed"');
  });

  test('paths escape "/" and "~" as JSON Pointer requires', () => {
    assert.equal(fails(validate({ name: 'a', 'a/b~c': 1 }))[0]?.path, '/a~1b~0c');
  });

  test('by default every issue is reported and spelled out in the message', () => {
    const result = validate({ age: -1, color: 'blue', kind: 1, x: 1 });
    assert.deepEqual(fails(result), [
      { path: '', message: "must have required property 'name'" },
      { path: '', message: "must NOT have additional property 'x'" },
      { path: '/age', message: 'must be >= 0' },
      { path: '/color', message: 'must be equal to one of the allowed values: "red", "green"' },
      { path: '/kind', message: 'must be equal to constant "fixed"' },
    ]);
    assert.equal(
      result.valid ? '' : result.message,
      "must have required property 'name'; must NOT have additional property 'x'; /age: must be >= 0; " +
        '/color: must be equal to one of the allowed values: "red", "green"; /kind: must be equal to constant "fixed"',
    );
  });

  test('a required property missing and another of the wrong type are both reported', () => {
    const two = compiler.compile({ type: 'object', properties: { a: { type: 'number' }, b: { type: 'string' } }, required: ['a', 'b'] });
    assert.deepEqual(fails(two({ a: 'x' })), [
      { path: '', message: "must have required property 'b'" },
      { path: '/a', message: 'must be number' },
    ]);
  });

  test('issues are capped at maxErrors (default 20) and the rest are counted', () => {
    const items = compiler.compile({ type: 'array', items: { type: 'string' } });
    const result = items(Array.from({ length: 500 }, (_, i) => i));
    assert.equal(fails(result).length, DEFAULT_MAX_ISSUES);
    assert.equal(result.valid ? 0 : result.omitted, 500 - DEFAULT_MAX_ISSUES);
    assert.match(result.valid ? '' : result.message, /^\/0: must be string; .*\/19: must be string \(and 480 more\)$/);
    const three = new AjvSchemaCompiler({ maxErrors: 3 }).compile({ type: 'array', items: { type: 'string' } })([1, 2, 3, 4]);
    assert.equal(fails(three).length, 3);
    assert.match(three.valid ? '' : three.message, /\(and 1 more\)$/);
  });

  test('an input larger than allErrorsMaxValues reports its first issue only (bounded error path)', () => {
    const items = new AjvSchemaCompiler({ allErrorsMaxValues: 100 }).compile({ type: 'array', items: { type: 'string' } });
    assert.equal(fails(items(Array.from({ length: 99 }, (_, i) => i))).length, DEFAULT_MAX_ISSUES);
    const big = items(Array.from({ length: 1000 }, (_, i) => i));
    assert.deepEqual(fails(big), [{ path: '/0', message: 'must be string' }]);
    assert.equal(DEFAULT_ALL_ERRORS_MAX_VALUES, 10_000);
  });

  test('allErrors: false reports the first issue only', () => {
    const first = new AjvSchemaCompiler({ allErrors: false }).compile(schema);
    assert.equal(fails(first({ age: -1, color: 'blue' })).length, 1);
  });

  test('maxErrors and allErrorsMaxValues must be positive integers', () => {
    assert.throws(() => new AjvSchemaCompiler({ maxErrors: 0 }), { code: 'VELO_INVALID_CONFIG' });
    assert.throws(() => new AjvSchemaCompiler({ allErrorsMaxValues: -1 }), { code: 'VELO_INVALID_CONFIG' });
  });


  test('inherited properties do not satisfy required', () => {
    const strict = compiler.compile({ type: 'object', required: ['toString'] });
    assert.equal(strict({}).valid, false);
    ok(strict({ toString: 'own' }));
  });

  test('valid input is returned as the value, unchanged and uncopied', () => {
    const input = { name: 'a', age: 3 };
    const result = validate(input);
    assert.ok(result.valid);
    assert.equal(result.value, input);
  });

  test('pathologically nested input against a recursive schema yields an issue, not a throw', () => {
    const recursive = compiler.compile({ type: 'array', items: { $ref: '#' } });
    let input: unknown = [];
    for (let i = 0; i < 50_000; i++) input = [input];
    const result = recursive(input);
    assert.equal(result.valid ? '' : result.message, 'is nested too deeply to validate');
    ok(recursive([[[]], []])); // and the validator still works afterwards
  });
});
