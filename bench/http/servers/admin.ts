/**
 * The benchmark-only control channel every HTTP bench server shares, on the
 * child's stdin/stdout (never on the HTTP port, so no server's request path
 * carries anything the benchmark added):
 *
 * - on start the server writes one line `{"ready":true,"port":N}` once it
 *   listens on 127.0.0.1 (port 0 → a free port);
 * - `stats\n` → `{"stats":{"sessions":N|null,"rss":B,"heapUsed":B,...}}`
 *   (the session count is what the server itself holds, so a harness can
 *   check that nothing was evicted);
 * - `gc\n` → runs a full GC when the process was started with `--expose-gc`
 *   (the harness passes that flag only for the idle-sessions workload) and
 *   answers `{"gc":true|false}`;
 * - `profile-start\n` / `profile-stop <file>\n` → the V8 CPU profiler (through
 *   `node:inspector`, in this process) over exactly the window between the
 *   two, written as a `.cpuprofile`; answers `{"profile":"started"|<file>}`.
 *   Used by `run.js --profile DIR` only;
 * - `heap-snapshot <file>\n` → `v8.writeHeapSnapshot(file)`, answers
 *   `{"snapshot":<file>}` (manual diagnosis of per-session memory).
 *
 * stdin closing (the harness died) ends the process.
 */

import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { writeHeapSnapshot } from 'node:v8';

export interface AdminHooks {
  /** Sessions the server holds right now, or null when it keeps none it can count. */
  sessions(): number | null;
}

function line(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}

/** Announces the port and answers control commands until stdin closes. */
export function serveAdmin(port: number, hooks: AdminHooks): void {
  let buffered = '';
  let profiler: Session | undefined;
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) !== -1) {
      const cmd = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (cmd === 'stats') {
        const m = process.memoryUsage();
        line({ stats: { sessions: hooks.sessions(), rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers } });
      } else if (cmd === 'gc') {
        const gc = (globalThis as { gc?: () => void }).gc;
        if (gc) {
          // Twice: the first pass can leave weakly held and finalizer-owned objects for the second.
          gc();
          gc();
        }
        line({ gc: gc !== undefined });
      } else if (cmd === 'profile-start') {
        profiler = new Session();
        const session = profiler;
        session.connect();
        session.post('Profiler.enable', () => {
          session.post('Profiler.setSamplingInterval', { interval: 1000 }, () => {
            session.post('Profiler.start', (err) => line({ profile: err ? `error: ${err.message}` : 'started' }));
          });
        });
      } else if (cmd.startsWith('profile-stop ')) {
        const file = cmd.slice('profile-stop '.length);
        const session = profiler;
        if (!session) {
          line({ profile: 'error: not started' });
          continue;
        }
        session.post('Profiler.stop', (err, result) => {
          if (err) line({ profile: `error: ${err.message}` });
          else {
            writeFileSync(file, JSON.stringify(result.profile));
            line({ profile: file });
          }
          session.disconnect();
        });
      } else if (cmd.startsWith('heap-snapshot ')) {
        line({ snapshot: writeHeapSnapshot(cmd.slice('heap-snapshot '.length)) });
      } else if (cmd.length > 0) {
        line({ error: `unknown command ${cmd}` });
      }
    }
  });
  process.stdin.on('end', () => process.exit(0));
  line({ ready: true, port });
}
