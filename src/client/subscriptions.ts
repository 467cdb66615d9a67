/**
 * Subscriptions of {@link McpClient} (2026-07-28 `basic/patterns/subscriptions.mdx`, emulated in the legacy
 * era with `resources/subscribe` and list_changed notifications), and the routing of server notifications:
 * cache invalidation on list/resource changes and delivery to subscriptions (modern: by subscription id;
 * legacy: by filter).
 */
import { VeloError } from '../jsonrpc/errors.js';
import type { JsonObject, JsonRpcId, JsonRpcNotification } from '../jsonrpc/message.js';
import { MetaKey } from '../protocol/meta.js';
import type { ServerCapabilities } from '../protocol/types.js';
import type { ProtocolEra } from '../protocol/versions.js';
import type { ResponseCache } from './cache.js';
import type { CallOptions, ListenFilter, McpSubscription, ServerNotification } from './options.js';

/** Longest delay `setTimeout` takes: a listen request has no timeout of its own. */
const MAX_TIMER_MS = 2_147_483_647;

/** One live subscription: the request ids it was sent with (one per re-issue), its filter and callbacks. */
export interface SubscriptionState {
  ids: Set<JsonRpcId>;
  filter: ListenFilter;
  onNotification: (n: ServerNotification) => void;
  /** Set until the server's `notifications/subscriptions/acknowledged` arrives. */
  ack: ((f: ListenFilter) => void) | undefined;
}

/** Forgets cached results a notification makes stale (`server/utilities/caching.mdx`). */
export function invalidateCacheFor(cache: ResponseCache, n: JsonRpcNotification): void {
  const params = n.params;
  switch (n.method) {
    case 'notifications/tools/list_changed':
      cache.invalidate(['tools/list']);
      break;
    case 'notifications/prompts/list_changed':
      cache.invalidate(['prompts/list']);
      break;
    case 'notifications/resources/list_changed':
      cache.invalidate(['resources/list', 'resources/templates/list']);
      break;
    case 'notifications/resources/updated':
      if (typeof params?.uri === 'string') cache.invalidate(['resources/read'], params.uri);
      break;
  }
}

/** True when a legacy-era notification matches what a subscription asked for. */
export function wantsNotification(f: ListenFilter, n: JsonRpcNotification): boolean {
  switch (n.method) {
    case 'notifications/tools/list_changed':
      return f.toolsListChanged === true;
    case 'notifications/prompts/list_changed':
      return f.promptsListChanged === true;
    case 'notifications/resources/list_changed':
      return f.resourcesListChanged === true;
    case 'notifications/resources/updated':
      return (f.resourceSubscriptions ?? []).includes(n.params?.uri as string);
    default:
      return false;
  }
}

/**
 * Delivers a notification to the subscriptions it belongs to: the one named by `_meta` subscriptionId
 * (acknowledgements resolve its `ack`), or in the legacy era every subscription whose filter wants it.
 */
export function routeToSubscriptions(subscriptions: Iterable<SubscriptionState>, era: ProtocolEra | undefined, n: JsonRpcNotification): ServerNotification {
  const params = n.params;
  const notification: ServerNotification = { method: n.method, params };
  const subId = (params?._meta as JsonObject | undefined)?.[MetaKey.subscriptionId] as JsonRpcId | undefined;
  for (const sub of subscriptions) {
    if (subId !== undefined) {
      if (!sub.ids.has(subId)) continue;
      if (n.method === 'notifications/subscriptions/acknowledged') {
        const ack = sub.ack;
        sub.ack = undefined;
        ack?.(((params?.notifications as ListenFilter | undefined) ?? {}) as ListenFilter);
        continue;
      }
      sub.onNotification(notification);
    } else if (era === 'legacy' && wantsNotification(sub.filter, n)) {
      sub.onNotification(notification);
    }
  }
  return notification;
}

/** What {@link openSubscription} needs from the client. */
export interface SubscriptionHost {
  era: ProtocolEra | undefined;
  serverCapabilities: ServerCapabilities;
  /** The client's live subscriptions (notifications are routed through this set). */
  subscriptions: Set<SubscriptionState>;
  /** Default wait for the acknowledgement, in milliseconds. */
  requestTimeoutMs: number;
  request(method: string, params: JsonObject | undefined, options?: CallOptions): Promise<JsonObject>;
  /** Sends `subscriptions/listen`, re-issued after drops for as long as the client is open; `onId` sees each id. */
  listen(params: JsonObject, options: CallOptions, onId: (id: JsonRpcId) => void): Promise<JsonObject>;
}

/**
 * Opens a subscription and resolves once the server acknowledged it (see `McpClient.listen`).
 * @throws McpError (refused), VeloError `VELO_REQUEST_TIMEOUT` (no acknowledgement) or `VELO_PROTOCOL_ERROR`.
 */
export async function openSubscription(host: SubscriptionHost, filter: ListenFilter, handlers: { onNotification?: (n: ServerNotification) => void }, options: Pick<CallOptions, 'timeoutMs' | 'signal'>): Promise<McpSubscription> {
  const state: SubscriptionState = { ids: new Set(), filter, onNotification: handlers.onNotification ?? (() => {}), ack: undefined };
  const abort = new AbortController();
  const close = (): void => {
    abort.abort();
    host.subscriptions.delete(state);
  };
  options.signal?.addEventListener('abort', close, { once: true });
  if (host.era !== 'modern') {
    const caps = host.serverCapabilities;
    for (const uri of filter.resourceSubscriptions ?? []) await host.request('resources/subscribe', { uri }, options);
    host.subscriptions.add(state);
    const acknowledged: ListenFilter = {};
    if (filter.toolsListChanged && caps.tools?.listChanged) acknowledged.toolsListChanged = true;
    if (filter.promptsListChanged && caps.prompts?.listChanged) acknowledged.promptsListChanged = true;
    if (filter.resourcesListChanged && caps.resources?.listChanged) acknowledged.resourcesListChanged = true;
    if (filter.resourceSubscriptions?.length) acknowledged.resourceSubscriptions = [...filter.resourceSubscriptions];
    const ended = new Promise<void>((resolve) => abort.signal.addEventListener('abort', () => resolve(), { once: true }));
    return {
      acknowledged,
      ended,
      close: () => {
        if (abort.signal.aborted) return;
        close();
        for (const uri of filter.resourceSubscriptions ?? []) void host.request('resources/unsubscribe', { uri }).catch(() => {});
      },
    };
  }
  const acked = new Promise<ListenFilter>((resolve) => (state.ack = resolve));
  host.subscriptions.add(state);
  const running = host.listen({ notifications: filter as JsonObject }, { signal: abort.signal, timeoutMs: MAX_TIMER_MS }, (id) => state.ids.add(id));
  const ended = running.then(
    () => undefined,
    () => undefined,
  );
  void ended.then(() => host.subscriptions.delete(state));
  let timer: NodeJS.Timeout | undefined;
  const timeoutMs = options.timeoutMs ?? host.requestTimeoutMs;
  try {
    const acknowledged = await Promise.race([
      acked,
      running.then(() => {
        throw new VeloError('VELO_PROTOCOL_ERROR', 'The listen request ended before it was acknowledged');
      }),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new VeloError('VELO_REQUEST_TIMEOUT', `No acknowledgement of subscriptions/listen within ${timeoutMs} ms`)), timeoutMs))),
    ]);
    return { acknowledged, ended, close };
  } catch (err) {
    close();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
