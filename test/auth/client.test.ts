/**
 * The OAuth client (velomcp/auth/client) against a scriptable mock resource and authorization server on
 * loopback: what it refuses (a PRM for another resource, an AS whose issuer does not match its metadata
 * URL, no PKCE S256, plain HTTP to a remote AS, non-loopback redirect URIs) and the step-up limit.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { authorizationServerMetadataUrls, OAuthClient, parseWwwAuthenticate, resourceMatches, resourceMetadataUrls, type OAuthClientOptions } from '../../src/auth/client/index.js';
import { McpClient } from '../../src/client/index.js';
import { VeloError } from '../../src/jsonrpc/errors.js';

interface Script {
  prmResource?: (base: string) => string;
  authorizationServers?: (base: string) => string[];
  asIssuer?: (base: string) => string;
  pkce?: boolean;
  /** Answer 403 insufficient_scope to every authorized request. */
  alwaysForbidden?: boolean;
}

let server: Server;
let base = '';
let script: Script = {};
const hits: string[] = [];
const grants: string[] = [];

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', base);
  hits.push(`${req.method} ${url.pathname}`);
  const prmUrl = `${base}/.well-known/oauth-protected-resource/mcp`;
  switch (url.pathname) {
    case '/mcp': {
      req.resume();
      if (!req.headers.authorization) return json(res, 401, { error: 'unauthorized' }, { 'www-authenticate': `Bearer resource_metadata="${prmUrl}", scope="read"` });
      if (script.alwaysForbidden) return json(res, 403, { error: 'insufficient_scope' }, { 'www-authenticate': `Bearer error="insufficient_scope", scope="read admin", resource_metadata="${prmUrl}"` });
      return json(res, 500, {});
    }
    case '/.well-known/oauth-protected-resource/mcp':
      return json(res, 200, { resource: script.prmResource?.(base) ?? `${base}/mcp`, authorization_servers: script.authorizationServers?.(base) ?? [`${base}/as`] });
    case '/.well-known/oauth-authorization-server/as':
      return json(res, 200, {
        issuer: script.asIssuer?.(base) ?? `${base}/as`,
        authorization_endpoint: `${base}/as/authorize`,
        token_endpoint: `${base}/as/token`,
        response_types_supported: ['code'],
        ...(script.pkce !== false && { code_challenge_methods_supported: ['S256'] }),
      });
    case '/as/authorize': {
      const target = new URL(url.searchParams.get('redirect_uri')!);
      target.searchParams.set('code', 'c0de');
      target.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: target.href });
      return void res.end();
    }
    case '/as/token': {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        grants.push(`${form.get('grant_type')} resource=${form.get('resource')}`);
        if (form.get('grant_type') === 'refresh_token') {
          if (form.get('refresh_token') !== 'r1') return json(res, 400, { error: 'invalid_grant' });
          return json(res, 200, { access_token: 'tok-refreshed', token_type: 'Bearer', expires_in: 3600 });
        }
        json(res, 200, { access_token: `tok-${hits.length}`, token_type: 'Bearer', expires_in: 3600, refresh_token: 'r1' });
      });
      return;
    }
    default:
      req.resume();
      return json(res, 404, {});
  }
}

before(async () => {
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const userAgent = async (url: URL): Promise<URL> => {
  const res = await fetch(url, { redirect: 'manual' });
  await res.body?.cancel();
  return new URL(res.headers.get('location')!, url);
};

function options(extra: Partial<OAuthClientOptions> = {}): OAuthClientOptions {
  return { grant: { type: 'authorization_code', redirectUri: 'http://127.0.0.1:9/cb', userAgent }, client: { clientId: 'pre' }, ...extra };
}

async function connectFails(s: Script, why: RegExp, extra: Partial<OAuthClientOptions> = {}): Promise<string[]> {
  script = s;
  hits.length = 0;
  const client = new McpClient({ name: 't', version: '1' }, { era: 'legacy', requestTimeoutMs: 20_000, reconnect: false, http: { auth: new OAuthClient(options(extra)) } });
  try {
    await assert.rejects(client.connect(`${base}/mcp`), (err: unknown) => {
      assert.ok(err instanceof VeloError, String(err));
      assert.equal(err.code, 'VELO_UNAUTHORIZED', err.message);
      assert.match(err.message, why);
      return true;
    });
  } finally {
    await client.close();
  }
  return [...hits];
}

describe('OAuth client refuses', () => {
  test('a PRM whose resource is another server: no AS is contacted', async () => {
    const seen = await connectFails({ prmResource: () => 'http://127.0.0.1:1/other' }, /names resource .*other/);
    assert.ok(!seen.some((h) => h.includes('/as')), seen.join(', '));
  });

  test('a PRM for a sibling path of the same origin', async () => {
    await connectFails({ prmResource: (b) => `${b}/mcp-admin` }, /names resource/);
  });

  test('AS metadata whose issuer differs from the identifier it was fetched for (RFC 8414 §3.3): no authorization request', async () => {
    const seen = await connectFails({ asIssuer: () => 'http://127.0.0.1:1/evil' }, /issuer .*evil.*expected/);
    assert.ok(!seen.includes('GET /as/authorize'), seen.join(', '));
  });

  test('an AS that does not advertise PKCE S256', async () => {
    const seen = await connectFails({ pkce: false }, /PKCE S256/);
    assert.ok(!seen.includes('GET /as/authorize'));
  });

  test('plain HTTP to an authorization server that is not on loopback', async () => {
    await connectFails({ authorizationServers: () => ['http://as.example.invalid'] }, /plain-HTTP/);
  });

  test('a redirect URI that is neither HTTPS, loopback HTTP nor a private-use scheme', () => {
    for (const bad of ['http://evil.example/cb', 'http://192.168.1.10/cb', 'javascript:alert(1)']) {
      assert.throws(() => new OAuthClient(options({ grant: { type: 'authorization_code', redirectUri: bad, userAgent } })), { code: 'VELO_INVALID_CONFIG' }, bad);
    }
    for (const good of ['https://app.example/cb', 'http://127.0.0.1:8080/cb', 'http://[::1]:8080/cb', 'com.example.app:/cb']) {
      assert.doesNotThrow(() => new OAuthClient(options({ grant: { type: 'authorization_code', redirectUri: good, userAgent } })), good);
    }
  });

  test('endless 403 insufficient_scope: stops after maxStepUps re-authorizations', async () => {
    const seen = await connectFails({ alwaysForbidden: true }, /Step-up authorization limit reached \(2\)/, { maxStepUps: 2 });
    assert.equal(seen.filter((h) => h === 'GET /as/authorize').length, 3, `1 authorization + 2 step-ups: ${seen.join(', ')}`);
  });
});

describe('OAuth client token lifecycle (the hook driven directly)', () => {
  test('first 401 runs the code flow; a later 401 invalid_token uses the refresh token, not a new authorization', async () => {
    script = {};
    hits.length = 0;
    grants.length = 0;
    const auth = new OAuthClient(options());
    const url = new URL(`${base}/mcp`);
    const prm = `${base}/.well-known/oauth-protected-resource/mcp`;
    assert.deepEqual(await auth.headers({ method: 'POST', url }), {}, 'no token before the first challenge');
    assert.equal(await auth.challenge({ method: 'POST', url, status: 401, attempt: 0, headers: { 'www-authenticate': `Bearer resource_metadata="${prm}"` } }), true);
    const first = (await auth.headers({ method: 'POST', url })).authorization;
    assert.match(first ?? '', /^Bearer tok-\d+$/);
    assert.equal(await auth.challenge({ method: 'POST', url, status: 401, attempt: 0, headers: { 'www-authenticate': `Bearer error="invalid_token", resource_metadata="${prm}"` } }), true);
    assert.equal((await auth.headers({ method: 'POST', url })).authorization, 'Bearer tok-refreshed');
    assert.equal(hits.filter((h) => h === 'GET /as/authorize').length, 1, 'one user authorization only');
    assert.deepEqual(grants, [`authorization_code resource=${base}/mcp`, `refresh_token resource=${base}/mcp`], 'RFC 8707 resource on both token requests');
  });

  test('concurrent 401s share one authorization', async () => {
    script = {};
    hits.length = 0;
    const auth = new OAuthClient(options());
    const url = new URL(`${base}/mcp`);
    const h = { 'www-authenticate': `Bearer resource_metadata="${base}/.well-known/oauth-protected-resource/mcp"` };
    const results = await Promise.all([1, 2, 3].map(() => auth.challenge({ method: 'POST', url, status: 401, attempt: 0, headers: h })));
    assert.deepEqual(results, [true, true, true]);
    assert.equal(hits.filter((x) => x === 'GET /as/authorize').length, 1);
  });
});

describe('WWW-Authenticate parsing', () => {
  test('several challenges, quoted values with commas and escapes, unquoted values, case-insensitive names', () => {
    const c = parseWwwAuthenticate('Basic realm="x", Bearer error="insufficient_scope", Scope="a b, c", resource_metadata=https://h/.well-known/x, error_description="say \\"hi\\""');
    assert.deepEqual(c.map((x) => x.scheme), ['basic', 'bearer']);
    assert.deepEqual(c[1]!.params, { error: 'insufficient_scope', scope: 'a b, c', resource_metadata: 'https://h/.well-known/x', error_description: 'say "hi"' });
  });

  test('repeated headers (Node gives an array) and garbage do not throw', () => {
    assert.deepEqual(parseWwwAuthenticate(['DPoP error="use_dpop_nonce"', 'Bearer']).map((x) => x.scheme), ['dpop', 'bearer']);
    assert.deepEqual(parseWwwAuthenticate('=,,"'), []);
    assert.equal(parseWwwAuthenticate('Bearer x="' + 'y'.repeat(20_000)).length, 1, 'an unterminated, oversized value is cut, not fatal');
  });
});

describe('discovery order and resource matching', () => {
  test('AS metadata URLs follow the MCP order: RFC 8414 and OIDC path-inserted, then OIDC path-appended', () => {
    assert.deepEqual(authorizationServerMetadataUrls(new URL('https://as.example/tenant1')).map(String), [
      'https://as.example/.well-known/oauth-authorization-server/tenant1',
      'https://as.example/.well-known/openid-configuration/tenant1',
      'https://as.example/tenant1/.well-known/openid-configuration',
    ]);
    assert.deepEqual(authorizationServerMetadataUrls(new URL('https://as.example')).map(String), [
      'https://as.example/.well-known/oauth-authorization-server',
      'https://as.example/.well-known/openid-configuration',
    ]);
  });

  test('PRM URLs: the challenge hint first, then path-aware, then root', () => {
    assert.deepEqual(resourceMetadataUrls(new URL('https://mcp.example/v1/mcp'), 'https://mcp.example/prm').map(String), [
      'https://mcp.example/prm',
      'https://mcp.example/.well-known/oauth-protected-resource/v1/mcp',
      'https://mcp.example/.well-known/oauth-protected-resource',
    ]);
  });

  test('a PRM resource matches its own endpoint, its origin, or a parent path; nothing else', () => {
    const ep = new URL('https://mcp.example/v1/mcp');
    for (const ok of ['https://mcp.example/v1/mcp', 'https://mcp.example', 'https://mcp.example/', 'https://mcp.example/v1', 'https://MCP.example/v1/mcp/']) assert.ok(resourceMatches(ok, ep), ok);
    for (const bad of ['https://mcp.example/v1/mcp2', 'https://mcp.example/v2', 'http://mcp.example/v1/mcp', 'https://mcp.example:444/v1/mcp', 'https://evil.example/v1/mcp', 'https://mcp.example/v1/mcp#x', 'not a url']) assert.ok(!resourceMatches(bad, ep), bad);
  });
});
