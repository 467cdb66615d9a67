/**
 * The server module every node of the cluster benchmark serves (`velomcp serve dist/bench/cluster/server.js`):
 * the everything reference server (its `test://watched-resource` and `test_trigger_resource_update` drive the
 * fan-out scenario) plus the `echo` tool of the HTTP benchmark (the `tools/call` workload).
 */
import { createEverythingServer } from '../../examples/everything/server.js';

export default function createClusterBenchServer() {
  const server = createEverythingServer();
  server.registerTool(
    'echo',
    { description: 'Echo', inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } },
    (args) => ({ content: [{ type: 'text', text: args.text as string }] }),
  );
  return server;
}
