/**
 * `velomcp call`: a one-shot MCP client on the command line.
 *
 *   velomcp call http://127.0.0.1:3000/mcp --list-tools
 *   velomcp call http://127.0.0.1:3000/mcp --tool add --args '{"a":1,"b":2}'
 *   velomcp call --read test://static-text -- node server.js
 *   velomcp call --prompt greet --args '{"name":"Ada"}' -- velomcp serve server.js
 *
 * The result is printed as JSON on stdout; diagnostics go to stderr. `--timeout` bounds the whole call,
 * negotiation included. A server's elicitation is answered from `--elicit <json>` or, on a terminal, by
 * asking. Exit codes: 0 success; 1 the server answered with an error (a JSON-RPC error, or a tool result
 * with `isError: true`); 2 usage error; 3 connection or transport failure; 4 timeout; 5 the server asked
 * for input (elicitation) and neither `--elicit` nor a terminal could answer it. See docs/cli.md.
 */
import { Command, InvalidArgumentError } from 'commander';
import { McpClient, type EraOption } from '../client/client.js';
import { StdioClientTransport } from '../client/stdio.js';
import { McpError, VeloError } from '../jsonrpc/errors.js';
import type { JsonObject } from '../jsonrpc/message.js';
import type { ElicitFormParams, ElicitUrlParams } from '../protocol/types.js';
import { cliElicitationHandler, exampleAnswer } from './elicit.js';

/** Options of {@link runCall}, as the command line gives them. */
export interface CallOptions {
  listTools?: boolean;
  tool?: string;
  read?: string;
  prompt?: string;
  args?: JsonObject;
  era: string;
  /** Bound on the whole call (connecting, negotiating, the request and its input rounds), in milliseconds. */
  timeout: number;
  header: string[];
  /** The `--elicit` answer (an ElicitResult, or the form content to accept). */
  elicit?: JsonObject;
  /** Ask elicitation questions on the terminal when there is no `--elicit` (default: stdin and stderr are TTYs). */
  interactive?: boolean;
  /** When the timeout's clock started, on the `performance.now()` scale (the CLI passes 0: process start). */
  startedAt?: number;
}

/** Exit codes of `velomcp call` (docs/cli.md). */
export const CallExit = { ok: 0, serverError: 1, usage: 2, transport: 3, timeout: 4, inputRequired: 5 } as const;

/** Most of `--timeout` kept for closing the connection and exiting, in milliseconds (a tenth when less). */
const MAX_SHUTDOWN_MS = 250;

/** Longest `server/discover` probe in `auto` mode, in milliseconds (the client's default probe timeout). */
const MAX_PROBE_MS = 5000;

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
  const elapsed = options.startedAt === undefined ? 0 : performance.now() - options.startedAt;
  // The command itself must be gone by the deadline: keep a little of the time for shutting down.
  const budgetMs = Math.max(1, options.timeout - elapsed - Math.min(MAX_SHUTDOWN_MS, options.timeout / 10));
  let unanswered: ElicitFormParams | ElicitUrlParams | undefined;
  const client = new McpClient(
    { name: 'velomcp-cli', version: '0.1.0' },
    {
      era,
      requestTimeoutMs: budgetMs,
      // a server that ignores the probe leaves half the time to initialize
      probeTimeoutMs: Math.min(MAX_PROBE_MS, Math.ceil(budgetMs / 2)),
      reconnect: false,
      http: { headers },
      handlers: {
        elicitation: cliElicitationHandler({
          ...(options.elicit === undefined ? {} : { answer: options.elicit }),
          interactive: options.interactive ?? (process.stdin.isTTY === true && process.stderr.isTTY === true),
          onUnanswered: (p) => (unanswered = p),
        }),
      },
      onError: (err) => process.stderr.write(`velomcp call: ${err.message}\n`),
    },
  );
  let stdio: StdioClientTransport | undefined;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new VeloError('VELO_REQUEST_TIMEOUT', `no answer within --timeout ${options.timeout} ms`)), budgetMs);
  });
  const work = (async (): Promise<{ result: unknown; isError: boolean }> => {
    if (isUrl) await client.connect(targets[0]!);
    else {
      const [command, ...args] = targets;
      stdio = new StdioClientTransport({ command: command!, args, onStderr: (t) => process.stderr.write(t) });
      await client.connect(stdio);
    }
    if (options.listTools) {
      const tools = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor === undefined ? {} : { cursor });
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      return { result: { tools }, isError: false };
    }
    if (options.tool !== undefined) {
      const r = await client.callTool({ name: options.tool, arguments: options.args ?? {} });
      return { result: r, isError: r.isError === true };
    }
    if (options.read !== undefined) return { result: await client.readResource({ uri: options.read }), isError: false };
    const args: Record<string, string> = {};
    for (const [k, v] of Object.entries(options.args ?? {})) args[k] = typeof v === 'string' ? v : JSON.stringify(v);
    return { result: await client.getPrompt({ name: options.prompt!, arguments: args }), isError: false };
  })();
  work.catch(() => {}); // after the deadline its rejection (the client closing) is expected and ignored
  try {
    const { result, isError } = await Promise.race([work, deadline]);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (isError && unanswered) return inputRequired(unanswered);
    return isError ? CallExit.serverError : CallExit.ok;
  } catch (err) {
    if (unanswered) return inputRequired(unanswered);
    if (err instanceof McpError) {
      process.stdout.write(`${JSON.stringify({ error: err.toJSON() }, null, 2)}\n`);
      return fail(CallExit.serverError, `server error ${err.code}: ${err.message}`);
    }
    if (err instanceof VeloError) return fail(err.code === 'VELO_REQUEST_TIMEOUT' ? CallExit.timeout : CallExit.transport, `${err.code}: ${err.message}`);
    return fail(CallExit.transport, (err as Error).message ?? String(err));
  } finally {
    clearTimeout(timer);
    // A server that does not answer will not stop when asked either: past the deadline, do not wait for it.
    const pid = stdio?.pid;
    if (pid !== undefined && !(await settledWithin(work, 0))) process.kill(pid, 'SIGTERM');
    await client.close();
  }
}

/** True when `p` settles within `ms` milliseconds. */
async function settledWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let t: NodeJS.Timeout | undefined;
  const settled = await Promise.race([p.then(() => true, () => true), new Promise<boolean>((r) => (t = setTimeout(() => r(false), ms)))]);
  clearTimeout(t);
  return settled;
}

/** Reports an elicitation nobody could answer, with an example `--elicit` value. */
function inputRequired(params: ElicitFormParams | ElicitUrlParams): number {
  const example = params.mode === 'url' ? { action: 'accept' } : exampleAnswer((params as ElicitFormParams).requestedSchema);
  return fail(
    CallExit.inputRequired,
    `the server asked for input ("${params.message}") and there is no terminal to ask on: answer it with --elicit '${JSON.stringify(example)}' (or '{"action":"decline"}'), or run velomcp call in a terminal`,
  );
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
    .option('--elicit <json>', 'answer to the server\'s elicitation: the form content to accept (e.g. \'{"u":"C"}\'), or an ElicitResult such as \'{"action":"decline"}\'; without it, questions are asked on a terminal', parseJsonObject)
    .option('--timeout <ms>', 'bound on the whole call (connecting and negotiating included), in milliseconds', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
      return n;
    }, 30_000)
    .option('--header <header>', 'HTTP header "Name: value" (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .action(async (targets: string[], options: CallOptions) => {
      process.exitCode = await runCall(targets, { ...options, startedAt: 0 });
    });
}
