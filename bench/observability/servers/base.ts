/**
 * The echo server of the observability bench (the stdio bench's `velomcp` echo tool), served over stdio
 * after `setUp` has subscribed whatever the configuration measures.
 */
import { McpServer } from '../../../src/index.js';
import { serveStdio } from '../../../src/transports/stdio/index.js';

export async function serveEcho(setUp: () => void): Promise<void> {
  setUp();
  const server = new McpServer({ name: 'velomcp-observability-bench', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'Echo', inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } },
    (args) => ({ content: [{ type: 'text', text: args.text as string }] }),
  );
  // The load generator probes validation with invalid argument sets; `wide` is not used here.
  await serveStdio(server);
}
