/**
 * Shared pieces of the orchestration tests: an in-memory client for a server, and small upstream servers.
 */
import { McpClient, InMemoryClientTransport, type McpClientOptions } from '../../src/client/index.js';
import { McpServer } from '../../src/server/mcp-server.js';

export { assertNoLeaks, resources, HANDLERS, ROOT } from '../client/helpers.js';

/** A velomcp client connected in memory to `server` (era `legacy` or `auto` → modern). */
export async function connect(server: McpServer, era: 'legacy' | 'auto' = 'legacy', options: McpClientOptions = {}): Promise<McpClient> {
  const client = new McpClient({ name: 'orchestration-test', version: '1.0.0' }, { era, ...options });
  await client.connect(new InMemoryClientTransport(server));
  return client;
}

/** Text of the first content block of a tool result. */
export function text(result: { content?: unknown }): string {
  const c = (result.content as { type: string; text?: string }[] | undefined)?.[0];
  return c?.text ?? '';
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 20 ms until it is true, for at most `ms` (default 10 s); throws `message` otherwise. */
export async function eventually(check: () => boolean | Promise<boolean>, message: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error(`timed out: ${message}`);
}
