/**
 * Finding 2: the `Mcp-Param-*` number check (`\d+\.?\d*`) was quadratic, so a header of 15 800 `1`s and an
 * `x` cost 261 ms of CPU per request. The pattern is now linear and the value length-capped; every regex that
 * sees client input is timed on adversarial input against benign input of the same length.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { McpServer } from '../../src/server/mcp-server.js';
import { serveHttp, type HttpServerHandle } from '../../src/transports/http/index.js';
import { assertPing, http, modern } from './helpers.js';

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
