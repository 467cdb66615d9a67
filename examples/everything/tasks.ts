/**
 * The tasks-extension fixtures of the reference server (`io.modelcontextprotocol/tasks`, SEP-2663): the tools
 * the conformance suite's `tasks-*` scenarios call (`src/scenarios/server/tasks/*.ts`). Handlers are ordinary
 * `(args, ctx)` tools; velomcp runs the task-supporting ones as tasks for clients that declared the extension.
 */
import { z } from 'zod';
import { elicit, ErrorCode, McpError, startTask, type CallToolResult, type InputResponse, type McpServer, type RequestContext } from '../../src/index.js';

const text = (t: string): CallToolResult => ({ content: [{ type: 'text', text: t }] });

/** Waits `ms`, or rejects as soon as `signal` aborts (a cancelled task stops at once). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The accepted content of an elicitation answer, or undefined when declined, cancelled or malformed. */
function accepted(answer: InputResponse | undefined): Record<string, unknown> | undefined {
  if (answer?.action !== 'accept') return undefined;
  const content = answer.content;
  return typeof content === 'object' && content !== null && !Array.isArray(content) ? (content as Record<string, unknown>) : {};
}

const confirmSchema = { type: 'object', properties: { confirm: { type: 'boolean' } }, required: ['confirm'] } as const;
const nameConfirmSchema = { type: 'object', properties: { name: { type: 'string' }, confirm: { type: 'boolean' } } } as const;

/** Registers greet, slow_compute, failing_job, protocol_error_job, confirm_delete, multi_input and test_tool_with_task. */
export function registerTaskFixtures(server: McpServer): void {
  server.registerTool(
    'greet',
    { description: 'Sync-only: returns "Hello, {name}!" (never a task)', inputSchema: z.object({ name: z.string() }), execution: { taskSupport: 'forbidden' } },
    ({ name }) => text(`Hello, ${name}!`),
  );

  server.registerTool(
    'slow_compute',
    {
      description: 'Task-supporting: sleeps `seconds` then returns a result; stops (cancelled) on tasks/cancel',
      inputSchema: z.object({ seconds: z.number().min(0).max(3600), label: z.string().optional() }),
      execution: { taskSupport: 'optional' },
    },
    async ({ seconds, label }, ctx: RequestContext) => {
      if (seconds > 0) await sleep(seconds * 1000, ctx.signal);
      return text(`Computed ${label ?? 'result'} after ${seconds}s`);
    },
  );

  server.registerTool(
    'failing_job',
    {
      description: 'Task-required: returns a tool execution error (isError) after about one second',
      inputSchema: { type: 'object', properties: {} },
      execution: { taskSupport: 'required' },
    },
    async (_args, ctx) => {
      await sleep(1000, ctx.signal);
      return { content: [{ type: 'text', text: 'The job failed: simulated tool error' }], isError: true };
    },
  );

  server.registerTool(
    'protocol_error_job',
    {
      description: 'Task-supporting: fails with a JSON-RPC internal error (the task ends failed)',
      inputSchema: { type: 'object', properties: {} },
      execution: { taskSupport: 'optional' },
    },
    async (_args, ctx) => {
      await sleep(100, ctx.signal);
      throw new McpError(ErrorCode.InternalError, 'Internal error: simulated protocol failure');
    },
  );

  server.registerTool(
    'confirm_delete',
    {
      description: 'Task-supporting: asks for confirmation (input key "confirm"), then reports the decision',
      inputSchema: z.object({ filename: z.string() }),
      execution: { taskSupport: 'optional' },
    },
    async ({ filename }, ctx) => {
      const answers = await ctx.input({ confirm: elicit({ message: `Delete ${filename}?`, requestedSchema: confirmSchema }) });
      const ok = accepted(answers.confirm)?.confirm === true;
      return text(ok ? `Deleted ${filename}` : `Kept ${filename}`);
    },
  );

  server.registerTool(
    'multi_input',
    {
      description: 'Task-supporting: asks two questions at once (input keys "first" and "second"); completes when both are answered',
      inputSchema: { type: 'object', properties: {} },
      execution: { taskSupport: 'optional' },
    },
    async (_args, ctx) => {
      const [a, b] = await Promise.all([
        ctx.input({ first: elicit({ message: 'First answer?', requestedSchema: nameConfirmSchema }) }),
        ctx.input({ second: elicit({ message: 'Second answer?', requestedSchema: nameConfirmSchema }) }),
      ]);
      const name = (r: InputResponse | undefined): string => String(accepted(r)?.name ?? '(none)');
      return text(`Answers: ${name(a.first)}, ${name(b.second)}`);
    },
  );

  server.registerTool(
    'test_tool_with_task',
    {
      description: 'MRTR then task: asks for "user_name" with input_required, then continues as a task that greets the user',
      inputSchema: { type: 'object', properties: {} },
      execution: { taskSupport: 'required' },
      task: { start: 'handler' },
    },
    async (_args, ctx) => {
      const answers = await ctx.input({
        user_name: elicit({ message: 'What is your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } }),
      });
      const name = String(accepted(answers.user_name)?.name ?? 'stranger');
      await startTask(ctx);
      await sleep(200, ctx.signal);
      return text(`Hello, ${name}! (gathered before the task started)`);
    },
  );
}
