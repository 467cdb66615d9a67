/**
 * The TCP transport (velomcp extension): newline-delimited JSON over TCP and TLS, both eras per socket,
 * failure paths, shutdown drain, and no leaked sockets or timers. Everything binds 127.0.0.1.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { createServer as createNetServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { generateKeyPairSync, sign, X509Certificate } from 'node:crypto';
import { McpServer } from '../../src/server/mcp-server.js';
import { serveTcp, TcpClientTransport, UNAVAILABLE_CODE, type ServeTcpOptions } from '../../src/transports/tcp/index.js';
import type { ClientTransport, TransportCloseInfo } from '../../src/client/transport.js';

const MODERN_META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };

/** Records what the tools saw, so tests can observe cancellation. */
interface Probe {
  aborted: string[];
  started: string[];
}

function makeServer(probe: Probe = { aborted: [], started: [] }): McpServer {
  const server = new McpServer({ name: 'tcp-test', version: '1.0.0' });
  server.registerTool('echo', { inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }, (a: { text?: string }) => ({ content: [{ type: 'text', text: a.text ?? '' }] }));
  server.registerTool('big', { inputSchema: { type: 'object', properties: { bytes: { type: 'integer' } } } }, (a: { bytes?: number }) => ({ content: [{ type: 'text', text: 'x'.repeat(a.bytes ?? 1024) }] }));
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

/** A message-level client on a ClientTransport: collects messages, waits for answers by id. */
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

async function setup(options: ServeTcpOptions = {}, probe?: Probe) {
  const server = makeServer(probe);
  const handle = await serveTcp(server, { port: 0, ...options });
  return { server, handle };
}

/** Raw TCP socket with a line reader. */
async function rawSocket(port: number): Promise<{ socket: Socket; lines: any[] }> {
  const socket = netConnect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const lines: any[] = [];
  let buf = '';
  socket.on('data', (c: Buffer) => {
    buf += c.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buf.slice(0, nl)));
      buf = buf.slice(nl + 1);
    }
  });
  socket.on('error', () => {});
  return { socket, lines };
}

const until = async (pred: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

// ---- a self-signed certificate built with node:crypto (no openssl needed) -------------------------------

function derLen(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const der = (tag: number, ...parts: Buffer[]): Buffer => {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), derLen(body.length), body]);
};
const seq = (...p: Buffer[]): Buffer => der(0x30, ...p);
function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const out = [40 * a + b];
  for (const n of rest) {
    const chunk: number[] = [n & 0x7f];
    for (let v = n >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return der(0x06, Buffer.from(out));
}
function utcTime(d: Date): Buffer {
  const p = (n: number): string => String(n).padStart(2, '0');
  return der(0x17, Buffer.from(`${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`));
}

/** A self-signed P-256 certificate for `localhost` and `127.0.0.1`, valid for a day. */
function selfSignedCert(): { key: string; cert: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const sigAlg = seq(oid('1.2.840.10045.4.3.2')); // ecdsa-with-SHA256
  const name = seq(der(0x31, seq(oid('2.5.4.3'), der(0x0c, Buffer.from('localhost')))));
  const now = Date.now();
  const san = seq(der(0x82, Buffer.from('localhost')), der(0x87, Buffer.from([127, 0, 0, 1])));
  const extensions = der(0xa3, seq(seq(oid('2.5.29.17'), der(0x04, san)), seq(oid('2.5.29.19'), der(0x04, seq(der(0x01, Buffer.from([0xff])))))));
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([2]))),
    der(0x02, Buffer.from([0x01, 0x23, 0x45, 0x67])),
    sigAlg,
    name,
    seq(utcTime(new Date(now - 60_000)), utcTime(new Date(now + 86_400_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    extensions,
  );
  const signature = sign('sha256', tbs, privateKey);
  const certDer = seq(tbs, sigAlg, der(0x03, Buffer.from([0]), signature));
  const b64 = certDer.toString('base64').replace(/(.{64})/g, '$1\n');
  return { key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, cert: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n` };
}

describe('TCP transport: happy paths', () => {
  test('legacy era: initialize, initialized, tools/call on one socket', async () => {
    const { handle } = await setup();
    const peer = new Peer(new TcpClientTransport({ port: handle.port }));
    await peer.transport.start();
    const init = await peer.request(1, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } });
    assert.equal(init.result.protocolVersion, '2025-11-25');
    assert.equal(init.result.serverInfo.name, 'tcp-test');
    await peer.transport.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    const call = await peer.request(2, 'tools/call', { name: 'echo', arguments: { text: 'hi' } });
    assert.equal(call.result.content[0].text, 'hi');
    assert.equal(call.result.resultType, undefined);
    await peer.transport.close();
    assert.deepEqual(peer.closeInfo, { remote: false });
    await handle.close();
  });

  test('modern era: stateless _meta requests, beside a legacy session on the same socket', async () => {
    const { handle } = await setup();
    const peer = new Peer(new TcpClientTransport({ host: '127.0.0.1', port: handle.port }));
    await peer.transport.start();
    const discover = await peer.modern(1, 'server/discover');
    assert.ok(discover.result, JSON.stringify(discover));
    const call = await peer.modern(2, 'tools/call', { name: 'echo', arguments: { text: 'modern' } });
    assert.equal(call.result.resultType, 'complete');
    assert.equal(call.result.content[0].text, 'modern');
    assert.equal(call.result._meta['io.modelcontextprotocol/serverInfo'].name, 'tcp-test');
    await peer.request(3, 'initialize', { protocolVersion: '2025-06-18', capabilities: {} });
    assert.equal((await peer.request(4, 'tools/call', { name: 'echo', arguments: { text: 'legacy' } })).result.content[0].text, 'legacy');
    assert.equal((await peer.modern(5, 'tools/call', { name: 'echo', arguments: { text: 'still modern' } })).result.resultType, 'complete');
    await peer.transport.close();
    await handle.close();
  });

  test('TLS with a self-signed certificate (generated with node:crypto): both eras', async () => {
    const { key, cert } = selfSignedCert();
    assert.ok(new X509Certificate(cert).checkHost('localhost'));
    const { handle } = await setup({ tls: { key, cert } });
    assert.match(handle.url, /^tls:\/\/127\.0\.0\.1:\d+$/);
    const peer = new Peer(new TcpClientTransport({ host: '127.0.0.1', port: handle.port, tls: { ca: cert, servername: 'localhost' } }));
    await peer.transport.start();
    assert.equal((await peer.request(1, 'initialize', { protocolVersion: '2025-11-25', capabilities: {} })).result.protocolVersion, '2025-11-25');
    assert.equal((await peer.modern(2, 'tools/call', { name: 'echo', arguments: { text: 'secure' } })).result.content[0].text, 'secure');
    await peer.transport.close();
    // A client that does not trust the certificate cannot connect.
    const untrusting = new TcpClientTransport({ port: handle.port, tls: true });
    await assert.rejects(untrusting.start(), (e: any) => e.code === 'VELO_CONNECTION_CLOSED');
    await handle.close();
  });

  test('a peer that half-closes (FIN) is treated as gone: its handlers are cancelled', async () => {
    const probe: Probe = { aborted: [], started: [] };
    const { handle } = await setup({}, probe);
    const { socket } = await rawSocket(handle.port);
    socket.write(`${JSON.stringify({ jsonrpc: '2.0', id: 'f1', method: 'tools/call', params: { name: 'hang', arguments: {}, _meta: MODERN_META } })}\n`);
    await until(() => probe.started.includes('f1'));
    socket.end();
    await until(() => probe.aborted.includes('f1'));
    await until(() => socket.closed);
    await handle.close();
  });
});

describe('TCP transport: failure paths', () => {
  test('a malformed line gets -32700 and the socket keeps serving', async () => {
    const { handle } = await setup();
    const peer = new Peer(new TcpClientTransport({ port: handle.port }));
    await peer.transport.start();
    await peer.transport.send('{"jsonrpc":"2.0","id":1,"method":');
    const err = await peer.waitFor(() => peer.messages.find((m) => m.error));
    assert.equal(err.error.code, -32700);
    assert.equal(err.id, null);
    assert.equal((await peer.modern(2, 'tools/call', { name: 'echo', arguments: { text: 'after' } })).result.content[0].text, 'after');
    await peer.transport.close();
    await handle.close();
  });

  test('an oversized line gets -32600 and the socket keeps serving', async () => {
    const { handle } = await setup({ maxMessageBytes: 1000 });
    const peer = new Peer(new TcpClientTransport({ port: handle.port }));
    await peer.transport.start();
    await peer.transport.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'y'.repeat(5000) }, _meta: MODERN_META } }));
    const err = await peer.waitFor(() => peer.messages.find((m) => m.error));
    assert.equal(err.error.code, -32600);
    assert.match(err.error.message, /exceeds the limit of 1000 bytes/);
    assert.equal((await peer.modern(2, 'tools/call', { name: 'echo', arguments: { text: 'ok' } })).result.content[0].text, 'ok');
    await peer.transport.close();
    await handle.close();
  });

  test('client side: an oversized or malformed inbound line goes to onerror and the channel stays open', async () => {
    const { handle } = await setup();
    const peer = new Peer(new TcpClientTransport({ port: handle.port, maxMessageBytes: 2000 }));
    await peer.transport.start();
    await peer.transport.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'big', arguments: { bytes: 10_000 }, _meta: MODERN_META } }));
    await peer.waitFor(() => peer.errors.length > 0);
    assert.equal((peer.errors[0] as any).code, 'VELO_MESSAGE_TOO_LARGE');
    assert.equal((await peer.modern(2, 'tools/call', { name: 'echo', arguments: { text: 'small' } })).result.content[0].text, 'small');
    await peer.transport.close();
    await handle.close();

    // A server that writes garbage: SyntaxError to onerror, the next line still arrives.
    const raw = createNetServer((s) => s.write('not json\n{"jsonrpc":"2.0","method":"x"}\n'));
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    const p2 = new Peer(new TcpClientTransport({ port: (raw.address() as any).port }));
    await p2.transport.start();
    await p2.waitFor(() => p2.messages.length === 1);
    assert.ok(p2.errors[0] instanceof SyntaxError);
    assert.equal(p2.closes, 0);
    await p2.transport.close();
    await new Promise((r) => raw.close(r));
  });

  test('past maxConnections a socket gets one error line and is ended', async () => {
    const { handle } = await setup({ maxConnections: 1 });
    const first = new Peer(new TcpClientTransport({ port: handle.port }));
    await first.transport.start();
    const second = new Peer(new TcpClientTransport({ port: handle.port }));
    await second.transport.start();
    await second.waitFor(() => second.closeInfo);
    assert.equal(second.messages[0].error.code, UNAVAILABLE_CODE);
    assert.match(second.messages[0].error.message, /connection limit \(1\) reached/);
    assert.equal(second.closeInfo?.remote, true);
    assert.equal((second.closeInfo?.error as any).code, 'VELO_CONNECTION_CLOSED');
    // The first is unaffected.
    assert.equal((await first.modern(1, 'tools/call', { name: 'echo', arguments: { text: 'x' } })).result.content[0].text, 'x');
    assert.equal(handle.connections, 1);
    await first.transport.close();
    await handle.close();
  });

  test('a consumer that never reads is disconnected once its buffer limit is crossed (bounded memory)', async () => {
    const { handle } = await setup({ maxBufferedBytes: 256 * 1024 });
    const { socket } = await rawSocket(handle.port);
    socket.pause();
    let payload = '';
    for (let i = 0; i < 64; i++) payload += `${JSON.stringify({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'big', arguments: { bytes: 256 * 1024 }, _meta: MODERN_META } })}\n`;
    socket.write(payload);
    await until(() => handle.connections === 1);
    await until(() => handle.connections === 0, 5000);
    socket.destroy();
    await handle.close();
  });

  test('a blocked consumer is disconnected after slowConsumerTimeoutMs', async () => {
    const { handle } = await setup({ slowConsumerTimeoutMs: 100 });
    const { socket } = await rawSocket(handle.port);
    socket.pause();
    let payload = '';
    for (let i = 0; i < 40; i++) payload += `${JSON.stringify({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'big', arguments: { bytes: 128 * 1024 }, _meta: MODERN_META } })}\n`;
    socket.write(payload);
    await until(() => handle.connections === 1);
    await until(() => handle.connections === 0, 5000);
    socket.destroy();
    await handle.close();
  });

  test('a peer that disappears mid-request cancels its handlers (ctx.signal aborts)', async () => {
    const probe: Probe = { aborted: [], started: [] };
    const { handle } = await setup({}, probe);
    const { socket } = await rawSocket(handle.port);
    socket.write(`${JSON.stringify({ jsonrpc: '2.0', id: 'h1', method: 'tools/call', params: { name: 'hang', arguments: {}, _meta: MODERN_META } })}\n`);
    await until(() => probe.started.includes('h1'));
    socket.destroy();
    await until(() => probe.aborted.includes('h1'));
    await until(() => handle.connections === 0);
    await handle.close();
  });

  test('shutdown drains: in-flight requests finish, new ones get -32000, then the socket closes', async () => {
    const probe: Probe = { aborted: [], started: [] };
    const { handle } = await setup({ drainTimeoutMs: 2000 }, probe);
    const peer = new Peer(new TcpClientTransport({ port: handle.port }));
    await peer.transport.start();
    await peer.transport.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'slow', arguments: { ms: 150 }, _meta: MODERN_META } }));
    await until(() => probe.started.includes('1'));
    const closing = handle.close();
    await new Promise((r) => setTimeout(r, 20));
    const late = await peer.modern(2, 'tools/call', { name: 'echo', arguments: { text: 'late' } });
    assert.equal(late.error.code, UNAVAILABLE_CODE);
    await closing;
    assert.equal((await peer.answer(1)).result.content[0].text, 'slow done');
    assert.deepEqual(probe.aborted, []);
    await peer.waitFor(() => peer.closeInfo);
    assert.equal(peer.closeInfo?.remote, true);
    assert.ok(peer.closeInfo?.error);
    // No longer accepting.
    await assert.rejects(new TcpClientTransport({ port: handle.port }).start(), (e: any) => e.code === 'VELO_CONNECTION_CLOSED');
  });

  test('server.close() then handle.close(): a listen subscription ends with its result before the socket closes', async () => {
    const { server, handle } = await setup({ drainTimeoutMs: 2000 });
    const peer = new Peer(new TcpClientTransport({ port: handle.port }));
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
    const peer = new Peer(new TcpClientTransport({ port: handle.port }));
    await peer.transport.start();
    await peer.transport.send(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'hang', arguments: {}, _meta: MODERN_META } }));
    await until(() => probe.started.includes('7'));
    const t0 = Date.now();
    await handle.close();
    assert.ok(Date.now() - t0 < 1500);
    assert.deepEqual(probe.aborted, ['7']);
    await peer.waitFor(() => peer.closeInfo);
    assert.equal(peer.closes, 1);
  });

  test('client side: a server that resets mid-message gives onclose {remote: true, error}', async () => {
    const raw = createNetServer((s) => {
      s.write('{"jsonrpc":"2.0","id":1,"res');
      setTimeout(() => s.resetAndDestroy(), 20);
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    const peer = new Peer(new TcpClientTransport({ port: (raw.address() as any).port }));
    await peer.transport.start();
    await peer.waitFor(() => peer.closeInfo);
    assert.equal(peer.closeInfo?.remote, true);
    assert.equal((peer.closeInfo?.error as any).code, 'VELO_CONNECTION_CLOSED');
    assert.equal(peer.messages.length, 0);
    await assert.rejects(peer.transport.send('{}'), (e: any) => e.code === 'VELO_CONNECTION_CLOSED');
    await peer.transport.close(); // idempotent after a remote close
    assert.equal(peer.closes, 1);

    const ending = createNetServer((s) => s.end('{"jsonrpc":"2.0","method":"a"}\n{"jsonrpc":"2.0","id":1,"res'));
    await new Promise<void>((r) => ending.listen(0, '127.0.0.1', r));
    const p2 = new Peer(new TcpClientTransport({ port: (ending.address() as any).port }));
    await p2.transport.start();
    await p2.waitFor(() => p2.closeInfo);
    assert.equal(p2.messages.length, 1);
    assert.match(p2.closeInfo?.error?.message ?? '', /middle of a message/);
    await Promise.all([new Promise((r) => raw.close(r)), new Promise((r) => ending.close(r))]);
  });

  test('client side: start fails cleanly when nothing listens', async () => {
    const probe: Server = createNetServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as any).port as number;
    await new Promise((r) => probe.close(r));
    const t = new TcpClientTransport({ port });
    await assert.rejects(t.start(), (e: any) => e.code === 'VELO_CONNECTION_CLOSED' && /ECONNREFUSED/.test(e.message));
    await assert.rejects(t.send('{}'), (e: any) => e.code === 'VELO_CONNECTION_CLOSED');
    assert.throws(() => new TcpClientTransport({ port: 0 }), (e: any) => e.code === 'VELO_INVALID_CONFIG');
  });
});

describe('TCP transport: resources', () => {
  test('nothing leaks: sockets, servers and timers are released after close', async () => {
    const live = new Map<number, string>();
    // TLSWRAP is left out: its destroy hook waits for garbage collection; the TCPWRAP under it shows the socket closed.
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
      const { key, cert } = selfSignedCert();
      for (const tls of [undefined, { key, cert }]) {
        const { handle } = await setup({ drainTimeoutMs: 100, ...(tls && { tls }) }, probe);
        const a = new Peer(new TcpClientTransport({ port: handle.port, keepAliveInitialDelayMs: 1000, ...(tls && { tls: { ca: cert, servername: 'localhost' } }) }));
        const b = new Peer(new TcpClientTransport({ port: handle.port, ...(tls && { tls: { ca: cert, servername: 'localhost' } }) }));
        await a.transport.start();
        await b.transport.start();
        await a.request(1, 'initialize', { protocolVersion: '2025-11-25', capabilities: {} });
        await b.modern(1, 'tools/call', { name: 'echo', arguments: { text: 'x' } });
        await b.transport.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'hang', arguments: {}, _meta: MODERN_META } }));
        await a.transport.close();
        await handle.close();
        await b.waitFor(() => b.closeInfo);
      }
      tracking = false;
      await until(() => live.size === 0, 3000).catch(() => {
        throw new Error(`still alive: ${[...live.values()].join(', ')}`);
      });
    } finally {
      hook.disable();
    }
  });
});
