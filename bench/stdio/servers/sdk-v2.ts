/**
 * `sdk-v2`: the official MCP TypeScript SDK v2 (`@modelcontextprotocol/server`)
 * in the 2025 (legacy) era, hand-wired the way its docs show basic stdio use:
 * `server.connect(new StdioServerTransport())`. That path measured clearly
 * faster for legacy traffic than `serveStdio(factory)` (which adds an era
 * router and a per-connection channel), so the competitor gets its fastest
 * documented legacy setup. Used through its public API only.
 */
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { createV2Server } from './sdk-v2-tools.js';

await createV2Server().connect(new StdioServerTransport());
