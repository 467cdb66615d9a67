/**
 * `velomcp` / `velomcp-modern`: this project's server over stdio. The same
 * process serves both eras; the load generator picks the era (an
 * `initialize` first, or the 2026-07-28 per-request `_meta` envelope).
 * Input validation runs against the raw JSON Schema.
 */
import { McpServer } from '../../../src/index.js';
import { serveStdio } from '../../../src/transports/stdio/index.js';
import { WIDE_SCHEMA } from '../wide-schema.js';

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
server.registerTool('wide', { description: '20 properties', inputSchema: WIDE_SCHEMA }, () => ({
  content: [{ type: 'text', text: 'ok' }],
}));
await serveStdio(server);
