/**
 * @internal `resources/list`, `resources/templates/list`, `resources/read`, and the legacy
 * `resources/subscribe` / `resources/unsubscribe` (MCP `server/resources.mdx`).
 */
import { ErrorCode } from '../../jsonrpc/codes.js';
import { McpError } from '../../jsonrpc/errors.js';
import type { JsonObject } from '../../jsonrpc/message.js';
import type { ReadResourceResult, Resource } from '../../protocol/types.js';
import type { ServerRequestContext } from '../context.js';
import type { ServerCore } from '../core.js';
import { isInputRequired, type InputRequiredResult } from '../input.js';
import { echo } from '../limits.js';
import { encodeCursor, decodeCursor } from '../registry.js';
import { isObject, isPromise, listPage, optionalString, requiredString, Serialized, serializeList } from './shared.js';

/** `resources/list`: static resources (cached page), then resources enumerated by template `list` callbacks. */
export function listResources(core: ServerCore, params: JsonObject | undefined, ctx: ServerRequestContext): Serialized | Promise<Serialized> {
  const cursor = optionalString(params, 'cursor');
  let dynamic = false;
  for (const t of core.templates.values()) if (t.enabled && t.list) dynamic = true;
  if (!dynamic) return listPage(core, core.resources, params, ctx, 'resources/list', 'resources');
  return (async () => {
    const all: Resource[] = [];
    for (const r of core.resources.values()) if (r.enabled) all.push(r.definition);
    for (const t of core.templates.values()) if (t.enabled && t.list) all.push(...(await t.list(ctx)));
    const offset = cursor === undefined ? 0 : decodeCursor(cursor);
    if (offset > all.length) throw new McpError(ErrorCode.InvalidParams, 'Invalid cursor: it is past the end of the list');
    const end = core.pageSize > 0 ? offset + core.pageSize : all.length;
    const result: JsonObject = { resources: all.slice(offset, end) };
    if (end < all.length) result.nextCursor = encodeCursor(end);
    return new Serialized(serializeList(core, ctx.era, 'resources/list', result));
  })();
}

/** `resources/templates/list`: a cached, pre-serialised page. */
export function listResourceTemplates(core: ServerCore, params: JsonObject | undefined, ctx: ServerRequestContext): Serialized {
  return listPage(core, core.templates, params, ctx, 'resources/templates/list', 'resourceTemplates');
}

type ReadOutcome = ReadResourceResult | InputRequiredResult;

/** The error for an unknown URI: -32002 in the legacy era, -32602 from 2026-07-28 (SEP-2164); `data.uri` in both. */
export function resourceNotFound(uri: string, ctx: ServerRequestContext): McpError {
  const code = ctx.era === 'modern' ? ErrorCode.InvalidParams : ErrorCode.ResourceNotFound;
  const shown = echo(uri);
  return new McpError(code, `Resource not found: ${shown}`, { uri: shown });
}

/** `resources/read`: exact URI first (O(1)), then templates in registration order. */
export function readResource(core: ServerCore, params: JsonObject | undefined, ctx: ServerRequestContext): ReadOutcome | Promise<ReadOutcome> {
  const uri = requiredString(params, 'uri', 'resources/read');
  const entry = core.resources.get(uri);
  let out: ReadOutcome | Promise<ReadOutcome> | undefined;
  let hint = core.cacheHint('resources/read');
  if (entry && entry.enabled) {
    out = entry.read(uri, ctx);
    if (entry.cacheHint) hint = entry.cacheHint;
  } else {
    for (const t of core.templates.values()) {
      if (!t.enabled) continue;
      let vars: Record<string, string | string[]> | undefined;
      try {
        vars = t.match(uri);
      } catch {
        vars = undefined; // malformed percent-encoding (`%ZZ`): the URI matches no template
      }
      if (vars) {
        out = t.read(uri, vars, ctx);
        if (t.cacheHint) hint = t.cacheHint;
        break;
      }
    }
  }
  if (out === undefined) throw resourceNotFound(uri, ctx);
  const finish = (r: ReadOutcome): ReadOutcome => {
    if (isInputRequired(r)) return r;
    if (!isObject(r) || !Array.isArray(r.contents) || r.contents.length === 0) {
      // Never answer with empty contents (SEP-2164): a reader with nothing to return means "not found".
      throw resourceNotFound(uri, ctx);
    }
    if (ctx.era === 'modern' && r.ttlMs === undefined) return { ...r, ttlMs: hint.ttlMs, cacheScope: hint.cacheScope };
    return r;
  };
  return isPromise<ReadOutcome>(out) ? out.then(finish) : finish(out);
}
