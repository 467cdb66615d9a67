/**
 * JSON equality for `const`, `enum` and `uniqueItems`, installed in place of ajv's own keywords.
 *
 * ajv compares with fast-deep-equal, which treats values as JavaScript objects rather than JSON: an
 * object key named `valueOf` or `toString` makes it call that key (`{"valueOf": 1}` throws a TypeError
 * out of the validator), and a `constructor` key makes deep-equal objects compare unequal. Tool
 * arguments are untrusted JSON, so these keywords compare by JSON data model instead, and never throw.
 */
import { _, str, type CodeKeywordDefinition, type KeywordCxt, type Name } from 'ajv';

/** True when two JSON values are equal per the JSON Schema data model (own keys only, order-insensitive). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if (!Object.hasOwn(b, key)) return false;
    if (!jsonEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

/** A membership test specialised for the allowed values: a Set for primitives, deep equality for the rest. */
export function enumMatcher(allowed: readonly unknown[]): (data: unknown) => boolean {
  const primitives = new Set(allowed.filter((value) => !isObject(value)));
  const objects = allowed.filter(isObject);
  if (objects.length === 0) return (data) => primitives.has(data);
  return (data) => {
    if (!isObject(data)) return primitives.has(data);
    for (const value of objects) if (jsonEqual(data, value)) return true;
    return false;
  };
}

/**
 * Finds the first pair of equal items.
 * @returns `[earlier, later]` indexes, or undefined when all items are distinct (the common case allocates nothing).
 */
export function duplicateItems(items: readonly unknown[]): [number, number] | undefined {
  const n = items.length;
  if (n <= 16) {
    for (let j = 1; j < n; j++) {
      for (let i = 0; i < j; i++) if (jsonEqual(items[i], items[j])) return [i, j];
    }
    return undefined;
  }
  const primitives = new Map<unknown, number>();
  const objects: number[] = [];
  for (let j = 0; j < n; j++) {
    const item = items[j];
    if (isObject(item)) {
      for (const i of objects) if (jsonEqual(items[i], item)) return [i, j];
      objects.push(j);
    } else {
      const i = primitives.get(item);
      if (i !== undefined) return [i, j];
      primitives.set(item, j);
    }
  }
  return undefined;
}

/**
 * Keyword definitions replacing ajv's `const`, `enum` and `uniqueItems`. Each compiles to one call of a
 * function prepared at schema compile time; messages and params match ajv's (`allowedValue`,
 * `allowedValues`, `i` / `j`).
 */
export const jsonEqualityKeywords: readonly CodeKeywordDefinition[] = [
  {
    keyword: 'const',
    error: {
      message: 'must be equal to constant',
      params: ({ schemaCode }) => _`{allowedValue: ${schemaCode}}`,
    },
    code(cxt: KeywordCxt) {
      const expected: unknown = cxt.schema;
      const ref = isObject(expected)
        ? (data: unknown): boolean => jsonEqual(data, expected)
        : (data: unknown): boolean => data === expected;
      // keyed by value so equal constants share one scope entry: ajv keeps scope entries for its lifetime
      const check = cxt.gen.scopeValue('func', { key: `velomcp:const:${JSON.stringify(expected)}`, ref });
      cxt.fail(_`!${check}(${cxt.data})`);
    },
  },
  {
    keyword: 'enum',
    schemaType: 'array',
    error: {
      message: 'must be equal to one of the allowed values',
      params: ({ schemaCode }) => _`{allowedValues: ${schemaCode}}`,
    },
    code(cxt: KeywordCxt) {
      const allowed = cxt.schema as unknown[];
      const check = cxt.gen.scopeValue('func', {
        key: `velomcp:enum:${JSON.stringify(allowed)}`,
        ref: enumMatcher(allowed),
      });
      cxt.fail(_`!${check}(${cxt.data})`);
    },
  },
  {
    keyword: 'uniqueItems',
    type: 'array',
    schemaType: 'boolean',
    error: {
      message: ({ params }) => str`must NOT have duplicate items (items ${_`${params['pair']}[0]`} and ${_`${params['pair']}[1]`} are identical)`,
      params: ({ params }) => _`{i: ${params['pair']}[0], j: ${params['pair']}[1]}`,
    },
    code(cxt: KeywordCxt) {
      if (cxt.schema !== true) return;
      const find = cxt.gen.scopeValue('func', { key: 'velomcp:uniqueItems', ref: duplicateItems });
      const pair: Name = cxt.gen.const('pair', _`${find}(${cxt.data})`);
      cxt.setParams({ pair });
      cxt.fail(_`${pair} !== undefined`);
    },
  },
];
