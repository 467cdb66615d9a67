/**
 * Test fixture for `velomcp profile`: `echo` (keeps nothing) and `leaky_echo` (the deliberate leak: keeps
 * a 2048-element array (16 KiB of heap) per call in a module-level list that is never trimmed).
 */
import { McpServer } from '../../../src/index.js';

const kept: number[][] = [];
const schema = { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } as const;

const server = new McpServer({ name: 'profile-fixture', version: '1.0.0' });
server.registerTool('echo', { description: 'Echo', inputSchema: schema }, (args) => ({ content: [{ type: 'text', text: args.text as string }] }));
server.registerTool('leaky_echo', { description: 'Echo that leaks 16 KiB per call', inputSchema: schema }, (args) => {
  const n = kept.length;
  kept.push(Array.from({ length: 2048 }, (_, i) => n + i));
  return { content: [{ type: 'text', text: args.text as string }] };
});
export default server;
