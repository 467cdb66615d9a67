import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AjvSchemaCompiler } from '../../src/validation/ajv.js';
import { duplicateItems, enumMatcher, jsonEqual } from '../../src/validation/json-equality.js';
import type { ValidationResult } from '../../src/validation/types.js';

const compiler = new AjvSchemaCompiler();

function message(result: ValidationResult): string {
  assert.equal(result.valid, false);
  return result.valid ? '' : result.message;
}

describe('const, enum and uniqueItems compare JSON values', () => {
  test('objects with valueOf / toString keys are compared, not called', () => {
    const constant = compiler.compile({ const: { a: 1 } });
    assert.equal(constant({ valueOf: 1 }).valid, false);
    assert.equal(constant(JSON.parse('{"toString": "x"}')).valid, false);
    const listed = compiler.compile({ enum: [{ valueOf: 1 }, [1, 2]] });
    assert.equal(listed({ valueOf: 1 }).valid, true);
    assert.equal(listed({ valueOf: 2 }).valid, false);
    const unique = compiler.compile({ type: 'array', uniqueItems: true });
    assert.equal(unique([{ valueOf: 1 }, { valueOf: 2 }]).valid, true);
    assert.equal(unique([{ toString: 'a' }, { toString: 'a' }]).valid, false);
  });

  test('a constructor key does not make equal objects unequal', () => {
    const constant = compiler.compile({ const: { constructor: { a: 1 } } });
    assert.equal(constant({ constructor: { a: 1 } }).valid, true);
  });

  test('object key order does not matter; array order does', () => {
    const constant = compiler.compile({ const: { a: 1, b: [1, 2] } });
    assert.equal(constant({ b: [1, 2], a: 1 }).valid, true);
    assert.equal(constant({ a: 1, b: [2, 1] }).valid, false);
    assert.equal(constant({ a: 1, b: [1, 2], c: null }).valid, false);
  });

  test('messages name the duplicate items and the allowed values', () => {
    const unique = compiler.compile({ type: 'array', uniqueItems: true });
    assert.equal(message(unique(['a', 'b', 'a'])), 'must NOT have duplicate items (items 0 and 2 are identical)');
    const many = Array.from({ length: 40 }, (_, i) => ({ n: i }));
    many.push({ n: 7 });
    assert.equal(message(unique(many)), 'must NOT have duplicate items (items 7 and 40 are identical)');
    const result = unique(['x', 'x']);
    assert.deepEqual(result.valid ? [] : result.issues, [
      { path: '', message: 'must NOT have duplicate items (items 0 and 1 are identical)' },
    ]);
  });

  test('primitives of different types are distinct; 0 and -0 are equal', () => {
    const unique = compiler.compile({ uniqueItems: true });
    assert.equal(unique([1, '1', true, null]).valid, true);
    assert.equal(unique([0, -0]).valid, false);
    const listed = compiler.compile({ enum: ['1', null] });
    assert.equal(listed(1).valid, false);
    assert.equal(listed(null).valid, true);
  });

  test('uniqueItems: false and non-array data are not checked', () => {
    assert.equal(compiler.compile({ uniqueItems: false })([1, 1]).valid, true);
    assert.equal(compiler.compile({ uniqueItems: true })('not an array').valid, true);
  });

  test('a "__proto__" key in data is an own property, never the prototype', () => {
    const validate = compiler.compile({ type: 'object', required: ['__proto__'], additionalProperties: { type: 'string' } });
    assert.equal(validate(JSON.parse('{"__proto__":"x"}')).valid, true);
    assert.equal(validate(JSON.parse('{"__proto__":1}')).valid, false);
    assert.equal(validate({}).valid, false);
  });

  test('a schema declaring a "__proto__" property is refused (ajv would skip it silently)', () => {
    const schema = JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string"}}}') as Record<string, unknown>;
    assert.throws(() => compiler.compile(schema), { code: 'VELO_INVALID_SCHEMA', message: /"__proto__"/ });
  });
});

describe('jsonEqual agrees with structural equality', () => {
  test('for arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        assert.equal(jsonEqual(a, structuredClone(a)), true);
        let same = true;
        try {
          assert.deepStrictEqual(a, b);
        } catch {
          same = false;
        }
        // deepStrictEqual tells 0 from -0; JSON Schema equality does not
        if (same) assert.equal(jsonEqual(a, b), true);
        if (!jsonEqual(a, b)) assert.equal(same, false);
      }),
      { numRuns: 300 },
    );
  });

  test('enumMatcher and duplicateItems match a naive search', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 30 }), fc.jsonValue({ maxDepth: 2 }), (values, probe) => {
        assert.equal(enumMatcher(values)(probe), values.some((value) => jsonEqual(value, probe)));
        const pair = duplicateItems(values);
        const naive = values.findIndex((value, j) => values.slice(0, j).some((earlier) => jsonEqual(earlier, value)));
        assert.equal(pair?.[1] ?? -1, naive);
        if (pair) assert.ok(jsonEqual(values[pair[0]], values[pair[1]]));
      }),
      { numRuns: 300 },
    );
  });
});
