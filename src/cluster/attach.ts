/**
 * Joins a server to a cluster for transports without legacy HTTP sessions (WebSocket, TCP; their
 * connections live in one process): explicit notifications reach every node, and tasks use the shared store
 * and are routed to the node running them (./tasks.ts).
 */
import type { McpServer } from '../server/mcp-server.js';
import { background } from './background.js';
import { attachTasks } from './tasks.js';
import { ALL_NODES, type ClusterBackend } from './types.js';

/** Relays `server`'s explicit `notify*` calls through `backend` and delivers the other nodes' here. Returns the detach function. */
export function attachServer(server: McpServer, backend: ClusterBackend): () => void {
  try {
    server.setTaskStore(backend.tasks);
  } catch {
    // Tasks already ran with their own store; they stay there.
  }
  server.setRelay((event) => background(backend.bus.send(ALL_NODES, { type: 'server', event }), 'bus.send server'));
  const detachTasks = attachTasks(server, backend);
  let off: (() => void) | undefined;
  let detached = false;
  const joined = Promise.resolve(
    backend.bus.subscribe((m) => {
      if (m.type === 'server') server.deliverServerEvent(m.event);
    }),
  ).then((f) => {
    if (detached) f();
    else off = f;
  });
  background(joined, 'bus.subscribe');
  return () => {
    detached = true;
    server.setRelay(undefined);
    detachTasks();
    off?.();
  };
}
