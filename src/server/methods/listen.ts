/**
 * @internal `subscriptions/listen` (MCP 2026-07-28 `basic/patterns/subscriptions.mdx`): acknowledge first,
 * tag every notification with the listen request's id, end on cancellation or connection close, and end
 * gracefully with a result when the server closes.
 */
import { ErrorCode } from '../../jsonrpc/codes.js';
import { McpError } from '../../jsonrpc/errors.js';
import type { JsonObject } from '../../jsonrpc/message.js';
import { MetaKey } from '../../protocol/meta.js';
import type { ServerRequestContext } from '../context.js';
import type { ListenSubscription, ServerCore } from '../core.js';
import { isObject } from './shared.js';
import { hasTasksExtension, missingTasksExtension, TASKS_EXTENSION } from '../tasks/manager.js';

/** Opens a listen subscription; resolves only when the server ends it gracefully. */
export function listen(core: ServerCore, params: JsonObject | undefined, ctx: ServerRequestContext, send: (m: string) => void): Promise<JsonObject | undefined> {
  const wanted = params?.notifications;
  if (!isObject(wanted)) throw new McpError(ErrorCode.InvalidParams, 'Invalid params: subscriptions/listen needs a "notifications" object');
  const uris = wanted.resourceSubscriptions;
  if (uris !== undefined && (!Array.isArray(uris) || !uris.every((u) => typeof u === 'string'))) {
    throw new McpError(ErrorCode.InvalidParams, 'Invalid params: "resourceSubscriptions" must be an array of strings');
  }
  const taskIds = wanted.taskIds;
  if (taskIds !== undefined) {
    if (!Array.isArray(taskIds) || !taskIds.every((t) => typeof t === 'string')) throw new McpError(ErrorCode.InvalidParams, 'Invalid params: "taskIds" must be an array of strings');
    if (!hasTasksExtension(ctx.clientCapabilities)) throw missingTasksExtension('notifications/tasks');
  }
  const caps = core.capabilities;
  const honoured: JsonObject = {};
  const tasks = taskIds !== undefined && core.modernCapabilities.extensions?.[TASKS_EXTENSION] !== undefined ? [...new Set(taskIds as string[])] : undefined;
  if (tasks) honoured.taskIds = tasks;
  if (wanted.toolsListChanged === true && caps.tools) honoured.toolsListChanged = true;
  if (wanted.promptsListChanged === true && caps.prompts) honoured.promptsListChanged = true;
  if (wanted.resourcesListChanged === true && caps.resources) honoured.resourcesListChanged = true;
  const resourceUris = caps.resources?.subscribe && uris ? [...new Set(uris as string[])] : [];
  if (uris !== undefined && caps.resources?.subscribe) honoured.resourceSubscriptions = resourceUris;

  const id = ctx.requestId;
  const idJson = JSON.stringify(id);
  // A batched fan-out may reach a subscription after it ended; it must then send nothing.
  let live = true;
  const sub: ListenSubscription = { id, idJson, send: (m) => live && send(m) };
  // The acknowledgement is the first message carrying this subscription's id.
  send(`{"jsonrpc":"2.0","method":"notifications/subscriptions/acknowledged","params":{"notifications":${JSON.stringify(honoured)},"_meta":{"${MetaKey.subscriptionId}":${idJson}}}}`);
  if (honoured.toolsListChanged) core.listen.tools.add(sub);
  if (honoured.promptsListChanged) core.listen.prompts.add(sub);
  if (honoured.resourcesListChanged) core.listen.resources.add(sub);
  for (const uri of resourceUris) {
    let set = core.listenResourceSubs.get(uri);
    if (!set) core.listenResourceSubs.set(uri, (set = new Set()));
    set.add(sub);
  }
  const unsubscribeTasks = tasks && tasks.length > 0 ? core.tasks.subscribe(tasks, sub, ctx.principal) : undefined;
  const remove = (): void => {
    live = false;
    unsubscribeTasks?.();
    core.listen.tools.delete(sub);
    core.listen.prompts.delete(sub);
    core.listen.resources.delete(sub);
    for (const uri of resourceUris) {
      const set = core.listenResourceSubs.get(uri);
      set?.delete(sub);
      if (set?.size === 0) core.listenResourceSubs.delete(uri);
    }
  };
  return new Promise((resolve) => {
    const end = (): void => {
      remove();
      core.closers.delete(end);
      resolve({ _meta: { [MetaKey.subscriptionId]: id } });
    };
    core.closers.add(end);
    ctx.onCancel = () => {
      remove();
      core.closers.delete(end);
      resolve(undefined); // dropped: the request is cancelled
    };
  });
}
