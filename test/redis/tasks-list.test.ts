/**
 * 2025-11-25 `tasks/list` across nodes: two in-process HTTP nodes on one Redis (database 2, a per-run key
 * prefix) serve one legacy session; tasks created through either node are listed, in creation order and
 * paged with the cursor, whichever node answers `tasks/list` (each node used to list only the tasks it
 * created). Another session lists none of them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { McpServer } from '../../src/server/mcp-server.js';
import { redisBackend, type RedisClusterBackend } from '../../src/redis/index.js';
import { serveHttp, type HttpServerHandle } from '../../src/transports/http/index.js';
import { LEGACY_HEADERS, raw } from '../http/helpers.js';
import { REDIS_URL, dropPrefix, testPrefix } from './helpers.js';

const V = '2025-11-25';
const KEY = 'l'.repeat(32);
const prefix = testPrefix('tasks-list');

describe('legacy tasks/list over two Redis-backed nodes', { timeout: 60_000 }, () => {
  const backends: RedisClusterBackend[] = [];
  const nodes: HttpServerHandle[] = [];

  before(async () => {
    for (const nodeId of ['la', 'lb']) {
      const backend = await redisBackend({ url: REDIS_URL, prefix, nodeId }).catch((err: Error) => {
        throw new Error(`this test needs Redis at ${REDIS_URL}: ${err.message}`);
      });
      backends.push(backend);
      const server = new McpServer({ name: 'tasks-list', version: '1.0.0' }, { pageSize: 2 });
      server.setRequestStateKey(KEY);
      server.registerTool('quick', { inputSchema: { type: 'object' }, execution: { taskSupport: 'optional' } }, () => ({ content: [{ type: 'text', text: 'done' }] }));
      nodes.push(await serveHttp(server, { port: 0, keepAliveMs: 0, cluster: backend }));
    }
  });
  after(async () => {
    for (const n of nodes) await n.close();
    for (const b of backends) await b.close();
    await dropPrefix(prefix, REDIS_URL);
  });

  const headers = (sid: string): Record<string, string> => ({ ...LEGACY_HEADERS, 'mcp-session-id': sid, 'mcp-protocol-version': V });
  let nextId = 1;
  async function request(url: string, sid: string, method: string, params: Record<string, unknown>): Promise<any> {
    const r = await raw(url, { headers: headers(sid), body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }) });
    assert.equal(r.status, 200, r.text);
    return r.json;
  }
  async function open(url: string): Promise<string> {
    const r = await raw(url, { headers: LEGACY_HEADERS, body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: V, capabilities: {}, clientInfo: { name: 'tasks-list', version: '1' } } }) });
    assert.equal(r.status, 200, r.text);
    const sid = r.headers['mcp-session-id'] as string;
    assert.equal((await raw(url, { headers: headers(sid), body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).status, 202);
    return sid;
  }
  async function listAll(url: string, sid: string): Promise<{ ids: string[]; pages: number }> {
    const ids: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const r = await request(url, sid, 'tasks/list', cursor ? { cursor } : {});
      assert.ok(r.result, JSON.stringify(r));
      ids.push(...r.result.tasks.map((t: { taskId: string }) => t.taskId));
      cursor = r.result.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    return { ids, pages };
  }

  test('tasks created through both nodes are listed, in creation order and paged, by either node; another session lists none', async () => {
    const [a, b] = nodes as [HttpServerHandle, HttpServerHandle];
    const sid = await open(a.url);
    const created: string[] = [];
    for (const url of [a.url, b.url, a.url, b.url, b.url]) {
      const r = await request(url, sid, 'tools/call', { name: 'quick', arguments: {}, task: { ttl: 60_000 } });
      assert.equal(typeof r.result?.task?.taskId, 'string', JSON.stringify(r));
      created.push(r.result.task.taskId);
    }
    for (const url of [a.url, b.url]) {
      const { ids, pages } = await listAll(url, sid);
      assert.deepEqual(ids, created, `listed through ${url}`);
      assert.equal(pages, 3, 'pageSize 2: three pages');
    }
    const other = await open(b.url);
    assert.deepEqual((await listAll(a.url, other)).ids, []);
  });
});
