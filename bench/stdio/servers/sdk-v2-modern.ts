/**
 * `sdk-v2-modern`: the official MCP TypeScript SDK v2 in the 2026-07-28 era.
 * Over stdio that era is served by `serveStdio(factory)`: no initialize, the
 * first request's `_meta` envelope pins a modern instance for the connection.
 * Used through its public API only.
 */
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { createV2Server } from './sdk-v2-tools.js';

serveStdio(() => createV2Server());
