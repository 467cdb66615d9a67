/**
 * `sdk-v1`: the official MCP TypeScript SDK v1 (`@modelcontextprotocol/sdk`),
 * `McpServer` + `StdioServerTransport`, tools registered with zod schemas.
 * Used through its public API only, as a competitor.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { echoZod, wideZod } from '../wide-zod.js';

const server = new McpServer({ name: 'sdk-v1-bench', version: '1.0.0' });
server.registerTool('echo', { description: 'Echo', inputSchema: echoZod }, (args) => ({
  content: [{ type: 'text', text: args.text }],
}));
server.registerTool('wide', { description: '20 properties', inputSchema: wideZod }, () => ({
  content: [{ type: 'text', text: 'ok' }],
}));
await server.connect(new StdioServerTransport());
