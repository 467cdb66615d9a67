/**
 * The WebSocket transport (velomcp extension): subprotocol `mcp`, one message per text frame, both eras per
 * socket, close codes, Origin checks, limits, keep-alive, shutdown drain, and no leaked sockets or timers.
 * Everything binds 127.0.0.1.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { McpServer } from '../../src/server/mcp-server.js';
import { createHttpHandler } from '../../src/transports/http/index.js';
import { attachWebSocket, serveWebSocket, WebSocketClientTransport, UNAVAILABLE_CODE, type ServeWebSocketOptions } from '../../src/transports/ws/index.js';
import type { ClientTransport, TransportCloseInfo } from '../../src/client/transport.js';

const MODERN_META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };

interface Probe {
  aborted: string[];
  started: string[];
}

function makeServer(probe: Probe = { aborted: [], started: [] }): McpServer {
  const server = new McpServer({ name: 'ws-test', version: '1.0.0' });
  server.registerTool('echo', { inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }, (a: { text?: string }) => ({ content: [{ type: 'text', text: a.text ?? '' }] }));
  server.registerTool('big', { inputSchema: { type: 'object', properties: { bytes: { type: 'integer' } } } }, (a: { bytes?: number }) => ({ content: [{ type: 'text', text: 'x'.repeat(a.bytes ?? 1024) }] }));
  server.registerTool('progress', {}, async (_a, ctx) => {
    ctx.progress(1, 2);
    await new Promise((r) => setTimeout(r, 5));
    ctx.progress(2, 2);
    return { content: [{ type: 'text', text: 'progressed' }] };
  });
  server.registerTool('slow', { inputSchema: { type: 'object', properties: { ms: { type: 'integer' } } } }, (a: { ms?: number }, ctx) =>
    new Promise((resolve) => {
      probe.started.push(String(ctx.requestId));
      const t = setTimeout(() => resolve({ content: [{ type: 'text', text: 'slow done' }] }), a.ms ?? 100);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(t);
        probe.aborted.push(String(ctx.requestId));
        resolve({ content: [] });
      });
    }),
  );
  server.registerTool('hang', {}, (_a, ctx) =>
    new Promise((resolve) => {
      probe.started.push(String(ctx.requestId));
      ctx.signal.addEventListener('abort', () => {
        probe.aborted.push(String(ctx.requestId));
        resolve({ content: [] });
      });
    }),
  );
  return server;
}

class Peer {
  readonly messages: any[] = [];
  readonly errors: Error[] = [];
  closeInfo: TransportCloseInfo | undefined;
  closes = 0;
  constructor(readonly transport: ClientTransport) {
    transport.onmessage = (m) => this.messages.push(m);
    transport.onerror = (e) => this.errors.push(e);
    transport.onclose = (info) => {
      this.closes++;
      this.closeInfo = info;
    };
  }
  async waitFor<T>(pred: () => T | undefined | false, ms = 3000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = pred();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out; messages: ${JSON.stringify(this.messages).slice(0, 500)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  answer(id: number | string, ms?: number): Promise<any> {
    return this.waitFor(() => this.messages.find((m) => m.id === id && ('result' in m || 'error' in m)), ms);
  }
  async request(id: number, method: string, params: object = {}): Promise<any> {
    await this.transport.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    return this.answer(id);
  }
  modern(id: number, method: string, params: object = {}): Promise<any> {
    return this.request(id, method, { ...params, _meta: MODERN_META });
  }
}

const until = async (pred: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

async function setup(options: ServeWebSocketOptions = {}, probe?: Probe) {
  const server = makeServer(probe);
  const handle = await serveWebSocket(server, { port: 0, ...options });
  return { server, handle };
}

/** A raw `ws` client; resolves once open (or with the refusal). */
function rawClient(url: string, protocols: string[] = ['mcp'], options: ConstructorParameters<typeof WebSocket>[2] = {}) {
  const ws = new WebSocket(url, protocols, options);
  const messages: any[] = [];
  let close: { code: number; reason: string } | undefined;
  ws.on('message', (d) => messages.push(JSON.parse(String(d))));
  ws.on('close', (code, reason) => (close = { code, reason: reason.toString() }));
  ws.on('error', () => {});
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
  return { ws, messages, opened, closed: () => close };
}

const call = (id: number | string, name: string, args: object = {}): string => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, _meta: MODERN_META } });

describe('WebSocket transport: happy paths', () => {
  test('legacy era over WebSocketClientTransport: initialize, initialized, tools/call, progress', async () => {
    const { handle } = await setup();
    assert.match(handle.url, /^ws:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const transport = new WebSocketClientTransport(handle.url);
    const peer = new Peer(transport);
    await transport.start();
    assert.equal(transport.protocol, 'mcp');
    const init = await peer.request(1, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } });
    assert.equal(init.result.serverInfo.name, 'ws-test');
    await transport.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    assert.equal((await peer.request(2, 'tools/call', { name: 'echo', arguments: { text: 'hi' } })).result.content[0].text, 'hi');
    const done = await peer.request(3, 'tools/call', { name: 'progress', arguments: {}, _meta: { progressToken: 'p' } });
    assert.equal(done.result.content[0].text, 'progressed');
    const progress = peer.messages.filter((m) => m.method === 'notifications/progress');
    assert.equal(progress.length, 2);
    // Notifications arrive before the response they belong to.
    assert.ok(peer.messages.indexOf(progress[1]) < peer.messages.indexOf(done));
    await transport.close();
    assert.deepEqual(peer.closeInfo, { remote: false });
    assert.equal(peer.closes, 1);
    await until(() => handle.connections === 0);
    await handle.close();
  });

  test('modern era: stateless _meta requests, beside a legacy session on the same socket', async () => {
    const { handle } = await setup();
    const peer = new Peer(new WebSocketClientTransport(handle.url));
    await peer.transport.start();
    assert.ok((await peer.modern(1, 'server/discover')).result);
    const r = await peer.modern(2, 'tools/call', { name: 'echo', arguments: { text: 'modern' } });
    assert.equal(r.result.resultType, 'complete');
    assert.equal(r.result._meta['io.modelcontextprotocol/serverInfo'].name, 'ws-test');
    await peer.request(3, 'initialize', { protocolVersion: '2025-06-18', capabilities: {} });
    assert.equal((await peer.request(4, 'tools/call', { name: 'echo', arguments: { text: 'legacy' } })).result.content[0].text, 'legacy');
    assert.equal((await peer.modern(5, 'tools/call', { name: 'echo', arguments: { text: 'm' } })).result.resultType, 'complete');
    await peer.transport.close();
    await handle.close();
  });

  test('attachWebSocket shares an http.Server (and its path) with the Streamable HTTP handler', async () => {
    const server = makeServer();
    const handler = createHttpHandler(server, { path: '/mcp' });
    const httpServer = createServer(handler);
    const attachment = attachWebSocket(httpServer, server, { path: '/mcp' });
    await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
    const port = (httpServer.address() as AddressInfo).port;
    const peer = new Peer(new WebSocketClientTransport(`ws://127.0.0.1:${port}/mcp`));
    await peer.transport.start();
    assert.equal((await peer.modern(1, 'tools/call', { name: 'echo', arguments: { text: 'over ws' } })).result.content[0].text, 'over ws');
    const body = JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'echo', arguments: { text: 'over http' }, _meta: MODERN_META } });
    const httpAnswer = await new Promise<any>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, path: '/mcp', method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'echo' } },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode, text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(httpAnswer.status, 200, httpAnswer.text);
    assert.match(httpAnswer.text, /over http/);
    await peer.transport.close();
    await attachment.close();
    handler.close();
    await new Promise((r) => httpServer.close(r));
  });

  test('a plain HTTP request to the endpoint gets 426 Upgrade Required', async () => {
    const { handle } = await setup();
    const status = await new Promise<number | undefined>((resolve, reject) => {
      httpRequest({ host: '127.0.0.1', port: handle.port, path: '/mcp' }, (res) => {
        res.resume();
        resolve(res.statusCode);
      })
        .on('error', reject)
        .end();
    });
    assert.equal(status, 426);
    await handle.close();
  });
});

describe('WebSocket transport: failure paths', () => {
  test('a malformed JSON frame gets -32700 and the socket keeps serving', async () => {
    const { handle } = await setup();
    const peer = new Peer(new WebSocketClientTransport(handle.url));
    await peer.transport.start();
    await peer.transport.send('{"jsonrpc":"2.0","id":1,');
    const err = await peer.waitFor(() => peer.messages.find((m) => m.error));
    assert.equal(err.error.code, -32700);
    assert.equal(err.id, null);
    assert.equal((await peer.modern(2, 'tools/call', { name: 'echo', arguments: { text: 'after' } })).result.content[0].text, 'after');
    await peer.transport.close();
    await handle.close();
  });

  test('an oversized frame closes the socket with 1009', async () => {
    const { handle } = await setup({ maxMessageBytes: 1000 });
    const c = rawClient(handle.url);
    await c.opened;
    c.ws.send(call(1, 'echo', { text: 'y'.repeat(5000) }));
    await until(() => c.closed() !== undefined);
    assert.equal(c.closed()?.code, 1009);
    await until(() => handle.connections === 0);
    await handle.close();
  });

  test('a binary frame closes the socket with 1003', async () => {
    const { handle } = await setup();
    const c = rawClient(handle.url);
    await c.opened;
    c.ws.send(Buffer.from(call(1, 'echo')), { binary: true });
    await until(() => c.closed() !== undefined);
    assert.equal(c.closed()?.code, 1003);
    assert.match(c.closed()?.reason ?? '', /Binary frames are not supported/);
    assert.deepEqual(c.messages, []);
    await handle.close();
  });

  test('subprotocols: other-only offers get 400; no offer is accepted unless requireSubprotocol', async () => {
    const { handle } = await setup();
    const wrong = rawClient(handle.url, ['graphql-ws']);
    await assert.rejects(wrong.opened, (e: any) => e.status === 400);
    const none = rawClient(handle.url, []);
    await none.opened;
    none.ws.send(call(1, 'echo', { text: 'no subprotocol' }));
    await until(() => none.messages.length === 1);
    none.ws.close();
    const both = rawClient(handle.url, ['graphql-ws', 'mcp']);
    await both.opened;
    assert.equal(both.ws.protocol, 'mcp');
    both.ws.close();
    await until(() => handle.connections === 0);
    await handle.close();

    const strict = await setup({ requireSubprotocol: true });
    await assert.rejects(rawClient(strict.handle.url, []).opened, (e: any) => e.status === 400);
    const t = new WebSocketClientTransport(strict.handle.url);
    await t.start();
    await t.close();
    await strict.handle.close();
  });

  test('DNS-rebinding protection: a foreign Origin or Host gets 403 on the upgrade', async () => {
    const { handle } = await setup();
    const bad = new WebSocketClientTransport(handle.url, { origin: 'http://evil.example' });
    await assert.rejects(bad.start(), (e: any) => e.code === 'VELO_CONNECTION_CLOSED' && /HTTP 403/.test(e.message) && /Origin/.test(e.message));
    await assert.rejects(rawClient(handle.url, ['mcp'], { headers: { host: 'evil.example:80' } }).opened, (e: any) => e.status === 403);
    const good = new WebSocketClientTransport(handle.url, { origin: `http://localhost:${handle.port}` });
    await good.start();
    await good.close();
    await handle.close();

    // Explicit allow-lists apply; protection can be turned off.
    const listed = await setup({ allowedOrigins: ['https://app.example'] });
    const ok = new WebSocketClientTransport(listed.handle.url, { origin: 'https://app.example' });
    await ok.start();
    await ok.close();
    await assert.rejects(new WebSocketClientTransport(listed.handle.url, { origin: 'http://localhost' }).start(), /HTTP 403/);
    await listed.handle.close();
    const open = await setup({ dnsRebindingProtection: false });
    const any = new WebSocketClientTransport(open.handle.url, { origin: 'http://evil.example' });
    await any.start();
    await any.close();
    await open.handle.close();
  });

  test('past maxConnections the upgrade gets 503', async () => {
    const { handle } = await setup({ maxConnections: 1 });
    const first = new Peer(new WebSocketClientTransport(handle.url));
    await first.transport.start();
    const second = new WebSocketClientTransport(handle.url);
    await assert.rejects(second.start(), (e: any) => /HTTP 503/.test(e.message) && /connection limit \(1\) reached/.test(e.message));
    assert.equal((await first.modern(1, 'tools/call', { name: 'echo', arguments: { text: 'x' } })).result.content[0].text, 'x');
    await first.transport.close();
    await until(() => handle.connections === 0);
    const third = new WebSocketClientTransport(handle.url);
    await third.start();
    await third.close();
    await handle.close();
  });

  test('a consumer that never reads is closed (1008) once its buffer limit is crossed', async () => {
    const { handle } = await setup({ maxBufferedBytes: 256 * 1024, closeTimeoutMs: 200 });
    const c = rawClient(handle.url);
    await c.opened;
    c.ws.pause();
    for (let i = 0; i < 64; i++) c.ws.send(call(i, 'big', { bytes: 256 * 1024 }));
    await until(() => handle.connections === 0, 5000);
    c.ws.resume();
    await until(() => c.closed() !== undefined);
    // The close frame may be stuck behind the unread data, then the socket is terminated: 1008 or 1006.
    assert.ok([1008, 1006].includes(c.closed()?.code ?? 0), String(c.closed()?.code));
    await handle.close();
  });

  test('a blocked consumer is closed after slowConsumerTimeoutMs', async () => {
    const { handle } = await setup({ slowConsumerTimeoutMs: 100, closeTimeoutMs: 100 });
    const c = rawClient(handle.url);
    await c.opened;
    c.ws.pause();
    for (let i = 0; i < 40; i++) c.ws.send(call(i, 'big', { bytes: 128 * 1024 }));
    await until(() => handle.connections === 0, 5000);
    c.ws.terminate();
    await handle.close();
  });

  test('a peer that disappears mid-request cancels its handlers (ctx.signal aborts)', async () => {
    const probe: Probe = { aborted: [], started: [] };
    const { handle } = await setup({}, probe);
    const c = rawClient(handle.url);
    await c.opened;
    c.ws.send(call('h1', 'hang'));
    await until(() => probe.started.includes('h1'));
    c.ws.terminate();
    await until(() => probe.aborted.includes('h1'));
    await until(() => handle.connections === 0);
    await handle.close();
  });

  test('keep-alive terminates a peer that stops answering pings', async () => {
    const { handle } = await setup({ keepAliveMs: 40 });
    const dead = rawClient(handle.url, ['mcp'], { autoPong: false });
    const live = new Peer(new WebSocketClientTransport(handle.url));
    await dead.opened;
    await live.transport.start();
    await until(() => dead.closed() !== undefined, 2000);
    assert.equal(dead.closed()?.code, 1006); // terminated, no closing handshake
    // The healthy peer answers pings and survives several intervals.
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(live.closes, 0);
    assert.equal(handle.connections, 1);
    await live.transport.close();
    await handle.close();
  });

  test('shutdown drains: in-flight requests finish, new ones get -32000, then 1001', async () => {
    const probe: Probe = { aborted: [], started: [] };
    const { server, handle } = await setup({ drainTimeoutMs: 2000 }, probe);
    const peer = new Peer(new WebSocketClientTransport(handle.url));
    await peer.transport.start();
    await peer.transport.send(call(1, 'slow', { ms: 150 }));
    await until(() => probe.started.includes('1'));
    server.close();
    const closing = handle.close();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal((await peer.modern(2, 'tools/call', { name: 'echo', arguments: { text: 'late' } })).error.code, UNAVAILABLE_CODE);
    await assert.rejects(new WebSocketClientTransport(handle.url).start(), /HTTP 503|ECONNREFUSED/);
    await closing;
    assert.equal((await peer.answer(1)).result.content[0].text, 'slow done');
    assert.deepEqual(probe.aborted, []);
    await peer.waitFor(() => peer.closeInfo);
    assert.equal(peer.closeInfo?.remote, true);
    assert.match(peer.closeInfo?.error?.message ?? '', /1001 going away/);
  });

  test('server.close() then handle.close(): a listen subscription ends with its result before the socket closes', async () => {
    const { server, handle } = await setup({ drainTimeoutMs: 2000 });
    const peer = new Peer(new WebSocketClientTransport(handle.url));
    await peer.transport.start();
    await peer.transport.send(JSON.stringify({ jsonrpc: '2.0', id: 'sub', method: 'subscriptions/listen', params: { notifications: { toolsListChanged: true }, _meta: MODERN_META } }));
    await peer.waitFor(() => peer.messages.find((m) => m.method === 'notifications/subscriptions/acknowledged'));
    server.registerTool('added', {}, () => ({ content: [] }));
    const changed = await peer.waitFor(() => peer.messages.find((m) => m.method === 'notifications/tools/list_changed'));
    assert.equal(changed.params._meta['io.modelcontextprotocol/subscriptionId'], 'sub');
    server.close();
    const t0 = Date.now();
    await handle.close();
    assert.ok(Date.now() - t0 < 1500, 'the subscription did not hold shutdown until the deadline');
    const end = await peer.answer('sub');
    assert.equal(end.result._meta['io.modelcontextprotocol/subscriptionId'], 'sub');
    await peer.waitFor(() => peer.closeInfo);
  });

  test('shutdown cancels what is still running at the deadline', async () => {
    const probe: Probe = { aborted: [], started: [] };
    const { handle } = await setup({ drainTimeoutMs: 100 }, probe);
    const peer = new Peer(new WebSocketClientTransport(handle.url));
    await peer.transport.start();
    await peer.transport.send(call(7, 'hang'));
    await until(() => probe.started.includes('7'));
    await handle.close();
    assert.deepEqual(probe.aborted, ['7']);
    await peer.waitFor(() => peer.closeInfo);
    assert.equal(peer.closes, 1);
  });
});

describe('WebSocketClientTransport against misbehaving servers', () => {
  async function rawServer(onConnection: (ws: WebSocket) => void, options: ConstructorParameters<typeof WebSocketServer>[0] = {}) {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => (p.has('mcp') ? 'mcp' : false), ...options });
    wss.on('connection', onConnection);
    await new Promise<void>((r) => wss.once('listening', r));
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
    return { url, close: () => new Promise<void>((r) => { for (const c of wss.clients) c.terminate(); wss.close(() => r()); }) };
  }

  test('a server that resets mid-stream gives onclose {remote: true, error} once', async () => {
    const raw = await rawServer((ws) => {
      ws.send('{"jsonrpc":"2.0","method":"first"}');
      setTimeout(() => ws.terminate(), 20);
    });
    const peer = new Peer(new WebSocketClientTransport(raw.url));
    await peer.transport.start();
    await peer.waitFor(() => peer.closeInfo);
    assert.equal(peer.messages.length, 1);
    assert.equal(peer.closeInfo?.remote, true);
    assert.equal((peer.closeInfo?.error as any).code, 'VELO_CONNECTION_CLOSED');
    assert.match(peer.closeInfo?.error?.message ?? '', /1006/);
    await assert.rejects(peer.transport.send('{}'), (e: any) => e.code === 'VELO_CONNECTION_CLOSED');
    await peer.transport.close();
    assert.equal(peer.closes, 1);
    await raw.close();
  });

  test('malformed frames go to onerror and the channel stays open; binary and oversized frames close it', async () => {
    const raw = await rawServer((ws) => {
      ws.on('message', (d) => {
        const cmd = String(d);
        if (cmd === 'garbage') ws.send('not json');
        if (cmd === 'ok') ws.send('{"jsonrpc":"2.0","method":"fine"}');
        if (cmd === 'binary') ws.send(Buffer.from('{}'), { binary: true });
        if (cmd === 'huge') ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'x', params: { b: 'z'.repeat(5000) } }));
      });
    });
    const a = new Peer(new WebSocketClientTransport(raw.url, { maxMessageBytes: 1000 }));
    await a.transport.start();
    await a.transport.send('garbage');
    await a.transport.send('ok');
    await a.waitFor(() => a.messages.length === 1);
    assert.ok(a.errors[0] instanceof SyntaxError);
    assert.equal(a.closes, 0);
    await a.transport.send('huge');
    await a.waitFor(() => a.closeInfo);
    assert.equal((a.errors[1] as any).code, 'VELO_MESSAGE_TOO_LARGE');
    assert.equal(a.closeInfo?.remote, true);
    assert.match(a.closeInfo?.error?.message ?? '', /1009/);

    const b = new Peer(new WebSocketClientTransport(raw.url));
    await b.transport.start();
    await b.transport.send('binary');
    await b.waitFor(() => b.closeInfo);
    assert.equal((b.errors[0] as any).code, 'VELO_PROTOCOL_ERROR');
    assert.match(b.errors[0]?.message ?? '', /binary frame/);
    assert.match(b.closeInfo?.error?.message ?? '', /1003/);
    await raw.close();
  });

  test('client keep-alive detects a server that stops answering pings', async () => {
    const raw = await rawServer(() => {}, { autoPong: false });
    const peer = new Peer(new WebSocketClientTransport(raw.url, { keepAliveMs: 40 }));
    await peer.transport.start();
    await peer.waitFor(() => peer.closeInfo, 2000);
    assert.equal(peer.closeInfo?.remote, true);
    assert.match(peer.closeInfo?.error?.message ?? '', /did not answer a ping/);
    await raw.close();
  });

  test('a server that selects no subprotocol is refused; bad URLs are rejected up front', async () => {
    const raw = await rawServer(() => {}, { handleProtocols: () => false });
    await assert.rejects(new WebSocketClientTransport(raw.url).start(), (e: any) => e.code === 'VELO_CONNECTION_CLOSED' && /subprotocol/i.test(e.message));
    await raw.close();
    assert.throws(() => new WebSocketClientTransport('http://127.0.0.1/mcp'), (e: any) => e.code === 'VELO_INVALID_CONFIG');
    const t = new WebSocketClientTransport('ws://127.0.0.1:1/mcp');
    await assert.rejects(t.start(), (e: any) => e.code === 'VELO_CONNECTION_CLOSED');
    await assert.rejects(t.start(), (e: any) => e.code === 'VELO_CONNECTION_CLOSED');
  });
});

describe('WebSocket transport: resources', () => {
  test('nothing leaks: sockets, servers and timers are released after close', async () => {
    const live = new Map<number, string>();
    const tracked = new Set(['TCPWRAP', 'TCPSERVERWRAP', 'Timeout', 'Immediate']);
    let tracking = true;
    const hook = createHook({
      init(id, type) {
        if (tracking && tracked.has(type)) live.set(id, type === 'Timeout' ? `Timeout ${new Error().stack?.split('\n').slice(3, 9).join(' | ')}` : type);
      },
      destroy(id) {
        live.delete(id);
      },
    });
    hook.enable();
    try {
      const probe: Probe = { aborted: [], started: [] };
      const { handle } = await setup({ drainTimeoutMs: 100, keepAliveMs: 20 }, probe);
      const a = new Peer(new WebSocketClientTransport(handle.url, { keepAliveMs: 20 }));
      const b = new Peer(new WebSocketClientTransport(handle.url));
      await a.transport.start();
      await b.transport.start();
      await a.request(1, 'initialize', { protocolVersion: '2025-11-25', capabilities: {} });
      await b.modern(1, 'tools/call', { name: 'echo', arguments: { text: 'x' } });
      await b.transport.send(call(2, 'hang'));
      await new Promise((r) => setTimeout(r, 60)); // a few keep-alive rounds
      await a.transport.close();
      await handle.close();
      await b.waitFor(() => b.closeInfo);
      tracking = false;
      await until(() => live.size === 0, 10_000).catch(() => {
        throw new Error(`still alive: ${[...live.values()].join(', ')}`);
      });
    } finally {
      hook.disable();
    }
  });
});
