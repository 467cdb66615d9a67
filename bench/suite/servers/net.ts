/**
 * Child-process servers of the transport round-trip workloads (TCP, WebSocket, legacy HTTP+SSE), each with
 * an `echo` tool: `node net.js <velomcp|raw|sdk-v1> <tcp|ws|sse>`. It writes one line
 * `{"ready":true,"port":N}` on stdout once it listens on 127.0.0.1 (a free port) and exits when stdin
 * closes. The raw servers are bare newline-delimited JSON-RPC (TCP), `ws` messages (WebSocket) and a
 * `node:http` GET stream + POST endpoint (SSE) answering `initialize` and the echo call, validating nothing.
 */
import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { McpServer } from '../../../src/index.js';
import { serveTcp } from '../../../src/transports/tcp/index.js';
import { serveWebSocket } from '../../../src/transports/ws/index.js';
import { serveHttp } from '../../../src/transports/http/index.js';

const [impl, transport] = process.argv.slice(2);
const ready = (port: number): void => void process.stdout.write(JSON.stringify({ ready: true, port }) + '\n');
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();

/** The raw answer to one request text, or undefined for a notification. */
function rawAnswer(text: string): string | undefined {
  const m = JSON.parse(text) as { id?: number | string; method: string; params?: { arguments?: { text?: string } } };
  if (m.id === undefined) return undefined;
  const result = m.method === 'initialize' ? { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'raw', version: '1' } } : { content: [{ type: 'text', text: m.params?.arguments?.text ?? '' }] };
  return JSON.stringify({ jsonrpc: '2.0', id: m.id, result });
}

function velomcp(): McpServer {
  const s = new McpServer({ name: 'velomcp-bench', version: '1.0.0' });
  s.registerTool('echo', { inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } }, (a) => ({ content: [{ type: 'text', text: a.text as string }] }));
  return s;
}

async function sdkSse(): Promise<number> {
  const { McpServer: SdkMcpServer } = await import('@modelcontextprotocol/sdk/server/mcp.js');
  const { SSEServerTransport } = await import('@modelcontextprotocol/sdk/server/sse.js');
  const z = await import('zod');
  const transports = new Map<string, InstanceType<typeof SSEServerTransport>>();
  const http = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === '/sse') {
      const t = new SSEServerTransport('/messages', res);
      transports.set(t.sessionId, t);
      const s = new SdkMcpServer({ name: 'sdk-v1-bench', version: '1.0.0' });
      s.registerTool('echo', { inputSchema: { text: z.string() } }, (a) => ({ content: [{ type: 'text', text: a.text }] }));
      res.on('close', () => transports.delete(t.sessionId));
      void s.connect(t);
      return;
    }
    const t = transports.get(url.searchParams.get('sessionId') ?? '');
    if (req.method !== 'POST' || t === undefined) return void res.writeHead(404).end();
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => void t.handlePostMessage(req, res, JSON.parse(body)));
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return (http.address() as AddressInfo).port;
}

async function main(): Promise<number> {
  if (impl === 'velomcp') {
    if (transport === 'tcp') return (await serveTcp(velomcp(), { host: '127.0.0.1', port: 0 })).port;
    if (transport === 'ws') return (await serveWebSocket(velomcp(), { host: '127.0.0.1', port: 0 })).port;
    if (transport === 'sse') return (await serveHttp(velomcp(), { host: '127.0.0.1', port: 0, path: '/mcp', legacySse: true })).port;
  }
  if (impl === 'sdk-v1' && transport === 'sse') return sdkSse();
  if (impl === 'raw' && transport === 'tcp') {
    const server = createTcpServer((socket) => {
      let buf = '';
      socket.setNoDelay(true);
      socket.on('data', (chunk: Buffer) => {
        buf += chunk.toString();
        let nl: number;
        let out = '';
        while ((nl = buf.indexOf('\n')) >= 0) {
          const a = rawAnswer(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
          if (a !== undefined) out += a + '\n';
        }
        if (out !== '') socket.write(out);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as AddressInfo).port;
  }
  if (impl === 'raw' && transport === 'ws') {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    wss.on('connection', (ws) => ws.on('message', (data) => {
      const a = rawAnswer(String(data));
      if (a !== undefined) ws.send(a);
    }));
    await new Promise<void>((r) => wss.once('listening', () => r()));
    return (wss.address() as AddressInfo).port;
  }
  if (impl === 'raw' && transport === 'sse') {
    const streams = new Map<string, ServerResponse>();
    let next = 0;
    const http = createHttpServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.method === 'GET' && url.pathname === '/sse') {
        const id = String(++next);
        streams.set(id, res);
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write(`event: endpoint\ndata: /messages?sessionId=${id}\n\n`);
        res.on('close', () => streams.delete(id));
        return;
      }
      const stream = streams.get(url.searchParams.get('sessionId') ?? '');
      if (req.method !== 'POST' || stream === undefined) return void res.writeHead(404).end();
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        res.writeHead(202).end();
        const a = rawAnswer(body);
        if (a !== undefined) stream.write(`event: message\ndata: ${a}\n\n`);
      });
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    return (http.address() as AddressInfo).port;
  }
  throw new Error(`net.ts: no ${impl} server over ${transport}`);
}

ready(await main());
