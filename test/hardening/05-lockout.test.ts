/**
 * Finding 5: lockout by filling tables. Empty `initialize`s filled the session table (503 with a misleading
 * `Retry-After: 5` for 30 minutes); silent TCP/WS sockets were never closed; in stateless mode one client
 * could exhaust the pending server→client table; live tasks were unbounded. Now: uninitialized sessions are
 * evicted first after a grace, quotas apply per client (principal, else peer address), `Retry-After` says when
 * room can be made, TCP/WS close idle sockets, and running tasks are bounded per principal.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { listRoots } from '../../src/server/input.js';
import { McpServer } from '../../src/server/mcp-server.js';
import { serveHttp } from '../../src/transports/http/index.js';
import { serveTcp } from '../../src/transports/tcp/index.js';
import { serveWebSocket } from '../../src/transports/ws/index.js';
import { assertPing, heapUsed, http, initializeBody, JSON_ACCEPT, LineClient, MiB, modern, openSession, sleep, until } from './helpers.js';

const ATTACKER = '127.0.0.2';
const USER = '127.0.0.3';

function makeServer(): McpServer {
  const server = new McpServer({ name: 'h5', version: '1' }, { tasks: { maxLiveTasksPerPrincipal: 20 } });
  server.registerTool('roots', {}, async (_a, ctx) => ({ content: [{ type: 'text', text: JSON.stringify(await ctx.input({ r: listRoots() })) }] }));
  server.registerTool('hour', { execution: { taskSupport: 'optional' } }, (_a, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve({ content: [] }))));
  return server;
}

describe('finding 5: lockout by filling tables', () => {
  test('200 empty initializes from one address hit its quota (429, honest Retry-After); another address still gets a session', async () => {
    const h = await serveHttp(makeServer(), { port: 0, keepAliveMs: 0, maxSessionsPerClient: 50, sessionIdleTimeoutMs: 120_000 });
    try {
      const statuses: number[] = [];
      let retryAfter: string | undefined;
      for (let i = 0; i < 200; i++) {
        const r = await http(h.url, { headers: JSON_ACCEPT, body: initializeBody(i), localAddress: ATTACKER });
        statuses.push(r.status);
        if (r.status === 429) retryAfter = String(r.headers['retry-after']);
      }
      assert.equal(statuses.filter((s) => s === 200).length, 50);
      assert.equal(statuses.filter((s) => s === 429).length, 150);
      // The attacker's oldest session becomes evictable when its 10 s grace (no notifications/initialized) ends.
      assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 10, `Retry-After ${retryAfter}`);
      const user = await openSession(h.url, { localAddress: USER });
      assert.equal(user.status, 200);
      assert.equal(h.handler.sessionCount, 51);
      await assertPing(h.url);
    } finally {
      await h.close();
    }
  });

  test('a table full of never-initialized sessions makes room after the grace; before it, 503 with a Retry-After within the grace', async () => {
    const grace = 5000;
    const h = await serveHttp(makeServer(), { port: 0, keepAliveMs: 0, maxSessions: 100, uninitializedSessionGraceMs: grace });
    try {
      const started = Date.now();
      let firstBatchDone = 0;
      for (let i = 0; i < 100; i += 20) {
        const batch = await Promise.all(Array.from({ length: 20 }, (_, k) => http(h.url, { headers: JSON_ACCEPT, body: initializeBody(i + k), localAddress: ATTACKER })));
        for (const r of batch) assert.equal(r.status, 200);
        firstBatchDone ||= Date.now(); // every session of the first batch was created before this
      }
      const early = await openSession(h.url, { localAddress: USER });
      if (Date.now() - started < grace) {
        assert.equal(early.status, 503);
        const wait = Number(early.headers['retry-after']);
        assert.ok(wait >= 1 && wait <= grace / 1000, `Retry-After ${wait}`);
      }
      await sleep(Math.max(0, firstBatchDone + grace + 100 - Date.now()));
      const later = await openSession(h.url, { localAddress: USER });
      assert.equal(later.status, 200, 'an uninitialized session past its grace was evicted');
      assert.equal(h.handler.sessionCount, 100);
      await assertPing(h.url);
    } finally {
      await h.close();
    }
  });

  test('TCP and WebSocket close 30 silent sockets after idleTimeoutMs; an active socket is kept', async () => {
    const server = makeServer();
    const tcp = await serveTcp(server, { idleTimeoutMs: 300 });
    const ws = await serveWebSocket(server, { idleTimeoutMs: 300, keepAliveMs: 0 });
    try {
      const silent = Array.from({ length: 30 }, () => new LineClient(tcp.port, ATTACKER));
      const sockets = Array.from({ length: 30 }, () => new WebSocket(ws.url, 'mcp'));
      const wsClosed = sockets.map((s) => new Promise<number>((r) => s.once('close', (code) => r(code))));
      await until(() => tcp.connections === 30 && ws.connections === 30);
      const active = new LineClient(tcp.port, USER);
      await active.ready;
      const pinger = setInterval(() => active.send({ jsonrpc: '2.0', id: 'p', method: 'ping' }), 50);
      await until(() => silent.every((c) => c.closed), 10_000);
      const codes = await Promise.all(wsClosed);
      assert.ok(codes.every((c) => c === 1000), `close codes ${[...new Set(codes)].join(',')}`);
      clearInterval(pinger);
      assert.equal(active.closed, false, 'the socket that keeps talking is kept');
      assert.equal(tcp.connections, 1);
      active.end();
    } finally {
      await tcp.close();
      await ws.close();
    }
  });

  test('TCP and WebSocket refuse a sixth connection from one address past maxConnectionsPerClient; another address connects', async () => {
    const server = makeServer();
    const tcp = await serveTcp(server, { maxConnectionsPerClient: 5, idleTimeoutMs: 0 });
    const ws = await serveWebSocket(server, { maxConnectionsPerClient: 5, keepAliveMs: 0, idleTimeoutMs: 0 });
    const clients: LineClient[] = [];
    const sockets: WebSocket[] = [];
    try {
      for (let i = 0; i < 5; i++) clients.push(new LineClient(tcp.port, ATTACKER));
      await until(() => tcp.connections === 5);
      const extra = new LineClient(tcp.port, ATTACKER);
      clients.push(extra);
      await extra.waitLines(1);
      assert.equal(extra.lines[0].error.code, -32000);
      assert.match(extra.lines[0].error.message, /maxConnectionsPerClient/);
      const other = new LineClient(tcp.port, USER);
      clients.push(other);
      other.send({ jsonrpc: '2.0', id: 'p', method: 'ping' });
      await other.waitLines(1);
      assert.deepEqual(other.lines[0], { jsonrpc: '2.0', id: 'p', result: {} });
      for (let i = 0; i < 5; i++) sockets.push(new WebSocket(ws.url, 'mcp', { localAddress: ATTACKER }));
      await until(() => ws.connections === 5);
      const status = await new Promise<number>((resolve) => {
        const s = new WebSocket(ws.url, 'mcp', { localAddress: ATTACKER });
        s.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        s.on('error', () => undefined);
      });
      assert.equal(status, 429);
      const ok = new WebSocket(ws.url, 'mcp', { localAddress: USER });
      sockets.push(ok);
      await new Promise((r) => ok.once('open', r));
    } finally {
      for (const c of clients) c.end();
      for (const s of sockets) s.terminate();
      await tcp.close();
      await ws.close();
    }
  });

  test('stateless mode: one address awaiting 30 sampling answers hits its pending quota; another client is still served', async () => {
    const h = await serveHttp(makeServer(), { port: 0, keepAliveMs: 0, sessions: false, maxPendingClientRequestsPerClient: 10 });
    const hdr = { ...JSON_ACCEPT, 'mcp-protocol-version': '2025-11-25' };
    const body = (id: number): string => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'roots', arguments: {} } });
    const { request } = await import('node:http');
    const open: { destroy(): void }[] = [];
    try {
      const firsts = await Promise.all(
        Array.from(
          { length: 30 },
          (_, i) =>
            new Promise<string>((resolve, reject) => {
              const req = request(h.url, { method: 'POST', headers: hdr, localAddress: ATTACKER, agent: false }, (res) => {
                let text = '';
                res.setEncoding('utf8');
                res.on('data', (c: string) => {
                  text += c;
                  if (text.includes('\n\n') || res.headers['content-type']?.includes('json')) resolve(text);
                });
                res.on('end', () => resolve(text));
              });
              req.on('error', reject);
              open.push(req);
              req.end(body(i));
            }),
        ),
      );
      const asked = firsts.filter((t) => t.includes('roots/list')).length;
      assert.equal(asked, 10, 'ten requests reached the client');
      assert.equal(firsts.filter((t) => t.includes('maxPendingClientRequestsPerClient')).length, 20, 'the rest fail with the quota named');
      const user = await new Promise<string>((resolve) => {
        const req = request(h.url, { method: 'POST', headers: hdr, localAddress: USER, agent: false }, (res) => {
          res.setEncoding('utf8');
          res.once('data', (c: string) => resolve(c));
        });
        open.push(req);
        req.end(body(99));
      });
      assert.match(user, /roots\/list/, 'another client still gets its server→client request');
      await assertPing(h.url);
    } finally {
      for (const r of open) r.destroy();
      await h.close();
    }
  });

  test('running tasks are bounded per principal: 25 one-hour task calls create 20 tasks and 5 get -32000, under 16 MiB', async () => {
    const h = await serveHttp(makeServer(), { port: 0, keepAliveMs: 0 });
    try {
      const base = await heapUsed();
      const codes: unknown[] = [];
      for (let i = 0; i < 25; i++) {
        const { headers, body } = modern(i, 'tools/call', {
          name: 'hour',
          arguments: {},
          _meta: { 'io.modelcontextprotocol/clientCapabilities': { extensions: { 'io.modelcontextprotocol/tasks': {} } } },
        });
        const r = await http(h.url, { headers, body });
        codes.push(r.json.result?.resultType === 'task' || r.json.result?.task ? 'task' : r.json.error?.code);
      }
      assert.equal(codes.filter((c) => c === 'task').length, 20, JSON.stringify(codes));
      assert.equal(codes.filter((c) => c === -32000).length, 5);
      const grown = (await heapUsed()) - base;
      assert.ok(grown < 16 * MiB, `heap grew ${(grown / MiB).toFixed(1)} MiB`);
      await assertPing(h.url);
    } finally {
      await h.close();
    }
  });
});
