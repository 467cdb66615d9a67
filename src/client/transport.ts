/**
 * The seam between an MCP client and a message-oriented transport (stdio, WebSocket, TCP, in-memory):
 * whole JSON-RPC messages in and out, no knowledge of MCP methods.
 *
 * Streamable HTTP is request-oriented (headers per request, a response stream per POST) and has its own
 * richer seam in the client; transports that just carry messages implement this one.
 */

/** Why a transport closed. */
export interface TransportCloseInfo {
  /** An error when the close was not requested (crash, reset, protocol violation). */
  error?: Error;
  /** True when the peer or the network ended the connection, false when `close()` was called. */
  remote: boolean;
}

/** A bidirectional channel carrying one JSON-RPC message (or batch) at a time. */
export interface ClientTransport {
  /**
   * Opens the channel (spawns the process, dials the socket).
   * @throws VeloError `VELO_CONNECTION_CLOSED` or the underlying error when it cannot open.
   */
  start(): Promise<void>;
  /**
   * Sends one serialised message (no trailing newline).
   * @throws VeloError `VELO_CONNECTION_CLOSED` when the channel is closed; `VELO_MESSAGE_TOO_LARGE` over the limit.
   */
  send(message: string): Promise<void>;
  /** Closes the channel and releases everything it holds (sockets, timers, child processes). Idempotent. */
  close(): Promise<void>;
  /** Receives each parsed inbound message. */
  onmessage: ((message: unknown) => void) | undefined;
  /**
   * Receives a malformed or oversized inbound frame; the channel stays open. The error is a VeloError
   * (`VELO_MESSAGE_TOO_LARGE`) or a SyntaxError for invalid JSON.
   */
  onerror: ((error: Error) => void) | undefined;
  /** Called once when the channel has closed, for whatever reason. */
  onclose: ((info: TransportCloseInfo) => void) | undefined;
}

/**
 * Parses one inbound frame and hands the value to `transport.onmessage`, or a `SyntaxError` to
 * `transport.onerror` when it is not JSON (the channel stays open). Shared by the message-oriented client
 * transports.
 */
export function deliverFrame(transport: Pick<ClientTransport, 'onmessage' | 'onerror'>, text: string): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    transport.onerror?.(err as Error);
    return;
  }
  transport.onmessage?.(value);
}
