/**
 * One real `velomcp serve <CLUSTER_SERVER> --http --port 0 --workers 2` process (primary-IPC shared state, no
 * Redis) behind test/cluster/relay.ts, as a {@link Deployment} of the shared session scripts (./sessions.ts):
 * the relay sends every request on a new connection, so node:cluster alternates them over the workers, and
 * the fixture's `$CLUSTER_HTTP_LOG` tells which worker (pid) received each.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { CLUSTER_SERVER, ROOT } from '../cluster-nginx/harness.js';
import { Relay } from './relay.js';
import type { Deployment, Received, Served } from './sessions.js';

const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

function lines(file: string): string[][] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' '));
  } catch {
    return [];
  }
}

/** A running `--workers 2` deployment. */
export interface Workers extends Deployment {
  /** The pids of the two workers. */
  pids: string[];
  relay: Relay;
  /** The pid of the worker that received relayed request `seq` (undefined until it logged it). */
  pidOf(seq: number): string | undefined;
  /** Lines `<event> <pid> <id>` of the fixture tools. */
  toolLog(): string[][];
  stop(): Promise<void>;
}

/** Starts the server with 2 workers and the relay in front (30 s at most). */
export async function startWorkers(): Promise<Workers> {
  const dir = mkdtempSync(join(tmpdir(), 'velomcp-workers-'));
  const httpLog = join(dir, 'http.log');
  const toolLog = join(dir, 'tools.log');
  writeFileSync(httpLog, '');
  writeFileSync(toolLog, '');
  const child: ChildProcess = spawn(process.execPath, [CLI, 'serve', CLUSTER_SERVER, '--http', '--port', '0', '--workers', '2'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, CLUSTER_HTTP_LOG: httpLog, CLUSTER_TEST_LOG: toolLog },
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => void (err = (err + d.toString()).slice(-20_000)));
  const stopChild = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = once(child, 'exit');
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(t);
  };
  let url: string | undefined;
  for (let i = 0; i < 300 && !url; i++) {
    const hits = [...err.matchAll(/worker (\d+) serving MCP over Streamable HTTP at (\S+)/g)];
    if (hits.length >= 2) url = hits[0]?.[2];
    else if (child.exitCode !== null) break;
    else await new Promise((r) => setTimeout(r, 100));
  }
  if (!url) {
    await stopChild();
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`--workers 2 did not start:\n${err}`);
  }
  const pids = [...new Set([...err.matchAll(/worker (\d+) serving/g)].map((m) => m[1] as string))];
  assert.equal(pids.length, 2, err);
  const relay = await Relay.start(url);
  const pidOf = (seq: number): string | undefined => lines(httpLog).find(([, s]) => Number(s) === seq)?.[0];
  const joined = (): Map<number, string> => new Map(lines(httpLog).map(([pid, s]) => [Number(s), pid as string]));

  const d: Workers = {
    url: relay.url,
    processes: 2,
    pids,
    relay,
    pidOf,
    toolLog: () => lines(toolLog),
    served: (): Served[] => {
      const by = joined();
      // Only requests a worker has logged (and, for the status, answered) count.
      return relay.log.filter((r) => by.has(r.seq)).map((r) => ({ by: by.get(r.seq) as string, method: r.method, status: r.status, session: r.session }));
    },
    received: (): Received[] => {
      const by = joined();
      return relay.log.filter((r) => r.method === 'POST' && by.has(r.seq)).map((r) => ({ by: by.get(r.seq) as string, session: r.session, body: r.body }));
    },
    waitLog: () => lines(toolLog).filter(([e]) => e === 'started' || e === 'cancelled' || e === 'completed').map(([event = '', pid = '']) => ({ event, pid })),
    assertEnded: async (session) => {
      // Fresh connections alternate over the workers: ask until both answered (at most 8 pings).
      const answered = new Set<string>();
      for (let i = 0; i < 8 && answered.size < 2; i++) {
        const mark = relay.log.length;
        const r = await fetch(relay.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
        });
        await r.arrayBuffer();
        const seq = relay.log[mark]?.seq as number;
        const pid = pidOf(seq);
        assert.equal(r.status, 404, `worker ${pid} still knows the session`);
        if (pid) answered.add(pid);
      }
      assert.equal(answered.size, 2, `both workers answered 404 (${[...answered].join(', ')})`);
    },
    stop: async () => {
      await relay.stop();
      await stopChild();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return d;
}
