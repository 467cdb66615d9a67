/**
 * The TokenStore contract: every implementation passes these (today: MemoryTokenStore). Registrations
 * are keyed by issuer alone, tokens by issuer and resource, and neither leaks across keys.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryTokenStore, type TokenStore } from '../../src/auth/client/index.js';

export function tokenStoreContract(name: string, make: () => TokenStore): void {
  describe(`TokenStore contract: ${name}`, () => {
    test('registrations are per issuer: another AS never sees them (SEP-2352)', async () => {
      const s = make();
      await s.setClient('https://as1.example', { client_id: 'c1', client_secret: 'x', token_endpoint_auth_method: 'client_secret_basic' });
      assert.deepEqual(await s.getClient('https://as1.example'), { client_id: 'c1', client_secret: 'x', token_endpoint_auth_method: 'client_secret_basic' });
      assert.equal(await s.getClient('https://as2.example'), undefined);
      assert.equal(await s.getClient('https://as1.example/'), undefined, 'issuers are compared as given');
    });

    test('tokens are per (issuer, resource); undefined deletes them', async () => {
      const s = make();
      const t = { access_token: 'a', token_type: 'bearer', scope: 'read', expires_at: 1 };
      await s.setTokens('https://as1.example', 'https://mcp.example/mcp', t);
      assert.deepEqual(await s.getTokens('https://as1.example', 'https://mcp.example/mcp'), t);
      assert.equal(await s.getTokens('https://as1.example', 'https://mcp.example/other'), undefined);
      assert.equal(await s.getTokens('https://as2.example', 'https://mcp.example/mcp'), undefined);
      await s.setTokens('https://as1.example', 'https://mcp.example/mcp', undefined);
      assert.equal(await s.getTokens('https://as1.example', 'https://mcp.example/mcp'), undefined);
    });

    test('keys that would collide when joined naively stay apart', async () => {
      const s = make();
      await s.setTokens('https://a', 'b c', { access_token: '1', token_type: 'bearer' });
      await s.setTokens('https://a b', 'c', { access_token: '2', token_type: 'bearer' });
      assert.equal((await s.getTokens('https://a', 'b c'))?.access_token, '1');
      assert.equal((await s.getTokens('https://a b', 'c'))?.access_token, '2');
    });
  });
}

tokenStoreContract('MemoryTokenStore', () => new MemoryTokenStore());
