/**
 * `velomcp proxy <config.json>`: serves the upstreams of a config file (a stdio one and a Streamable HTTP
 * one here); a bad config exits with code 2 and a clear message.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { McpClient, StdioClientTransport } from '../../src/client/index.js';
import { serveHttp, type HttpServerHandle } from '../../src/transports/http/index.js';
import { createUpstream } from './fixtures/upstream.js';
import { HANDLERS, ROOT, text } from './helpers.js';

const MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const UPSTREAM_SCRIPT = join(ROOT, 'dist', 'test', 'orchestration', 'fixtures', 'upstream.js');

describe('velomcp proxy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'velomcp-proxy-'));
  let http: HttpServerHandle;
  before(async () => {
    http = await serveHttp(createUpstream('http-upstream').server, { host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await http.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('serves a stdio and an HTTP upstream from a config file, with a shared result cache', async () => {
    const config = join(dir, 'gateway.json');
    writeFileSync(config, JSON.stringify({ name: 'cfg-gateway', upstreams: { local: { command: process.execPath, args: [UPSTREAM_SCRIPT] }, remote: { url: http.url } }, pool: { max: 2 }, cache: { backend: 'memory' } }));
    const client = new McpClient({ name: 'proxy-test', version: '1' }, { era: 'legacy', handlers: HANDLERS });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [MAIN, 'proxy', config] }));
    try {
      assert.equal(client.serverInfo?.name, 'cfg-gateway');
      const names = (await client.listTools()).tools.map((t) => t.name);
      assert.ok(names.includes('local_echo') && names.includes('remote_echo'));
      assert.equal(text(await client.callTool({ name: 'local_echo', arguments: { text: 'a' } })), 'a');
      assert.equal(text(await client.callTool({ name: 'remote_sample' })), 'sampled: sampled');
    } finally {
      await client.close();
    }
  });

  test('a config that is not JSON, or has no upstreams, exits with code 2 and says why', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ nope');
    const r1 = spawnSync(process.execPath, [MAIN, 'proxy', bad], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r1.status, 2);
    assert.match(r1.stderr, /is not valid JSON/);
    const empty = join(dir, 'empty.json');
    writeFileSync(empty, '{}');
    const r2 = spawnSync(process.execPath, [MAIN, 'proxy', empty], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r2.status, 2);
    assert.match(r2.stderr, /needs an "upstreams" object/);
    const down = join(dir, 'down.json');
    writeFileSync(down, JSON.stringify({ upstreams: { gone: { url: 'http://127.0.0.1:1/mcp' } } }));
    const r3 = spawnSync(process.execPath, [MAIN, 'proxy', down], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r3.status, 2);
    assert.match(r3.stderr, /velomcp proxy: /);
  });
});
