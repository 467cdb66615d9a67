/**
 * JSON-RPC encode/decode workloads: a `tools/call` result message of three sizes (small < 1 KB, medium < 10 KB,
 * large < 100 KB). Decode is `JSON.parse` plus velomcp's message classification; encode is velomcp's
 * envelope serialisation around `JSON.stringify` of the result. The `raw` peer is bare `JSON.parse` /
 * `JSON.stringify` of the whole message: the floor any JavaScript implementation pays.
 */
import { messageKind, MessageKind, serializeResult } from '../../../src/jsonrpc/message.js';
import type { Workload } from '../types.js';

/** A `tools/call` result whose JSON is about `fields` text items long. */
export function resultOfFields(fields: number): { content: { type: string; text: string }[]; structuredContent: Record<string, number | string> } {
  const structuredContent: Record<string, number | string> = {};
  const content: { type: string; text: string }[] = [];
  for (let i = 0; i < fields; i++) {
    structuredContent[`field_${i}`] = i % 2 === 0 ? i * 31 : `value number ${i}`;
    if (i % 10 === 0) content.push({ type: 'text', text: `line ${i} of the answer` });
  }
  return { content, structuredContent };
}

/** The three message sizes of the seed plan, with their bytes checked against the limits. */
export const SIZES = [
  { id: 'small', fields: 10, limit: 1024, operations: 100_000 },
  { id: 'medium', fields: 200, limit: 10 * 1024, operations: 20_000 },
  { id: 'large', fields: 2000, limit: 100 * 1024, operations: 2_000 },
] as const;

function message(fields: number): { value: { jsonrpc: '2.0'; id: number; result: ReturnType<typeof resultOfFields> }; text: string } {
  const value = { jsonrpc: '2.0' as const, id: 7, result: resultOfFields(fields) };
  return { value, text: JSON.stringify(value) };
}

let sink = 0;
/** Keeps results observable so the JIT cannot drop the work. */
export function consume(x: number): void {
  sink = (sink + x) | 0;
}
/** The sum of what {@link consume} saw (read by tests so the sink is not dead code). */
export function consumed(): number {
  return sink;
}

export function jsonrpcWorkloads(): Workload[] {
  const out: Workload[] = [];
  for (const size of SIZES) {
    const { value, text } = message(size.fields);
    if (Buffer.byteLength(text) >= size.limit) throw new Error(`${size.id} message is ${Buffer.byteLength(text)} bytes, over ${size.limit}`);
    const bytes = Buffer.byteLength(text);
    out.push({
      id: `jsonrpc_decode_${size.id}`,
      group: 'jsonrpc',
      description: `decode + classify one ${bytes}-byte response`,
      operations: size.operations,
      warmup: size.operations / 10,
      batch: size.id === 'small' ? 50 : size.id === 'medium' ? 5 : 1,
      implementations: [
        {
          name: 'velomcp',
          setup: async () => ({
            run: () => {
              const v = JSON.parse(text) as unknown;
              if (messageKind(v) !== MessageKind.Success) throw new Error('misclassified');
            },
          }),
        },
        { name: 'raw', setup: async () => ({ run: () => consume((JSON.parse(text) as { id: number }).id) }) },
      ],
    });
    out.push({
      id: `jsonrpc_encode_${size.id}`,
      group: 'jsonrpc',
      description: `encode one ${bytes}-byte response`,
      operations: size.operations,
      warmup: size.operations / 10,
      batch: size.id === 'small' ? 50 : size.id === 'medium' ? 5 : 1,
      implementations: [
        { name: 'velomcp', setup: async () => ({ run: (i) => consume(serializeResult(i, JSON.stringify(value.result)).length) }) },
        { name: 'raw', setup: async () => ({ run: (i) => consume(JSON.stringify({ jsonrpc: '2.0', id: i, result: value.result }).length) }) },
      ],
    });
  }
  return out;
}
