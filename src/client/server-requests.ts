/**
 * Server→client requests (legacy JSON-RPC requests and modern MRTR input requests) run through the
 * client's handlers: `sampling/createMessage`, `elicitation/create` (with SEP-1034 defaults) and `roots/list`.
 */
import { ErrorCode } from '../jsonrpc/codes.js';
import { McpError } from '../jsonrpc/errors.js';
import type { JsonObject } from '../jsonrpc/message.js';
import type { ClientCapabilities, CreateMessageParams, ElicitFormParams, ElicitUrlParams, Root } from '../protocol/types.js';
import { applyElicitationDefaults } from './elicitation.js';
import type { HandlerContext, McpClientOptions } from './options.js';

/** What {@link fulfilServerRequest} reads from the client. */
export interface ServerRequestHost {
  readonly options: McpClientOptions;
  readonly capabilities: ClientCapabilities;
  /** The roots set with `roots` or `setRoots()`. */
  roots(): Root[];
}

/**
 * Answers one server→client request with the handlers.
 * @throws McpError -32601 when the client has no handler for `method` (legacy `roots/list` included when
 *   no roots were ever declared); whatever the handler throws.
 */
export async function fulfilServerRequest(host: ServerRequestHost, method: string, params: JsonObject | undefined, ctx: HandlerContext): Promise<JsonObject> {
  const h = host.options.handlers ?? {};
  switch (method) {
    case 'sampling/createMessage':
      if (!h.sampling) throw new McpError(ErrorCode.MethodNotFound, 'This client does not support sampling');
      return (await h.sampling(params as unknown as CreateMessageParams, ctx)) as unknown as JsonObject;
    case 'elicitation/create': {
      if (!h.elicitation) throw new McpError(ErrorCode.MethodNotFound, 'This client does not support elicitation');
      const p = params as unknown as ElicitFormParams | ElicitUrlParams;
      const result = await h.elicitation(p, ctx);
      return (p.mode === 'url' ? result : applyElicitationDefaults((p as ElicitFormParams).requestedSchema, result)) as unknown as JsonObject;
    }
    case 'roots/list': {
      const own = host.roots();
      const roots = h.roots ? await h.roots(ctx) : own;
      if (!h.roots && !host.options.roots && own.length === 0 && ctx.era === 'legacy' && !host.capabilities.roots) {
        throw new McpError(ErrorCode.MethodNotFound, 'This client does not support roots');
      }
      return { roots } as unknown as JsonObject;
    }
    default:
      throw new McpError(ErrorCode.MethodNotFound, `Method not found: ${method}`);
  }
}
