/**
 * `npm pack` output is installable and complete: the tarball installs into a scratch project (from the
 * local npm cache when it can), every `exports` entry resolves at runtime and has its types, a TypeScript
 * file using the package type-checks, and the installed `velomcp` command serves a tool from the project.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { ROOT } from '../cli/helpers.js';

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(command: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 180_000, env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' } });
  return r;
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  assert.equal(r.status, 0, `${what} failed (${r.status ?? r.signal}): ${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

describe('npm pack', () => {
  let dir: string;
  let app: string;
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; exports: Record<string, string | { types?: string; default?: string }> };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'velomcp-pack-'));
    const packed = JSON.parse(ok(run(NPM, ['pack', '--json', '--pack-destination', dir], ROOT), 'npm pack')) as { filename: string }[];
    const tarball = join(dir, packed[0]!.filename);
    app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', version: '1.0.0', private: true, type: 'module' }));
    // offline first (every dependency is in the cache after `npm ci`); the registry only for what is not
    const offline = run(NPM, ['install', '--offline', tarball], app);
    if (offline.status !== 0) ok(run(NPM, ['install', '--prefer-offline', tarball], app), 'npm install of the tarball');
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('every exports entry resolves from the installed package, and its types file is there', () => {
    const installed = join(app, 'node_modules', pkg.name);
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (subpath === './package.json') continue;
      const specifier = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
      const r = run(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(specifier)})`], app);
      ok(r, `import("${specifier}")`);
      const types = typeof target === 'object' ? target.types : undefined;
      assert.ok(types, `exports["${subpath}"] names its types`);
      assert.ok(existsSync(join(installed, types)), `${types} is in the tarball`);
    }
  });

  test('the tarball carries the license text and the sources its source maps point to', () => {
    const installed = join(app, 'node_modules', pkg.name);
    assert.ok(existsSync(join(installed, 'LICENSE')), 'LICENSE is in the tarball');
    const missing = new Set<string>();
    const walk = (d: string): void => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (name.endsWith('.js.map')) {
          for (const source of (JSON.parse(readFileSync(p, 'utf8')) as { sources: string[] }).sources) {
            const target = resolve(d, source);
            if (!existsSync(target)) missing.add(relative(installed, target));
          }
        }
      }
    };
    walk(join(installed, 'dist'));
    assert.deepEqual([...missing].slice(0, 5), [], `${missing.size} source files named by source maps are missing`);
  });

  test('a TypeScript file using the installed package type-checks', () => {
    writeFileSync(
      join(app, 'check.ts'),
      [
        "import { McpServer } from 'velomcp';",
        "import { McpClient } from 'velomcp/client';",
        "import { serveHttp } from 'velomcp/http';",
        "const server: McpServer = new McpServer({ name: 'x', version: '1' });",
        "server.registerTool('t', { inputSchema: { type: 'object' } }, () => ({ content: [{ type: 'text', text: 'ok' }] }));",
        "const client: McpClient = new McpClient({ name: 'c', version: '1' });",
        'void client;',
        'void serveHttp;',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')] },
        files: ['check.ts'],
      }),
    );
    ok(run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], app), 'tsc');
  });

  test("the installed velomcp command serves the project's server and calls its tool", () => {
    writeFileSync(
      join(app, 'server.mjs'),
      [
        "import { McpServer } from 'velomcp';",
        "const server = new McpServer({ name: 'scratch', version: '1.0.0' });",
        "server.registerTool('add', { inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] } },",
        "  ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));",
        'export default server;',
        '',
      ].join('\n'),
    );
    const bin = join(app, 'node_modules', '.bin', 'velomcp');
    const out = ok(run(bin, ['call', '--tool', 'add', '--args', '{"a":2,"b":3}', '--', bin, 'serve', 'server.mjs'], app), 'velomcp call');
    assert.equal((JSON.parse(out) as { content: { text: string }[] }).content[0]!.text, '5');
  });
});
