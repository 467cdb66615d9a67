/**
 * The server under load: `velomcp serve <module> --http --port 0` in a child process (the reference
 * server by default, as `npm start` runs it), or an already running server given by URL.
 *
 * The child is `process.execPath dist/src/cli/main.js serve ...` with no npm wrapper, so its pid is the
 * server's and `/proc/<pid>` describes the server alone (RSS and CPU readings). It is killed by that pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processCpuUs } from '../shared/proc.js';
import { vmRssKiB } from '../http/proc.js';

/** Repository root (this file is compiled to dist/bench/load/server.js). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** The compiled reference server (examples/everything). */
export const REFERENCE_SERVER = join(REPO_ROOT, 'dist', 'examples', 'everything', 'server.js');
const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

/** A server the scenarios talk to: its loopback port, and its pid when we can read its memory. */
export interface TargetServer {
  /** `http://127.0.0.1:PORT/mcp`. */
  readonly url: string;
  readonly port: number;
  /** Child pid, or null for an attached server (no memory/CPU readings then). */
  readonly pid: number | null;
  /** Last stderr lines of a child (for failure reasons). */
  stderrTail(): string;
  /** True once a child exited. */
  exited(): boolean;
  /** Kills a child (SIGKILL by pid) and waits for it; no-op for an attached server. */
  close(): Promise<void>;
}

/** Reads the server's RSS (KiB) and cumulative CPU (µs); nulls when unreadable or attached. */
export function readServer(target: TargetServer): { rssKiB: number | null; cpuUs: number | null } {
  if (target.pid === null) return { rssKiB: null, cpuUs: null };
  return { rssKiB: vmRssKiB(target.pid), cpuUs: processCpuUs(target.pid) };
}

/**
 * Parses and checks an attach URL: loopback HTTP on path `/mcp` (the load generator's HTTP primitives
 * address 127.0.0.1 and `/mcp`).
 * @throws Error naming the URL when it is not `http://127.0.0.1:PORT/mcp`.
 */
export function parseTargetUrl(url: string): number {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`--url ${JSON.stringify(url)} is not a URL`);
  }
  const port = Number(u.port);
  if (u.protocol !== 'http:' || u.hostname !== '127.0.0.1' || u.pathname !== '/mcp' || !Number.isInteger(port) || port <= 0) {
    throw new Error(`--url must be http://127.0.0.1:PORT/mcp (loopback, Streamable HTTP), got ${url}`);
  }
  return port;
}

/** Wraps an already running server. */
export function attachServer(url: string): TargetServer {
  const port = parseTargetUrl(url);
  return { url, port, pid: null, stderrTail: () => '', exited: () => false, close: async () => {} };
}

/**
 * Starts `velomcp serve <module> --http --port 0` and resolves once it prints its URL.
 * @param nodeFlags extra flags for the child's node (e.g. `--expose-gc`).
 * @throws Error with the child's stderr when it exits or does not listen within `timeoutMs`.
 */
export function startServer(module = REFERENCE_SERVER, nodeFlags: readonly string[] = [], timeoutMs = 15_000): Promise<TargetServer> {
  const child: ChildProcess = spawn(process.execPath, [...nodeFlags, CLI, 'serve', module, '--http', '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let done = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let exitedFlag = false;
  child.once('exit', () => {
    exitedFlag = true;
  });
  const close = async (): Promise<void> => {
    if (!exitedFlag) child.kill('SIGKILL');
    await Promise.race([exit, new Promise((r) => setTimeout(r, 5_000).unref())]);
  };
  return new Promise<TargetServer>((resolve, reject) => {
    const fail = (why: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      void close().then(() => reject(new Error(`${why}; stderr: ${stderr.trim().slice(-600) || '(none)'}`)));
    };
    const timer = setTimeout(() => fail(`the server did not listen within ${timeoutMs} ms`), timeoutMs);
    child.once('exit', (code, signal) => fail(`the server exited (${signal ?? `code ${String(code)}`}) before listening`));
    child.once('error', (err) => fail(`could not start the server: ${err.message}`));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      stderr = (stderr + d).slice(-16_384);
      const m = /serving MCP over Streamable HTTP at (http:\/\/127\.0\.0\.1:(\d+)\/mcp)/.exec(stderr);
      if (m && !done) {
        done = true;
        clearTimeout(timer);
        resolve({
          url: m[1] as string,
          port: Number(m[2]),
          pid: child.pid ?? null,
          stderrTail: () => stderr.trim().slice(-600),
          exited: () => exitedFlag,
          close,
        });
      }
    });
  });
}
