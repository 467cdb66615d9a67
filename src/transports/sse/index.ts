/**
 * The deprecated HTTP+SSE transport (MCP 2024-11-05). Serve it with `createHttpHandler(server, { legacySse: true })`
 * from `velomcp/http`.
 * @packageDocumentation
 */
export { LegacySseEngine, type LegacySseOptions } from './engine.js';
