/**
 * OpenTelemetry MCP semantic conventions (`open-telemetry/semantic-conventions-genai`, `docs/gen-ai/mcp.md`,
 * status Development): attribute names, the duration bucket boundaries, and the mapping from a velomcp
 * transport kind to the `network.*` attributes. Shared by metrics and tracing; depends on nothing.
 */

/** Attribute keys (dotted, as in OpenTelemetry; Prometheus labels replace `.` with `_`). */
export const Attr = {
  methodName: 'mcp.method.name',
  protocolVersion: 'mcp.protocol.version',
  sessionId: 'mcp.session.id',
  resourceUri: 'mcp.resource.uri',
  toolName: 'gen_ai.tool.name',
  promptName: 'gen_ai.prompt.name',
  operationName: 'gen_ai.operation.name',
  toolCallArguments: 'gen_ai.tool.call.arguments',
  toolCallResult: 'gen_ai.tool.call.result',
  requestId: 'jsonrpc.request.id',
  statusCode: 'rpc.response.status_code',
  errorType: 'error.type',
  networkTransport: 'network.transport',
  networkProtocolName: 'network.protocol.name',
} as const;

/** The explicit bucket boundaries, in seconds, that the conventions give for every MCP duration histogram. */
export const DURATION_BUCKETS: readonly number[] = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

/** `network.transport` and `network.protocol.name` for a velomcp transport kind (`stdio` → `pipe`, HTTP → `tcp` + `http`, ...). */
export function networkOf(transport: string): { transport: string | undefined; protocol: string | undefined } {
  switch (transport) {
    case 'stdio':
      return { transport: 'pipe', protocol: undefined };
    case 'http':
    case 'sse':
      return { transport: 'tcp', protocol: 'http' };
    case 'ws':
      return { transport: 'tcp', protocol: 'websocket' };
    case 'tcp':
      return { transport: 'tcp', protocol: undefined };
    default:
      return { transport: undefined, protocol: undefined };
  }
}

/** `error.type` of a JSON-RPC error code, a tool error, or a cancellation (the conventions' values where they give one). */
export function errorTypeOf(outcome: string, code: number | string | undefined): string | undefined {
  if (outcome === 'tool_error') return 'tool_error';
  if (outcome === 'cancelled') return 'cancelled';
  if (outcome === 'error') return code === undefined ? '_OTHER' : String(code);
  return undefined;
}
