/**
 * Shared fixtures for the HTTP transport tests: a small server, an in-process HTTP listener on port 0,
 * raw request helpers and an SSE parser. Everything binds 127.0.0.1.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { listRoots } from '../../src/server/input.js';
import { McpServer } from '../../src/server/mcp-server.js';
import { serveHttp, type HttpServerHandle, type ServeHttpOptions } from '../../src/transports/http/index.js';

export const MODERN = '2026-07-28';

/** Things the test tools record, so tests can observe cancellation. */
export interface Probe {
  cancelled: string[];
  release: (() => void) | undefined;
}

export function makeServer(probe: Probe = { cancelled: [], release: undefined }): McpServer {
  const server = new McpServer({ name: 'http-test', version: '1.0.0' });
  server.registerTool('echo', { inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }, (args: { text?: string }) => ({
    content: [{ type: 'text', text: args.text ?? '' }],
  }));
  server.registerTool('progress', { inputSchema: { type: 'object' } }, async (_args, ctx) => {
    ctx.progress(1, 2);
    ctx.log('info', 'halfway');
    await new Promise((r) => setTimeout(r, 10));
    ctx.progress(2, 2);
    return { content: [{ type: 'text', text: 'done' }] };
  });
  server.registerTool('wait', { inputSchema: { type: 'object', properties: { tag: { type: 'string' } } } }, (args: { tag?: string }, ctx) =>
    new Promise((resolve) => {
      ctx.progress(0, 1);
      const done = (): void => resolve({ content: [{ type: 'text', text: 'released' }] });
      probe.release = done;
      ctx.signal.addEventListener('abort', () => {
        probe.cancelled.push(args.tag ?? String(ctx.requestId));
        done();
      });
    }),
  );
  server.registerTool(
    'regional',
    {
      inputSchema: {
        type: 'object',
        properties: { region: { type: 'string', 'x-mcp-header': 'Region' }, priority: { type: 'integer', 'x-mcp-header': 'Priority' }, q: { type: 'string' } },
        required: ['region'],
      },
    },
    (args: { region: string }) => ({ content: [{ type: 'text', text: args.region }] }),
  );
  server.registerTool('flood', { inputSchema: { type: 'object', properties: { n: { type: 'integer' } } } }, async (args: { n?: number }, ctx) => {
    const blob = 'x'.repeat(16 * 1024);
    for (let i = 0; i < (args.n ?? 1000) && !ctx.signal.aborted; i++) {
      ctx.log('info', blob);
      if (i % 16 === 0) await new Promise((r) => setImmediate(r));
    }
    return { content: [{ type: 'text', text: 'flooded' }] };
  });
  server.registerTool('roots', { inputSchema: { type: 'object' } }, async (_args, ctx) => {
    const answers = await ctx.input({ r: listRoots() });
    return { content: [{ type: 'text', text: JSON.stringify(answers.r) }] };
  });
  server.registerResource('greeting', 'test://greeting', { mimeType: 'text/plain' }, () => ({ contents: [{ uri: 'test://greeting', text: 'hello' }] }));
  server.registerPrompt('simple', {}, () => ({ messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }] }));
  return server;
}

export async function start(server: McpServer, options: ServeHttpOptions = {}): Promise<HttpServerHandle> {
  return serveHttp(server, { port: 0, keepAliveMs: 0, ...options });
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: any;
}

/** One HTTP request; resolves with the whole response. */
export function raw(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer; localAddress?: string; agent?: false; timeoutMs?: number } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const options = { method: init.method ?? 'POST', headers: init.headers ?? {}, ...(init.localAddress ? { localAddress: init.localAddress } : {}), ...(init.agent === false ? { agent: false as const } : {}) };
    const req = httpRequest(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(init.timeoutMs ?? 10_000, () => req.destroy(new Error('test request timed out')));
    req.end(init.body);
  });
}

export function modernMeta(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'io.modelcontextprotocol/protocolVersion': MODERN,
    'io.modelcontextprotocol/clientCapabilities': {},
    'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' },
    ...extra,
  };
}

/** Headers and body of a well-formed modern request. */
export function modernRequest(id: number | string, method: string, params: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): { headers: Record<string, string>; body: string } {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': MODERN,
    'mcp-method': method,
  };
  const name = method === 'resources/read' ? params.uri : params.name;
  if (typeof name === 'string' && ['tools/call', 'resources/read', 'prompts/get'].includes(method)) headers['mcp-name'] = name;
  return { headers, body: JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta: modernMeta(meta) } }) };
}

export const LEGACY_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** Opens a legacy session; returns its id. */
export async function initialize(url: string, version = '2025-11-25'): Promise<string> {
  const r = await raw(url, {
    headers: LEGACY_HEADERS,
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
  });
  if (r.status !== 200) throw new Error(`initialize failed: ${r.status} ${r.text}`);
  const sid = r.headers['mcp-session-id'];
  if (typeof sid !== 'string') throw new Error('no session id');
  await raw(url, { headers: { ...LEGACY_HEADERS, 'mcp-session-id': sid, 'mcp-protocol-version': version }, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
  return sid;
}

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
  retry?: number;
}

/** Parses SSE text into events (including ones with empty data, so priming events are visible). */
export function parseSse(text: string): SseEvent[] {
  const out: SseEvent[] = [];
  for (const block of text.split(/\n\n/)) {
    if (block.trim() === '') continue;
    const ev: SseEvent = { data: '' };
    let sawField = false;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      sawField = true;
      if (field === 'data') data.push(value);
      else if (field === 'id') ev.id = value;
      else if (field === 'event') ev.event = value;
      else if (field === 'retry') ev.retry = Number(value);
    }
    if (!sawField) continue;
    ev.data = data.join('\n');
    out.push(ev);
  }
  return out;
}

/** Messages (parsed JSON) carried by SSE text. */
export function sseMessages(text: string): any[] {
  return parseSse(text)
    .filter((e) => e.data !== '')
    .map((e) => JSON.parse(e.data));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
