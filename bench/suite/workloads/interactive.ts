/**
 * Workloads where the server talks first: a sampling round trip (a tool asks the client for a
 * `sampling/createMessage` answer: a server→client request in a legacy session, an `input_required` result
 * and a retried call in the 2026-07-28 era, MRTR) and resource-subscription fan-out (one
 * `notifications/resources/updated` to every subscribed session). Peers: the official SDK v1 (legacy era
 * only: it has no MRTR) and raw JSON-RPC references. Every client side parses what it receives.
 */
import { createHmac } from 'node:crypto';
import { McpServer as SdkMcpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { SubscribeRequestSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { McpServer } from '../../../src/server/mcp-server.js';
import { createMessage } from '../../../src/server/input.js';
import { velomcpDriver } from '../inproc.js';
import type { Implementation, Operation, Workload } from '../types.js';

const SAMPLE_PARAMS = { messages: [{ role: 'user' as const, content: { type: 'text' as const, text: 'Summarise: the weather is fine.' } }], maxTokens: 50 };
const SAMPLE_RESULT = { role: 'assistant', content: { type: 'text', text: 'Fine weather.' }, model: 'bench-model', stopReason: 'endTurn' };
const LEGACY_INIT = { protocolVersion: '2025-06-18', capabilities: { sampling: {} }, clientInfo: { name: 'bench', version: '1' } };
const MODERN_META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': { sampling: {} } };

interface Msg {
  id?: string | number;
  method?: string;
  result?: Record<string, unknown> & { content?: { text?: string }[] };
  error?: unknown;
}

/**
 * A client end of a JSON-RPC connection that answers every `sampling/createMessage` request and resolves
 * `call(method, params)` with the result of that call (string ids, so they never meet the server's).
 */
class Client {
  #next = 0;
  #waiting: { id: string; resolve: (m: Msg) => void; reject: (e: Error) => void } | undefined;
  constructor(private readonly write: (text: string) => void) {}

  /** Hands the client one message text from the server. */
  receive(text: string): void {
    const m = JSON.parse(text) as Msg;
    if (m.method === 'sampling/createMessage' && m.id !== undefined) {
      this.write(JSON.stringify({ jsonrpc: '2.0', id: m.id, result: SAMPLE_RESULT }));
    } else if (m.method === undefined && this.#waiting !== undefined && m.id === this.#waiting.id) {
      const w = this.#waiting;
      this.#waiting = undefined;
      if (m.error !== undefined) w.reject(new Error(`bench: request failed: ${text.slice(0, 300)}`));
      else w.resolve(m);
    }
  }

  call(method: string, params: unknown): Promise<Msg> {
    const id = `c${++this.#next}`;
    return new Promise((resolve, reject) => {
      this.#waiting = { id, resolve, reject };
      this.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  }
}

function expectSampled(m: Msg): void {
  if (m.result?.content?.[0]?.text !== 'Fine weather.') throw new Error(`bench: the tool did not return the sampled text: ${JSON.stringify(m).slice(0, 300)}`);
}

function velomcpSamplingServer(): McpServer {
  const s = new McpServer({ name: 'bench', version: '1' });
  s.registerTool('summarise', {}, async (_a, ctx) => {
    const r = await ctx.input({ s: createMessage(SAMPLE_PARAMS) });
    const content = (r.s as { content?: { text?: string } } | undefined)?.content;
    return { content: [{ type: 'text', text: content?.text ?? '' }] };
  });
  return s;
}

/** A velomcp connection driven by a {@link Client}. */
function velomcpClient(): { client: Client; close: () => void } {
  let client: Client | undefined;
  const conn = velomcpSamplingServer().connect({ send: (message) => queueMicrotask(() => client!.receive(message)) });
  client = new Client((text) => conn.receiveText(text));
  return { client, close: () => conn.close() };
}

const legacyOp = async (client: Client, close: () => void): Promise<Operation> => {
  await client.call('initialize', LEGACY_INIT);
  return { run: async () => expectSampled(await client.call('tools/call', { name: 'summarise', arguments: {} })), close };
};

/** The raw legacy reference: on tools/call it sends the sampling request and answers the call from its response. */
function rawLegacy(): Client {
  let next = 0;
  const pending = new Map<string, string | number>();
  let client: Client | undefined;
  const serverReceive = (text: string): void => {
    const m = JSON.parse(text) as Msg & { params?: unknown };
    let out: string;
    if (m.method === 'tools/call') {
      const sid = `s${++next}`;
      pending.set(sid, m.id!);
      out = JSON.stringify({ jsonrpc: '2.0', id: sid, method: 'sampling/createMessage', params: SAMPLE_PARAMS });
    } else if (m.method === undefined && typeof m.id === 'string' && pending.has(m.id)) {
      const callId = pending.get(m.id)!;
      pending.delete(m.id);
      const r = m.result as unknown as { content: { text: string } };
      out = JSON.stringify({ jsonrpc: '2.0', id: callId, result: { content: [{ type: 'text', text: r.content.text }] } });
    } else out = JSON.stringify({ jsonrpc: '2.0', id: m.id, result: {} });
    queueMicrotask(() => client!.receive(out));
  };
  client = new Client(serverReceive);
  return client;
}

function sdkLegacy(): { client: Client; ready: Promise<void> } {
  const s = new SdkMcpServer({ name: 'bench', version: '1' });
  s.registerTool('summarise', {}, async () => {
    const r = await s.server.createMessage(SAMPLE_PARAMS);
    return { content: [{ type: 'text', text: r.content.type === 'text' ? r.content.text : '' }] };
  });
  let client: Client | undefined;
  const transport: Transport = {
    async start() {},
    async close() {},
    async send(message: JSONRPCMessage) {
      const text = JSON.stringify(message);
      queueMicrotask(() => client!.receive(text));
    },
  };
  client = new Client((text) => transport.onmessage?.(JSON.parse(text) as JSONRPCMessage));
  return { client, ready: s.connect(transport) };
}

function samplingLegacy(): Workload {
  return {
    id: 'sampling_legacy',
    group: 'sampling',
    description: 'tools/call whose tool sends sampling/createMessage to the client and returns its answer (legacy session)',
    operations: 20_000,
    warmup: 2000,
    implementations: [
      { name: 'velomcp', setup: async () => {
        const { client, close } = velomcpClient();
        const op = await legacyOp(client, close);
        return op;
      } },
      { name: 'sdk-v1', setup: async () => {
        const { client, ready } = sdkLegacy();
        await ready;
        const op = await legacyOp(client, () => {});
        return op;
      } },
      { name: 'raw', setup: async () => legacyOp(rawLegacy(), () => {}) },
    ],
  };
}

const KEY = Buffer.from('bench-request-state-key-0123456789abcdef');
const seal = (state: unknown): string => {
  const body = Buffer.from(JSON.stringify(state)).toString('base64url');
  return `${body}.${createHmac('sha256', KEY).update(body).digest('base64url')}`;
};
const unseal = (token: string): unknown => {
  const [body, mac] = token.split('.');
  if (body === undefined || mac !== createHmac('sha256', KEY).update(body).digest('base64url')) throw new Error('bench: bad requestState');
  return JSON.parse(Buffer.from(body, 'base64url').toString());
};

/** The raw MRTR reference: input_required with an HMAC-sealed state, then the retried call answered. */
function rawModern(): Client {
  let client: Client | undefined;
  const serverReceive = (text: string): void => {
    const m = JSON.parse(text) as Msg & { params: { name: string; inputResponses?: Record<string, { content: { text: string } }>; requestState?: string } };
    const p = m.params;
    let result: unknown;
    if (p.inputResponses === undefined) {
      result = { resultType: 'input_required', inputRequests: { s: { method: 'sampling/createMessage', params: SAMPLE_PARAMS } }, requestState: seal({ tool: p.name, at: Date.now() }) };
    } else {
      unseal(p.requestState ?? '');
      result = { resultType: 'complete', content: [{ type: 'text', text: p.inputResponses.s!.content.text }] };
    }
    const out = JSON.stringify({ jsonrpc: '2.0', id: m.id, result });
    queueMicrotask(() => client!.receive(out));
  };
  client = new Client(serverReceive);
  return client;
}

const mrtrOp = (client: Client, close: () => void): Operation => ({
  run: async () => {
    const first = await client.call('tools/call', { name: 'summarise', arguments: {}, _meta: MODERN_META });
    const r = first.result as { resultType?: string; requestState?: string; inputRequests?: Record<string, unknown> };
    if (r.resultType !== 'input_required' || r.inputRequests?.s === undefined) throw new Error(`bench: expected input_required: ${JSON.stringify(first).slice(0, 300)}`);
    expectSampled(await client.call('tools/call', { name: 'summarise', arguments: {}, inputResponses: { s: SAMPLE_RESULT }, requestState: r.requestState, _meta: MODERN_META }));
  },
  close,
});

function samplingMrtr(): Workload {
  return {
    id: 'sampling_mrtr',
    group: 'sampling',
    description: 'tools/call answered input_required (sampling), retried with the answer and the sealed requestState (2026-07-28 MRTR)',
    operations: 20_000,
    warmup: 2000,
    implementations: [
      { name: 'velomcp', setup: async () => {
        const { client, close } = velomcpClient();
        return mrtrOp(client, close);
      } },
      { name: 'raw', setup: async () => mrtrOp(rawModern(), () => {}) },
    ],
    note: 'the official SDK v1 has no 2026-07-28 era; raw seals its state with an HMAC too',
  };
}

/** Subscribed sessions per fan-out. */
const SUBSCRIBERS = 100;
const URI = 'mem://docs/watched';

/** Resolves after `n` calls of `hit`, one operation at a time. */
function counter(n: number): { hit: () => void; wait: () => Promise<void> } {
  let left = 0;
  let done: (() => void) | undefined;
  return {
    hit: () => {
      if (--left === 0) done?.();
    },
    wait: () =>
      new Promise<void>((resolve) => {
        left = n;
        done = resolve;
      }),
  };
}

function fanout(): Workload {
  const velomcp: Implementation = {
    name: 'velomcp',
    async setup() {
      const server = new McpServer({ name: 'bench', version: '1' });
      server.registerResource('watched', URI, { mimeType: 'text/plain' }, (uri) => ({ contents: [{ uri, text: 'x' }] }));
      const c = counter(SUBSCRIBERS);
      const drivers: { close(): void }[] = [];
      for (let k = 0; k < SUBSCRIBERS; k++) {
        const d = await velomcpDriver(server, (message) => {
          if ((JSON.parse(message) as Msg).method === 'notifications/resources/updated') c.hit();
        });
        await d.call(`{"jsonrpc":"2.0","id":${k + 1},"method":"resources/subscribe","params":{"uri":"${URI}"}}`, k + 1);
        drivers.push(d);
      }
      return {
        run: async () => {
          const p = c.wait();
          server.notifyResourceUpdated(URI);
          await p;
        },
        close: () => drivers.forEach((d) => d.close()),
      };
    },
  };
  const sdk: Implementation = {
    name: 'sdk-v1',
    async setup() {
      const c = counter(SUBSCRIBERS);
      const subscribed: SdkMcpServer[] = [];
      for (let k = 0; k < SUBSCRIBERS; k++) {
        // SDK v1 serves one connection per server instance and leaves subscriptions to the application.
        const s = new SdkMcpServer({ name: 'bench', version: '1' }, { capabilities: { resources: { subscribe: true } } });
        s.registerResource('watched', URI, { mimeType: 'text/plain' }, (uri) => ({ contents: [{ uri: uri.href, text: 'x' }] }));
        s.server.setRequestHandler(SubscribeRequestSchema, () => {
          subscribed.push(s);
          return {};
        });
        let resolve: ((m: Msg) => void) | undefined;
        const transport: Transport = {
          async start() {},
          async close() {},
          async send(message: JSONRPCMessage) {
            const m = JSON.parse(JSON.stringify(message)) as Msg;
            if (m.method === 'notifications/resources/updated') c.hit();
            else if (m.method === undefined) resolve?.(m);
          },
        };
        await s.connect(transport);
        for (const [method, params] of [['initialize', LEGACY_INIT], ['resources/subscribe', { uri: URI }]] as const) {
          await new Promise<Msg>((res) => {
            resolve = res;
            transport.onmessage?.({ jsonrpc: '2.0', id: 1, method, params } as JSONRPCMessage);
          });
        }
      }
      if (subscribed.length !== SUBSCRIBERS) throw new Error('bench: SDK subscriptions missing');
      return {
        run: async () => {
          const p = c.wait();
          for (const s of subscribed) void s.server.sendResourceUpdated({ uri: URI });
          await p;
        },
      };
    },
  };
  const raw: Implementation = {
    name: 'raw',
    async setup() {
      const c = counter(SUBSCRIBERS);
      const sinks = new Map<string, ((text: string) => void)[]>([[URI, Array.from({ length: SUBSCRIBERS }, () => (text: string) => {
        if ((JSON.parse(text) as Msg).method === 'notifications/resources/updated') c.hit();
      })]]);
      return {
        run: async () => {
          const p = c.wait();
          const text = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: URI } });
          for (const send of sinks.get(URI)!) queueMicrotask(() => send(text));
          await p;
        },
      };
    },
  };
  return {
    id: 'resources_subscribe_fanout',
    group: 'resources',
    description: `notify one resource update to ${SUBSCRIBERS} subscribed sessions, until every one has parsed it`,
    operations: 2000,
    warmup: 200,
    implementations: [velomcp, sdk, raw],
  };
}

export function interactiveWorkloads(): Workload[] {
  return [samplingLegacy(), samplingMrtr(), fanout()];
}
