/**
 * `velomcp/exec`: the performance engine. A priority {@link Scheduler} (standalone, reusable by anything
 * that queues work), admission control of tool calls, and a worker-thread pool for CPU-bound tools.
 * See docs/performance.md.
 */
export { Scheduler, inherit } from './scheduler.js';
export type { SchedulingPolicy, SchedulingInfo, ResolvedScheduling, SchedulerOptions, SchedulerStats, Ticket } from './scheduler.js';
export { AdmissionController, AdmissionMeta } from './admission.js';
export type { AdmissionOptions, AdmissionStats, RateLimit } from './admission.js';
export { WorkerPool, WorkerToolError, configureSharedWorkerPool, sharedWorkerPool, closeSharedWorkerPool } from './pool.js';
export type { WorkerPoolOptions, WorkerPoolStats, WorkerRunOptions, WorkerFunctionRef } from './pool.js';
export { registerWorkerTool } from './worker-tool.js';
export type { WorkerToolConfig } from './worker-tool.js';
export type { WorkerToolContext, WorkerToolFunction } from './worker-protocol.js';
export { FanOut } from './fanout.js';
export type { FanOutStats } from './fanout.js';
