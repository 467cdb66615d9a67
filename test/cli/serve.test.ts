import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const cli = join(root, 'dist/src/cli/main.js');

function run(args: string[], input = ''): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { input, encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('velomcp serve', () => {
  test('a missing module is a clear error with exit code 3', () => {
    const r = run(['serve', '/nonexistent/server.js', '--stdio']);
    assert.equal(r.status, 3);
    assert.match(r.stderr, /Server module not found: \/nonexistent\/server\.js/);
    assert.equal(r.stdout, '');
  });

  test('a module that exports no server, or fails to load, is a clear error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'velomcp-cli-'));
    try {
      writeFileSync(join(dir, 'empty.mjs'), 'export const x = 1;\n');
      writeFileSync(join(dir, 'broken.mjs'), 'throw new Error("boom at import");\n');
      const a = run(['serve', join(dir, 'empty.mjs'), '--stdio']);
      assert.equal(a.status, 3);
      assert.match(a.stderr, /must export an McpServer/);
      const b = run(['serve', join(dir, 'broken.mjs'), '--stdio']);
      assert.equal(b.status, 3);
      assert.match(b.stderr, /Could not load server module .*boom at import/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('bad options are refused by the parser', () => {
    const r = run(['serve', 'x.js', '--port', 'nope']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /port/);
  });

  test('serves a module over stdio in both eras and exits when stdin ends', async () => {
    const child = spawn(process.execPath, [cli, 'serve', join(root, 'dist/examples/everything/server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stdin.write('{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}\n');
    child.stdin.write('{"jsonrpc":"2.0","id":2,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}\n');
    child.stdin.end('{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"test_simple_text","arguments":{}}}\n');
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => (child.kill('SIGKILL'), resolve(null)), 20_000);
      child.on('exit', (c) => (clearTimeout(timer), resolve(c)));
    });
    assert.equal(code, 0);
    const byId = new Map(out.trim().split('\n').map((l) => JSON.parse(l)).map((m) => [m.id, m]));
    assert.equal(byId.get(1).result.resultType, 'complete');
    assert.equal(byId.get(2).result.protocolVersion, '2025-11-25');
    assert.equal(byId.get(3).result.content[0].type, 'text');
  });
});
