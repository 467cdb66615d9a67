/**
 * CPU work for the cpu-bound example: SHA-256 over a small buffer, repeated until about `ms` milliseconds of
 * wall time have passed on this thread. The same function serves the pooled tool (in a worker) and the
 * inline tool (on the main thread).
 */
import { createHash } from 'node:crypto';
import type { CallToolResult } from '../../src/protocol/types.js';

const BLOCK = Buffer.alloc(1024, 7);

/** Hashes for about `ms` milliseconds; returns how many rounds ran. */
export function burnFor(ms: number): number {
  const end = performance.now() + ms;
  let rounds = 0;
  let digest = BLOCK;
  while (performance.now() < end) {
    for (let i = 0; i < 16; i++) digest = createHash('sha256').update(digest).update(BLOCK).digest();
    rounds += 16;
  }
  return rounds;
}

/** The worker export of `cpu_pooled`. */
export function burn(args: { ms: number }): CallToolResult {
  const rounds = burnFor(args.ms);
  return { content: [{ type: 'text', text: `burned ${args.ms} ms (${rounds} hashes)` }], structuredContent: { ms: args.ms, rounds } };
}
