import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LineDecoder } from '../../src/jsonrpc/framing.js';

function decodeAll(chunks: Buffer[], max?: number): { lines: string[]; oversize: number[] } {
  const lines: string[] = [];
  const oversize: number[] = [];
  const d = new LineDecoder({ onLine: (l) => lines.push(l), onOversize: (n) => oversize.push(n) }, max);
  for (const c of chunks) d.push(c);
  d.end();
  return { lines, oversize };
}

/** Splits a buffer at the given cut points. */
function split(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  out.push(buf.subarray(prev));
  return out;
}

describe('LineDecoder', () => {
  test('decodes lines split across chunks, including multi-byte characters cut in half', () => {
    const text = '{"a":"héllo ✓ 🚀"}\n{"b":2}\n';
    const buf = Buffer.from(text);
    for (let i = 0; i <= buf.length; i++) {
      const { lines } = decodeAll([buf.subarray(0, i), buf.subarray(i)]);
      assert.deepEqual(lines, ['{"a":"héllo ✓ 🚀"}', '{"b":2}'], `split at ${i}`);
    }
  });

  test('strips CR before LF and ignores empty lines', () => {
    assert.deepEqual(decodeAll([Buffer.from('a\r\n\n\r\nb\n')]).lines, ['a', 'b']);
  });

  test('flushes a final unterminated line at end', () => {
    assert.deepEqual(decodeAll([Buffer.from('x\ny')]).lines, ['x', 'y']);
  });

  test('an oversized line is reported once, discarded, and the next line is decoded', () => {
    const big = 'z'.repeat(100);
    const { lines, oversize } = decodeAll([Buffer.from(`ok1\n${big}\nok2\n`)], 50);
    assert.deepEqual(lines, ['ok1', 'ok2']);
    assert.equal(oversize.length, 1);
  });

  test('an oversized line arriving in many small chunks is cut off as soon as it crosses the limit', () => {
    const lines: string[] = [];
    const oversize: number[] = [];
    const d = new LineDecoder({ onLine: (l) => lines.push(l), onOversize: (n) => oversize.push(n) }, 64);
    for (let i = 0; i < 1000; i++) d.push(Buffer.from('0123456789'));
    // Memory stays bounded while discarding: nothing is held.
    assert.equal(d.pendingBytes, 0);
    assert.equal(oversize.length, 1);
    d.push(Buffer.from('tail\nnext\n'));
    assert.deepEqual(lines, ['next']);
  });

  test('rejects a non-positive limit', () => {
    assert.throws(() => new LineDecoder({ onLine() {}, onOversize() {} }, 0), RangeError);
  });

  test('property: any split of any sequence of messages decodes to the same messages', () => {
    const message = fc.jsonValue().map((v) => JSON.stringify({ jsonrpc: '2.0', id: 1, result: { v } }));
    fc.assert(
      fc.property(fc.array(message, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 30 }), (messages, cuts) => {
        const buf = Buffer.from(messages.map((m) => `${m}\n`).join(''));
        assert.deepEqual(decodeAll(split(buf, cuts)).lines, messages);
      }),
      { numRuns: 300 },
    );
  });

  test('property: multi-byte text, CRLF endings and oversized lines survive any split', () => {
    const line = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }).map((t) => JSON.stringify({ t })),
      fc.constant(`{"big":"${'é'.repeat(40)}"}`), // 90 bytes: over the limit below
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 15 }), fc.array(fc.nat(), { maxLength: 30 }), fc.boolean(), (lines, cuts, crlf) => {
        const buf = Buffer.from(lines.map((l) => `${l}${crlf ? '\r\n' : '\n'}`).join(''));
        const limit = 80;
        const { lines: got, oversize } = decodeAll(split(buf, cuts), limit);
        const fits = (l: string): boolean => Buffer.byteLength(l) + (crlf ? 1 : 0) <= limit;
        assert.deepEqual(got, lines.filter(fits));
        assert.equal(oversize.length, lines.filter((l) => !fits(l)).length);
      }),
      { numRuns: 400 },
    );
  });

  test('property: byte garbage never throws and never holds more than the limit', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 20 }), (chunks) => {
        const d = new LineDecoder({ onLine() {}, onOversize() {} }, 128);
        for (const c of chunks) {
          d.push(Buffer.from(c));
          assert.ok(d.pendingBytes <= 128);
        }
        d.end();
      }),
      { numRuns: 300 },
    );
  });
});
