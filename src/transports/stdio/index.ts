/**
 * `velomcp/stdio`: serve an MCP server over stdin/stdout.
 * @packageDocumentation
 */
export { serveStdio, type StdioServerOptions, type StdioServerHandle } from './server.js';
