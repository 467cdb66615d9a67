/**
 * One connection of {@link McpClient}: a transport with its table of outbound requests. A client owns one
 * wire at a time; reconnection replaces it (see `reconnect.ts`).
 */
import type { JsonObject, JsonRpcId } from '../jsonrpc/message.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, OutboundRequests } from '../protocol/outbound.js';
import type { ProtocolEra } from '../protocol/versions.js';
import { transportDrop } from './errors.js';
import type { HttpClientTransport } from './streamable-http.js';
import type { ClientTransport, TransportCloseInfo } from './transport.js';

/** A started transport, its outbound requests, and whether it has closed. */
export interface Wire {
  transport: ClientTransport;
  /** The same transport when it is an HTTP one (session id, standalone stream, per-request errors). */
  http: HttpClientTransport | undefined;
  outbound: OutboundRequests;
  closed: boolean;
}

/** What {@link openWire} connects the new transport to. */
export interface WireHooks {
  /** Default timeout of outbound requests, in milliseconds (default {@link DEFAULT_REQUEST_TIMEOUT_MS}). */
  requestTimeoutMs: number | undefined;
  /** The era and version already negotiated (told to HTTP transports for their headers). */
  era: ProtocolEra | undefined;
  version: string | undefined;
  onMessage(wire: Wire, value: unknown): void;
  onClose(wire: Wire, info: TransportCloseInfo): void;
  onError(err: Error): void;
  /** HTTP only: the server answered 404 to the session id. */
  onSessionExpired(): void;
  /** HTTP only: extra headers for one outgoing message (SEP-2243 parameter headers). */
  headersFor(message: JsonObject): Record<string, string>;
}

/** True for transports that speak HTTP (Streamable HTTP or HTTP+SSE). */
export function isHttpTransport(t: ClientTransport): t is HttpClientTransport {
  return 'onrequesterror' in t && 'openStandaloneStream' in t;
}

/** Wires `transport` to `hooks` and starts it. @throws whatever the transport's `start()` throws. */
export async function openWire(transport: ClientTransport, hooks: WireHooks): Promise<Wire> {
  const wire: Wire = {
    transport,
    http: isHttpTransport(transport) ? transport : undefined,
    outbound: undefined as unknown as OutboundRequests,
    closed: false,
  };
  wire.outbound = new OutboundRequests((message) => {
    transport.send(message).catch((err: Error) => {
      // The message never left: fail its request now rather than at its timeout.
      const id = (JSON.parse(message) as JsonObject).id as JsonRpcId | undefined;
      if (id !== undefined && wire.outbound.fail(id, transportDrop(err.message, err))) return;
      hooks.onError(err);
    });
  }, hooks.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  transport.onmessage = (m) => hooks.onMessage(wire, m);
  transport.onerror = (err) => hooks.onError(err);
  transport.onclose = (info) => hooks.onClose(wire, info);
  if (wire.http) {
    const http = wire.http;
    http.era = hooks.era;
    http.protocolVersion = hooks.era ? hooks.version : undefined;
    http.onrequesterror = (id, err) => {
      wire.outbound.fail(id, err);
    };
    http.onsessionexpired = () => hooks.onSessionExpired();
    http.headersFor = (msg) => hooks.headersFor(msg);
  }
  await transport.start();
  return wire;
}

/** Marks the wire closed, fails its pending requests with `error` and closes its transport (errors ignored). */
export async function closeWire(wire: Wire, error: Error): Promise<void> {
  wire.closed = true;
  wire.outbound.close(error);
  await wire.transport.close().catch(() => {});
}
