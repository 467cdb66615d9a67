/**
 * The README quick start, taken from README.md itself: it must be the file it names, compile, serve with
 * `velomcp serve`, and answer the official SDK v1 client (which checks elicitation schemas strictly).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema, type ElicitRequest } from '@modelcontextprotocol/sdk/types.js';
import { CLI, ROOT, exitOf, spawnServer, type Served } from '../cli/helpers.js';

/** The first ```ts block after the "## Quick start" heading of README.md. */
function quickStartBlock(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Quick start'));
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(m, 'README.md has a ```ts block under "## Quick start"');
  return m[1]!;
}

describe('README quick start', () => {
  // Written inside the package, so that `import ... from 'velomcp'` resolves to this checkout (self-reference).
  const file = join(ROOT, 'dist', 'test', 'examples', `readme-quickstart-${process.pid}.js`);
  let served: Served | undefined;

  before(async () => {
    const { outputText, diagnostics } = ts.transpileModule(quickStartBlock(), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      reportDiagnostics: true,
    });
    assert.deepEqual(diagnostics ?? [], []);
    writeFileSync(file, outputText);
    served = await spawnServer(process.execPath, [CLI, 'serve', file, '--http', '--port', '0']);
  });

  after(async () => {
    served?.child.kill('SIGTERM');
    if (served) await exitOf(served.child);
    rmSync(file, { force: true });
  });

  test('is examples/quickstart/server.ts, verbatim', () => {
    assert.equal(quickStartBlock(), readFileSync(join(ROOT, 'examples', 'quickstart', 'server.ts'), 'utf8'));
  });

  test('served by velomcp serve, it greets the official SDK v1 client after answering the elicitation', async () => {
    const client = new Client({ name: 'readme-test', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    const asked: ElicitRequest['params'][] = [];
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      asked.push(request.params);
      return { action: 'accept', content: { u: 'F' } };
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(served!.url)));
    try {
      const result = await client.callTool({ name: 'get_weather', arguments: { city: 'Oslo' } }, undefined, { timeout: 20_000 });
      assert.deepEqual(result.content, [{ type: 'text', text: 'Sunny in Oslo, 21°F' }]);
      assert.equal(asked.length, 1);
      assert.equal(asked[0]!.message, 'Units?');
    } finally {
      await client.close();
    }
  });
});
