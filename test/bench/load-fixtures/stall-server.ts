/**
 * Test fixture for the load generator: an `echo` tool whose `STALL_AT`-th call (env, default 300) blocks
 * the server's event loop for `STALL_MS` (env, default 500) once. Everything scheduled during the stall
 * must show it in its latency when the generator is open-loop.
 */
import { McpServer } from '../../../src/index.js';

const stallAt = Number(process.env.STALL_AT ?? 300);
const stallMs = Number(process.env.STALL_MS ?? 500);
let calls = 0;

const server = new McpServer({ name: 'stall-fixture', version: '1.0.0' });
server.registerTool(
  'echo',
  { description: 'Echo; one call stalls the event loop', inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } },
  (args) => {
    calls++;
    if (calls === stallAt) {
      const until = performance.now() + stallMs;
      while (performance.now() < until) {
        /* a real stall: nothing else runs in this process */
      }
    }
    return { content: [{ type: 'text', text: args.text as string }] };
  },
);
export default server;
