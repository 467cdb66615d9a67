/**
 * Elicitation helpers (MCP 2025-11-25 `client/elicitation.mdx`; SEP-1034 defaults).
 */
import type { ElicitResult } from '../protocol/types.js';
import type { JsonObject } from '../jsonrpc/message.js';

/**
 * Fills fields the user left out of an accepted form with the `default` of their property in the
 * requested schema (SEP-1034: "clients SHOULD pre-populate … with defaults"). Other results pass unchanged.
 * Returns a new result; the input is not modified.
 */
export function applyElicitationDefaults(requestedSchema: JsonObject | undefined, result: ElicitResult): ElicitResult {
  if (result.action !== 'accept' || !requestedSchema) return result;
  const props = requestedSchema.properties;
  if (typeof props !== 'object' || props === null) return result;
  const content: Record<string, unknown> = { ...(result.content ?? {}) };
  let changed = result.content === undefined;
  for (const [key, schema] of Object.entries(props as Record<string, unknown>)) {
    if (content[key] !== undefined || typeof schema !== 'object' || schema === null) continue;
    const d = (schema as Record<string, unknown>).default;
    if (d === undefined) continue;
    content[key] = d;
    changed = true;
  }
  return changed ? { ...result, content: content as NonNullable<ElicitResult['content']> } : result;
}
