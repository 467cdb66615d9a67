/**
 * The resource server (velomcp/auth/server) against real HTTP on loopback: PRM, challenges, JWT
 * verification with a JWKS served by a local listener, scopes per tool, and the attacks of issue #12.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type JWK } from 'jose';
import { McpServer } from '../../src/server/mcp-server.js';
import { elicit } from '../../src/index.js';
import { jwtVerifier, introspectionVerifier, createProtectedHttpHandler, createProtectedFetchHandler, parseWwwAuthenticate } from '../../src/auth/server/index.js';
import type { NodeHttpHandler } from '../../src/transports/http/index.js';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

const ISSUER = 'http://127.0.0.1:1/as'; // never contacted: the JWKS URL is given
let jwksServer: Server;
let jwksUrl: string;
let jwks: { keys: JWK[] } = { keys: [] };
let key1: KeyPair;
let key2: KeyPair;
let stranger: KeyPair;
let mcp: { close(): Promise<void> };
let resource: string;
let verifierCalls = 0;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function makeServer(): McpServer {
  const server = new McpServer({ name: 'protected', version: '1.0.0' });
  server.registerTool('whoami', { inputSchema: { type: 'object' } }, (_args, ctx) => ({ content: [{ type: 'text', text: ctx.principal }] }));
  server.registerTool('admin', { inputSchema: { type: 'object' } }, () => ({ content: [{ type: 'text', text: 'admin done' }] }));
  server.registerTool('ask', { inputSchema: { type: 'object' } }, async (_args, ctx) => {
    const { answer } = await ctx.input({ answer: elicit({ message: 'Sure?', requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } } }) });
    return { content: [{ type: 'text', text: `answered for ${ctx.principal}: ${JSON.stringify(answer?.content ?? null)}` }] };
  });
  return server;
}

async function token(claims: Record<string, unknown>, opts: { key?: KeyPair; kid?: string; exp?: string | number } = {}): Promise<string> {
  const jwt = new SignJWT({ scope: 'mcp:read', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: opts.kid ?? 'k1', typ: 'at+jwt' })
    .setIssuer((claims.iss as string) ?? ISSUER)
    .setAudience((claims.aud as string) ?? resource)
    .setSubject((claims.sub as string) ?? 'alice')
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? '5m');
  return jwt.sign((opts.key ?? key1).privateKey);
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', ...headers } }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

const call = (name: string) => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {}, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} } } });
const callHeaders = (name: string, tok?: string): Record<string, string> => ({ 'mcp-method': 'tools/call', 'mcp-name': name, ...(tok !== undefined && { authorization: `Bearer ${tok}` }) });

function challengeOf(a: Answer): Record<string, string> {
  const c = parseWwwAuthenticate(a.headers['www-authenticate'] as string | undefined);
  assert.equal(c[0]?.scheme, 'bearer', `a Bearer challenge: ${String(a.headers['www-authenticate'])}`);
  return c[0]!.params;
}

before(async () => {
  key1 = await generateKeyPair('ES256');
  key2 = await generateKeyPair('ES256');
  stranger = await generateKeyPair('ES256');
  jwks = { keys: [{ ...(await exportJWK(key1.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] };
  jwksServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(jwks));
  });
  jwksUrl = `${await listen(jwksServer)}/jwks`;
  // The resource identifier names the port, so listen first and install the handler after.
  let handler: NodeHttpHandler | undefined;
  const http = createServer((req, res) => handler!(req, res));
  resource = `${await listen(http)}/mcp`;
  const jwt = jwtVerifier({ issuer: ISSUER, audience: resource, jwksUri: jwksUrl, jwksCooldownMs: 0 });
  handler = createProtectedHttpHandler(makeServer(), {
    auth: {
      resource,
      authorizationServers: [ISSUER],
      verifier: (t) => {
        verifierCalls++;
        return jwt(t);
      },
      requiredScopes: ['mcp:read'],
      scopes: { tools: { admin: ['mcp:admin'] } },
    },
  });
  mcp = {
    close: async () => {
      handler!.close();
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
    },
  };
});

after(async () => {
  await mcp.close();
  await new Promise((r) => jwksServer.close(r));
});

describe('resource server: metadata and challenges', () => {
  test('PRM is served at the path-inserted and the root well-known URL, with no offline_access', async () => {
    const origin = new URL(resource).origin;
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const res = await fetch(`${origin}${path}`);
      assert.equal(res.status, 200, path);
      const prm = (await res.json()) as Record<string, unknown>;
      assert.equal(prm.authorization_servers && (prm.authorization_servers as string[])[0], ISSUER);
      assert.deepEqual(prm.scopes_supported, ['mcp:read', 'mcp:admin']);
      assert.deepEqual(prm.bearer_methods_supported, ['header']);
    }
  });

  test('no token: 401 with a Bearer challenge naming resource_metadata and the base scope, and no error code', async () => {
    const a = await post(resource, call('whoami'), callHeaders('whoami'));
    assert.equal(a.status, 401);
    const p = challengeOf(a);
    assert.equal(p.resource_metadata, `${new URL(resource).origin}/.well-known/oauth-protected-resource/mcp`);
    assert.equal(p.scope, 'mcp:read');
    assert.equal(p.error, undefined);
  });

  test('a valid token reaches the tool, whose context carries the verified subject as principal', async () => {
    const a = await post(resource, call('whoami'), callHeaders('whoami', await token({ sub: 'alice' })));
    assert.equal(a.status, 200, a.body);
    assert.match(a.body, /"text":"alice"/);
  });

  test('a tool needing mcp:admin answers 403 insufficient_scope naming every needed scope; with it, the call succeeds', async () => {
    const a = await post(resource, call('admin'), callHeaders('admin', await token({})));
    assert.equal(a.status, 403);
    const p = challengeOf(a);
    assert.equal(p.error, 'insufficient_scope');
    assert.deepEqual(p.scope?.split(' ').sort(), ['mcp:admin', 'mcp:read']);
    assert.ok(p.resource_metadata);
    const b = await post(resource, call('admin'), callHeaders('admin', await token({ scope: 'mcp:read mcp:admin' })));
    assert.equal(b.status, 200, b.body);
    assert.match(b.body, /admin done/);
  });
});

describe('resource server: refused tokens (each 401 invalid_token)', () => {
  const refused = async (tok: string, why: RegExp): Promise<void> => {
    const a = await post(resource, call('whoami'), callHeaders('whoami', tok));
    assert.equal(a.status, 401, a.body);
    const p = challengeOf(a);
    assert.equal(p.error, 'invalid_token');
    assert.match(p.error_description ?? '', why);
    assert.doesNotMatch(a.body, /"text":/, 'the tool never ran');
  };

  test('expired', async () => refused(await token({}, { exp: Math.floor(Date.now() / 1000) - 3600 }), /exp/));
  test('issued for another resource (wrong audience)', async () => refused(await token({ aud: 'http://127.0.0.1:9/other' }), /aud/));
  test('from another issuer', async () => refused(await token({ iss: 'http://127.0.0.1:2/evil' }), /iss/));
  test('unsigned (alg: none)', async () => {
    const unsigned = new UnsecuredJWT({ scope: 'mcp:read' }).setIssuer(ISSUER).setAudience(resource).setSubject('mallory').setExpirationTime('5m').encode();
    await refused(unsigned, /alg|Unsupported|JWS/i);
  });
  test('signed by a key the issuer does not publish', async () => refused(await token({}, { key: stranger, kid: 'k1' }), /signature/));
  test('garbage', async () => refused('not.a.jwt', /Invalid|JWS|JWT/i));
  test('DPoP-bound (cnf.jkt) but presented as Bearer', async () => refused(await token({ cnf: { jkt: 'abc' } }), /DPoP-bound/));

  test('an oversized token is refused without being verified', async () => {
    const before = verifierCalls;
    const a = await post(resource, call('whoami'), callHeaders('whoami', 'a'.repeat(9000)));
    assert.equal(a.status, 401);
    assert.match(challengeOf(a).error_description ?? '', /longer than 8192/);
    assert.equal(verifierCalls, before);
  });

  test('an oversized header block is refused by the HTTP layer (431) before any verification', async () => {
    const before = verifierCalls;
    const a = await post(resource, call('whoami'), { ...callHeaders('whoami', await token({})), 'x-filler': 'b'.repeat(20_000) });
    assert.equal(a.status, 431);
    assert.equal(verifierCalls, before);
  });

  test('a non-Bearer scheme is refused with invalid_request', async () => {
    const a = await post(resource, call('whoami'), { ...callHeaders('whoami'), authorization: 'Basic YTpi' });
    assert.equal(a.status, 401);
    assert.equal(challengeOf(a).error, 'invalid_request');
  });
});

describe('resource server: key rotation and introspection', () => {
  test('a token signed with a newly published key is accepted once the JWKS lists it (refetch on unknown kid)', async () => {
    const tok = await token({ sub: 'bob' }, { key: key2, kid: 'k2' });
    const first = await post(resource, call('whoami'), callHeaders('whoami', tok));
    assert.equal(first.status, 401, 'unknown key before rotation');
    jwks = { keys: [...jwks.keys, { ...(await exportJWK(key2.publicKey)), kid: 'k2', alg: 'ES256', use: 'sig' }] };
    const second = await post(resource, call('whoami'), callHeaders('whoami', tok));
    assert.equal(second.status, 200, second.body);
    assert.match(second.body, /"text":"bob"/);
  });

  test('introspection: active tokens for this audience pass; inactive, foreign-audience and expired answers are refused', async () => {
    const answers: Record<string, Record<string, unknown>> = {
      good: { active: true, sub: 'carol', scope: 'mcp:read', aud: 'urn:me', iss: 'http://127.0.0.1/as', exp: Math.floor(Date.now() / 1000) + 60 },
      inactive: { active: false },
      foreign: { active: true, sub: 'dave', aud: 'urn:other', exp: Math.floor(Date.now() / 1000) + 60 },
      expired: { active: true, sub: 'erin', aud: 'urn:me', exp: Math.floor(Date.now() / 1000) - 5 },
    };
    let auth = '';
    const as = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        auth = req.headers.authorization ?? '';
        const tok = new URLSearchParams(body).get('token') ?? '';
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answers[tok] ?? { active: false }));
      });
    });
    const base = await listen(as);
    try {
      const v = introspectionVerifier({ issuer: 'http://127.0.0.1/as', introspectionEndpoint: `${base}/introspect`, clientId: 'rs', clientSecret: 's3cret', audience: 'urn:me' });
      const info = await v('good');
      assert.equal(info.subject, 'carol');
      assert.deepEqual(info.scopes, ['mcp:read']);
      assert.equal(auth, `Basic ${Buffer.from('rs:s3cret').toString('base64')}`);
      for (const bad of ['inactive', 'foreign', 'expired']) await assert.rejects(v(bad), { name: 'InvalidTokenError' }, bad);
    } finally {
      await new Promise((r) => as.close(r));
    }
  });
});

describe('resource server: sessions bound to their principal', () => {
  const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } };
  const legacy = (tok: string, sid?: string): Record<string, string> => ({ authorization: `Bearer ${tok}`, 'mcp-protocol-version': '2025-11-25', ...(sid !== undefined && { 'mcp-session-id': sid }) });

  test("another principal presenting a legacy session's id gets 404, the owner keeps using it", async () => {
    const alice = await token({ sub: 'alice' });
    const created = await post(resource, init, legacy(alice));
    assert.equal(created.status, 200, created.body);
    const sid = created.headers['mcp-session-id'] as string;
    assert.ok(sid, 'a session id was issued');
    const list = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} };
    const hijack = await post(resource, list, legacy(await token({ sub: 'mallory' }), sid));
    assert.equal(hijack.status, 404);
    assert.match(hijack.body, /Session not found/);
    const owner = await post(resource, list, legacy(alice, sid));
    assert.equal(owner.status, 200, owner.body);
    assert.match(owner.body, /whoami/);
  });
});

describe('resource server: MRTR requestState bound to the principal', () => {
  test("another principal cannot complete a request with alice's requestState; alice can", async () => {
    const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } };
    const ask = (extra: object) => ({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'ask', arguments: {}, _meta: meta, ...extra } });
    const alice = await token({ sub: 'alice' });
    const first = await post(resource, ask({}), callHeaders('ask', alice));
    assert.equal(first.status, 200, first.body);
    const result = (JSON.parse(first.body.startsWith('{') ? first.body : first.body.split('data: ').pop()!) as { result: { resultType: string; requestState: string } }).result;
    assert.equal(result.resultType, 'input_required');
    const retry = ask({ requestState: result.requestState, inputResponses: { answer: { action: 'accept', content: { ok: true } } } });
    const stolen = await post(resource, retry, callHeaders('ask', await token({ sub: 'mallory' })));
    assert.doesNotMatch(stolen.body, /answered for/, `mallory must not complete alice's request: ${stolen.body}`);
    assert.match(stolen.body, /"error"/);
    const own = await post(resource, retry, callHeaders('ask', alice));
    assert.match(own.body, /answered for alice: \{\\"ok\\":true\}/);
  });
});

describe('resource server: configuration', () => {
  test('the legacy HTTP+SSE transport is refused behind authorization (its sessions cannot be bound)', () => {
    assert.throws(() => createProtectedHttpHandler(makeServer(), { legacySse: true, auth: { resource: 'http://127.0.0.1/mcp', authorizationServers: [ISSUER], verifier: async () => assert.fail('unused') } }), { code: 'VELO_INVALID_CONFIG' });
  });

  test('a resource identifier with a fragment is refused (RFC 8707 §2)', () => {
    assert.throws(() => createProtectedHttpHandler(makeServer(), { auth: { resource: 'http://127.0.0.1/mcp#x', authorizationServers: [ISSUER], verifier: async () => assert.fail('unused') } }), TypeError);
  });
});

describe('resource server: the fetch (Request/Response) handler', () => {
  const FETCH_RESOURCE = 'https://mcp.example/mcp';
  const h = (): ReturnType<typeof createProtectedFetchHandler> =>
    createProtectedFetchHandler(makeServer(), {
      auth: { resource: FETCH_RESOURCE, authorizationServers: [ISSUER], verifier: jwtVerifier({ issuer: ISSUER, audience: FETCH_RESOURCE, jwksUri: jwksUrl }), requiredScopes: ['mcp:read'], scopes: { tools: { admin: ['mcp:admin'] } } },
    });
  const req = (name: string, tok?: string): Request =>
    new Request(FETCH_RESOURCE, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', ...callHeaders(name, tok) }, body: JSON.stringify(call(name)) });

  test('PRM, 401 without a token, the principal with one, 403 for a missing scope, and a token for another resource refused', async () => {
    const handler = h();
    try {
      const prm = await handler.fetch(new Request('https://mcp.example/.well-known/oauth-protected-resource/mcp'));
      assert.equal(((await prm.json()) as { resource: string }).resource, FETCH_RESOURCE);
      const none = await handler.fetch(req('whoami'));
      assert.equal(none.status, 401);
      assert.match(none.headers.get('www-authenticate') ?? '', /resource_metadata="https:\/\/mcp\.example\/\.well-known\/oauth-protected-resource\/mcp"/);
      const ok = await handler.fetch(req('whoami', await token({ sub: 'zoe', aud: FETCH_RESOURCE })));
      assert.equal(ok.status, 200);
      assert.match(await ok.text(), /"text":"zoe"/);
      const forbidden = await handler.fetch(req('admin', await token({ aud: FETCH_RESOURCE })));
      assert.equal(forbidden.status, 403);
      assert.match(forbidden.headers.get('www-authenticate') ?? '', /insufficient_scope/);
      const other = await handler.fetch(req('whoami', await token({})));
      assert.equal(other.status, 401, 'a token for the node server resource is not valid here');
    } finally {
      handler.close();
    }
  });
});
