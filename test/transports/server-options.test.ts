/**
 * Numeric options of the socket transports' servers are checked before anything listens: a bad value is a
 * `VELO_INVALID_CONFIG` error naming the option, zero is accepted only where it means "off", and a port
 * already in use rejects with the listen error.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { McpServer } from '../../src/server/mcp-server.js';
import { serveTcp } from '../../src/transports/tcp/index.js';
import { serveWebSocket } from '../../src/transports/ws/index.js';

const serve = {
  tcp: (options: Record<string, number>) => serveTcp(new McpServer({ name: 't', version: '1' }), options),
  ws: (options: Record<string, number>) => serveWebSocket(new McpServer({ name: 't', version: '1' }), options),
};

function occupied(): Promise<Server> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}

for (const [name, start] of Object.entries(serve)) {
  describe(`${name} server options`, () => {
    for (const [option, value] of [
      ['maxConnections', 0],
      ['maxConnections', -1],
      ['maxBufferedBytes', Number.NaN],
      ['slowConsumerTimeoutMs', Number.POSITIVE_INFINITY],
      ['idleTimeoutMs', -5],
    ] as const) {
      test(`${option}: ${String(value)} is rejected with VELO_INVALID_CONFIG naming the option`, async () => {
        await assert.rejects(start({ [option]: value }), (e: any) => e.code === 'VELO_INVALID_CONFIG' && e.message.includes(option) && e.message.includes(String(value)));
      });
    }

    test('idleTimeoutMs: 0 (idle expiry off) and drainTimeoutMs: 0 are accepted', async () => {
      const handle = await start({ idleTimeoutMs: 0, drainTimeoutMs: 0 });
      assert.ok(handle.port > 0);
      await handle.close();
    });

    test('a port already in use rejects with EADDRINUSE', async () => {
      const blocker = await occupied();
      try {
        const { port } = blocker.address() as AddressInfo;
        await assert.rejects(start({ port }), (e: any) => e.code === 'EADDRINUSE');
      } finally {
        blocker.close();
      }
    });
  });
}
