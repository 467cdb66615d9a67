/**
 * Servers of the fan-out and idle-connection benchmarks, over newline-delimited JSON on TCP:
 *   velomcp: an McpServer (resource `bench://hot`, tool `touch` that calls notifyResourceUpdated) via serveTcp;
 *   raw:     a bare JSON-RPC server on node:net that answers the same methods and, on `touch`, writes the
 *            pre-serialised notification to every subscriber in one synchronous loop, then the answer.
 * Prints `PORT <n>` on stdout once listening. Usage: node fanout-server.js velomcp|velomcp-unbatched|raw [maxConnections]
 */
import net from 'node:net';
import { McpServer } from '../../../src/server/mcp-server.js';
import { serveTcp } from '../../../src/transports/tcp/server.js';

const kind = process.argv[2] ?? 'velomcp';
const maxConnections = Number(process.argv[3] ?? 200_000);
const URI = 'bench://hot';

if (kind === 'velomcp' || kind === 'velomcp-unbatched') {
  // velomcp-unbatched: one batch as large as any fan-out, i.e. the synchronous loop of before batching.
  const server = new McpServer({ name: 'fanout-bench', version: '1' }, kind === 'velomcp-unbatched' ? { fanOutBatchSize: Number.MAX_SAFE_INTEGER } : {});
  server.registerResource('hot', URI, {}, () => ({ contents: [{ uri: URI, text: 'hot' }] }));
  server.registerTool('touch', {}, () => {
    server.notifyResourceUpdated(URI);
    return { content: [{ type: 'text', text: 'touched' }] };
  });
  const h = await serveTcp(server, { host: '127.0.0.1', port: 0, maxConnections, keepAliveInitialDelayMs: 0 });
  process.stdout.write(`PORT ${h.port}\n`);
} else {
  const subscribers = new Set<net.Socket>();
  const note = `${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: URI } })}\n`;
  const srv = net.createServer((socket) => {
    socket.setNoDelay(true);
    let buf = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const m = JSON.parse(line) as { id?: number | string; method: string; params?: { _meta?: object; resourceSubscriptions?: string[] } };
        if (m.id === undefined) continue;
        const head = `{"jsonrpc":"2.0","id":${JSON.stringify(m.id)},"result":`;
        switch (m.method) {
          case 'initialize':
            socket.write(`${head}{"protocolVersion":"2025-11-25","capabilities":{"resources":{"subscribe":true}},"serverInfo":{"name":"raw","version":"1"}}}\n`);
            break;
          case 'resources/subscribe':
            subscribers.add(socket);
            socket.write(`${head}{}}\n`);
            break;
          case 'subscriptions/listen':
            subscribers.add(socket);
            socket.write(`{"jsonrpc":"2.0","method":"notifications/subscriptions/acknowledged","params":{}}\n`);
            break;
          case 'tools/call':
            for (const s of subscribers) s.write(note);
            socket.write(`${head}{"content":[{"type":"text","text":"touched"}]}}\n`);
            break;
          default:
            socket.write(`${head}{}}\n`);
        }
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => subscribers.delete(socket));
  });
  srv.maxConnections = maxConnections;
  srv.listen(0, '127.0.0.1', () => process.stdout.write(`PORT ${(srv.address() as net.AddressInfo).port}\n`));
}
