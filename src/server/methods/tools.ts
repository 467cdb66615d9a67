/**
 * @internal `tools/list` and `tools/call` (MCP `server/tools.mdx`).
 */
import { ErrorCode } from '../../jsonrpc/codes.js';
import { McpError } from '../../jsonrpc/errors.js';
import type { JsonObject } from '../../jsonrpc/message.js';
import type { CallToolResult } from '../../protocol/types.js';
import type { ValidationResult } from '../../validation/index.js';
import type { ServerRequestContext } from '../context.js';
import type { ServerCore, ToolEntry } from '../core.js';
import { echo } from '../limits.js';
import { InputRequiredSignal, isInputRequired, type InputRequiredResult } from '../input.js';
import type { TaskContext } from '../tasks/context.js';
import { hasTasksExtension, missingTasksExtension } from '../tasks/manager.js';
import { legacyTaskRequest, legacyTasks, type LegacyTaskRequest } from '../tasks/legacy.js';
import type { ServerConnection } from '../connection.js';
import { isObject, isPromise, listPage, requiredString, type Serialized } from './shared.js';

/** `tools/list`: a cached, pre-serialised page. */
export function listTools(core: ServerCore, params: JsonObject | undefined, ctx: ServerRequestContext): Serialized | Promise<Serialized> {
  if (core.toolProviders.length > 0) {
    const pending: Promise<void>[] = [];
    for (const p of core.toolProviders) {
      const r = p.beforeList?.();
      if (r) pending.push(r);
    }
    if (pending.length > 0) return Promise.all(pending).then(() => listPage(core, core.tools, params, ctx, 'tools/list', 'tools'));
  }
  return listPage(core, core.tools, params, ctx, 'tools/list', 'tools');
}

/** Asks the tool providers for an unknown tool; true once one of them registered it. */
async function resolveTool(core: ServerCore, name: string): Promise<boolean> {
  for (const p of core.toolProviders) if (p.resolve && (await p.resolve(name)) && core.tools.get(name)?.enabled) return true;
  return false;
}

/** An `isError` tool result with one text block. */
export function toolError(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

type ToolOutcome = CallToolResult | InputRequiredResult;

/**
 * `tools/call`: validate the arguments with the schema compiled at registration, run the handler, check
 * `structuredContent` against the output schema. Validation failures are `isError` results (SEP-1303).
 * Synchronous handlers answer without a promise hop.
 */
export function callTool(core: ServerCore, params: JsonObject | undefined, ctx: ServerRequestContext, conn?: ServerConnection): ToolOutcome | Promise<ToolOutcome> {
  const name = requiredString(params, 'name', 'tools/call');
  const tool = core.tools.get(name);
  if (!tool || !tool.enabled) {
    if (!tool && core.toolProviders.length > 0) {
      return resolveTool(core, name).then((found) => {
        if (!found) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${echo(name)}`, { name: echo(name) });
        return callTool(core, params, ctx, conn);
      });
    }
    throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${echo(name)}`, { name: echo(name) });
  }
  // Tasks extension: a tool that only runs as a task refuses modern clients without the extension (-32021).
  if (tool.task?.support === 'required' && ctx.era === 'modern' && !hasTasksExtension(ctx.clientCapabilities)) throw missingTasksExtension(`tool ${name}`);
  // 2025-11-25 tasks (legacy era): params.task, and the tool-level negotiation of execution.taskSupport.
  const task = ctx.era === 'legacy' && (params?.task !== undefined || tool.task !== undefined) && conn ? legacyTaskRequest(core, tool, params, ctx) : undefined;
  const args = params?.arguments ?? {};
  if (!isObject(args)) return toolError(`Input validation error: "arguments" must be an object`);
  const checked = tool.input.validate(args);
  if (isPromise<ValidationResult>(checked)) return checked.then((v) => afterValidation(core, tool, v, ctx, task, conn));
  return afterValidation(core, tool, checked, ctx, task, conn);
}

function afterValidation(
  core: ServerCore,
  tool: ToolEntry,
  v: ValidationResult,
  ctx: ServerRequestContext,
  task?: LegacyTaskRequest,
  conn?: ServerConnection,
): ToolOutcome | Promise<ToolOutcome> {
  if (!v.valid) return toolError(`Input validation error: ${v.message}`);
  if (task && tool.task && conn) return legacyTasks(core).callTool(conn, tool.task, ctx, task, (c) => invokeTool(tool, v.value, c)) as Promise<ToolOutcome>;
  if (tool.task !== undefined) return core.tasks.callTool(tool.task, ctx, (c) => invokeTool(tool, v.value, c)) as ToolOutcome | Promise<ToolOutcome>;
  const admission = core.admission;
  if (admission) return admission.run(tool.name, ctx, () => invokeTool(tool, v.value, ctx));
  return invokeTool(tool, v.value, ctx);
}

/** Runs the handler and checks its output. */
function invokeTool(tool: ToolEntry, args: unknown, ctx: ServerRequestContext | TaskContext): ToolOutcome | Promise<ToolOutcome> {
  let out: ToolOutcome | Promise<ToolOutcome>;
  try {
    out = tool.handler(args, ctx);
  } catch (err) {
    return handlerFailure(err);
  }
  if (isPromise<ToolOutcome>(out)) return out.then((r) => checkOutput(tool, r), handlerFailure);
  return checkOutput(tool, out);
}

function handlerFailure(err: unknown): CallToolResult {
  // Protocol-level intents pass through: explicit wire errors and the MRTR signal.
  if (err instanceof McpError || err instanceof InputRequiredSignal) throw err;
  return toolError(err instanceof Error ? err.message : String(err));
}

function checkOutput(tool: ToolEntry, result: ToolOutcome): ToolOutcome | Promise<ToolOutcome> {
  if (!isObject(result)) throw new McpError(ErrorCode.InternalError, `Tool ${tool.name} returned a non-object result`);
  if (isInputRequired(result)) return result;
  if (!Array.isArray(result.content)) {
    // The spec requires content; tolerate structured-only results by adding the JSON text block.
    if (result.structuredContent === undefined) throw new McpError(ErrorCode.InternalError, `Tool ${tool.name} returned a result without content`);
    result = { ...result, content: [{ type: 'text', text: JSON.stringify(result.structuredContent) }] };
  }
  if (!tool.output || result.isError) return result;
  if (result.structuredContent === undefined) {
    throw new McpError(ErrorCode.InternalError, `Tool ${tool.name} has an output schema but returned no structuredContent`);
  }
  const checked = tool.output.validate(result.structuredContent);
  const final = result;
  const verdict = (v: ValidationResult): ToolOutcome => {
    if (!v.valid) throw new McpError(ErrorCode.InternalError, `Tool ${tool.name} returned structuredContent that does not match its output schema: ${v.message}`);
    return final;
  };
  return isPromise<ValidationResult>(checked) ? checked.then(verdict) : verdict(checked);
}
