/**
 * `velomcp proxy <config.json>`: serves a gateway of upstream MCP servers (see `velomcp/orchestration`,
 * `createGateway`) over stdio (default) or Streamable HTTP.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { VeloError } from '../jsonrpc/errors.js';
import { createGateway, type GatewayConfig } from '../orchestration/proxy/gateway.js';
import { serveHttp } from '../transports/http/node.js';
import { serveStdio } from '../transports/stdio/server.js';
import { ServeExit } from './exit.js';

interface ProxyOptions {
  http?: boolean;
  port?: number;
}

function readConfig(path: string): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new VeloError('VELO_INVALID_CONFIG', `Cannot read gateway config ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as GatewayConfig;
  } catch (err) {
    throw new VeloError('VELO_INVALID_CONFIG', `Gateway config ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

async function proxy(configPath: string, options: ProxyOptions): Promise<void> {
  const file = resolve(configPath);
  const gateway = await createGateway(readConfig(file), { baseDir: dirname(file), onError: (e) => process.stderr.write(`velomcp proxy: ${e.message}\n`) });
  for (const m of gateway.mounts.values()) process.stderr.write(`velomcp proxy: mounted ${m.stats.upstream} as ${m.prefix} (${m.stats.tools} tools)\n`);
  if (options.http) {
    const handle = await serveHttp(gateway.server, { host: '127.0.0.1', port: options.port ?? 3000, path: '/mcp' });
    process.stderr.write(`velomcp proxy: serving MCP over Streamable HTTP at ${handle.url}\n`);
    const stop = (): void => {
      gateway.server.close();
      void handle.close().then(() => gateway.close()).then(() => process.exit(0));
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    return;
  }
  const handle = serveStdio(gateway.server);
  const stop = (): void => void handle.close();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await handle.closed;
  gateway.server.close();
  await gateway.close();
  process.exit(0);
}

/** Adds `velomcp proxy` to the program. */
export function registerProxyCommand(program: Command, parsePort: (v: string) => number): void {
  program
    .command('proxy')
    .description('serve a gateway of upstream MCP servers from a JSON config (prefix → {command, args} | {url})')
    .argument('<config>', 'path to the gateway config (.json)')
    .option('--http', 'serve over Streamable HTTP on 127.0.0.1 at /mcp instead of stdio')
    .option('--port <n>', 'HTTP port (default 3000; 0 picks a free one)', parsePort)
    .action(async (configPath: string, options: ProxyOptions) => {
      try {
        await proxy(configPath, options);
      } catch (err) {
        // A config that cannot be read or parsed, or an upstream that cannot be mounted: a configuration error.
        process.stderr.write(`velomcp proxy: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(ServeExit.usage);
      }
    });
}
