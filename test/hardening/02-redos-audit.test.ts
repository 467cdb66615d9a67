/**
 * Finding 2, the audit: every regex that sees client input, timed on adversarial input against benign input
 * of the same length (a wide ratio, so a loaded machine cannot fail it; a quadratic pattern misses it by
 * orders of magnitude, which the control case shows).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE64, NUMBER } from '../../src/transports/http/validate.js';
import { JSON_MEDIA_TYPE } from '../../src/transports/http/wire.js';

/** Best of `runs` timings of `re.test(input)`, in ms. */
function cost(re: RegExp, input: string, runs = 5): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    re.test(input);
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e6);
  }
  return best;
}

const N = 20_000;
/** Each client-facing regex with a benign input and adversarial inputs of about the same length. */
const AUDIT: { name: string; re: RegExp; benign: string; adversarial: string[] }[] = [
  { name: 'Mcp-Param number', re: NUMBER, benign: '1'.repeat(N), adversarial: [`${'1'.repeat(N)}x`, `${'1'.repeat(N / 2)}.${'1'.repeat(N / 2)}x`, `.${'1'.repeat(N)}e`] },
  { name: 'Base64 header value', re: BASE64, benign: 'A'.repeat(N), adversarial: [`${'A'.repeat(N)}=x`, `${'='.repeat(N)}`, `${'A'.repeat(N)}==!`] },
  {
    name: 'Content-Type',
    re: JSON_MEDIA_TYPE,
    benign: `application/${'a'.repeat(N)}+json`,
    adversarial: [`application/${'+'.repeat(N)}x`, `application/${'a+'.repeat(N / 2)}`, `application/${'.'.repeat(N)}+jso`],
  },
];

describe('finding 2: regex audit', () => {
  test('every client-facing regex costs about the same on adversarial input as on benign input (ratio under 50)', () => {
    for (const { name, re, benign, adversarial } of AUDIT) {
      const base = Math.max(cost(re, benign), 0.05);
      for (const input of adversarial) {
        const c = cost(re, input);
        assert.ok(c < base * 50, `${name}: ${c.toFixed(2)} ms on adversarial input vs ${base.toFixed(2)} ms benign`);
      }
    }
  });

  test('the audit catches a quadratic pattern (the former number check) on the same input', () => {
    const former = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
    const base = Math.max(cost(former, '1'.repeat(N)), 0.05);
    assert.ok(cost(former, `${'1'.repeat(N)}x`, 1) > base * 50, 'the quadratic pattern is slower by far');
  });

});
