/**
 * `velomcp/cluster`: the seams several processes share to serve one MCP endpoint with no sticky sessions
 * (docs/scaling.md), the in-memory backend, and `velomcp serve --workers` on `node:cluster`.
 */
export * from './types.js';
export { MemoryBusHub, MemoryClusterState, MemoryEventLog, MemorySessionStore, applyPatch, memoryBackend, memoryCluster, newNodeId } from './memory.js';
export { IpcPrimary, ipcBackend, type IpcChannel } from './ipc.js';
export { STATE_SECRET_ENV, joinAsWorker, parseWorkers, runPrimary, type PrimaryHandle, type PrimaryOptions, type WorkerContext } from './workers.js';
export { attachServer } from './attach.js';
export { attachTasks } from './tasks.js';
export { drainableHttp } from './drain.js';
