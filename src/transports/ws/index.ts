/**
 * `velomcp/ws`: MCP over WebSocket (subprotocol `mcp`, one JSON-RPC message per text frame), server and
 * client side, on the `ws` package. A velomcp extension: the MCP specification defines only stdio and
 * Streamable HTTP. Every socket serves both protocol eras (a legacy session after `initialize`, and
 * stateless 2026-07-28 requests).
 * @packageDocumentation
 */
export {
  attachWebSocket,
  serveWebSocket,
  MCP_SUBPROTOCOL,
  WsCloseCode,
  type WebSocketAttachOptions,
  type WebSocketAttachment,
  type ServeWebSocketOptions,
  type WebSocketServerHandle,
} from './server.js';
export { WebSocketClientTransport, type WebSocketClientTransportOptions } from './client.js';
export { UNAVAILABLE_CODE } from '../shared/outbox.js';
