/**
 * The server side: {@link McpServer}, handler context, input helpers and connection seam.
 * @packageDocumentation
 */
export { McpServer } from './mcp-server.js';
export { ServerConnection, type ConnectionSink, type ConnectionOptions } from './connection.js';
export type { RequestContext } from './context.js';
export type { ToolProvider } from './core.js';
export { inputRequired, isInputRequired, elicit, elicitUrl, createMessage, listRoots, InputRequiredSignal, type InputRequiredResult, type InputRequests, type InputResponses } from './input.js';
export { RequestStateCodec, paramsDigest, type RequestStateOptions, type RequestBinding, type RequestStatePayload } from './request-state.js';
export type * from './options.js';
export type { ServerLimits } from './limits.js';
export * from './tasks/index.js';
