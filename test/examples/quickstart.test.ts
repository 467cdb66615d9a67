import { test } from 'node:test';
import assert from 'node:assert/strict';
import server from '../../examples/quickstart/server.js';

test('the README quick start answers in the modern era through an input round', async () => {
  const sent: any[] = [];
  const conn = server.connect({ send: (m) => sent.push(JSON.parse(m)) });
  const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } };
  const call = (id: number, extra: object) => conn.receive({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'get_weather', arguments: { city: 'Oslo' }, _meta: meta, ...extra } });
  const answer = async (id: number) => {
    for (let i = 0; i < 100 && !sent.some((m) => m.id === id); i++) await new Promise((r) => setTimeout(r, 5));
    return sent.find((m) => m.id === id);
  };
  call(1, {});
  const first = (await answer(1)).result;
  assert.equal(first.resultType, 'input_required');
  call(2, { inputResponses: { unit: { action: 'accept', content: { u: 'F' } } }, requestState: first.requestState });
  assert.equal((await answer(2)).result.content[0].text, 'Sunny in Oslo, 21°F');
  conn.close();
});
