/**
 * The cpu-bound example: two tools that burn about `ms` milliseconds of CPU by hashing, `cpu_pooled` on the
 * worker pool and `cpu_inline` on the main thread, to show what the pool buys (see docs/performance.md).
 *
 *   velomcp serve dist/examples/cpu-bound/server.js --http --pool-size 2
 */
import { McpServer } from '../../src/server/mcp-server.js';
import { registerWorkerTool } from '../../src/exec/worker-tool.js';
import { burn } from './burn.js';

const input = {
  type: 'object',
  properties: { ms: { type: 'number', minimum: 0, maximum: 60_000, description: 'CPU time to burn, in milliseconds' } },
  required: ['ms'],
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: { ms: { type: 'number' }, rounds: { type: 'integer' } },
  required: ['ms', 'rounds'],
} as const;

/** Builds the example server (a fresh one per call). */
export function createServer(): McpServer {
  const server = new McpServer({ name: 'velomcp-cpu-bound', version: '0.1.0' });
  registerWorkerTool(server, 'cpu_pooled', {
    description: 'Burns about `ms` milliseconds of CPU by hashing, on the worker pool',
    inputSchema: input,
    outputSchema: output,
    module: new URL('./burn.js', import.meta.url),
    export: 'burn',
    timeoutMs: 120_000,
  });
  server.registerTool(
    'cpu_inline',
    { description: 'Burns about `ms` milliseconds of CPU by hashing, on the main thread (blocks the event loop)', inputSchema: input, outputSchema: output },
    (args: { ms: number }) => burn(args),
  );
  return server;
}

export default createServer();
