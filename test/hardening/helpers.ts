/**
 * Shared pieces of the hostile-input suite (issue 7): a line client for TCP, raw HTTP from a chosen 127.x
 * source address, a heap measure after forced garbage collection, and the "still answers a ping" probe.
 * Every socket is on loopback; every loop is bounded.
 */
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { raw } from '../http/helpers.js';

setFlagsFromString('--expose-gc');
const gcFn = runInNewContext('gc') as () => void;

/** Heap in use after two full collections, in bytes. */
export async function heapUsed(): Promise<number> {
  for (let i = 0; i < 2; i++) {
    gcFn();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

export const MiB = 1024 * 1024;

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: any;
}

/** One HTTP request from `localAddress` (default 127.0.0.1) on a fresh connection; resolves with the whole response. */
export function http(url: string, init: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string | undefined } = {}): Promise<Reply> {
  return raw(url, { ...init, localAddress: init.localAddress ?? '127.0.0.1', agent: false, timeoutMs: 30_000 });
}

export const JSON_ACCEPT = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** A legacy `initialize` body. */
export function initializeBody(id: number | string = 0, params: Record<string, unknown> = {}): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'h', version: '1' }, ...params } });
}

/** Opens a legacy HTTP session (with `notifications/initialized`) and returns its id. */
export async function openSession(
  url: string,
  opts: { version?: string; headers?: Record<string, string>; localAddress?: string; initialized?: boolean; capabilities?: Record<string, unknown> } = {},
): Promise<Reply & { sid: string }> {
  const version = opts.version ?? '2025-11-25';
  const r = await http(url, { headers: { ...JSON_ACCEPT, ...opts.headers }, body: initializeBody(0, { protocolVersion: version, capabilities: opts.capabilities ?? {} }), localAddress: opts.localAddress });
  const sid = String(r.headers['mcp-session-id'] ?? '');
  if (r.status === 200 && opts.initialized !== false) {
    await http(url, {
      headers: { ...JSON_ACCEPT, ...opts.headers, 'mcp-session-id': sid, 'mcp-protocol-version': version },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      localAddress: opts.localAddress,
    });
  }
  return { ...r, sid };
}

/** Headers of a request in legacy session `sid`. */
export function inSession(sid: string, version = '2025-11-25', extra: Record<string, string> = {}): Record<string, string> {
  return { ...JSON_ACCEPT, 'mcp-session-id': sid, 'mcp-protocol-version': version, ...extra };
}

/**
 * Asserts the HTTP endpoint still answers: a modern `server/discover` (the 2026-07-28 era has no `ping`; this
 * is its stateless equivalent, served on the same path as every other request).
 */
export async function assertPing(url: string): Promise<void> {
  const r = await http(url, {
    headers: { ...JSON_ACCEPT, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'server/discover' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 'canary', method: 'server/discover', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } } }),
  });
  assert.equal(r.status, 200, `canary answered: ${r.text.slice(0, 200)}`);
  assert.equal(r.json?.id, 'canary');
  assert.ok(r.json?.result, 'the canary has a result');
}

/** A newline-delimited JSON client over TCP. */
export class LineClient {
  readonly socket: Socket;
  readonly lines: any[] = [];
  #buf = '';
  closed = false;
  readonly ready: Promise<void>;

  constructor(port: number, localAddress = '127.0.0.1') {
    this.socket = netConnect({ host: '127.0.0.1', port, localAddress });
    this.ready = new Promise((r) => this.socket.once('connect', () => r()));
    this.socket.setEncoding('utf8');
    this.socket.on('data', (c: string) => {
      this.#buf += c;
      let nl: number;
      while ((nl = this.#buf.indexOf('\n')) !== -1) {
        const line = this.#buf.slice(0, nl);
        this.#buf = this.#buf.slice(nl + 1);
        if (line.trim() !== '') this.lines.push(JSON.parse(line));
      }
    });
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => {
      this.closed = true;
    });
  }

  send(message: unknown): void {
    this.socket.write(`${typeof message === 'string' ? message : JSON.stringify(message)}\n`);
  }

  /** Waits for the n-th line (1-based count) to arrive. */
  async waitLines(n: number, ms = 20_000): Promise<void> {
    await until(() => this.lines.length >= n || this.closed, ms);
    assert.ok(this.lines.length >= n, `expected ${n} lines, got ${this.lines.length}`);
  }

  end(): void {
    this.socket.destroy();
  }
}

/** Polls `pred` every 10 ms until it holds or `ms` pass (then throws). */
export async function until(pred: () => boolean, ms = 20_000, every = 10): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(every);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const MODERN_META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };

/** Headers and body of a modern request. */
export function modern(id: number | string, method: string, params: Record<string, unknown> = {}, extraHeaders: Record<string, string> = {}): { headers: Record<string, string>; body: string } {
  const headers: Record<string, string> = { ...JSON_ACCEPT, 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, ...extraHeaders };
  const name = method === 'resources/read' ? params.uri : params.name;
  if (typeof name === 'string' && ['tools/call', 'resources/read', 'prompts/get'].includes(method) && headers['mcp-name'] === undefined) headers['mcp-name'] = name;
  const meta = { ...MODERN_META, ...((params._meta as Record<string, unknown> | undefined) ?? {}) };
  return { headers, body: JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta: meta } }) };
}

/** A value nested `depth` arrays deep, built without recursion. */
export function nested(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}
