/**
 * The `wide` workload: a tool whose input has 20 top-level properties covering
 * the common JSON Schema keywords (string length + pattern, integer and number
 * ranges, booleans, an enum, a bounded array, a nested object), everything
 * required and no additional properties allowed.
 *
 * This file is plain data on purpose (no zod import) so the raw and velomcp
 * servers can load it without paying for zod. The zod equivalent used by the
 * official SDK servers lives in `wide-zod.ts`; both must accept `WIDE_ARGS`
 * and reject every entry of `WIDE_INVALID_ARGS` (the harness checks this
 * against every server before measuring it).
 */

export const WIDE_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string', minLength: 8, maxLength: 36, pattern: '^[a-z0-9-]+$' },
    name: { type: 'string', minLength: 1, maxLength: 64 },
    email: { type: 'string', maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$' },
    country: { type: 'string', pattern: '^[A-Z]{2}$' },
    city: { type: 'string', minLength: 1, maxLength: 100 },
    street: { type: 'string', maxLength: 200 },
    postalCode: { type: 'string', pattern: '^[0-9]{5}$' },
    age: { type: 'integer', minimum: 0, maximum: 150 },
    quantity: { type: 'integer', minimum: 1, maximum: 1000 },
    priority: { type: 'integer', minimum: 1, maximum: 5 },
    year: { type: 'integer', minimum: 1900, maximum: 2100 },
    price: { type: 'number', minimum: 0 },
    discount: { type: 'number', minimum: 0, maximum: 1 },
    weight: { type: 'number', minimum: 0, maximum: 1000 },
    active: { type: 'boolean' },
    verified: { type: 'boolean' },
    giftWrap: { type: 'boolean' },
    status: { type: 'string', enum: ['pending', 'active', 'suspended', 'closed'] },
    tags: { type: 'array', items: { type: 'string', maxLength: 32 }, maxItems: 10 },
    shipping: {
      type: 'object',
      properties: {
        method: { type: 'string', enum: ['ground', 'air', 'sea'] },
        express: { type: 'boolean' },
        days: { type: 'integer', minimum: 1, maximum: 30 },
      },
      required: ['method', 'express', 'days'],
      additionalProperties: false,
    },
  },
  required: [
    'id', 'name', 'email', 'country', 'city', 'street', 'postalCode', 'age', 'quantity', 'priority',
    'year', 'price', 'discount', 'weight', 'active', 'verified', 'giftWrap', 'status', 'tags', 'shipping',
  ],
  additionalProperties: false,
} as const;

export interface WideArgs {
  id: string;
  name: string;
  email: string;
  country: string;
  city: string;
  street: string;
  postalCode: string;
  age: number;
  quantity: number;
  priority: number;
  year: number;
  price: number;
  discount: number;
  weight: number;
  active: boolean;
  verified: boolean;
  giftWrap: boolean;
  status: 'pending' | 'active' | 'suspended' | 'closed';
  tags: string[];
  shipping: { method: 'ground' | 'air' | 'sea'; express: boolean; days: number };
}

/** Valid arguments: sent with every `wide` call. */
export const WIDE_ARGS: WideArgs = {
  id: 'order-2024-000123',
  name: 'Ada Lovelace',
  email: 'ada@example.org',
  country: 'GB',
  city: 'London',
  street: '12 St James Square',
  postalCode: '10001',
  age: 36,
  quantity: 3,
  priority: 2,
  year: 2024,
  price: 19.99,
  discount: 0.15,
  weight: 1.25,
  active: true,
  verified: false,
  giftWrap: true,
  status: 'active',
  tags: ['books', 'math', 'history'],
  shipping: { method: 'ground', express: false, days: 5 },
};

/**
 * Arguments every validating server must reject (checked once per server
 * before measuring; proves the validation actually runs). Each one breaks a
 * different keyword, and the last ones break it deep in the object so a
 * validator that stops early on the first properties cannot pass.
 */
export const WIDE_INVALID_ARGS: readonly unknown[] = [
  { ...WIDE_ARGS, extra: 1 }, // additionalProperties:false at the top level
  { ...WIDE_ARGS, postalCode: '1000A' }, // pattern
  { ...WIDE_ARGS, year: 2024.5 }, // integer
  { ...WIDE_ARGS, tags: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k'] }, // maxItems
  { ...WIDE_ARGS, shipping: { method: 'ground', express: false, days: 31 } }, // nested maximum
  { ...WIDE_ARGS, shipping: { method: 'ground', express: false } }, // nested required
  (() => {
    const { status: _omit, ...rest } = WIDE_ARGS;
    return rest;
  })(), // top-level required
];
