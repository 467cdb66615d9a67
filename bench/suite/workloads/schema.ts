/**
 * Schema validation workloads: one valid argument object against a JSON Schema of 5, 20 or 100 properties,
 * with the validator compiled once (what velomcp does at registration) or compiled on every call (the seed
 * plan's uncached baseline, erlmcp's bottleneck). The hit rate is that of the compile-once cache.
 */
import { AjvSchemaCompiler } from '../../../src/validation/ajv.js';
import type { JsonSchema } from '../../../src/validation/types.js';
import type { Workload } from '../types.js';

/** A schema of `n` required properties cycling through string (length, pattern), integer range, number, boolean and enum. */
export function schemaOfProps(n: number): { schema: JsonSchema; valid: Record<string, unknown> } {
  const properties: Record<string, JsonSchema> = {};
  const valid: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const key = `p${i}`;
    switch (i % 5) {
      case 0:
        properties[key] = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-z]+[0-9]*$' };
        valid[key] = `abc${i}`;
        break;
      case 1:
        properties[key] = { type: 'integer', minimum: 0, maximum: 1_000_000 };
        valid[key] = i * 7;
        break;
      case 2:
        properties[key] = { type: 'number', exclusiveMinimum: -1 };
        valid[key] = i / 3;
        break;
      case 3:
        properties[key] = { type: 'boolean' };
        valid[key] = i % 2 === 0;
        break;
      default:
        properties[key] = { type: 'string', enum: ['red', 'green', 'blue'] };
        valid[key] = 'green';
    }
  }
  return { schema: { type: 'object', properties, required: Object.keys(properties), additionalProperties: false }, valid };
}

export function schemaWorkloads(): Workload[] {
  return [5, 20, 100].map((n) => {
    const { schema, valid } = schemaOfProps(n);
    const check = (r: unknown): void => {
      if (r instanceof Promise || (r as { valid?: boolean }).valid !== true) throw new Error('schema workload: valid input rejected');
    };
    return {
      id: `schema_validate_${n}`,
      group: 'schema',
      description: `validate a valid ${n}-property object (ajv via velomcp's compiler)`,
      operations: n === 100 ? 1_000 : 4_000,
      warmup: 200,
      batch: 10,
      implementations: [
        {
          name: 'velomcp',
          setup: async () => {
            const validate = new AjvSchemaCompiler().compile(schema);
            let calls = 0;
            return {
              run: () => {
                calls++;
                check(validate(valid));
              },
              extra: () => ({ compiles: 1, cache_hit_rate: Number((1 - 1 / (calls + 1)).toFixed(6)) }),
            };
          },
        },
        {
          name: 'compiled-per-call',
          setup: async () => {
            const compiler = new AjvSchemaCompiler();
            let compiles = 0;
            return {
              run: () => {
                compiles++;
                check(compiler.compile(schema)(valid));
              },
              extra: () => ({ compiles, cache_hit_rate: 0 }),
            };
          },
        },
      ],
    } satisfies Workload;
  });
}
