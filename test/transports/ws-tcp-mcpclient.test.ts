/**
 * The McpClient over the WebSocket and TCP client transports, against the everything example server, in both
 * eras: the transports honour the `ClientTransport` seam the client is written against.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { McpClient } from '../../src/client/index.js';
import { serveTcp, TcpClientTransport } from '../../src/transports/tcp/index.js';
import { serveWebSocket, WebSocketClientTransport } from '../../src/transports/ws/index.js';
import { createEverythingServer } from '../../examples/everything/server.js';

for (const kind of ['ws', 'tcp'] as const) {
  for (const era of ['legacy', 'auto'] as const) {
    test(`McpClient over ${kind}, era ${era}: list and call tools, then close cleanly`, async () => {
      const server = createEverythingServer();
      const handle = kind === 'ws' ? await serveWebSocket(server) : await serveTcp(server);
      const client = new McpClient({ name: 'transport-test', version: '1.0.0' }, { era });
      try {
        await client.connect(kind === 'ws' ? new WebSocketClientTransport((handle as { url: string }).url) : new TcpClientTransport({ port: handle.port }));
        assert.equal(client.era, era === 'legacy' ? 'legacy' : 'modern');
        const { tools } = await client.listTools();
        assert.ok(tools.some((t) => t.name === 'test_simple_text'));
        const result = await client.callTool({ name: 'test_simple_text', arguments: {} });
        assert.equal((result.content as Array<{ type: string }>)[0]?.type, 'text');
      } finally {
        await client.close();
        server.close();
        await handle.close();
      }
      assert.equal(handle.connections, 0);
    });
  }
}
