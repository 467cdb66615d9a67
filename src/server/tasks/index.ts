/**
 * The tasks extension `io.modelcontextprotocol/tasks` (SEP-2663, 2026-07-28 era): long-running tool calls
 * answered with a task handle and observed with `tasks/get`, steered with `tasks/update` and `tasks/cancel`.
 * @packageDocumentation
 */
export { TASKS_EXTENSION, hasTasksExtension, detailedTask, type TasksOptions, type ToolTaskOptions } from './manager.js';
export { startTask, taskIdOf } from './context.js';
export { InMemoryTaskStore, isTerminalStatus, MAX_TASKS_PER_SESSION, type InMemoryTaskStoreOptions, type TaskRecord, type TaskStatus, type TaskStore } from './store.js';
