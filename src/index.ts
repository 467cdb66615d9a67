/**
 * velomcp: a high-performance MCP server and client framework serving both protocol eras
 * (MCP 2025-11-25 sessions and 2026-07-28 stateless requests).
 * @packageDocumentation
 */
export * from './server/index.js';
export * from './jsonrpc/codes.js';
export { McpError, VeloError, type VeloErrorCode, type JsonRpcErrorObject } from './jsonrpc/errors.js';
export type { JsonRpcId, JsonObject, JsonRpcMessage, JsonRpcRequest, JsonRpcNotification } from './jsonrpc/message.js';
export * from './protocol/versions.js';
export { MetaKey } from './protocol/meta.js';
export type * from './protocol/types.js';
export { LOGGING_LEVELS } from './protocol/types.js';
export { OutboundRequests, DEFAULT_REQUEST_TIMEOUT_MS, type RequestOptions, type ProgressParams } from './protocol/outbound.js';
