import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeServer, modernRequest, raw, start } from './helpers.js';

describe('DNS-rebinding protection', () => {
  test('on a loopback bind, a foreign Host or Origin gets 403; loopback names pass', async () => {
    const h = await start(makeServer());
    try {
      const { headers, body } = modernRequest(1, 'tools/list');
      const evilHost = await raw(h.url, { headers: { ...headers, host: 'evil.example.com' }, body });
      assert.equal(evilHost.status, 403);
      const evilOrigin = await raw(h.url, { headers: { ...headers, origin: 'http://evil.example.com' }, body });
      assert.equal(evilOrigin.status, 403);
      assert.equal((await raw(h.url, { headers: { ...headers, host: `localhost:${h.port}`, origin: `http://localhost:${h.port}` }, body })).status, 200);
      assert.equal((await raw(h.url, { headers: { ...headers, host: `127.0.0.1:${h.port}` }, body })).status, 200);
    } finally {
      await h.close();
    }
  });

  test('allow-lists are configurable, and protection can be turned off', async () => {
    const custom = await start(makeServer(), { allowedHosts: ['mcp.internal'], allowedOrigins: ['https://app.example'] });
    const off = await start(makeServer(), { dnsRebindingProtection: false });
    try {
      const { headers, body } = modernRequest(1, 'tools/list');
      assert.equal((await raw(custom.url, { headers: { ...headers, host: 'mcp.internal:8080', origin: 'https://app.example' }, body })).status, 200);
      assert.equal((await raw(custom.url, { headers: { ...headers, host: 'localhost' }, body })).status, 403);
      assert.equal((await raw(off.url, { headers: { ...headers, host: 'evil.example.com' }, body })).status, 200);
    } finally {
      await custom.close();
      await off.close();
    }
  });
});
