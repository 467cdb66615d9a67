/**
 * `velomcp serve --http --auth-issuer`: the reference server behind the resource server, from the
 * command line, with oidc-provider (examples/oauth) as the authorization server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { OAuthClient } from '../../src/auth/client/index.js';
import { McpClient } from '../../src/client/index.js';
import { startAuthorizationServer } from '../../examples/oauth/authorization-server.js';
import { headlessBrowser } from '../../examples/oauth/browser.js';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

test('velomcp serve --auth-issuer: 401 with PRM pointer without a token; an OAuth client lists tools; --auth-issuer without --http is refused', async () => {
  const port = await freePort();
  const resource = `http://127.0.0.1:${port}/mcp`;
  const as = await startAuthorizationServer({ resource });
  const child = spawn(process.execPath, ['dist/src/cli/main.js', 'serve', 'dist/examples/everything/server.js', '--http', '--port', String(port), '--auth-issuer', as.issuer, '--auth-scope', 'mcp:read'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  try {
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
        if (stderr.includes('serving MCP over Streamable HTTP')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${stderr}`)));
    });
    const bare = await fetch(resource, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
    assert.equal(bare.status, 401);
    assert.match(bare.headers.get('www-authenticate') ?? '', /resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp", scope="mcp:read"/);
    const auth = new OAuthClient({ grant: { type: 'authorization_code', redirectUri: 'http://127.0.0.1:8767/callback', userAgent: headlessBrowser } });
    const client = new McpClient({ name: 'cli-serve-test', version: '1' }, { http: { auth } });
    try {
      await client.connect(resource);
      const { tools } = await client.listTools();
      assert.ok(tools.some((t) => t.name === 'test_simple_text'), 'the reference server answered');
      assert.match(auth.tokens?.scope ?? '', /mcp:read/);
    } finally {
      await client.close();
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await as.close();
  }
  const refused = spawn(process.execPath, ['dist/src/cli/main.js', 'serve', 'dist/examples/everything/server.js', '--auth-issuer', 'http://127.0.0.1:1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  refused.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((r) => refused.once('exit', r));
  assert.equal(code, 2);
  assert.match(err, /--auth-issuer applies to --http only/);
});
