/**
 * Loads a user's server module for `velomcp serve`.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { VeloError } from '../jsonrpc/errors.js';
import type { McpServer } from '../server/mcp-server.js';

function looksLikeServer(value: unknown): value is McpServer {
  return typeof value === 'object' && value !== null && typeof (value as McpServer).connect === 'function' && typeof (value as McpServer).registerTool === 'function';
}

/**
 * Imports `modulePath` and returns its server: the default export, or a named `server` export, either an
 * `McpServer` or a (possibly async) function returning one.
 * @throws VeloError `VELO_INVALID_MODULE` when the file is missing, fails to load, exports no server, or its
 *   factory function throws.
 */
export async function loadServerModule(modulePath: string): Promise<McpServer> {
  const file = resolve(modulePath);
  if (!existsSync(file)) throw new VeloError('VELO_INVALID_MODULE', `Server module not found: ${file}`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw new VeloError('VELO_INVALID_MODULE', `Could not load server module ${file}: ${(err as Error).message}`, { cause: err });
  }
  const exports: ReadonlyArray<readonly [string, unknown]> = [['default', mod.default], ['server', mod.server], ['createServer', mod.createServer]];
  for (const [name, candidate] of exports) {
    let value = candidate;
    if (typeof value === 'function') {
      try {
        value = await (value as () => unknown)();
      } catch (err) {
        throw new VeloError('VELO_INVALID_MODULE', `The ${name === 'default' ? 'default export' : `"${name}" export`} of ${file} threw: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
    }
    if (looksLikeServer(value)) return value;
  }
  throw new VeloError(
    'VELO_INVALID_MODULE',
    `Server module ${file} must export an McpServer (or a function returning one) as its default export or as "server"`,
  );
}
