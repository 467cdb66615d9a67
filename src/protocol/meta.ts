/**
 * Reserved `_meta` keys (MCP 2026-07-28 `basic/index.mdx`, "_meta"; spec-notes §2.1).
 */
export const MetaKey = {
  /** Request `_meta`: the protocol revision of this request (modern era, MUST). */
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  /** Request `_meta`: the client's capabilities (modern era, MUST; `{}` means none). */
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  /** Request `_meta`: the client's Implementation (modern era, SHOULD; servers must not require it). */
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  /** Request `_meta`: the minimum log level for `notifications/message` about this request (modern era). */
  logLevel: 'io.modelcontextprotocol/logLevel',
  /** Result `_meta`: the server's Implementation (modern era, SHOULD). */
  serverInfo: 'io.modelcontextprotocol/serverInfo',
  /** Notification `_meta`: the id of the `subscriptions/listen` request it belongs to. */
  subscriptionId: 'io.modelcontextprotocol/subscriptionId',
  /** Task association (2025-11-25 tasks; tasks extension). */
  relatedTask: 'io.modelcontextprotocol/related-task',
} as const;
