/**
 * @internal The state behind {@link McpServer}: registries, compiled schemas, capabilities, cache hints,
 * the requestState codec, and notification fan-out to legacy sessions and modern listen subscriptions.
 */
import type { JsonRpcId } from '../jsonrpc/message.js';
import { serializeNotification } from '../jsonrpc/message.js';
import { fanoutClock, publishFanout } from '../observability/channels.js';
import { MetaKey } from '../protocol/meta.js';
import type {
  CacheHint,
  Implementation,
  Prompt,
  Resource,
  ResourceTemplate,
  ServerCapabilities,
  Tool,
} from '../protocol/types.js';
import type { CompiledSchema, SchemaCompiler } from '../validation/index.js';
import type {
  CacheableMethod,
  Completer,
  McpServerOptions,
  PromptHandler,
  ResourceReader,
  ResourceTemplateConfig,
  TemplateResourceReader,
  ToolHandler,
} from './options.js';
import { Registry } from './registry.js';
import { RequestStateCodec } from './request-state.js';
import { TaskManager, TASKS_EXTENSION, type ToolTaskSpec } from './tasks/manager.js';
import type { TaskStore } from './tasks/store.js';
import { resolveLimits, type ResolvedLimits } from './limits.js';
import { AdmissionController } from '../exec/admission.js';
import { FanOut } from '../exec/fanout.js';

/** @internal */
export interface ToolEntry {
  name: string;
  definition: Tool;
  input: CompiledSchema;
  output: CompiledSchema | undefined;
  handler: ToolHandler<any>;
  enabled: boolean;
  /** Task settings when `execution.taskSupport` is optional or required; undefined otherwise (the hot path). */
  task: ToolTaskSpec | undefined;
}
/** @internal */
export interface ResourceEntry {
  name: string;
  definition: Resource;
  read: ResourceReader;
  cacheHint: CacheHint | undefined;
  enabled: boolean;
}
/** @internal */
export interface TemplateEntry {
  name: string;
  definition: ResourceTemplate;
  match: (uri: string) => Record<string, string | string[]> | undefined;
  read: TemplateResourceReader;
  complete: Record<string, Completer> | undefined;
  list: ResourceTemplateConfig['list'];
  cacheHint: CacheHint | undefined;
  enabled: boolean;
}
/** @internal */
export interface PromptEntry {
  name: string;
  definition: Prompt;
  handler: PromptHandler;
  complete: Record<string, Completer> | undefined;
  required: string[];
  enabled: boolean;
}

/**
 * A source of tools that are not registered yet (lazy tool categories, `velomcp/orchestration`): the list and
 * call paths ask it before they answer. Both hooks are optional; returning `undefined` from `beforeList`
 * means nothing to do (the list is served synchronously from its cache).
 */
export interface ToolProvider {
  /** Called before `tools/list` is served; a promise delays the list until it settles (a rejection fails the request). */
  beforeList?(): void | Promise<void>;
  /** Called when `tools/call` names an unknown tool; resolve true once the tool is registered. */
  resolve?(name: string): boolean | Promise<boolean>;
}

/** @internal A modern `subscriptions/listen` stream. */
export interface ListenSubscription {
  readonly id: JsonRpcId;
  /** JSON text of the id, for splicing into notifications. */
  readonly idJson: string;
  send(message: string): void;
}

/** @internal A legacy session that receives server notifications. */
export interface LegacyListener {
  send(message: string): void;
}

type ListKind = 'tools' | 'prompts' | 'resources';

/** A server-wide change forwarded between cluster nodes. */
export type ServerRelayEvent = { readonly type: 'listChanged'; readonly kind: ListKind } | { readonly type: 'resourceUpdated'; readonly uri: string };

const DEFAULT_HINT: CacheHint = { ttlMs: 60_000, cacheScope: 'public' };

const LIST_CHANGED: Record<ListKind, string> = {
  tools: 'notifications/tools/list_changed',
  prompts: 'notifications/prompts/list_changed',
  resources: 'notifications/resources/list_changed',
};

/** @internal */
export class ServerCore {
  readonly serverInfo: Implementation;
  readonly options: McpServerOptions;
  readonly tools = new Registry<ToolEntry>();
  readonly resources = new Registry<ResourceEntry>();
  readonly templates = new Registry<TemplateEntry>();
  readonly prompts = new Registry<PromptEntry>();
  readonly codec: RequestStateCodec;
  readonly pageSize: number;
  readonly maxInputRounds: number;
  /** Per-session bounds on client data (`options.limits`). */
  readonly limits: ResolvedLimits;
  readonly schemaCompiler: SchemaCompiler | undefined;
  /** `"_meta":{…serverInfo…}` member text for modern results. */
  readonly serverInfoMeta: { [key: string]: unknown };
  readonly serverInfoMetaJson: string;
  /** Batched delivery of server notifications to many subscribers. */
  readonly fanOut: FanOut;
  /** Admission control of tools/call, when configured. */
  readonly admission: AdmissionController | undefined;

  /** Connections with an initialized legacy session. */
  readonly legacyListeners = new Set<LegacyListener>();
  /** Legacy `resources/subscribe`: uri → sessions. */
  readonly legacyResourceSubs = new Map<string, Set<LegacyListener>>();
  /** Modern listen subscriptions per notification kind. */
  readonly listen: Record<ListKind, Set<ListenSubscription>> = { tools: new Set(), prompts: new Set(), resources: new Set() };
  /** Modern listen subscriptions per resource uri. */
  readonly listenResourceSubs = new Map<string, Set<ListenSubscription>>();
  /** Components that end listen subscriptions gracefully on close. */
  readonly closers = new Set<() => void>();
  /** Forwards explicit notifications to other cluster nodes (see `McpServer.setRelay`). */
  relay: ((event: ServerRelayEvent) => void) | undefined;
  /** Sources of lazily registered tools (see {@link ToolProvider}). */
  readonly toolProviders: ToolProvider[] = [];

  /** Serialised `server/discover` result; cleared on every change. */
  discoverJson: string | undefined;
  #capabilities: ServerCapabilities | undefined;
  #modernCapabilities: ServerCapabilities | undefined;
  #tasks: TaskManager | undefined;
  #pendingListChanged = new Set<ListKind>();
  #flushScheduled = false;

  constructor(serverInfo: Implementation, options: McpServerOptions) {
    this.serverInfo = serverInfo;
    this.options = options;
    this.codec = new RequestStateCodec(options.requestState);
    this.pageSize = options.pageSize ?? 0;
    this.maxInputRounds = options.maxInputRounds ?? 8;
    this.limits = resolveLimits(options.limits);
    this.schemaCompiler = options.schemaCompiler;
    this.serverInfoMeta = { [MetaKey.serverInfo]: serverInfo };
    this.serverInfoMetaJson = JSON.stringify(this.serverInfoMeta);
    this.fanOut = new FanOut(options.fanOutBatchSize ?? 256);
    const adm = options.admission;
    this.admission = adm === undefined ? undefined : adm instanceof AdmissionController ? adm : new AdmissionController(adm);
    this.tools.onChange = () => this.#changed('tools');
    this.prompts.onChange = () => this.#changed('prompts');
    this.resources.onChange = () => this.#changed('resources');
    this.templates.onChange = () => this.#changed('resources');
  }

  /** Capabilities derived from what is registered, merged with `options.capabilities`. */
  get capabilities(): ServerCapabilities {
    if (this.#capabilities) return this.#capabilities;
    const caps: ServerCapabilities = { logging: {} };
    if (this.tools.size > 0 || this.toolProviders.length > 0) caps.tools = { listChanged: true };
    if (this.prompts.size > 0) caps.prompts = { listChanged: true };
    if (this.resources.size > 0 || this.templates.size > 0) caps.resources = { subscribe: true, listChanged: true };
    if (this.#hasCompleters()) caps.completions = {};
    const extra = this.options.capabilities;
    if (extra) for (const [k, v] of Object.entries(extra)) caps[k] = typeof v === 'object' && v !== null ? { ...(caps[k] as object | undefined), ...v } : v;
    this.#capabilities = caps;
    return caps;
  }

  /**
   * Capabilities for `server/discover` (modern era): {@link capabilities} plus
   * `extensions["io.modelcontextprotocol/tasks"]` when tasks are offered.
   */
  get modernCapabilities(): ServerCapabilities {
    if (this.#modernCapabilities) return this.#modernCapabilities;
    const caps = this.capabilities;
    this.#modernCapabilities = this.tasksOffered ? { ...caps, extensions: { ...caps.extensions, [TASKS_EXTENSION]: {} } } : caps;
    return this.#modernCapabilities;
  }

  /** True when tasks are configured (`options.tasks`) or some tool may run as a task. */
  get tasksOffered(): boolean {
    if (this.options.tasks !== undefined) return true;
    for (const t of this.tools.values()) if (t.task && t.enabled) return true;
    return false;
  }

  /** The tasks runtime, created on first use. */
  get tasks(): TaskManager {
    return (this.#tasks ??= new TaskManager(this.sharedTaskStore ? { ...this.options.tasks, store: this.sharedTaskStore } : (this.options.tasks ?? {}), this.maxInputRounds));
  }

  /** A task store set after construction (a cluster's); false once the tasks runtime started without it. */
  sharedTaskStore: TaskStore | undefined;

  /** True once the tasks runtime exists (its store can no longer change). */
  get tasksStarted(): boolean {
    return this.#tasks !== undefined;
  }

  /** The cache hint of a cacheable method (modern era). */
  cacheHint(method: CacheableMethod): CacheHint {
    return this.options.cacheHints?.[method] ?? DEFAULT_HINT;
  }

  /** Sends `notifications/resources/updated` to every legacy session and listen stream subscribed to `uri`. */
  resourceUpdated(uri: string): void {
    const t0 = fanoutClock();
    const legacy = this.legacyResourceSubs.get(uri);
    if (legacy && legacy.size > 0) {
      const msg = serializeNotification('notifications/resources/updated', { uri });
      this.fanOut.send(legacy, (l) => l.send(msg));
    }
    const modern = this.listenResourceSubs.get(uri);
    if (modern && modern.size > 0) {
      const head = `{"jsonrpc":"2.0","method":"notifications/resources/updated","params":{"uri":${JSON.stringify(uri)},"_meta":{"${MetaKey.subscriptionId}":`;
      this.fanOut.send(modern, (s) => s.send(`${head}${s.idJson}}}}`));
    }
    if (t0 && (legacy?.size || modern?.size)) publishFanout('notifications/resources/updated', (legacy?.size ?? 0) + (modern?.size ?? 0), t0);
  }

  /** Sends list_changed for `kind` now to every listener (bypassing coalescing). */
  emitListChanged(kind: ListKind): void {
    const method = LIST_CHANGED[kind];
    const t0 = fanoutClock();
    if (this.legacyListeners.size > 0) {
      const msg = serializeNotification(method);
      this.fanOut.send(this.legacyListeners, (l) => l.send(msg));
    }
    const subs = this.listen[kind];
    if (subs.size > 0) {
      const head = `{"jsonrpc":"2.0","method":"${method}","params":{"_meta":{"${MetaKey.subscriptionId}":`;
      this.fanOut.send(subs, (s) => s.send(`${head}${s.idJson}}}}`));
    }
    if (t0 && this.legacyListeners.size + subs.size > 0) publishFanout(method, this.legacyListeners.size + subs.size, t0);
  }

  /** Forgets derived capabilities (after a tool provider was added or removed). */
  capabilitiesChanged(): void {
    this.#capabilities = undefined;
    this.#modernCapabilities = undefined;
    this.discoverJson = undefined;
  }

  #hasCompleters(): boolean {
    for (const p of this.prompts.values()) if (p.complete) return true;
    for (const t of this.templates.values()) if (t.complete) return true;
    return false;
  }

  #changed(kind: ListKind): void {
    this.#capabilities = undefined;
    this.#modernCapabilities = undefined;
    this.discoverJson = undefined;
    // Coalesce: many registrations in one tick produce one notification per kind.
    this.#pendingListChanged.add(kind);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      const kinds = [...this.#pendingListChanged];
      this.#pendingListChanged.clear();
      for (const k of kinds) {
        this.emitListChanged(k);
        // Registration changes reach the listen streams and sessions of the other nodes of a cluster too.
        this.relay?.({ type: 'listChanged', kind: k });
      }
    });
  }
}
