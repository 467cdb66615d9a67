/**
 * @internal `tasks/get`, `tasks/update`, `tasks/cancel` (extension `io.modelcontextprotocol/tasks`, SEP-2663).
 */
import { ErrorCode } from '../../jsonrpc/codes.js';
import { McpError } from '../../jsonrpc/errors.js';
import type { ServerRequestContext } from '../context.js';
import type { ServerCore } from '../core.js';
import { TASKS_EXTENSION, type TaskManager } from '../tasks/manager.js';

/** The tasks runtime, or -32601 when this server does not offer the extension. */
export function tasksMethod(core: ServerCore, ctx: ServerRequestContext): TaskManager {
  if (core.modernCapabilities.extensions?.[TASKS_EXTENSION] === undefined) throw new McpError(ErrorCode.MethodNotFound, `Method not found: ${ctx.method}`);
  return core.tasks;
}
