/**
 * `velomcp call`: a one-shot MCP client on the command line.
 *
 *   velomcp call http://127.0.0.1:3000/mcp --list-tools
 *   velomcp call http://127.0.0.1:3000/mcp --tool add --args '{"a":1,"b":2}'
 *   velomcp call --read test://static-text -- node server.js
 *   velomcp call --prompt greet --args '{"name":"Ada"}' -- velomcp serve server.js
 *
 * The result is printed as JSON on stdout; diagnostics go to stderr. Exit codes: 0 success; 1 the server
 * answered with an error (a JSON-RPC error, or a tool result with `isError: true`); 2 usage error;
 * 3 connection or transport failure; 4 timeout.
 */
import { Command, InvalidArgumentError } from 'commander';
import { OAuthClient } from '../auth/client/oauth-client.js';
import { startLoopbackRedirect, type LoopbackRedirect } from '../auth/client/loopback.js';
import { McpClient, type EraOption } from '../client/client.js';
import { StdioClientTransport } from '../client/stdio.js';
import { McpError, VeloError } from '../jsonrpc/errors.js';
import type { JsonObject } from '../jsonrpc/message.js';

interface CallOptions {
  listTools?: boolean;
  tool?: string;
  read?: string;
  prompt?: string;
  args?: JsonObject;
  era: string;
  timeout: number;
  header: string[];
  oauth?: boolean;
  clientId?: string;
  clientSecret?: string;
  scope?: string;
}

/** Exit codes of `velomcp call`. */
export const CallExit = { ok: 0, serverError: 1, usage: 2, transport: 3, timeout: 4 } as const;

function parseJsonObject(value: string): JsonObject {
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch (err) {
    throw new InvalidArgumentError(`not valid JSON: ${(err as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InvalidArgumentError('must be a JSON object');
  return v as JsonObject;
}

function parseEra(value: string): EraOption {
  if (value === 'auto' || value === 'legacy') return value;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return { pin: value };
  throw new InvalidArgumentError('use auto, legacy or a modern protocol version such as 2026-07-28');
}

function fail(code: number, message: string): number {
  process.stderr.write(`velomcp call: ${message}\n`);
  return code;
}

/** Runs one call; returns the exit code. Exported for tests. */
export async function runCall(targets: string[], options: CallOptions): Promise<number> {
  const actions = [options.listTools, options.tool, options.read, options.prompt].filter((a) => a !== undefined && a !== false);
  if (actions.length !== 1) return fail(CallExit.usage, 'give exactly one of --list-tools, --tool NAME, --read URI, --prompt NAME');
  if (targets.length === 0) return fail(CallExit.usage, 'give a server URL, or -- followed by the command that starts a stdio server');
  let era: EraOption;
  try {
    era = parseEra(options.era);
  } catch (err) {
    return fail(CallExit.usage, `--era ${(err as Error).message}`);
  }
  const headers: Record<string, string> = {};
  for (const h of options.header) {
    const i = h.indexOf(':');
    if (i <= 0) return fail(CallExit.usage, `--header ${JSON.stringify(h)} must look like "Name: value"`);
    headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
  }
  const isUrl = targets.length === 1 && /^https?:\/\//i.test(targets[0]!);
  if (options.oauth && !isUrl) return fail(CallExit.usage, '--oauth needs a server URL');
  // --oauth: the authorization code flow with a loopback redirect (RFC 8252); the user authorizes in a browser,
  // so the first request may wait minutes.
  let loopback: LoopbackRedirect | undefined;
  let auth: OAuthClient | undefined;
  if (options.oauth) {
    loopback = await startLoopbackRedirect();
    auth = new OAuthClient({
      grant: { type: 'authorization_code', redirectUri: loopback.redirectUri, userAgent: loopback.userAgent },
      clientMetadata: { client_name: 'velomcp call' },
      ...(options.clientId !== undefined && { client: { clientId: options.clientId, ...(options.clientSecret !== undefined && { clientSecret: options.clientSecret }) } }),
      ...(options.scope !== undefined && { scope: options.scope }),
    });
  }
  const waitMs = options.oauth ? Math.max(options.timeout, 300_000) : options.timeout;
  const client = new McpClient(
    { name: 'velomcp-cli', version: '0.1.0' },
    {
      era,
      requestTimeoutMs: waitMs,
      ...(options.oauth && { probeTimeoutMs: waitMs }),
      reconnect: false,
      http: { headers, ...(auth && { auth }) },
      onError: (err) => process.stderr.write(`velomcp call: ${err.message}\n`),
    },
  );
  try {
    if (isUrl) await client.connect(targets[0]!);
    else {
      const [command, ...args] = targets;
      await client.connect(new StdioClientTransport({ command: command!, args, onStderr: (t) => process.stderr.write(t) }));
    }
    let result: unknown;
    let isError = false;
    if (options.listTools) {
      const tools = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor === undefined ? {} : { cursor });
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      result = { tools };
    } else if (options.tool !== undefined) {
      const r = await client.callTool({ name: options.tool, arguments: options.args ?? {} });
      isError = r.isError === true;
      result = r;
    } else if (options.read !== undefined) {
      result = await client.readResource({ uri: options.read });
    } else {
      const args: Record<string, string> = {};
      for (const [k, v] of Object.entries(options.args ?? {})) args[k] = typeof v === 'string' ? v : JSON.stringify(v);
      result = await client.getPrompt({ name: options.prompt!, arguments: args });
    }
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return isError ? CallExit.serverError : CallExit.ok;
  } catch (err) {
    if (err instanceof McpError) {
      process.stdout.write(`${JSON.stringify({ error: err.toJSON() }, null, 2)}\n`);
      return fail(CallExit.serverError, `server error ${err.code}: ${err.message}`);
    }
    if (err instanceof VeloError) return fail(err.code === 'VELO_REQUEST_TIMEOUT' ? CallExit.timeout : CallExit.transport, `${err.code}: ${err.message}`);
    return fail(CallExit.transport, (err as Error).message ?? String(err));
  } finally {
    await client.close();
    await loopback?.close();
  }
}

/** Adds the `call` command to the `velomcp` program. */
export function registerCallCommand(program: Command): void {
  program
    .command('call')
    .description('call an MCP server once and print the result as JSON (a URL, or -- followed by a stdio server command)')
    .argument('[target...]', 'server URL (http or https), or after --, the command that starts a stdio server')
    .option('--list-tools', 'list every tool (all pages)')
    .option('--tool <name>', 'call a tool')
    .option('--read <uri>', 'read a resource')
    .option('--prompt <name>', 'get a prompt')
    .option('--args <json>', 'arguments of --tool or --prompt, as a JSON object', parseJsonObject)
    .option('--era <era>', 'auto (probe, then fall back), legacy, or a pinned modern version', 'auto')
    .option('--timeout <ms>', 'request timeout in milliseconds', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
      return n;
    }, 30_000)
    .option('--header <header>', 'HTTP header "Name: value" (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--oauth', 'authorize with OAuth 2.1 (authorization code + PKCE, loopback redirect; prints the URL to open)')
    .option('--client-id <id>', 'with --oauth: a pre-registered client id (default: CIMD or dynamic registration)')
    .option('--client-secret <secret>', 'with --oauth: the pre-registered client secret')
    .option('--scope <scope>', 'with --oauth: the scopes to ask for (default: from the challenge or the PRM)')
    .action(async (targets: string[], options: CallOptions) => {
      process.exitCode = await runCall(targets, options);
    });
}
