/**
 * Helpers of the CLI tests: spawn `velomcp serve` and wait for the URL it prints, bounded waits for exit.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from the compiled test file (dist/test/cli/*.js). */
export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
/** The compiled `velomcp` command. */
export const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

/** A spawned server process, the URL it announced, and everything it wrote to stderr so far. */
export interface Served {
  child: ChildProcess;
  url: string;
  stderr(): string;
}

/**
 * Spawns `command args` and resolves once its stderr announces `serving MCP ... at <url>`.
 * @throws Error when the process exits first or prints nothing within `timeoutMs`.
 */
export function spawnServer(command: string, args: string[], options: SpawnOptions = {}, timeoutMs = 30_000): Promise<Served> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let err = '';
  return new Promise<Served>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no "serving" line within ${timeoutMs} ms; stderr: ${err}`));
    }, timeoutMs);
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      const m = /serving MCP over .* at (\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, stderr: () => err });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code ?? signal}) before serving; stderr: ${err}`));
    });
  });
}

/** Resolves with the exit code (or signal name) of `child`, or `'timeout'` after `ms`. */
export function exitOf(child: ChildProcess, ms = 20_000): Promise<number | string> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), ms);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal ?? 'unknown');
    });
  });
}
