/**
 * Finding 2: the `Mcp-Param-*` number check (`\d+\.?\d*`) was quadratic, so a header of 15 800 `1`s and an
 * `x` cost 261 ms of CPU per request. The pattern is now linear and the value length-capped; every regex that
 * sees client input is timed on adversarial input against benign input of the same length.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { McpServer } from '../../src/server/mcp-server.js';
import { serveHttp, type HttpServerHandle } from '../../src/transports/http/index.js';
import { BASE64, NUMBER } from '../../src/transports/http/validate.js';
import { JSON_MEDIA_TYPE } from '../../src/transports/http/wire.js';
import { assertPing, http, modern } from './helpers.js';

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

describe('finding 2: ReDoS in header checks', () => {
  let h: HttpServerHandle;
  before(async () => {
    const server = new McpServer({ name: 'h2', version: '1' });
    server.registerTool(
      'regional',
      { inputSchema: { type: 'object', properties: { priority: { type: 'number', 'x-mcp-header': 'Priority' } } } },
      (a: { priority?: number }) => ({ content: [{ type: 'text', text: String(a.priority) }] }),
    );
    h = await serveHttp(server, { port: 0, keepAliveMs: 0 });
  });
  after(() => h.close());

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

  test('40 tools/call with a 15 800-digit Mcp-Param-Priority get -32020 and cost the server under 2 s of CPU in total', async () => {
    const cpu = process.cpuUsage();
    for (let i = 0; i < 40; i++) {
      const { headers, body } = modern(i, 'tools/call', { name: 'regional', arguments: { priority: 1 } }, { 'mcp-param-priority': `${'1'.repeat(15_800)}x` });
      const r = await http(h.url, { headers, body });
      assert.equal(r.status, 400);
      assert.equal(r.json.error.code, -32020);
    }
    const used = process.cpuUsage(cpu);
    const ms = (used.user + used.system) / 1000;
    // Before the fix this was ~261 ms per request (over 10 s in total).
    assert.ok(ms < 2000, `CPU used: ${ms.toFixed(0)} ms`);
    const ok = modern('fine', 'tools/call', { name: 'regional', arguments: { priority: 1.5 } }, { 'mcp-param-priority': '1.5' });
    const r = await http(h.url, ok);
    assert.equal(r.json.result.content[0].text, '1.5');
    await assertPing(h.url);
  });
});
