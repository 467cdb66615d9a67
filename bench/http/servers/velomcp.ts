/**
 * `velomcp`: this project's server over Streamable HTTP, `serveHttp` on
 * 127.0.0.1 with a free port, both eras on one endpoint (the load generator
 * picks the era: `initialize` + `Mcp-Session-Id`, or the 2026-07-28 headers
 * and `_meta`). Input is validated against the raw JSON Schema.
 *
 * Session limits are raised so the idle-sessions workload measures memory,
 * not eviction: `maxSessions` 1 000 000 and a 24 h idle timeout. Everything
 * else is at its default (DNS-rebinding protection on, event store on).
 */
import { McpServer } from '../../../src/index.js';
import { serveHttp } from '../../../src/transports/http/index.js';
import { serveAdmin } from './admin.js';

const server = new McpServer({ name: 'velomcp-bench', version: '1.0.0' });
server.registerTool(
  'echo',
  {
    description: 'Echo',
    inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  },
  // Untyped JSON Schema: args is a plain record; validation has already guaranteed `text` is a string.
  (args) => ({ content: [{ type: 'text', text: args.text as string }] }),
);

const handle = await serveHttp(server, {
  host: '127.0.0.1',
  port: 0,
  path: '/mcp',
  maxSessions: 1_000_000,
  sessionIdleTimeoutMs: 24 * 60 * 60_000,
});
serveAdmin(handle.port, { sessions: () => handle.handler.sessionCount });
