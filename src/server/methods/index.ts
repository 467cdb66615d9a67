/**
 * @internal The method table: which era serves each client→server method, which capability gates it,
 * and whether it may answer with `input_required` (MRTR).
 */
import type { JsonObject } from '../../jsonrpc/message.js';
import { SUPPORTED_PROTOCOL_VERSIONS } from '../../protocol/versions.js';
import type { ServerConnection } from '../connection.js';
import type { ServerRequestContext } from '../context.js';
import { complete } from './completion.js';
import { listen } from './listen.js';
import { getPrompt, listPrompts } from './prompts.js';
import { listResources, listResourceTemplates, readResource } from './resources.js';
import { requiredString, Serialized } from './shared.js';
import { callTool, listTools } from './tools.js';
import { tasksMethod } from './tasks.js';
import { legacyTasks } from '../tasks/legacy.js';

/** @internal */
export interface MethodSpec {
  handler(conn: ServerConnection, params: JsonObject | undefined, ctx: ServerRequestContext): unknown;
  legacy: boolean;
  modern: boolean;
  /** May return `input_required` (tools/call, prompts/get, resources/read). */
  mrtr?: boolean;
  /** The server capability that must be offered, else -32601. */
  capability?: 'tools' | 'resources' | 'prompts' | 'completions' | 'logging';
}

const EMPTY = new Serialized('{}');

/** @internal */
export const METHODS = new Map<string, MethodSpec>([
  ['ping', { handler: () => EMPTY, legacy: true, modern: false }],
  [
    'server/discover',
    {
      handler: (c) => {
        const core = c.core;
        return new Serialized(
          (core.discoverJson ??= (() => {
            const hint = core.cacheHint('server/discover');
            const result: JsonObject = { resultType: 'complete', supportedVersions: SUPPORTED_PROTOCOL_VERSIONS, capabilities: core.modernCapabilities };
            if (core.options.instructions !== undefined) result.instructions = core.options.instructions;
            Object.assign(result, { ttlMs: hint.ttlMs, cacheScope: hint.cacheScope, _meta: core.serverInfoMeta });
            return JSON.stringify(result);
          })()),
        );
      },
      legacy: false,
      modern: true,
    },
  ],
  ['tools/list', { handler: (c, p, ctx) => listTools(c.core, p, ctx), legacy: true, modern: true, capability: 'tools' }],
  ['tools/call', { handler: (c, p, ctx) => callTool(c.core, p, ctx, c), legacy: true, modern: true, mrtr: true, capability: 'tools' }],
  ['resources/list', { handler: (c, p, ctx) => listResources(c.core, p, ctx), legacy: true, modern: true, capability: 'resources' }],
  ['resources/templates/list', { handler: (c, p, ctx) => listResourceTemplates(c.core, p, ctx), legacy: true, modern: true, capability: 'resources' }],
  ['resources/read', { handler: (c, p, ctx) => readResource(c.core, p, ctx), legacy: true, modern: true, mrtr: true, capability: 'resources' }],
  [
    'resources/subscribe',
    {
      handler: (c, p) => {
        const recorded = c.subscribe(requiredString(p, 'uri', 'resources/subscribe'));
        return recorded ? recorded.then(() => EMPTY) : EMPTY;
      },
      legacy: true,
      modern: false,
      capability: 'resources',
    },
  ],
  [
    'resources/unsubscribe',
    {
      handler: (c, p) => {
        const recorded = c.unsubscribe(requiredString(p, 'uri', 'resources/unsubscribe'));
        return recorded ? recorded.then(() => EMPTY) : EMPTY;
      },
      legacy: true,
      modern: false,
      capability: 'resources',
    },
  ],
  ['prompts/list', { handler: (c, p, ctx) => listPrompts(c.core, p, ctx), legacy: true, modern: true, capability: 'prompts' }],
  ['prompts/get', { handler: (c, p, ctx) => getPrompt(c.core, p, ctx), legacy: true, modern: true, mrtr: true, capability: 'prompts' }],
  ['completion/complete', { handler: (c, p) => complete(c.core, p), legacy: true, modern: true, capability: 'completions' }],
  [
    'logging/setLevel',
    {
      handler: (c, p) => {
        const recorded = c.setLogLevel(p?.level);
        return recorded ? recorded.then(() => EMPTY) : EMPTY;
      },
      legacy: true,
      modern: false,
      capability: 'logging',
    },
  ],
  [
    'subscriptions/listen',
    {
      handler: (c, p, ctx) => listen(c.core, p, ctx, (m) => c.send(m, ctx.requestId)),
      legacy: false,
      modern: true,
    },
  ],
  // The tasks extension (SEP-2663) in the modern era, 2025-11-25 tasks in the legacy era; -32601 unless offered.
  ['tasks/get', { handler: (c, p, ctx) => (ctx.era === 'legacy' ? legacyTasks(c.core).get(c, p, ctx) : tasksMethod(c.core, ctx).get(p, ctx)), legacy: true, modern: true }],
  ['tasks/update', { handler: (c, p, ctx) => tasksMethod(c.core, ctx).update(p, ctx), legacy: false, modern: true }],
  ['tasks/cancel', { handler: (c, p, ctx) => (ctx.era === 'legacy' ? legacyTasks(c.core).cancel(c, p, ctx) : tasksMethod(c.core, ctx).cancel(p, ctx)), legacy: true, modern: true }],
  ['tasks/result', { handler: (c, p, ctx) => legacyTasks(c.core).result(c, p, ctx), legacy: true, modern: false }],
  ['tasks/list', { handler: (c, p, ctx) => legacyTasks(c.core).list(c, p, ctx), legacy: true, modern: false }],
]);
