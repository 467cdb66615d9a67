/**
 * No token passthrough through a mount (MCP `basic/security_best_practices`, "Token Passthrough"; the
 * authorization spec forbids a server to pass the token it received on to an upstream): a downstream client's
 * `Authorization` header and cookies never reach an HTTP upstream, which sees only the headers configured
 * on the mount, in both upstream eras; per-principal connections stay apart.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { McpClient, StreamableHttpClientTransport } from '../../src/client/index.js';
import { McpServer } from '../../src/server/mcp-server.js';
import { serveHttp, type HttpServerHandle } from '../../src/transports/http/index.js';
import { mount } from '../../src/orchestration/index.js';
import { createUpstream } from './fixtures/upstream.js';
import { text } from './helpers.js';

const SECRET = 'Bearer downstream-secret-token';

describe('credentials through a mount', () => {
  const seen: IncomingHttpHeaders[] = [];
  let upstream: HttpServerHandle | undefined;
  after(async () => upstream?.close());

  for (const era of ['legacy', 'auto'] as const) {
    test(`upstream ${era === 'auto' ? 'modern' : 'legacy'} era: the downstream Authorization and Cookie headers never reach the upstream; the mount's own headers do`, async () => {
      upstream ??= await serveHttp(createUpstream('http-upstream').server, { host: '127.0.0.1', port: 0 });
      upstream.httpServer.prependListener('request', (req) => void seen.push(req.headers));
      seen.length = 0;
      const gateway = new McpServer({ name: 'gw', version: '1' });
      const m = await mount(gateway, 'up', { url: upstream.url, headers: { authorization: 'Bearer gateway-own-token' } }, { era });
      // The downstream client reaches the gateway over HTTP with its own token and a cookie; the gateway's
      // principal is taken from that token, as a resource server would.
      const front = await serveHttp(gateway, { host: '127.0.0.1', port: 0, principal: (req) => ((req as { headers: IncomingHttpHeaders }).headers.authorization ? 'alice' : undefined) });
      const client = new McpClient({ name: 'downstream', version: '1' }, { era: 'legacy' });
      await client.connect(new StreamableHttpClientTransport(front.url, { headers: { authorization: SECRET, cookie: 'sid=downstream-cookie' } }));
      assert.equal(text(await client.callTool({ name: 'up_echo', arguments: { text: 'hi' } })), 'hi');
      await client.close();
      await front.close();
      await m.close();
      assert.ok(seen.length > 0, 'the upstream was called over HTTP');
      for (const h of seen) {
        assert.equal(h.authorization, 'Bearer gateway-own-token', 'only the header configured on the mount');
        assert.equal(h.cookie, undefined);
        assert.ok(!JSON.stringify(h).includes('downstream-secret-token'), 'the downstream token is nowhere in the upstream request headers');
      }
    });
  }
});
