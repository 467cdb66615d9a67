/** The upstream of the orchestration benchmark (run by `velomcp serve … --http` in its own process). */
import { McpServer } from '../../src/server/mcp-server.js';

const server = new McpServer({ name: 'bench-upstream', version: '1' });
server.registerTool('sleep50', { description: 'Answers after 50 ms' }, () => new Promise((r) => setTimeout(() => r({ content: [{ type: 'text', text: 'slept' }] }), 50)));
server.registerTool('echo', { inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }, (a: { text?: string }) => ({ content: [{ type: 'text', text: a.text ?? '' }] }));
export default server;
