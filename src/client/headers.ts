/**
 * Client side of the 2026-07-28 HTTP request headers (`basic/transports/streamable-http.mdx`, "Standard MCP
 * request headers" and "Custom headers from tool parameters", SEP-2243): which `x-mcp-header` annotations
 * are valid, and how values are encoded.
 */
import type { JsonObject } from '../jsonrpc/message.js';
import type { Tool } from '../protocol/types.js';

/** RFC 9110 `token` characters: the only ones allowed in a header name. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const PRIMITIVE = new Set(['string', 'integer', 'boolean']);

/** One valid annotation: argument `property` travels as header `Mcp-Param-<name>`. */
export interface ParamHeaderSpec {
  /** The argument (top-level property of `inputSchema`). */
  readonly property: string;
  /** The name after `Mcp-Param-`, as annotated. */
  readonly name: string;
}

/**
 * Reads the `x-mcp-header` annotations of a tool. Returns undefined when any annotation is invalid (empty,
 * not an HTTP token, on a non-primitive property, or duplicated case-insensitively): the spec says such a
 * tool MUST be excluded from the client's tool list.
 */
export function toolParamHeaders(tool: Pick<Tool, 'inputSchema'>): readonly ParamHeaderSpec[] | undefined {
  const props = (tool.inputSchema as JsonObject | undefined)?.properties;
  if (typeof props !== 'object' || props === null) return [];
  const out: ParamHeaderSpec[] = [];
  const seen = new Set<string>();
  for (const [property, schema] of Object.entries(props as Record<string, unknown>)) {
    if (typeof schema !== 'object' || schema === null || !('x-mcp-header' in schema)) continue;
    const s = schema as Record<string, unknown>;
    const name = s['x-mcp-header'];
    if (typeof name !== 'string' || !TOKEN.test(name)) return undefined;
    const type = s.type;
    if (typeof type !== 'string' || !PRIMITIVE.has(type)) return undefined;
    const key = name.toLowerCase();
    if (seen.has(key)) return undefined;
    seen.add(key);
    out.push({ property, name });
  }
  return out;
}

/** True when a value must be Base64-wrapped: non-printable-ASCII characters or leading/trailing whitespace. */
function unsafe(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return true;
  }
  if (value.length > 0 && (value[0] === ' ' || value[value.length - 1] === ' ')) return true;
  return value.startsWith('=?base64?') && value.endsWith('?=');
}

/** Encodes a header value: plain when safe, else `=?base64?<Base64 of UTF-8>?=` (SEP-2243 "Value encoding"). */
export function encodeHeaderValue(value: string): string {
  return unsafe(value) ? `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=` : value;
}

/** The `Mcp-Param-*` headers for a call's arguments; null and absent arguments produce no header. */
export function paramHeadersFor(specs: readonly ParamHeaderSpec[], args: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof args !== 'object' || args === null) return out;
  for (const { property, name } of specs) {
    const v = (args as Record<string, unknown>)[property];
    if (typeof v === 'string') out[`Mcp-Param-${name}`] = encodeHeaderValue(v);
    else if (typeof v === 'number' && Number.isFinite(v)) out[`Mcp-Param-${name}`] = String(v);
    else if (typeof v === 'boolean') out[`Mcp-Param-${name}`] = v ? 'true' : 'false';
  }
  return out;
}
