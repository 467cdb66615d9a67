/**
 * @internal Helpers shared by the method implementations.
 */
import { ErrorCode } from '../../jsonrpc/codes.js';
import { McpError } from '../../jsonrpc/errors.js';
import type { JsonObject } from '../../jsonrpc/message.js';
import type { ProtocolEra } from '../../protocol/versions.js';
import type { ServerRequestContext } from '../context.js';
import type { ServerCore } from '../core.js';
import type { CacheableMethod } from '../options.js';
import type { Registry } from '../registry.js';

/** A result already serialised for the request's era (cached list pages). */
export class Serialized {
  /** @param json - The complete result object as JSON text. */
  constructor(readonly json: string) {}
}

/** Reads an optional string member, or throws -32602 naming it. */
export function optionalString(params: JsonObject | undefined, key: string): string | undefined {
  const v = params?.[key];
  if (v === undefined || typeof v === 'string') return v;
  throw new McpError(ErrorCode.InvalidParams, `Invalid params: "${key}" must be a string`);
}

/** Reads a required string member, or throws -32602 naming it. */
export function requiredString(params: JsonObject | undefined, key: string, method: string): string {
  const v = params?.[key];
  if (typeof v === 'string') return v;
  throw new McpError(ErrorCode.InvalidParams, `Invalid params: ${method} needs a string "${key}"`);
}

/** Serialises a complete list page for an era, adding modern-era members (resultType, cache hints, serverInfo). */
export function serializeList(core: ServerCore, era: ProtocolEra, method: CacheableMethod, result: JsonObject): string {
  if (era === 'legacy') return JSON.stringify(result);
  const hint = core.cacheHint(method);
  return JSON.stringify({ resultType: 'complete', ...result, ttlMs: hint.ttlMs, cacheScope: hint.cacheScope, _meta: core.serverInfoMeta });
}

/** True when a value is a plain JSON object (not an array). */
export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True when `v` is a thenable. */
export function isPromise<T>(v: unknown): v is Promise<T> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/**
 * One page of a registry's enabled entries as a cached, pre-serialised list result: serialised once per era
 * and cursor, and served from the cache until the registry changes.
 */
export function listPage<E extends { enabled: boolean; definition: unknown }>(
  core: ServerCore,
  registry: Registry<E>,
  params: JsonObject | undefined,
  ctx: ServerRequestContext,
  method: CacheableMethod,
  member: string,
): Serialized {
  const cursor = optionalString(params, 'cursor');
  return new Serialized(
    registry.cached(`${ctx.era}:${cursor ?? ''}`, () => {
      const page = registry.page(cursor, core.pageSize, isEnabled);
      const result: JsonObject = { [member]: page.items.map((e) => e.definition) };
      if (page.nextCursor) result.nextCursor = page.nextCursor;
      return serializeList(core, ctx.era, method, result);
    }),
  );
}

function isEnabled(e: { enabled: boolean }): boolean {
  return e.enabled;
}
