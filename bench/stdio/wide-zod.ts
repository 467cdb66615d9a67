/**
 * zod 4 equivalent of `WIDE_SCHEMA` (wide-schema.ts), for the official SDK
 * servers. Strict objects mirror `additionalProperties: false`; `z.int()`
 * mirrors `type: "integer"`.
 */
import * as z from 'zod';

export const wideZod = z.strictObject({
  id: z.string().min(8).max(36).regex(/^[a-z0-9-]+$/),
  name: z.string().min(1).max(64),
  email: z.string().max(254).regex(/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/),
  country: z.string().regex(/^[A-Z]{2}$/),
  city: z.string().min(1).max(100),
  street: z.string().max(200),
  postalCode: z.string().regex(/^[0-9]{5}$/),
  age: z.int().min(0).max(150),
  quantity: z.int().min(1).max(1000),
  priority: z.int().min(1).max(5),
  year: z.int().min(1900).max(2100),
  price: z.number().min(0),
  discount: z.number().min(0).max(1),
  weight: z.number().min(0).max(1000),
  active: z.boolean(),
  verified: z.boolean(),
  giftWrap: z.boolean(),
  status: z.enum(['pending', 'active', 'suspended', 'closed']),
  tags: z.array(z.string().max(32)).max(10),
  shipping: z.strictObject({
    method: z.enum(['ground', 'air', 'sea']),
    express: z.boolean(),
    days: z.int().min(1).max(30),
  }),
});

export const echoZod = z.object({ text: z.string() });
