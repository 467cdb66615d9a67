/**
 * Tasks (extension `io.modelcontextprotocol/tasks`, SEP-2663) across the nodes of a cluster. Task records
 * live in the shared task store, so `tasks/get` works on every node by itself; what a record cannot carry
 * travels on the bus as `task` messages to every node (the one running the task acts, the others ignore it):
 *
 * - `tasks/update` answered on another node than the one running the task: its `inputResponses` (`op: 'input'`)
 *   reach the handler waiting in `ctx.input()`;
 * - `tasks/cancel` on another node (`op: 'cancel'`): the running handler is aborted (its `ctx.signal`), so it
 *   stops instead of overwriting the cancellation with its late result;
 * - every status change of a running task (`op: 'status'`, the record): `notifications/tasks` to the listen
 *   streams of every node that asked for that task id.
 */
import type { JsonObject } from '../jsonrpc/message.js';
import type { McpServer } from '../server/mcp-server.js';
import type { TaskRecord } from '../server/tasks/store.js';
import { background } from './background.js';
import { ALL_NODES, type ClusterBackend, type ClusterMessage } from './types.js';

/** True for the `task` bus messages this module understands. */
function isTaskMessage(m: ClusterMessage): m is Extract<ClusterMessage, { type: 'task' }> {
  return m.type === 'task' && typeof m.taskId === 'string';
}

/**
 * Routes task operations of `server` through `backend.bus` (call after the shared task store is set). Returns
 * the function that stops routing. Creates the server's tasks runtime if it does not exist yet.
 */
export function attachTasks(server: McpServer, backend: ClusterBackend): () => void {
  const tasks = server.taskRuntime;
  const bus = backend.bus;
  tasks.remote = {
    forward: (op, record, params) => bus.send(ALL_NODES, { type: 'task', taskId: record.taskId, op: op === 'update' ? 'input' : 'cancel', params }),
    changed: (record) => background(bus.send(ALL_NODES, { type: 'task', taskId: record.taskId, op: 'status', params: record }), 'bus.send task status'),
  };
  let off: (() => void) | undefined;
  let detached = false;
  const subscribed = Promise.resolve(
    bus.subscribe((m) => {
      if (!isTaskMessage(m)) return;
      if (m.op === 'status') {
        const r = m.params as TaskRecord | null;
        if (r && typeof r === 'object' && r.taskId === m.taskId && typeof r.principal === 'string') tasks.deliverChange(r);
        return;
      }
      const params = m.params !== null && typeof m.params === 'object' && !Array.isArray(m.params) ? (m.params as JsonObject) : {};
      tasks.receive(m.op === 'input' ? 'update' : 'cancel', m.taskId, params);
    }),
  ).then((f) => {
    if (detached) f();
    else off = f;
  });
  background(subscribed, 'bus.subscribe tasks');
  return () => {
    detached = true;
    if (tasks.remote) tasks.remote = undefined;
    off?.();
  };
}
