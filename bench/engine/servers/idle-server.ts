/**
 * Server of the idle-connections benchmark: one McpServer (a `gc` tool that runs a full GC so RSS reads are
 * comparable) on one transport, with limits raised for 50K+ connections. Prints `PORT <n>`.
 * Usage: node --expose-gc idle-server.js tcp|ws|http
 */
import { McpServer } from '../../../src/server/mcp-server.js';
import { serveTcp } from '../../../src/transports/tcp/server.js';
import { serveWebSocket } from '../../../src/transports/ws/server.js';
import { serveHttp } from '../../../src/transports/http/node.js';

const kind = process.argv[2] ?? 'tcp';
const LIMIT = 200_000;
const server = new McpServer({ name: 'idle-bench', version: '1' });
server.registerTool('gc', {}, () => {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { content: [{ type: 'text', text: 'gc' }], structuredContent: { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers } };
});
let port: number;
if (kind === 'tcp') port = (await serveTcp(server, { host: '127.0.0.1', port: 0, maxConnections: LIMIT })).port;
else if (kind === 'ws') port = Number(new URL((await serveWebSocket(server, { host: '127.0.0.1', port: 0, path: '/mcp', maxConnections: LIMIT })).url).port);
else {
  const h = await serveHttp(server, { host: '127.0.0.1', port: 0, path: '/mcp', maxSessions: LIMIT, legacySse: false, keepAliveMs: 0 } as Parameters<typeof serveHttp>[1]);
  port = Number(new URL(h.url).port);
}
process.stdout.write(`PORT ${port}\n`);
