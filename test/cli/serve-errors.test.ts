/**
 * `velomcp serve` failures a user meets first: each is one line on stderr naming the cause, no stack
 * trace, and a documented exit code (docs/cli.md); and signals to `npm start` reach the server.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServeExit } from '../../src/cli/exit.js';
import { McpClient } from '../../src/client/index.js';
import { CLI, ROOT, exitOf, spawnServer } from './helpers.js';

const EVERYTHING = join(ROOT, 'dist', 'examples', 'everything', 'server.js');

function serve(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'serve', ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, VELOMCP_DEBUG: '', ...env }, input: '' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Exactly one line, starting `velomcp: `, and nothing that looks like a stack frame. */
function assertOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line, got: ${stderr}`);
  assert.match(lines[0]!, /^velomcp: /);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(stderr, /^\s+at /m);
}

function listening(): Promise<Server> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}

describe('velomcp serve failures', () => {
  for (const mode of ['--http', '--ws', '--tcp']) {
    test(`a port in use (${mode}) is one line naming EADDRINUSE and the address, exit code ${ServeExit.listen}`, async () => {
      const blocker = await listening();
      const { port } = blocker.address() as AddressInfo;
      try {
        const r = serve([EVERYTHING, mode, '--port', String(port)]);
        assert.equal(r.status, ServeExit.listen);
        assertOneLine(r.stderr, /EADDRINUSE/);
        assert.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${port}.*EADDRINUSE`));
      } finally {
        blocker.close();
      }
    });
  }

  test(`PORT=abc is one line naming PORT, exit code ${ServeExit.usage}`, () => {
    for (const mode of ['--http', '--ws', '--tcp']) {
      const r = serve([EVERYTHING, mode], { PORT: 'abc' });
      assert.equal(r.status, ServeExit.usage);
      assertOneLine(r.stderr, /PORT must be an integer from 0 to 65535, got "abc"/);
    }
    const big = serve([EVERYTHING, '--http'], { PORT: '70000' });
    assert.equal(big.status, ServeExit.usage);
    assertOneLine(big.stderr, /PORT .*"70000"/);
  });

  test(`a default-export factory that throws is one line with its message, exit code ${ServeExit.module}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'velomcp-serve-'));
    try {
      const file = join(dir, 'factory.mjs');
      writeFileSync(file, 'export default async () => { throw new Error("database unreachable"); };\n');
      for (const mode of ['--http', '--stdio']) {
        const r = serve([file, mode]);
        assert.equal(r.status, ServeExit.module);
        assertOneLine(r.stderr, /The default export of .*factory\.mjs threw: database unreachable/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`a bad flag exits with the usage code ${ServeExit.usage}`, () => {
    const r = serve(['x.js', '--port', 'nope']);
    assert.equal(r.status, ServeExit.usage);
    assert.match(r.stderr, /--port/);
  });
});

describe('npm start and signals', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`${signal} to npm start stops the server, open session and all: nothing listens on its port afterwards`, async () => {
      // detached: npm leads its own process group, so cleanup can reach a server npm left behind
      const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
      const served = await spawnServer(npm, ['start', '--silent'], { cwd: ROOT, env: { ...process.env, PORT: '0' }, detached: true }, 60_000);
      const port = Number(new URL(served.url).port);
      // a legacy session with its standalone GET stream open must not keep the server alive
      const client = new McpClient({ name: 'signal-test', version: '1' }, { era: 'legacy', reconnect: false });
      try {
        await client.connect(served.url);
        served.child.kill(signal);
        assert.notEqual(await exitOf(served.child, 30_000), 'timeout');
        // the server may take a moment to finish closing after npm is gone
        let refused = false;
        for (let i = 0; i < 50 && !refused; i++) {
          refused = await new Promise<boolean>((resolve) => {
            const socket = connect(port, '127.0.0.1');
            socket.once('connect', () => (socket.destroy(), resolve(false)));
            socket.once('error', () => resolve(true));
          });
          if (!refused) await new Promise((r) => setTimeout(r, 200));
        }
        assert.ok(refused, `something still listens on 127.0.0.1:${port} after ${signal} to npm start`);
      } finally {
        await client.close().catch(() => {});
        try {
          process.kill(-served.child.pid!, 'SIGKILL');
        } catch {
          // the whole group is gone: the expected case
        }
      }
    });
  }
});

