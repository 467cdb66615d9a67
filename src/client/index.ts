/**
 * `velomcp/client`: the MCP client for both protocol eras and its transports (stdio, Streamable HTTP,
 * HTTP+SSE, in-memory; WebSocket and TCP live under their own subpaths and plug in as `ClientTransport`s).
 * @packageDocumentation
 */
export {
  McpClient,
  type McpClientOptions,
  type EraOption,
  type CallOptions,
  type HandlerContext,
  type SamplingHandler,
  type ElicitationHandler,
  type RootsHandler,
  type ServerNotification,
  type ListenFilter,
  type McpSubscription,
  type ListResult,
} from './client.js';
export type { ClientTransport, TransportCloseInfo } from './transport.js';
export { StdioClientTransport, type StdioClientOptions } from './stdio.js';
export { StreamableHttpClientTransport, type HttpClientTransport, type StreamableHttpClientOptions } from './streamable-http.js';
export { SseClientTransport, type SseClientOptions } from './legacy-sse.js';
export { InMemoryClientTransport } from './memory.js';
export { applyElicitationDefaults } from './elicitation.js';
export { toolParamHeaders, encodeHeaderValue, paramHeadersFor, type ParamHeaderSpec } from './headers.js';
export { isTransportDrop } from './errors.js';
export type { HttpAuthHook, AuthRequestInfo, AuthResponseInfo } from './auth-hook.js';
