/**
 * @internal `prompts/list` and `prompts/get` (MCP `server/prompts.mdx`).
 */
import { ErrorCode } from '../../jsonrpc/codes.js';
import { McpError } from '../../jsonrpc/errors.js';
import type { JsonObject } from '../../jsonrpc/message.js';
import type { GetPromptResult } from '../../protocol/types.js';
import type { ServerRequestContext } from '../context.js';
import type { ServerCore } from '../core.js';
import { echo } from '../limits.js';
import type { InputRequiredResult } from '../input.js';
import { isObject, listPage, requiredString, type Serialized } from './shared.js';

/** `prompts/list`: a cached, pre-serialised page. */
export function listPrompts(core: ServerCore, params: JsonObject | undefined, ctx: ServerRequestContext): Serialized {
  return listPage(core, core.prompts, params, ctx, 'prompts/list', 'prompts');
}

/** `prompts/get`: arguments must be strings; required ones must be present (-32602 otherwise). */
export function getPrompt(core: ServerCore, params: JsonObject | undefined, ctx: ServerRequestContext): GetPromptResult | InputRequiredResult | Promise<GetPromptResult | InputRequiredResult> {
  const name = requiredString(params, 'name', 'prompts/get');
  const prompt = core.prompts.get(name);
  if (!prompt || !prompt.enabled) throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${echo(name)}`, { name: echo(name) });
  const raw = params?.arguments ?? {};
  if (!isObject(raw)) throw new McpError(ErrorCode.InvalidParams, 'Invalid params: "arguments" must be an object of strings');
  const args: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw new McpError(ErrorCode.InvalidParams, `Invalid params: prompt argument "${echo(k)}" must be a string`);
    args[k] = v;
  }
  for (const r of prompt.required) {
    if (args[r] === undefined) throw new McpError(ErrorCode.InvalidParams, `Invalid params: prompt ${name} needs the argument "${r}"`);
  }
  return prompt.handler(args, ctx);
}
