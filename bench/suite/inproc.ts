/**
 * In-process request/response drivers for the server-path workloads: the same JSON text goes into velomcp's
 * `ServerConnection.receiveText`, into an official SDK v1 server through a minimal in-memory transport
 * (parse in, stringify out, as its stdio transport does), or into a raw JSON-RPC handler. Each driver answers
 * one request at a time: `call(text, id)` resolves with the response text for `id`.
 */
import type { Server as SdkServer } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { McpServer } from '../../src/server/mcp-server.js';
import type { ServerConnection } from '../../src/server/connection.js';

/** A driver: sends one request and resolves with its response text. */
export interface Driver {
  call(text: string, id: number): Promise<string>;
  close(): void;
}

const INITIALIZE = (id: number): string =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: { sampling: {} }, clientInfo: { name: 'bench', version: '1' } } });
const INITIALIZED = '{"jsonrpc":"2.0","method":"notifications/initialized"}';

/** The request text `{"jsonrpc":"2.0","id":<id>,"method":...,"params":...}` with the params serialised once. */
export function requestTemplate(method: string, params: unknown): (id: number) => string {
  const head = `{"jsonrpc":"2.0","id":`;
  const tail = `,"method":${JSON.stringify(method)},"params":${JSON.stringify(params)}}`;
  return (id) => head + id + tail;
}

/** Throws when `response` is not a JSON-RPC success (an error, or a tool result with `isError: true`). */
export function expectSuccess(response: string): void {
  if (!response.includes('"result"') || response.includes('"isError":true')) throw new Error(`bench: request failed: ${response.slice(0, 300)}`);
}

/**
 * A velomcp connection with an initialized legacy session (ids below 0 are the driver's own).
 * `onNotification` hears every message sent without a related request id.
 */
export async function velomcpDriver(server: McpServer, onNotification?: (message: string) => void): Promise<Driver & { connection: ServerConnection }> {
  let waitingId = -1;
  let resolve: ((s: string) => void) | undefined;
  const connection = server.connect({
    send(message, related) {
      if (related === waitingId && resolve !== undefined && !message.startsWith('{"jsonrpc":"2.0","method"')) {
        const r = resolve;
        resolve = undefined;
        r(message);
      } else if (related === undefined) onNotification?.(message);
    },
  });
  const call = (text: string, id: number): Promise<string> =>
    new Promise<string>((res) => {
      waitingId = id;
      resolve = res;
      connection.receiveText(text);
    });
  expectSuccess(await call(INITIALIZE(-1), -1));
  connection.receiveText(INITIALIZED);
  return { connection, call, close: () => connection.close() };
}

/** An official SDK v1 server (`Server` or `McpServer.server`) behind a minimal in-memory transport. */
export async function sdkV1Driver(server: { connect(t: Transport): Promise<void> } | SdkServer): Promise<Driver> {
  let waitingId = -1;
  let resolve: ((s: string) => void) | undefined;
  const transport: Transport = {
    async start() {},
    async close() {},
    async send(message: JSONRPCMessage) {
      const text = JSON.stringify(message);
      if ('id' in message && message.id === waitingId && resolve !== undefined && !('method' in message)) {
        const r = resolve;
        resolve = undefined;
        r(text);
      }
    },
  };
  await server.connect(transport);
  const call = (text: string, id: number): Promise<string> =>
    new Promise<string>((res) => {
      waitingId = id;
      resolve = res;
      transport.onmessage?.(JSON.parse(text) as JSONRPCMessage);
    });
  expectSuccess(await call(INITIALIZE(-1), -1));
  transport.onmessage?.(JSON.parse(INITIALIZED) as JSONRPCMessage);
  return { call, close: () => void transport.onclose?.() };
}

/** The raw reference: `JSON.parse`, a switch on the method, `JSON.stringify`; no validation, no framework. */
export function rawDriver(answer: (method: string, params: Record<string, unknown>) => unknown): Driver {
  return {
    async call(text) {
      const msg = JSON.parse(text) as { id: number; method: string; params: Record<string, unknown> };
      return JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: answer(msg.method, msg.params) });
    },
    close() {},
  };
}
