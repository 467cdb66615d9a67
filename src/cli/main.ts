#!/usr/bin/env node
/**
 * The `velomcp` command line.
 *
 *   velomcp serve <module> [--stdio]                 serve a server module over stdio
 *   velomcp serve <module> --http [--port N]         serve it over Streamable HTTP at http://127.0.0.1:N/mcp
 *     [--auth-issuer URL [--auth-resource URL] [--auth-scope S]...]   behind an OAuth 2.1 resource server
 *   velomcp serve <module> --ws [--port N]           serve it over WebSocket at ws://127.0.0.1:N/mcp (velomcp extension)
 *   velomcp serve <module> --tcp [--port N]          serve it over newline-delimited JSON on tcp://127.0.0.1:N (velomcp extension)
 *   velomcp proxy <config.json> [--http --port N]    serve a gateway of upstream servers (velomcp/orchestration)
 *   ... [--metrics [port]] [--metrics-token T] [--dashboard [port]] [--log-requests [level]]   operations (docs/operating.md)
 *   velomcp call <url> | -- <command...>              call a server once (see call.ts)
 *   velomcp profile <module> [--workload echo] [--out DIR]  CPU profile, flame graph, heap summary, leak check (profile.ts)
 *
 * Failures are one line on stderr with an exit code from {@link ServeExit} (docs/cli.md).
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { VeloError } from '../jsonrpc/errors.js';
import { serveHttp } from '../transports/http/node.js';
import { serveProtectedHttp } from '../auth/server/node.js';
import { jwtVerifier } from '../auth/server/verifier.js';
import { serveStdio } from '../transports/stdio/server.js';
import { serveTcp } from '../transports/tcp/server.js';
import { serveWebSocket } from '../transports/ws/server.js';
import { setUpObservability, type ObservabilityFlags } from '../observability/serve.js';
import { describeServeFailure, exitWith, ServeExit } from './exit.js';
import { loadServerModule } from './load-server.js';
import { checkRedisFlags, redisBackendFromFlags, type RedisFlags } from './redis.js';
import { configureSharedWorkerPool } from '../exec/pool.js';
import cluster from 'node:cluster';
import { attachServer } from '../cluster/attach.js';
import { drainableHttp } from '../cluster/drain.js';
import { STATE_SECRET_ENV, joinAsWorker, parseWorkers, runPrimary, type WorkerContext } from '../cluster/workers.js';
import type { McpServer } from '../server/mcp-server.js';

/** Parses a TCP port number for commander. */
export function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be an integer from 0 to 65535');
  return n;
}

/**
 * The `PORT` environment variable as a port number, or undefined when unset or empty.
 * @throws VeloError `VELO_INVALID_CONFIG` naming `PORT` when it is not an integer from 0 to 65535.
 */
export function portFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.PORT;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > 65535) throw new VeloError('VELO_INVALID_CONFIG', `PORT must be an integer from 0 to 65535, got ${JSON.stringify(raw)}`);
  return n;
}

interface ServeOptions extends ObservabilityFlags, RedisFlags {
  stdio?: boolean;
  http?: boolean;
  ws?: boolean;
  tcp?: boolean;
  port?: number;
  maxMessageBytes?: number;
  stateless?: boolean;
  authIssuer?: string;
  authResource?: string;
  authScope?: string[];
  poolSize?: number;
  poolQueue?: number;
  poolNice?: number;
  workers?: string;
  stateSecret?: string;
}

/** This process's worker context under `--workers N` (N > 1), else undefined. */
let worker: WorkerContext | undefined;

/** Loads the server module and applies the shared `requestState` key (`--state-secret`, `VELOMCP_STATE_SECRET`). */
async function loadServer(modulePath: string): Promise<McpServer> {
  const server = await loadServerModule(modulePath);
  const secret = process.env[STATE_SECRET_ENV];
  if (secret !== undefined && secret !== '') server.setRequestStateKey(secret);
  return server;
}

/** Stops on SIGTERM/SIGINT, or, in a worker, when the primary drains. */
function onStop(stop: () => Promise<void>): void {
  if (worker) {
    worker.onDrain(stop);
    return;
  }
  const run = (): void => void stop().then(() => process.exit(0));
  process.once('SIGTERM', run);
  process.once('SIGINT', run);
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

async function serveOverHttp(modulePath: string, options: ServeOptions): Promise<void> {
  const server = await loadServer(modulePath);
  const envPort = portFromEnv();
  const redisCluster = worker ? undefined : await redisBackendFromFlags(options);
  const observability = await setUpObservability(options, true);
  const port = options.port ?? envPort ?? 3000;
  const http = {
    ...(redisCluster && { cluster: redisCluster }),
    ...(observability.httpRoutes && { routes: observability.httpRoutes }),
    host: '127.0.0.1',
    port,
    path: '/mcp',
    legacySse: true,
    ...(options.stateless ? { sessions: false } : {}),
    ...(options.maxMessageBytes === undefined ? {} : { maxBodyBytes: options.maxMessageBytes }),
    ...(worker ? { cluster: worker.backend } : {}),
  };
  let handle;
  if (options.authIssuer !== undefined) {
    // --auth-issuer: an OAuth 2.1 resource server in front (docs/authorization.md): JWT access tokens from
    // that issuer, for this resource, with the --auth-scope scopes.
    if (options.authResource === undefined && port === 0) throw new VeloError('VELO_INVALID_CONFIG', '--auth-issuer with --port 0 needs --auth-resource (the URL clients use)');
    const resource = options.authResource ?? `http://127.0.0.1:${port}/mcp`;
    const { legacySse: _sse, ...protectedHttp } = http;
    handle = await serveProtectedHttp(server, {
      ...protectedHttp,
      auth: {
        resource,
        authorizationServers: [options.authIssuer],
        verifier: jwtVerifier({ issuer: options.authIssuer, audience: resource }),
        requiredScopes: options.authScope ?? [],
      },
    });
  } else {
    handle = await serveHttp(server, http);
  }
  process.stderr.write(`velomcp: ${worker ? `worker ${process.pid} ` : ''}serving MCP over Streamable HTTP at ${handle.url}\n`);
  for (const note of observability.notes) process.stderr.write(`velomcp: ${note}\n`);
  const h = handle;
  const drain = drainableHttp(h.httpServer, () => h.close());
  onStop(async () => {
    server.close();
    await drain();
    await redisCluster?.close();
  });
}

/** Serves over WebSocket (`--ws`) or TCP (`--tcp`) on 127.0.0.1; a signal drains in-flight work, then exits. */
async function serveOverSocket(modulePath: string, options: ServeOptions, kind: 'ws' | 'tcp'): Promise<void> {
  const server = await loadServer(modulePath);
  if (worker) attachServer(server, worker.backend);
  const envPort = portFromEnv();
  const common = { host: '127.0.0.1', port: options.port ?? envPort ?? 3000, ...(options.maxMessageBytes === undefined ? {} : { maxMessageBytes: options.maxMessageBytes }) };
  const observability = await setUpObservability(options, false);
  const handle = kind === 'ws' ? await serveWebSocket(server, { ...common, path: '/mcp' }) : await serveTcp(server, common);
  process.stderr.write(`velomcp: ${worker ? `worker ${process.pid} ` : ''}serving MCP over ${kind === 'ws' ? 'WebSocket (subprotocol mcp)' : 'TCP (newline-delimited JSON)'} at ${handle.url}\n`);
  for (const note of observability.notes) process.stderr.write(`velomcp: ${note}\n`);
  onStop(async () => {
    server.close();
    await handle.close();
  });
}

async function serve(modulePath: string, options: ServeOptions): Promise<void> {
  // Worker tools (velomcp/exec) run on the shared pool; it starts on the first call, after this.
  if (options.poolSize !== undefined || options.poolQueue !== undefined || options.poolNice !== undefined) {
    configureSharedWorkerPool({
      ...(options.poolSize === undefined ? {} : { maxThreads: options.poolSize }),
      ...(options.poolQueue === undefined ? {} : { maxQueue: options.poolQueue }),
      ...(options.poolNice === undefined ? {} : { niceIncrement: options.poolNice }),
    });
  }
  if (options.ws && options.tcp) throw new VeloError('VELO_INVALID_CONFIG', 'choose either --ws or --tcp');
  if (options.redis !== undefined && !(options.http && !options.stdio && !options.ws && !options.tcp)) {
    throw new VeloError('VELO_INVALID_CONFIG', '--redis applies to --http only');
  }
  if (options.stateSecret !== undefined) {
    if (Buffer.byteLength(options.stateSecret) < 32) throw new VeloError('VELO_INVALID_CONFIG', '--state-secret must be at least 32 bytes');
    process.env[STATE_SECRET_ENV] = options.stateSecret;
  }
  const workers = options.workers === undefined ? 1 : parseWorkers(options.workers);
  if (workers > 1) {
    const network = (options.http || options.ws || options.tcp) && !options.stdio;
    if (!network) throw new VeloError('VELO_INVALID_CONFIG', '--workers applies to --http, --ws and --tcp');
    if (options.authIssuer !== undefined) throw new VeloError('VELO_INVALID_CONFIG', '--workers does not combine with --auth-issuer yet');
    if (cluster.isPrimary) {
      // With --redis every worker is a node of the Redis cluster itself; the primary keeps no state.
      const redis = await checkRedisFlags(options);
      process.stderr.write(`velomcp: primary ${process.pid} starting ${workers} workers${redis ? ' (each a node of the Redis cluster)' : ''}\n`);
      runPrimary({ workers, ...(redis ? { ipc: false } : {}) });
      return;
    }
    worker = joinAsWorker(await redisBackendFromFlags(options));
  }
  if (options.authIssuer !== undefined && !(options.http && !options.stdio && !options.ws && !options.tcp)) {
    throw new VeloError('VELO_INVALID_CONFIG', '--auth-issuer applies to --http only');
  }
  // --ws and --tcp win over --http, so `npm start -- --ws` switches the default HTTP start to WebSocket.
  if ((options.ws || options.tcp) && !options.stdio) {
    await serveOverSocket(modulePath, options, options.ws ? 'ws' : 'tcp');
    return;
  }
  // --stdio wins when both are given, so `npm start -- --stdio` switches the default HTTP start to stdio.
  if (options.http && !options.stdio) {
    await serveOverHttp(modulePath, options);
    return;
  }
  const server = await loadServerModule(modulePath);
  const observability = await setUpObservability(options, false);
  for (const note of observability.notes) process.stderr.write(`velomcp: ${note}\n`);
  const handle = serveStdio(server, options.maxMessageBytes === undefined ? {} : { maxMessageBytes: options.maxMessageBytes });
  const stop = (): void => {
    void handle.close();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await handle.closed;
  server.close();
  process.exit(0);
}

const program = new Command();
// Parse errors exit with the usage code (2) instead of commander's 1; set before any subcommand is added.
program.exitOverride();
program.name('velomcp').description('velomcp: a high-performance MCP server and client framework').version('0.1.0');
program
  .command('serve')
  .description('serve an MCP server module (its default export: an McpServer or a function returning one)')
  .argument('<module>', 'path to the server module (.js/.mjs)')
  .option('--stdio', 'serve over stdin/stdout (the default; wins over --http, --ws and --tcp)')
  .option('--http', 'serve over Streamable HTTP on 127.0.0.1 at /mcp (legacy HTTP+SSE at /sse)')
  .option('--stateless', 'with --http: serve legacy-era clients without sessions (each POST stands alone)')
  .option('--ws', 'serve over WebSocket on 127.0.0.1 at /mcp, subprotocol mcp (velomcp extension)')
  .option('--tcp', 'serve newline-delimited JSON over TCP on 127.0.0.1 (velomcp extension)')
  .option('--port <n>', 'HTTP, WebSocket or TCP port (default: $PORT or 3000)', parsePort)
  .option('--auth-issuer <url>', 'with --http: require OAuth 2.1 bearer tokens (JWT) issued by this authorization server (no legacy HTTP+SSE then)')
  .option('--auth-resource <url>', 'with --auth-issuer: this resource\'s identifier, the token audience (default: http://127.0.0.1:PORT/mcp)')
  .option('--auth-scope <scope>', 'with --auth-issuer: a scope every request needs (repeatable)', (v: string, acc: string[] = []) => [...acc, v])
  .option('--max-message-bytes <n>', 'largest accepted message in bytes', (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
    return n;
  })
  .option('--pool-size <n>', 'worker threads of the shared worker-tool pool (default: available CPUs)', positiveInt)
  .option('--pool-queue <n>', 'most worker-tool calls waiting for a thread (default: 64 per thread); past it: -32010 busy', positiveInt)
  .option('--pool-nice <n>', 'Linux: nice increment (1-19) of the pool threads, so the event loop runs first', (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 19) throw new InvalidArgumentError('must be an integer from 0 to 19');
    return n;
  })
  .option('--redis <url>', 'with --http: be one node of a cluster sharing sessions, events, notifications and tasks through Redis (redis://host:port/db; docs/scaling.md)')
  .option('--redis-prefix <prefix>', 'with --redis: prefix of every Redis key and channel (default velomcp:)')
  .option('--metrics [port]', 'expose Prometheus /metrics, /healthz and /readyz: on the MCP HTTP server, or on their own 127.0.0.1 port (free one when none given)', parsePort)
  .option('--metrics-token <token>', 'require Authorization: Bearer <token> on /metrics (default: $VELOMCP_METRICS_TOKEN)')
  .option('--dashboard [port]', 'serve the live dashboard on its own 127.0.0.1 port (free one when none given)', parsePort)
  .option('--log-requests [level]', 'one JSON log line per request on stderr (pino; level default info)')
  .option('--workers <n>', 'with --http, --ws or --tcp: serve from N processes sharing the port and the session state (auto = available CPUs; default 1)')
  .option('--state-secret <secret>', 'key (32+ bytes) signing MRTR requestState, the same on every node (default: $VELOMCP_STATE_SECRET; with --workers, one random key per primary)')
  .action(async (modulePath: string, options: ServeOptions) => {
    try {
      await serve(modulePath, options);
    } catch (err) {
      exitWith(describeServeFailure(err), err);
    }
  });

(await import('./call.js')).registerCallCommand(program);
(await import('./proxy.js')).registerProxyCommand(program, parsePort);
(await import('./workflow.js')).registerWorkflowCommand(program);
(await import('./profile.js')).registerProfileCommand(program);
(await import('./bench.js')).registerBenchCommand(program);
try {
  await program.parseAsync(process.argv);
} catch (err) {
  // commander already printed its message (or the help / version text) for its own errors
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : ServeExit.usage);
  exitWith(describeServeFailure(err), err);
}
