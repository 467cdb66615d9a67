/**
 * Exit codes and one-line failure messages of `velomcp serve` (listed in docs/cli.md). A failure is one
 * line on stderr naming its cause, never a stack trace (set `VELOMCP_DEBUG=1` to get the stack as well).
 */
import { VeloError } from '../jsonrpc/errors.js';

/**
 * Exit codes of `velomcp serve`: 0 stopped normally (end of stdin, SIGTERM, SIGINT); 1 an unexpected
 * internal error; 2 usage or configuration (bad flag, bad `PORT`); 3 the server module (missing, fails to
 * load, exports no server, its factory threw); 4 cannot listen (address in use, permission denied); 5 a
 * shared-state backend (`--redis`) is unreachable.
 */
export const ServeExit = { ok: 0, internal: 1, usage: 2, module: 3, listen: 4, backend: 5 } as const;

/** A failure as the CLI reports it: the exit code and the one line printed after `velomcp: `. */
export interface CliFailure {
  code: number;
  message: string;
}

const LISTEN_ERRORS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'the address is already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'the address is not available on this machine',
};

/** Maps an error thrown while starting a server to its exit code and one-line message. */
export function describeServeFailure(err: unknown): CliFailure {
  if (err instanceof VeloError) {
    return { code: err.code === 'VELO_INVALID_MODULE' ? ServeExit.module : err.code === 'VELO_BACKEND_UNAVAILABLE' ? ServeExit.backend : ServeExit.usage, message: err.message };
  }
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  const listen = typeof e?.code === 'string' && e.syscall === 'listen' ? LISTEN_ERRORS[e.code] : undefined;
  if (listen !== undefined) {
    const where = e.address === undefined ? '' : ` ${e.address}${e.port === undefined ? '' : `:${e.port}`}`;
    return { code: ServeExit.listen, message: `cannot listen on${where}: ${listen} (${e.code}); pick another port with --port or PORT` };
  }
  return { code: ServeExit.internal, message: `unexpected error: ${err instanceof Error ? err.message : String(err)}` };
}

/** Prints `failure` as one line on stderr (and the stack when `VELOMCP_DEBUG` is set), then exits. */
export function exitWith(failure: CliFailure, err?: unknown): never {
  process.stderr.write(`velomcp: ${failure.message}\n`);
  if (process.env.VELOMCP_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  process.exit(failure.code);
}
