/**
 * Header checks of the HTTP transport:
 * - DNS-rebinding protection (Host and Origin allow-lists; MCP 2025-11-25 `basic/transports.mdx`,
 *   "Security Warning": invalid Origin → 403).
 * - The 2026-07-28 standard and custom headers (`basic/transports/streamable-http.mdx`, SEP-2243):
 *   `Mcp-Method`, `Mcp-Name` and `Mcp-Param-*` must match the body, else -32020 with HTTP 400.
 */
import type { JsonObject } from '../../jsonrpc/message.js';

/** Hostnames that are always loopback. */
export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/** True for a loopback socket address (`127.x.x.x`, `::1`, `::ffff:127.x.x.x`). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/** The hostname of a `Host` header value (without port; IPv6 keeps its brackets), lower-cased. */
export function hostnameOf(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end === -1 ? h : h.slice(0, end + 1);
  }
  const colon = h.indexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}

/** Allow-lists for DNS-rebinding protection. */
export interface OriginPolicy {
  /** Accepted `Host` values: a hostname (any port) or `host:port`. */
  readonly hosts: ReadonlySet<string>;
  /** Accepted `Origin` values: full origins (`http://localhost:3000`) or bare hostnames (any scheme and port). */
  readonly origins: ReadonlySet<string>;
}

/** Builds a policy; defaults are the loopback names. */
export function originPolicy(hosts?: readonly string[], origins?: readonly string[]): OriginPolicy {
  return {
    hosts: new Set((hosts ?? LOOPBACK_HOSTS).map((h) => h.toLowerCase())),
    origins: new Set((origins ?? LOOPBACK_HOSTS).map((o) => o.toLowerCase())),
  };
}

/** Why a request fails the policy, or undefined when it passes. Absent headers pass (non-browser clients). */
export function checkOrigin(policy: OriginPolicy, host: string | undefined, origin: string | undefined): string | undefined {
  if (host !== undefined) {
    const h = host.trim().toLowerCase();
    if (!policy.hosts.has(h) && !policy.hosts.has(hostnameOf(h))) return `Host ${JSON.stringify(host)} is not allowed`;
  }
  if (origin !== undefined) {
    const o = origin.trim().toLowerCase();
    if (policy.origins.has(o)) return undefined;
    let name: string;
    try {
      name = new URL(o).host;
    } catch {
      return `Origin ${JSON.stringify(origin)} is not allowed`;
    }
    if (!policy.origins.has(hostnameOf(name))) return `Origin ${JSON.stringify(origin)} is not allowed`;
  }
  return undefined;
}

/** @internal Strict Base64 (exported for the regex audit test). */
export const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes a SEP-2243 header value: `=?base64?…?=` is Base64 of UTF-8 (strict alphabet and padding);
 * anything else is literal. Returns undefined for a malformed Base64 value.
 */
export function decodeHeaderValue(value: string): string | undefined {
  if (value.length >= 12 && value.startsWith('=?base64?') && value.endsWith('?=')) {
    const b64 = value.slice(9, -2);
    if (b64.length % 4 !== 0 || !BASE64.test(b64)) return undefined;
    const bytes = Buffer.from(b64, 'base64');
    const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
    return text;
  }
  return value;
}

/** One `x-mcp-header` annotation of a tool's input schema. */
export interface ParamHeader {
  /** The argument (property) name. */
  readonly property: string;
  /** The lower-cased HTTP header name, `mcp-param-<name>`. */
  readonly header: string;
  /** The display name from the annotation. */
  readonly name: string;
  readonly type: 'string' | 'integer' | 'boolean' | 'number' | undefined;
}

const cache = new WeakMap<object, readonly ParamHeader[]>();
const NO_HEADERS: readonly ParamHeader[] = Object.freeze([]);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The `x-mcp-header` annotations of an input schema, computed once per schema object. */
export function paramHeaders(inputSchema: JsonObject | undefined): readonly ParamHeader[] {
  if (!inputSchema) return NO_HEADERS;
  const hit = cache.get(inputSchema);
  if (hit) return hit;
  const out: ParamHeader[] = [];
  const props = inputSchema.properties;
  if (typeof props === 'object' && props !== null) {
    for (const [property, schema] of Object.entries(props as Record<string, unknown>)) {
      if (typeof schema !== 'object' || schema === null) continue;
      const name = (schema as Record<string, unknown>)['x-mcp-header'];
      if (typeof name !== 'string' || !TOKEN.test(name)) continue;
      const t = (schema as Record<string, unknown>).type;
      out.push({
        property,
        header: `mcp-param-${name.toLowerCase()}`,
        name,
        type: t === 'string' || t === 'integer' || t === 'boolean' || t === 'number' ? t : undefined,
      });
    }
  }
  const result = out.length === 0 ? NO_HEADERS : Object.freeze(out);
  cache.set(inputSchema, result);
  return result;
}

/**
 * A JSON-style number. Linear: every quantifier is followed by a character it cannot match, so a failed
 * match never re-splits a run of digits (the former `\d+\.?\d*` was quadratic on `1111…x`).
 */
/** @internal Exported for the regex audit test. */
export const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;
/** Longest numeric `Mcp-Param-*` value compared (a double needs at most ~25 characters; this leaves room for zeros). */
const MAX_NUMBER_CHARS = 512;

/** Compares a decoded header with the body's argument; undefined when they agree, else the reason. */
export function compareParam(p: ParamHeader, raw: string | undefined, value: unknown): string | undefined {
  const absent = value === undefined || value === null;
  if (raw === undefined) return absent ? undefined : `missing header Mcp-Param-${p.name}`;
  if (absent) return `header Mcp-Param-${p.name} is set but argument "${p.property}" is absent`;
  const decoded = decodeHeaderValue(raw);
  if (decoded === undefined) return `header Mcp-Param-${p.name} has an invalid Base64 value`;
  if (typeof value === 'number') {
    const text = decoded.trim();
    if (text === '' || text.length > MAX_NUMBER_CHARS || !NUMBER.test(text) || Number(text) !== value) {
      return `header Mcp-Param-${p.name} does not match argument "${p.property}"`;
    }
    return undefined;
  }
  if (typeof value === 'boolean') {
    return decoded === String(value) ? undefined : `header Mcp-Param-${p.name} does not match argument "${p.property}"`;
  }
  if (typeof value === 'string') {
    return decoded === value ? undefined : `header Mcp-Param-${p.name} does not match argument "${p.property}"`;
  }
  return undefined;
}
