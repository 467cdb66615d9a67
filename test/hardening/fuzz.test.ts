/**
 * Property tests (fast-check) of the dispatcher and the HTTP engine with random and malformed messages across
 * both eras: nothing throws, every request gets exactly one answer (notifications and responses get the
 * spec's silence), nothing stays in flight, the HTTP engine never answers 500, and memory does not grow with
 * the number of messages.
 */
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MessageKind, messageKind } from '../../src/jsonrpc/message.js';
import { McpServer } from '../../src/server/mcp-server.js';
import { paramsDigest } from '../../src/server/request-state.js';
import { createFetchHandler } from '../../src/transports/http/fetch.js';
import { heapUsed, MiB, MODERN_META } from './helpers.js';

function makeServer(): McpServer {
  const server = new McpServer({ name: 'fuzz', version: '1' });
  server.registerTool('echo', { inputSchema: { type: 'object', properties: { text: { type: 'string', 'x-mcp-header': 'Text' } } } }, (a: { text?: string }) => ({
    content: [{ type: 'text', text: String(a.text) }],
  }));
  server.registerTool('later', {}, async () => {
    await new Promise((r) => setTimeout(r, 1));
    return { content: [{ type: 'text', text: 'later' }] };
  });
  server.registerTool('boom', {}, () => {
    throw new Error('boom');
  });
  server.registerResource('r', 'test://r', {}, () => ({ contents: [{ uri: 'test://r', text: 'r' }] }));
  server.registerResourceTemplate('t', 'test://t/{x}', { complete: { x: () => ['a'] } }, (uri) => ({ contents: [{ uri, text: 't' }] }));
  server.registerPrompt('p', { arguments: [{ name: 'a' }] }, () => ({ messages: [] }));
  return server;
}

const METHODS = [
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/read',
  'resources/templates/list',
  'resources/subscribe',
  'resources/unsubscribe',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'logging/setLevel',
  'server/discover',
  'tasks/get',
  'notifications/initialized',
  'notifications/cancelled',
  'notifications/progress',
  'no/such/method',
];

const scalar = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const smallJson = fc.jsonValue({ maxDepth: 3 });
const params = fc.oneof(
  fc.constant(undefined),
  smallJson,
  fc.record(
    {
      name: fc.oneof(fc.constantFrom('echo', 'later', 'boom', 'p', 'constructor', '__proto__'), fc.string({ maxLength: 8 })),
      uri: fc.oneof(fc.constantFrom('test://r', 'test://t/%ZZ', 'test://t/x', 'test://nope'), fc.string({ maxLength: 8 })),
      arguments: fc.oneof(fc.dictionary(fc.string({ maxLength: 6 }), smallJson, { maxKeys: 3 }), smallJson),
      protocolVersion: fc.constantFrom('2024-11-05', '2025-03-26', '2025-06-18', '2025-11-25', '2026-07-28', 'junk'),
      capabilities: smallJson,
      level: fc.constantFrom('debug', 'info', 'nope'),
      ref: fc.oneof(fc.constant({ type: 'ref/prompt', name: 'p' }), fc.constant({ type: 'ref/resource', uri: 'test://t/{x}' }), smallJson),
      argument: fc.oneof(fc.record({ name: fc.constantFrom('a', 'x', 'constructor', 'toString'), value: fc.string({ maxLength: 4 }) }), smallJson),
      requestState: fc.oneof(fc.string({ maxLength: 20 }), fc.constant('v1.e30.AAAA')),
      requestId: scalar,
      _meta: fc.oneof(fc.constant(MODERN_META), fc.constant({ ...MODERN_META, 'io.modelcontextprotocol/protocolVersion': '1999-01-01' }), smallJson),
    },
    { requiredKeys: [] },
  ),
);

/** A JSON-RPC-shaped message (often valid, sometimes not). */
const message = fc.record(
  {
    jsonrpc: fc.oneof({ weight: 9, arbitrary: fc.constant('2.0') }, { weight: 1, arbitrary: scalar }),
    id: fc.oneof({ weight: 6, arbitrary: fc.constant('__ID__') }, { weight: 1, arbitrary: scalar }, { weight: 1, arbitrary: smallJson }),
    method: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...METHODS) }, { weight: 1, arbitrary: scalar }),
    params,
    result: smallJson,
    error: fc.oneof(fc.record({ code: fc.integer(), message: fc.string({ maxLength: 6 }) }), smallJson),
  },
  { requiredKeys: ['jsonrpc'] },
);

const item = fc.oneof({ weight: 8, arbitrary: message }, { weight: 1, arbitrary: smallJson });
const input = fc.array(fc.oneof({ weight: 6, arbitrary: item }, { weight: 1, arbitrary: fc.array(item, { maxLength: 4 }) }), { minLength: 1, maxLength: 12 });

let counter = 0;
/** Gives every request-shaped placeholder a unique id, so answers can be matched one to one. */
function withIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withIds);
  if (typeof value === 'object' && value !== null && (value as { id?: unknown }).id === '__ID__') return { ...value, id: `q${counter++}` };
  return value;
}

/** Every id a top-level request carries, and every id in the answers (arrays flattened). */
function answersById(out: unknown[]): Map<unknown, number> {
  const seen = new Map<unknown, number>();
  for (const m of out) {
    for (const r of Array.isArray(m) ? m : [m]) {
      if (typeof r === 'object' && r !== null && ('result' in r || 'error' in r)) {
        const id = (r as { id: unknown }).id;
        seen.set(id, (seen.get(id) ?? 0) + 1);
      }
    }
  }
  return seen;
}

/** Waits (bounded) until the connection has nothing in flight, then a few more turns for late writes. */
async function settle(conn: { inFlight: number }): Promise<void> {
  for (let i = 0; i < 500 && conn.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 1));
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
}

describe('property tests: dispatcher and HTTP engine with random input', () => {
  test('the dispatcher answers every request exactly once, is silent on notifications and responses, and keeps nothing in flight', async () => {
    const server = makeServer();
    await fc.assert(
      fc.asyncProperty(input, fc.constantFrom('2025-03-26', '2025-11-25', 'none'), async (raw, legacyVersion) => {
        const out: unknown[] = [];
        const conn = server.connect({ send: (m) => out.push(JSON.parse(m)) });
        if (legacyVersion !== 'none') {
          conn.receive({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: { protocolVersion: legacyVersion, capabilities: {}, clientInfo: { name: 'f', version: '1' } } });
          conn.receive({ jsonrpc: '2.0', method: 'notifications/initialized' });
        }
        const messages = withIds(raw) as unknown[];
        for (const m of messages) {
          conn.receive(m);
          conn.receiveText(JSON.stringify(m).slice(0, 7)); // a truncated copy: -32700 each
        }
        await settle(conn);
        assert.equal(conn.inFlight, 0, 'nothing left in flight');
        const seen = answersById(out);
        for (const m of messages) {
          if (Array.isArray(m)) {
            for (const member of m) if (messageKind(member) === MessageKind.Request) assert.ok((seen.get((member as { id: unknown }).id) ?? 0) <= 1, 'a batch member is answered at most once');
          } else if (messageKind(m) === MessageKind.Request) {
            assert.equal(seen.get((m as { id: unknown }).id), 1, `one answer for ${JSON.stringify(m).slice(0, 200)}`);
          }
        }
        // Nothing else: no answer to an id that was never sent (null is the id of unidentifiable errors).
        const sentIds = new Set<unknown>(['init', null]);
        for (const m of messages) for (const x of Array.isArray(m) ? m : [m]) if (typeof x === 'object' && x !== null) sentIds.add((x as { id?: unknown }).id);
        for (const id of seen.keys()) assert.ok(typeof id !== 'string' || sentIds.has(id) || !id.startsWith('q'), `unexpected answer id ${String(id)}`);
        conn.close();
      }),
      { numRuns: 250 },
    );
  });

  test('the HTTP engine answers random requests of both eras without a 500, always with JSON-RPC or an empty body, within a memory bound', async () => {
    const server = makeServer();
    const handler = createFetchHandler(server, { keepAliveMs: 0 });
    const header = fc.record(
      {
        'content-type': fc.constantFrom('application/json', 'application/json-seq', 'text/plain', 'application/vnd.x+json; charset=utf-8'),
        accept: fc.constantFrom('application/json, text/event-stream', 'application/json', 'text/event-stream', 'text/html', '*/*'),
        'mcp-protocol-version': fc.constantFrom('2026-07-28', '2025-11-25', '2025-03-26', 'junk'),
        'mcp-method': fc.constantFrom(...METHODS),
        'mcp-name': fc.constantFrom('echo', 'test://r', 'p', '=?base64?ZWNobw==?=', '=?base64?***?='),
        'mcp-param-text': fc.oneof(fc.string({ maxLength: 10 }), fc.constant(`${'1'.repeat(2000)}x`)),
        'mcp-session-id': fc.constantFrom('nope', '00000000-0000-0000-0000-000000000000'),
        'last-event-id': fc.constantFrom('x#1', 'nope'),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      { weight: 6, arbitrary: input.map((xs) => JSON.stringify(withIds(xs.length === 1 ? xs[0] : xs))) },
      { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
      { weight: 1, arbitrary: input.map((xs) => JSON.stringify(xs).slice(0, 9)) },
    );
    const method = fc.constantFrom('POST', 'POST', 'POST', 'POST', 'GET', 'DELETE', 'PUT');
    const allowed = new Set([200, 202, 400, 403, 404, 405, 406, 409, 413, 415, 429, 503]);
    const run = async (m: string, h: Record<string, string>, b: string): Promise<void> => {
      const init: RequestInit = { method: m, headers: h };
      if (m === 'POST' || m === 'PUT') init.body = b;
      const res = await handler.fetch(new Request('http://127.0.0.1/mcp', init));
      assert.ok(allowed.has(res.status), `status ${res.status} for ${m} ${JSON.stringify(h)} ${b.slice(0, 200)}`);
      const ctype = res.headers.get('content-type') ?? '';
      if (ctype.startsWith('text/event-stream')) {
        // Streams may stay open (GET, listen): read what comes within a moment, then hang up.
        const reader = res.body!.getReader();
        const timer = setTimeout(() => void reader.cancel(), 50);
        try {
          for (;;) {
            const { done } = await reader.read();
            if (done) break;
          }
        } catch {
          // cancelled
        } finally {
          clearTimeout(timer);
        }
        return;
      }
      const text = await res.text();
      if (text === '') return;
      if (ctype.startsWith('application/json')) {
        const parsed = JSON.parse(text) as unknown;
        for (const r of Array.isArray(parsed) ? parsed : [parsed]) assert.equal((r as { jsonrpc?: unknown }).jsonrpc, '2.0', text.slice(0, 200));
      }
    };
    try {
      // Warm up, then measure: the heap must not grow with the number of requests.
      await fc.assert(fc.asyncProperty(method, header, body, run), { numRuns: 100 });
      const base = await heapUsed();
      await fc.assert(fc.asyncProperty(method, header, body, run), { numRuns: 600 });
      const grown = (await heapUsed()) - base;
      assert.ok(grown < 24 * MiB, `heap grew ${(grown / MiB).toFixed(1)} MiB over 600 random exchanges`);
      const discover = await handler.fetch(
        new Request('http://127.0.0.1/mcp', {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'server/discover' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 'canary', method: 'server/discover', params: { _meta: MODERN_META } }),
        }),
      );
      assert.equal(discover.status, 200);
    } finally {
      handler.close();
    }
  });

  test('the iterative requestState digest equals the recursive canonical form on random JSON', () => {
    const recursive = (value: unknown): string => {
      if (Array.isArray(value)) return `[${value.map(recursive).join(',')}]`;
      if (typeof value === 'object' && value !== null) {
        const parts: string[] = [];
        for (const k of Object.keys(value).sort()) {
          const v = (value as Record<string, unknown>)[k];
          if (v !== undefined) parts.push(`${JSON.stringify(k)}:${recursive(v)}`);
        }
        return `{${parts.join(',')}}`;
      }
      return JSON.stringify(value) ?? 'null';
    };
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 5 }), { maxKeys: 5 }), (params) => {
        const bound: Record<string, unknown> = {};
        for (const k of Object.keys(params)) if (!['_meta', 'inputResponses', 'requestState'].includes(k)) bound[k] = params[k];
        assert.equal(paramsDigest(params as never), createHash('sha256').update(recursive(bound)).digest('base64url'));
      }),
      { numRuns: 500 },
    );
  });
});
