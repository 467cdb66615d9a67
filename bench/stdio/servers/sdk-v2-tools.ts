/**
 * The SDK v2 server instance shared by `sdk-v2.ts` (legacy era) and
 * `sdk-v2-modern.ts` (2026-07-28 era): the same two tools with zod 4 schemas.
 */
import { McpServer } from '@modelcontextprotocol/server';
import { echoZod, wideZod } from '../wide-zod.js';

export function createV2Server(): McpServer {
  const server = new McpServer({ name: 'sdk-v2-bench', version: '1.0.0' });
  server.registerTool('echo', { description: 'Echo', inputSchema: echoZod }, (args) => ({
    content: [{ type: 'text', text: args.text }],
  }));
  server.registerTool('wide', { description: '20 properties', inputSchema: wideZod }, () => ({
    content: [{ type: 'text', text: 'ok' }],
  }));
  return server;
}
