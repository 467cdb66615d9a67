/**
 * A gateway (served by `velomcp serve dist/examples/gateway/server.js`) that mounts the reference server
 * (`examples/everything`) twice: as a child process over stdio under `stdio`, and over Streamable HTTP (an
 * upstream this module starts itself on a free loopback port) under `http`. Every upstream tool appears
 * twice, e.g. `stdio_test_simple_text` and `http_test_simple_text`; resources as `stdio+test://…`.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { McpServer } from '../../src/server/index.js';
import { serveHttp } from '../../src/transports/http/index.js';
import { mount } from '../../src/orchestration/index.js';
import { createEverythingServer } from '../everything/server.js';

const DIST = fileURLToPath(new URL('../..', import.meta.url));

/** Builds the gateway: starts the HTTP upstream, spawns the stdio one, mounts both. */
export default async function createGatewayServer(): Promise<McpServer> {
  const server = new McpServer({ name: 'velomcp-gateway-example', version: '0.1.0' }, { instructions: 'The velomcp reference server, mounted twice: tools prefixed stdio_ and http_.' });
  const upstream = await serveHttp(createEverythingServer(), { host: '127.0.0.1', port: 0, path: '/mcp' });
  const onError = (e: Error): void => void process.stderr.write(`gateway: ${e.message}\n`);
  await mount(server, 'stdio', { command: process.execPath, args: [join(DIST, 'src', 'cli', 'main.js'), 'serve', join(DIST, 'examples', 'everything', 'server.js')] }, { pool: { max: 4 }, onError });
  await mount(server, 'http', { url: upstream.url }, { pool: { max: 8 }, onError });
  return server;
}
