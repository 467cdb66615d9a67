/**
 * Transport round trips: one `tools/call` of an echo tool at a time, end to end over a real transport to a
 * server in its own child process (so its CPU per call is reported as `server_cpu_us_per_op`): stdio, TCP,
 * Streamable HTTP (a legacy session), WebSocket and the legacy HTTP+SSE transport (2024-11-05). The client is
 * a minimal one in this process (it parses every message it receives). Peers: the official SDK v1 where it
 * has a server transport (stdio, Streamable HTTP, SSE) and raw JSON-RPC servers (every transport). The stdio
 * and HTTP servers are the ones of bench/stdio and bench/http.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { createParser } from 'eventsource-parser';
import WebSocket from 'ws';
import type { Implementation, Operation, Workload } from '../types.js';

const DIST = new URL('../../', import.meta.url);
const script = (rel: string): string => new URL(rel, DIST).pathname;
const INIT = { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } };
const START_TIMEOUT_MS = 15_000;
const CALL_TIMEOUT_MS = 10_000;

/** A message channel to a server: `send` one JSON-RPC text; `onMessage` hears each one received. */
interface Channel {
  send(text: string): void;
  onMessage: (text: string) => void;
  close(): void;
  pid: number | undefined;
}

/** Request/response over a channel; throws on an error response or when no answer comes in time. */
class RpcClient {
  #next = 0;
  #waiting: { id: number; resolve: (m: Record<string, unknown>) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | undefined;
  constructor(readonly channel: Channel) {
    channel.onMessage = (text) => {
      const m = JSON.parse(text) as Record<string, unknown>;
      const w = this.#waiting;
      if (w === undefined || m.id !== w.id || 'method' in m) return;
      this.#waiting = undefined;
      clearTimeout(w.timer);
      if ('error' in m) w.reject(new Error(`bench: request failed: ${text.slice(0, 300)}`));
      else w.resolve(m);
    };
  }
  call(method: string, params: unknown): Promise<Record<string, unknown>> {
    const id = ++this.#next;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bench: no answer to ${method} within ${CALL_TIMEOUT_MS} ms`)), CALL_TIMEOUT_MS);
      this.#waiting = { id, resolve, reject, timer };
      this.channel.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  }
  notify(method: string): void {
    this.channel.send(JSON.stringify({ jsonrpc: '2.0', method }));
  }
}

/** Splits newline-delimited text into lines. */
function lines(onLine: (line: string) => void): (chunk: Buffer) => void {
  let buf = '';
  return (chunk) => {
    buf += chunk.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.trim() !== '') onLine(line);
    }
  };
}

/** Starts a server script and resolves with its child and the port of its ready line (`{"ready":true,"port":N}`). */
function startServer(path: string, args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [path, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bench: ${path} did not start within ${START_TIMEOUT_MS} ms: ${stderr}`));
    }, START_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bench: ${path} exited (${code}) before it was ready: ${stderr}`));
    });
    child.stdout!.on('data', lines((line) => {
      const m = JSON.parse(line) as { ready?: boolean; port?: number };
      if (m.ready === true && typeof m.port === 'number') {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ child, port: m.port });
      }
    }));
  });
}

function kill(child: ChildProcess): void {
  child.stdin?.end();
  child.kill('SIGKILL');
}

function stdioChannel(path: string): Channel {
  const child = spawn(process.execPath, [path], { stdio: ['pipe', 'pipe', 'ignore'] });
  const ch: Channel = { send: (t) => void child.stdin!.write(t + '\n'), onMessage: () => {}, close: () => kill(child), pid: child.pid };
  child.stdout!.on('data', lines((l) => ch.onMessage(l)));
  return ch;
}

async function tcpChannel(path: string, args: string[]): Promise<Channel> {
  const { child, port } = await startServer(path, args);
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise<void>((r, j) => socket.once('connect', r).once('error', j));
  const ch: Channel = { send: (t) => void socket.write(t + '\n'), onMessage: () => {}, close: () => (socket.destroy(), kill(child)), pid: child.pid };
  socket.on('data', lines((l) => ch.onMessage(l)));
  return ch;
}

async function wsChannel(path: string, args: string[]): Promise<Channel> {
  const { child, port } = await startServer(path, args);
  const ws = new WebSocket(`ws://127.0.0.1:${port}/mcp`, 'mcp');
  await new Promise<void>((r, j) => ws.once('open', () => r()).once('error', j));
  const ch: Channel = { send: (t) => ws.send(t), onMessage: () => {}, close: () => (ws.terminate(), kill(child)), pid: child.pid };
  ws.on('message', (d) => ch.onMessage(String(d)));
  return ch;
}

/** Legacy HTTP+SSE: GET /sse, the `endpoint` event names where to POST; answers arrive on the stream. */
async function sseChannel(path: string, args: string[]): Promise<Channel> {
  const { child, port } = await startServer(path, args);
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  let endpoint: string | undefined;
  const ch: Channel = {
    send: (t) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: endpoint, agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(t) } }, (res) => res.resume());
      req.on('error', () => {});
      req.end(t);
    },
    onMessage: () => {},
    close: () => (agent.destroy(), kill(child)),
    pid: child.pid,
  };
  await new Promise<void>((resolve, reject) => {
    const parser = createParser({
      onEvent: (e) => {
        if (e.event === 'endpoint') {
          endpoint = e.data;
          resolve();
        } else ch.onMessage(e.data);
      },
    });
    const get = request({ host: '127.0.0.1', port, method: 'GET', path: '/sse', headers: { accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`bench: GET /sse answered ${res.statusCode}`));
      res.setEncoding('utf8');
      res.on('data', (c: string) => parser.feed(c));
    });
    get.on('error', reject);
    get.end();
  });
  return ch;
}

/** Streamable HTTP, one legacy session: each request is a POST; the answer is its JSON body or its SSE stream. */
async function httpChannel(path: string): Promise<Channel> {
  const { child, port } = await startServer(path, []);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let session: string | undefined;
  const ch: Channel = {
    send: (t) => {
      const headers: Record<string, string | number> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'content-length': Buffer.byteLength(t) };
      if (session !== undefined) {
        headers['mcp-session-id'] = session;
        headers['mcp-protocol-version'] = INIT.protocolVersion;
      }
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/mcp', agent, headers }, (res) => {
        const sid = res.headers['mcp-session-id'];
        if (typeof sid === 'string') session = sid;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          if (body === '') return;
          if (String(res.headers['content-type']).startsWith('text/event-stream')) {
            const parser = createParser({ onEvent: (e) => ch.onMessage(e.data) });
            parser.feed(body);
          } else ch.onMessage(body);
        });
      });
      req.on('error', () => {});
      req.end(t);
    },
    onMessage: () => {},
    close: () => (agent.destroy(), kill(child)),
    pid: child.pid,
  };
  return ch;
}

async function echoOperation(open: () => Channel | Promise<Channel>): Promise<Operation> {
  const ch = await open();
  const rpc = new RpcClient(ch);
  try {
    await rpc.call('initialize', INIT);
    rpc.notify('notifications/initialized');
    const first = await rpc.call('tools/call', { name: 'echo', arguments: { text: 'hello world' } });
    if (!JSON.stringify(first).includes('hello world')) throw new Error(`bench: echo answered ${JSON.stringify(first).slice(0, 200)}`);
  } catch (err) {
    ch.close();
    throw err;
  }
  const op: Operation = {
    run: async () => {
      const r = (await rpc.call('tools/call', { name: 'echo', arguments: { text: 'hello world' } })) as { result?: { isError?: boolean } };
      if (r.result?.isError === true) throw new Error('bench: echo failed');
    },
    close: () => ch.close(),
  };
  if (ch.pid !== undefined) op.serverPid = ch.pid;
  return op;
}

const impl = (name: string, open: () => Channel | Promise<Channel>): Implementation => ({ name, setup: () => echoOperation(open) });
const NET = script('suite/servers/net.js');
const net = (name: string, transport: string, channel: (p: string, a: string[]) => Promise<Channel>): Implementation => impl(name, () => channel(NET, [name, transport]));

function roundTrip(id: string, what: string, implementations: Implementation[], note?: string): Workload {
  return { id, group: 'transports', description: `tools/call echo round trip over ${what}, one at a time, server in a child process`, operations: 6000, warmup: 600, implementations, ...(note === undefined ? {} : { note }) };
}

export function transportWorkloads(): Workload[] {
  return [
    roundTrip('transport_stdio', 'stdio', ['velomcp', 'sdk-v1', 'raw'].map((n) => impl(n, () => stdioChannel(script(`stdio/servers/${n}.js`))))),
    roundTrip('transport_tcp', 'TCP (newline-delimited JSON)', [net('velomcp', 'tcp', tcpChannel), net('raw', 'tcp', tcpChannel)], 'the official SDK v1 has no TCP server transport'),
    roundTrip('transport_http', 'Streamable HTTP (a legacy session, keep-alive)', ['velomcp', 'sdk-v1', 'raw'].map((n) => impl(n, () => httpChannel(script(`http/servers/${n}.js`))))),
    roundTrip('transport_ws', 'WebSocket (subprotocol mcp)', [net('velomcp', 'ws', wsChannel), net('raw', 'ws', wsChannel)], 'the official SDK v1 has no WebSocket server transport'),
    roundTrip('transport_sse', 'the legacy HTTP+SSE transport (GET stream, POST endpoint)', [net('velomcp', 'sse', sseChannel), net('sdk-v1', 'sse', sseChannel), net('raw', 'sse', sseChannel)]),
  ];
}
