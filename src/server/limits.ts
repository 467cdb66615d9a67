/**
 * Per-session bounds on what a client may make the server keep (docs/limits.md, "Limits and hardening"), and
 * small helpers that keep client input out of unbounded work: an iterative size/depth measure of JSON values,
 * the protocol-defined subset of `initialize` data, and a cap on input echoed back in error messages.
 */
import type { JsonObject } from '../jsonrpc/message.js';

/** `McpServerOptions.limits`: bounds on per-session client data. Sizes are in bytes (UTF-16 code units for strings). */
export interface ServerLimits {
  /**
   * Largest `capabilities` or `clientInfo` an `initialize` may carry (the session keeps them), measured as
   * the length of its JSON text after unknown members are dropped. Past it: -32602. Default 65 536.
   */
  maxClientDataBytes?: number;
  /** Deepest nesting of `capabilities` / `clientInfo` (an object or array is one level). Past it: -32602. Default 32. */
  maxClientDataDepth?: number;
  /** Most `resources/subscribe` URIs one legacy session holds at once. Past it: -32602. Default 1000. */
  maxSubscriptionsPerSession?: number;
  /** Longest URI `resources/subscribe` accepts, in characters. Past it: -32602. Default 8192. */
  maxSubscriptionUriLength?: number;
}

/** @internal {@link ServerLimits} with every default applied. */
export type ResolvedLimits = Required<ServerLimits>;

/** @internal */
export function resolveLimits(limits: ServerLimits = {}): ResolvedLimits {
  return {
    maxClientDataBytes: limits.maxClientDataBytes ?? 65_536,
    maxClientDataDepth: limits.maxClientDataDepth ?? 32,
    maxSubscriptionsPerSession: limits.maxSubscriptionsPerSession ?? 1000,
    maxSubscriptionUriLength: limits.maxSubscriptionUriLength ?? 8192,
  };
}

/**
 * Why `value` exceeds `maxDepth` or (approximately, as JSON text length) `maxBytes`, or undefined when it fits.
 * Iterative, and it stops as soon as a bound is passed, so its cost is bounded by the limits, not by the input.
 */
export function jsonBoundsProblem(value: unknown, maxDepth: number, maxBytes: number): string | undefined {
  let bytes = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (typeof v === 'string') bytes += v.length + 2;
    else if (typeof v === 'object' && v !== null) {
      if (depth > maxDepth) return `nested deeper than ${maxDepth} levels`;
      bytes += 2;
      if (Array.isArray(v)) {
        for (const item of v) {
          bytes += 1;
          stack.push([item, depth + 1]);
        }
      } else {
        for (const key of Object.keys(v)) {
          bytes += key.length + 4;
          stack.push([(v as Record<string, unknown>)[key], depth + 1]);
        }
      }
    } else bytes += 8;
    if (bytes > maxBytes) return `larger than ${maxBytes} bytes`;
  }
  return undefined;
}

/** The members of `ClientCapabilities` the protocol defines (every revision); others are dropped. */
const CLIENT_CAPABILITY_KEYS = ['roots', 'sampling', 'elicitation', 'experimental', 'tasks', 'extensions'];
/** The members of `Implementation` the protocol defines. */
const IMPLEMENTATION_KEYS = ['name', 'version', 'title', 'description', 'websiteUrl', 'icons'];

/** @internal Copies only the protocol-defined members of a client capabilities object. */
export function knownCapabilities(caps: JsonObject): JsonObject {
  return pick(caps, CLIENT_CAPABILITY_KEYS);
}

/** @internal Copies only the protocol-defined members of a `clientInfo` object. */
export function knownImplementation(info: JsonObject): JsonObject {
  return pick(info, IMPLEMENTATION_KEYS);
}

function pick(obj: JsonObject, keys: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const k of keys) if (Object.hasOwn(obj, k) && obj[k] !== undefined) out[k] = obj[k];
  return out;
}

/** Most characters of client input echoed back in an error message or `data`. */
export const MAX_ECHO_CHARS = 512;

/** Client input as echoed in an error: cut to {@link MAX_ECHO_CHARS} characters, with the full length stated. */
export function echo(text: string): string {
  return text.length <= MAX_ECHO_CHARS ? text : `${text.slice(0, MAX_ECHO_CHARS)}… (${text.length} characters)`;
}
