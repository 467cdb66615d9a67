/**
 * Settings and negotiation helpers of tasks, shared by both eras: the tasks extension
 * `io.modelcontextprotocol/tasks` (2026-07-28, SEP-2663) and the 2025-11-25 tasks of legacy sessions.
 */
import { ErrorCode } from '../../jsonrpc/codes.js';
import { McpError } from '../../jsonrpc/errors.js';
import type { ClientCapabilities } from '../../protocol/types.js';
import type { InMemoryTaskStore, TaskStore } from './store.js';

/** The extension identifier, the key under `capabilities.extensions` on both sides. */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

/** Server-wide task settings (`McpServerOptions.tasks`). */
export interface TasksOptions {
  /** Where task records live. Default: an {@link InMemoryTaskStore} bounded by `maxTasks`. */
  store?: TaskStore;
  /** Lifetime of a task from its creation, in integer milliseconds (`null`: unlimited). Default 3 600 000. */
  ttlMs?: number | null;
  /** Polling interval suggested to clients, in integer milliseconds. Default 1000. */
  pollIntervalMs?: number;
  /** Bound of the default in-memory store. Default 10 000. */
  maxTasks?: number;
  /**
   * Most tasks one principal may have running (not yet terminal) in this process; a `tools/call` past it is
   * answered with -32000 and creates no task. Default 1000.
   */
  maxLiveTasksPerPrincipal?: number;
}

/** Per-tool task settings (`ToolConfig.task`); the tool's `execution.taskSupport` decides whether tasks are used. */
export interface ToolTaskOptions {
  /** Overrides `TasksOptions.ttlMs` for this tool. */
  ttlMs?: number | null;
  /** Overrides `TasksOptions.pollIntervalMs` for this tool. */
  pollIntervalMs?: number;
  /**
   * `'call'` (default): the task is created as soon as the call arrives and the whole handler runs as the task.
   * `'handler'`: the handler starts as an ordinary request (so it can gather input with MRTR first) and
   * continues as a task from the moment it calls {@link startTask}; if it returns without calling it, the
   * call gets an ordinary result.
   */
  start?: 'call' | 'handler';
}

/** @internal A tool's task settings, resolved at registration; absent on tools that never run as tasks. */
export interface ToolTaskSpec {
  support: 'optional' | 'required';
  ttlMs: number | null | undefined;
  pollIntervalMs: number | undefined;
  onDemand: boolean;
}

/** True when the client declared the tasks extension (`capabilities.extensions["io.modelcontextprotocol/tasks"]`). */
export function hasTasksExtension(caps: ClientCapabilities): boolean {
  const ext = caps.extensions;
  return typeof ext === 'object' && ext !== null && typeof ext[TASKS_EXTENSION] === 'object' && ext[TASKS_EXTENSION] !== null;
}

/** The -32021 error for a client that did not declare the tasks extension. */
export function missingTasksExtension(what: string): McpError {
  return new McpError(ErrorCode.MissingRequiredClientCapability, `Missing required client capability: ${what} needs the ${TASKS_EXTENSION} extension`, {
    requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } },
  });
}
