/**
 * The ways steps reach tools and resources ({@link WorkflowCaller}): through any velomcp client (a remote
 * or mounted server), or straight into an in-process `McpServer` over the in-memory transport, so that a
 * step's call is validated and served exactly like a client's.
 */
import { LRUCache } from 'lru-cache';
import { McpClient } from '../../client/client.js';
import { InMemoryClientTransport } from '../../client/memory.js';
import type { JsonObject } from '../../jsonrpc/message.js';
import type { McpServer } from '../../server/mcp-server.js';
import type { WorkflowCaller } from './executor.js';

/** A caller over a connected {@link McpClient}. */
export function clientCaller(client: McpClient): WorkflowCaller {
  return {
    callTool: (name, args, { signal }) => client.callTool({ name, arguments: args as JsonObject }, { signal, noCache: true, timeoutMs: STEP_CALL_TIMEOUT_MS }),
    readResource: (uri, { signal }) => client.readResource({ uri }, { signal }),
  };
}

/** Steps bound their own time with `timeoutMs`; the client's per-request timeout is set out of their way (one day). */
const STEP_CALL_TIMEOUT_MS = 24 * 3600_000;

/** Callers into one in-process server, one in-memory connection per principal (connected on first use). */
export class ServerCallers {
  readonly #server: McpServer;
  readonly #clients: LRUCache<string, Promise<McpClient>>;

  /** @param server - The server whose tools and resources steps use. @param maxPrincipals - Connections kept (LRU). Default 256. */
  constructor(server: McpServer, maxPrincipals = 256) {
    this.#server = server;
    this.#clients = new LRUCache({
      max: maxPrincipals,
      dispose: (p) => void p.then((c) => c.close()).catch(() => undefined),
    });
  }

  /** The caller acting as `principal` (`''` anonymous). */
  for(principal: string): WorkflowCaller {
    const client = (): Promise<McpClient> => {
      let c = this.#clients.get(principal);
      if (!c) {
        const created = new McpClient({ name: 'velomcp-workflow', version: '1' }, { era: 'legacy', reconnect: false, cache: false });
        c = created.connect(new InMemoryClientTransport(this.#server, { principal })).then(() => created);
        c.catch(() => this.#clients.delete(principal));
        this.#clients.set(principal, c);
      }
      return c;
    };
    return {
      callTool: async (name, args, { signal }) => (await client()).callTool({ name, arguments: args as JsonObject }, { signal, timeoutMs: STEP_CALL_TIMEOUT_MS }),
      readResource: async (uri, { signal }) => (await client()).readResource({ uri }, { signal }),
    };
  }

  /** Closes every connection. */
  close(): void {
    this.#clients.clear();
  }
}
