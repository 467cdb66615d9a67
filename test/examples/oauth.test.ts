/**
 * examples/oauth end to end: oidc-provider as the authorization server, the reference server behind
 * velomcp's resource server, and two clients (velomcp's and the official SDK v1's) that register,
 * authorize with PKCE, call a scoped tool, get 403 insufficient_scope on the admin tool and step up.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOAuthExample, type OAuthExample } from '../../examples/oauth/server.js';
import { runSdkClient, runVelomcpClient, type ClientRun } from '../../examples/oauth/clients.js';

let ex: OAuthExample;
before(async () => {
  ex = await startOAuthExample();
});
after(async () => {
  await ex.close();
});

function assertSteppedUp(run: ClientRun, from: number): void {
  assert.equal(run.whoami, 'demo-user', 'the verified subject reached the tool as principal');
  assert.equal(run.admin, 'admin report for demo-user');
  assert.equal(run.authorizations.length, 2, 'one authorization, then one step-up');
  const [first, second] = run.authorizations.map((u) => (u.searchParams.get('scope') ?? '').split(' '));
  assert.ok(first!.includes('mcp:read') && !first!.includes('mcp:admin'), `first authorization asks for the challenged scope only: ${first!.join(' ')}`);
  assert.ok(second!.includes('mcp:read') && second!.includes('mcp:admin'), `the step-up asks for the union: ${second!.join(' ')}`);
  for (const u of run.authorizations) {
    assert.equal(u.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(u.searchParams.get('resource'), ex.mcpUrl, 'RFC 8707 resource names the MCP endpoint');
  }
  // The resource server saw an mcp:read-only token first (whose admin call was refused), then a wider one.
  const tokens = ex.accepted.slice(from);
  const narrow = tokens.findIndex((t) => !t.scopes.includes('mcp:admin'));
  const wide = tokens.findIndex((t) => t.scopes.includes('mcp:admin'));
  assert.ok(narrow !== -1 && wide > narrow, 'a narrow token was used before the stepped-up one');
  assert.ok(tokens.every((t) => t.subject === 'demo-user' && t.issuer === ex.issuer));
}

test('velomcp client: DCR, PKCE, mcp:read token, 403 on admin_report, step-up, success', async () => {
  const from = ex.accepted.length;
  assertSteppedUp(await runVelomcpClient(ex.mcpUrl), from);
});

test('official SDK v1 client with its OAuth provider: the same flow against the same servers', async () => {
  const from = ex.accepted.length;
  assertSteppedUp(await runSdkClient(ex.mcpUrl), from);
});

test('velomcp call --oauth: prints the authorization URL, takes the code on its loopback redirect, calls the tool', async () => {
  const { spawn } = await import('node:child_process');
  const { headlessBrowser } = await import('../../examples/oauth/browser.js');
  const child = spawn(process.execPath, ['dist/src/cli/main.js', 'call', ex.mcpUrl, '--oauth', '--tool', 'whoami'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  const browsed = new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      const m = /Open this URL in your browser to authorize:\n {2}(\S+)/.exec(stderr);
      if (!m || stderr.includes('\u0000done')) return;
      stderr += '\u0000done';
      const url = new URL(m[1]!);
      const redirect = url.searchParams.get('redirect_uri')!;
      assert.match(redirect, /^http:\/\/127\.0\.0\.1:\d+\/callback$/, 'a loopback IP literal redirect (RFC 8252 §7.3)');
      // The "user" completes the login in a browser, which then lands on the CLI's loopback listener.
      headlessBrowser(url, redirect)
        .then((callback) => fetch(callback))
        .then(async (res) => {
          assert.equal(res.status, 200);
          assert.match(await res.text(), /Authorization complete/);
          resolve();
        }, reject);
    });
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  await browsed;
  assert.equal(code, 0, stderr);
  assert.match(stdout, /"text": "demo-user"/);
});
