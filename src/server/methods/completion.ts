/**
 * @internal `completion/complete` for prompt arguments and resource-template variables
 * (MCP `server/utilities/completion.mdx`).
 */
import { ErrorCode } from '../../jsonrpc/codes.js';
import { McpError } from '../../jsonrpc/errors.js';
import type { JsonObject } from '../../jsonrpc/message.js';
import type { CompleteResult } from '../../protocol/types.js';
import type { ServerCore } from '../core.js';
import type { Completer } from '../options.js';
import { echo } from '../limits.js';
import { isObject, isPromise } from './shared.js';

/** Most values one completion result may carry (spec). */
export const MAX_COMPLETION_VALUES = 100;

function finish(values: string[]): CompleteResult {
  if (!Array.isArray(values)) throw new McpError(ErrorCode.InternalError, 'A completer returned a non-array');
  const total = values.length;
  return { completion: { values: values.slice(0, MAX_COMPLETION_VALUES), total, hasMore: total > MAX_COMPLETION_VALUES } };
}

/** The completer registered for a client-chosen argument name: own properties only (`constructor` is not one). */
function ownCompleter(table: Record<string, Completer> | undefined, name: string): Completer | undefined {
  if (!table || !Object.hasOwn(table, name)) return undefined;
  const c = table[name];
  return typeof c === 'function' ? c : undefined;
}

/** `completion/complete`. Unknown references are -32602; a known one without a completer yields no values. */
export function complete(core: ServerCore, params: JsonObject | undefined): CompleteResult | Promise<CompleteResult> {
  const ref = params?.ref;
  const argument = params?.argument;
  if (!isObject(ref) || typeof ref.type !== 'string') throw new McpError(ErrorCode.InvalidParams, 'Invalid params: completion/complete needs a "ref" object');
  if (!isObject(argument) || typeof argument.name !== 'string' || typeof argument.value !== 'string') {
    throw new McpError(ErrorCode.InvalidParams, 'Invalid params: completion/complete needs "argument" with string "name" and "value"');
  }
  const context = isObject(params?.context) && isObject(params.context.arguments) ? (params.context.arguments as Record<string, string>) : {};
  let completer: Completer | undefined;
  if (ref.type === 'ref/prompt') {
    const prompt = typeof ref.name === 'string' ? core.prompts.get(ref.name) : undefined;
    if (!prompt || !prompt.enabled) throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${echo(String(ref.name))}`);
    completer = ownCompleter(prompt.complete, argument.name);
  } else if (ref.type === 'ref/resource') {
    let found = false;
    for (const t of core.templates.values()) {
      if (t.enabled && t.definition.uriTemplate === ref.uri) {
        found = true;
        completer = ownCompleter(t.complete, argument.name);
        break;
      }
    }
    if (!found) throw new McpError(ErrorCode.InvalidParams, `Unknown resource template: ${echo(String(ref.uri))}`);
  } else {
    throw new McpError(ErrorCode.InvalidParams, `Invalid params: unknown reference type ${echo(ref.type)}`);
  }
  if (!completer) return { completion: { values: [], total: 0, hasMore: false } };
  const values = completer(argument.value, { arguments: context });
  return isPromise<string[]>(values) ? values.then(finish) : finish(values);
}
