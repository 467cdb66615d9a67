/**
 * {@link McpServer}: the one object users build, register tools, resources and prompts on, and connect to any
 * number of transports. It is built once and serves any number of sessions and stateless requests at once.
 */
import uriTemplates from 'uri-templates';
import { VeloError } from '../jsonrpc/errors.js';
import type { JsonObject } from '../jsonrpc/message.js';
import type { Implementation, Prompt, Resource, ResourceTemplate, ServerCapabilities, Tool } from '../protocol/types.js';
import { compileSchema, type JsonSchema } from '../validation/index.js';
import { ServerConnection, type ConnectionOptions, type ConnectionSink } from './connection.js';
import { ServerCore, type ServerRelayEvent, type ToolProvider, type PromptEntry, type ResourceEntry, type TemplateEntry, type ToolEntry } from './core.js';
export type { ServerRelayEvent } from './core.js';
import type { TaskManager, ToolTaskSpec } from './tasks/manager.js';
import type { TaskStore } from './tasks/store.js';
import type {
  InferArgs,
  McpServerOptions,
  PromptConfig,
  PromptHandler,
  Registration,
  ResourceConfig,
  ResourceReader,
  ResourceTemplateConfig,
  SchemaInput,
  TemplateResourceReader,
  ToolConfig,
  ToolHandler,
} from './options.js';
import type { Registry } from './registry.js';
import type { AdmissionController } from '../exec/admission.js';
import type { FanOutStats } from '../exec/fanout.js';

/** Tool names: 1–128 characters of `[A-Za-z0-9_.-]` (2025-11-25, SEP-986). */
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

const DEFAULT_INPUT_SCHEMA: JsonSchema = Object.freeze({ type: 'object' }) as JsonSchema;

function registration<T extends { enabled: boolean }>(registry: Registry<T>, key: string, name: string, entry: T): Registration {
  return {
    name,
    remove: () => {
      if (registry.get(key) === entry) registry.delete(key);
    },
    disable: () => {
      if (entry.enabled) {
        entry.enabled = false;
        registry.touch();
      }
    },
    enable: () => {
      if (!entry.enabled) {
        entry.enabled = true;
        registry.touch();
      }
    },
    get enabled() {
      return entry.enabled;
    },
  };
}

function assign<T extends object>(target: T, source: object, keys: readonly string[]): T {
  for (const k of keys) {
    const v = (source as Record<string, unknown>)[k];
    if (v !== undefined) (target as Record<string, unknown>)[k] = v;
  }
  return target;
}

function positiveInt(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

/** Resolves a tool's task settings (tasks extension); undefined for tools that never run as tasks. */
function toolTaskSpec(name: string, config: ToolConfig<SchemaInput>): ToolTaskSpec | undefined {
  const support = config.execution?.taskSupport;
  if (support !== undefined && support !== 'forbidden' && support !== 'optional' && support !== 'required') {
    throw new VeloError('VELO_INVALID_REGISTRATION', `Tool ${name}: execution.taskSupport must be forbidden, optional or required`);
  }
  const t = config.task ?? {};
  if (t.ttlMs !== undefined && t.ttlMs !== null && !positiveInt(t.ttlMs)) throw new VeloError('VELO_INVALID_REGISTRATION', `Tool ${name}: task.ttlMs must be a positive integer or null`);
  if (t.pollIntervalMs !== undefined && !positiveInt(t.pollIntervalMs)) throw new VeloError('VELO_INVALID_REGISTRATION', `Tool ${name}: task.pollIntervalMs must be a positive integer`);
  if (t.start !== undefined && t.start !== 'call' && t.start !== 'handler') throw new VeloError('VELO_INVALID_REGISTRATION', `Tool ${name}: task.start must be 'call' or 'handler'`);
  if (support !== 'optional' && support !== 'required') return undefined;
  return { support, ttlMs: t.ttlMs, pollIntervalMs: t.pollIntervalMs, onDemand: t.start === 'handler' };
}

/**
 * An MCP server serving both protocol eras (MCP 2025-11-25 and 2026-07-28).
 *
 * @example
 * ```ts
 * const server = new McpServer({ name: 'demo', version: '1.0.0' });
 * server.registerTool('add', { inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] } },
 *   ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));
 * await serveStdio(server);
 * ```
 */
export class McpServer {
  readonly #core: ServerCore;

  /**
   * @param serverInfo - Name and version (the `Implementation` sent in `initialize` and result `_meta`).
   * @param options - See {@link McpServerOptions}.
   * @throws VeloError `VELO_INVALID_CONFIG` for a bad requestState key.
   */
  constructor(serverInfo: Implementation, options: McpServerOptions = {}) {
    if (!serverInfo || typeof serverInfo.name !== 'string' || typeof serverInfo.version !== 'string') {
      throw new VeloError('VELO_INVALID_CONFIG', 'McpServer needs serverInfo {name, version}');
    }
    this.#core = new ServerCore(serverInfo, options);
  }

  /** The server's Implementation. */
  get serverInfo(): Implementation {
    return this.#core.serverInfo;
  }

  /** Admission control of `tools/call` (`options.admission`), for its stats; undefined when not configured. */
  get admission(): AdmissionController | undefined {
    return this.#core.admission;
  }

  /** Counters of batched notification fan-out (see `fanOutBatchSize`), for metrics. */
  fanOutStats(): FanOutStats {
    return this.#core.fanOut.stats();
  }

  /** Capabilities advertised now: derived from what is registered, merged with `options.capabilities`. */
  get capabilities(): ServerCapabilities {
    return this.#core.capabilities;
  }

  /**
   * The definition of an enabled tool as `tools/list` shows it, or undefined. O(1). Transports use it to
   * check `x-mcp-header` arguments against `Mcp-Param-*` headers (2026-07-28, SEP-2243).
   */
  toolDefinition(name: string): Readonly<Tool> | undefined {
    const entry = this.#core.tools.get(name);
    return entry?.enabled ? entry.definition : undefined;
  }

  /**
   * Registers a tool (MCP `server/tools.mdx`). The input schema is compiled once, here; `tools/list` returns
   * raw JSON Schemas verbatim. O(1).
   * @throws VeloError `VELO_INVALID_REGISTRATION` (bad name), `VELO_DUPLICATE_REGISTRATION`, `VELO_INVALID_SCHEMA`.
   */
  registerTool<S extends SchemaInput = JsonSchema>(name: string, config: ToolConfig<S>, handler: ToolHandler<InferArgs<S>>): Registration {
    if (typeof name !== 'string' || !TOOL_NAME.test(name)) {
      throw new VeloError('VELO_INVALID_REGISTRATION', `Invalid tool name ${JSON.stringify(name)}: use 1-128 characters of A-Z a-z 0-9 _ . -`);
    }
    if (this.#core.tools.has(name)) throw new VeloError('VELO_DUPLICATE_REGISTRATION', `A tool named ${name} is already registered`);
    if (typeof handler !== 'function') throw new VeloError('VELO_INVALID_REGISTRATION', `Tool ${name} needs a handler function`);
    const compiler = this.#core.schemaCompiler;
    const input = compileSchema((config.inputSchema ?? DEFAULT_INPUT_SCHEMA) as JsonSchema, { label: 'arguments', ...(compiler && { compiler }), ...(config.inputJsonSchema && { jsonSchema: config.inputJsonSchema }) });
    const output = config.outputSchema
      ? compileSchema(config.outputSchema as JsonSchema, { label: 'structuredContent', io: 'output', ...(compiler && { compiler }), ...(config.outputJsonSchema && { jsonSchema: config.outputJsonSchema }) })
      : undefined;
    const definition = assign({ name } as Tool, config, ['title', 'description']);
    definition.inputSchema = input.jsonSchema as JsonObject;
    if (output) definition.outputSchema = output.jsonSchema as JsonObject;
    assign(definition, config, ['annotations', 'icons', 'execution', '_meta']);
    const task = toolTaskSpec(name, config);
    const entry: ToolEntry = { name, definition, input, output, handler: handler as ToolHandler<any>, enabled: true, task };
    this.#core.tools.set(name, entry);
    return registration(this.#core.tools, name, name, entry);
  }

  /**
   * Registers a static resource at a fixed URI (MCP `server/resources.mdx`). O(1).
   * @throws VeloError `VELO_DUPLICATE_REGISTRATION` when the URI is taken.
   */
  registerResource(name: string, uri: string, config: ResourceConfig, read: ResourceReader): Registration {
    if (typeof uri !== 'string' || uri === '') throw new VeloError('VELO_INVALID_REGISTRATION', `Resource ${name} needs a URI`);
    if (this.#core.resources.has(uri)) throw new VeloError('VELO_DUPLICATE_REGISTRATION', `A resource with URI ${uri} is already registered`);
    const definition = assign({ uri, name } as Resource, config, ['title', 'description', 'mimeType', 'size', 'annotations', 'icons', '_meta']);
    const entry: ResourceEntry = { name, definition, read, cacheHint: config.cacheHint, enabled: true };
    this.#core.resources.set(uri, entry);
    return registration(this.#core.resources, uri, name, entry);
  }

  /**
   * Registers a resource template (RFC 6570 `uriTemplate`). Reads of matching URIs go to `read` with the
   * template's variables.
   * @throws VeloError `VELO_DUPLICATE_REGISTRATION`, `VELO_INVALID_REGISTRATION` (unparsable template).
   */
  registerResourceTemplate(name: string, uriTemplate: string, config: ResourceTemplateConfig, read: TemplateResourceReader): Registration {
    if (this.#core.templates.has(name)) throw new VeloError('VELO_DUPLICATE_REGISTRATION', `A resource template named ${name} is already registered`);
    let matcher: { fromUri(uri: string): Record<string, string | string[]> | undefined };
    try {
      matcher = uriTemplates(uriTemplate) as typeof matcher;
    } catch (err) {
      throw new VeloError('VELO_INVALID_REGISTRATION', `Invalid URI template ${uriTemplate}: ${(err as Error).message}`);
    }
    const definition = assign({ uriTemplate, name } as ResourceTemplate, config, ['title', 'description', 'mimeType', 'annotations', 'icons', '_meta']);
    const entry: TemplateEntry = {
      name,
      definition,
      match: (uri) => matcher.fromUri(uri) ?? undefined,
      read,
      complete: config.complete,
      list: config.list,
      cacheHint: config.cacheHint,
      enabled: true,
    };
    this.#core.templates.set(name, entry);
    return registration(this.#core.templates, name, name, entry);
  }

  /**
   * Registers a prompt (MCP `server/prompts.mdx`). O(1).
   * @throws VeloError `VELO_DUPLICATE_REGISTRATION`.
   */
  registerPrompt(name: string, config: PromptConfig, handler: PromptHandler): Registration {
    if (typeof name !== 'string' || name === '') throw new VeloError('VELO_INVALID_REGISTRATION', 'A prompt needs a name');
    if (this.#core.prompts.has(name)) throw new VeloError('VELO_DUPLICATE_REGISTRATION', `A prompt named ${name} is already registered`);
    const definition = assign({ name } as Prompt, config, ['title', 'description', 'arguments', 'icons', '_meta']);
    const required = (config.arguments ?? []).filter((a) => a.required).map((a) => a.name);
    const entry: PromptEntry = { name, definition, handler, complete: config.complete, required, enabled: true };
    this.#core.prompts.set(name, entry);
    return registration(this.#core.prompts, name, name, entry);
  }

  /** Removes a tool by name; false when absent. O(1). */
  removeTool(name: string): boolean {
    return this.#core.tools.delete(name);
  }

  /** Removes a static resource by URI; false when absent. O(1). */
  removeResource(uri: string): boolean {
    return this.#core.resources.delete(uri);
  }

  /** Removes a resource template by name; false when absent. O(1). */
  removeResourceTemplate(name: string): boolean {
    return this.#core.templates.delete(name);
  }

  /** Removes a prompt by name; false when absent. O(1). */
  removePrompt(name: string): boolean {
    return this.#core.prompts.delete(name);
  }

  /**
   * Tells subscribers that the resource at `uri` changed: `notifications/resources/updated` to legacy
   * sessions that subscribed and to listen streams that asked for it.
   */
  notifyResourceUpdated(uri: string): void {
    this.#core.resourceUpdated(uri);
    this.#core.relay?.({ type: 'resourceUpdated', uri });
  }

  /** Sends list_changed for a list now (registration changes already send it, coalesced per tick). */
  notifyListChanged(kind: 'tools' | 'prompts' | 'resources'): void {
    this.#core.emitListChanged(kind);
    this.#core.relay?.({ type: 'listChanged', kind });
  }

  /**
   * @internal Sets who hears the explicit `notify*` calls besides this process's listeners (a cluster
   * node forwards them to the other nodes, which deliver them with {@link McpServer.deliverServerEvent}).
   */
  setRelay(relay: ((event: ServerRelayEvent) => void) | undefined): void {
    this.#core.relay = relay;
  }

  /**
   * Sets the HMAC key of MRTR `requestState` (at least 32 bytes), the same on every node of a cluster
   * (`velomcp serve --state-secret`, `VELOMCP_STATE_SECRET`).
   * @throws VeloError `VELO_INVALID_CONFIG` when it is shorter than 32 bytes.
   */
  setRequestStateKey(key: string | Uint8Array): void {
    this.#core.codec.setKey(key);
  }

  /**
   * Keeps task records in `store` (a cluster's shared store) instead of `options.tasks.store`.
   * @throws VeloError `VELO_INVALID_CONFIG` once a task was created (the store can no longer change).
   */
  setTaskStore(store: TaskStore): void {
    if (this.#core.tasksStarted) throw new VeloError('VELO_INVALID_CONFIG', 'the task store must be set before the first task is created');
    this.#core.sharedTaskStore = store;
  }

  /** @internal The tasks runtime (created on first use); a cluster routes task operations through it (src/cluster/tasks.ts). */
  get taskRuntime(): TaskManager {
    return this.#core.tasks;
  }

  /** True while `requestState` is signed with the random per-process key (no key was configured). */
  get requestStateKeyIsRandom(): boolean {
    return this.#core.codec.randomKey;
  }

  /** @internal Delivers a change made on another node to this process's listeners only. */
  deliverServerEvent(event: ServerRelayEvent): void {
    if (event.type === 'resourceUpdated') this.#core.resourceUpdated(event.uri);
    else this.#core.emitListChanged(event.kind);
  }

  /**
   * Adds a source of lazily registered tools: `tools/list` awaits its `beforeList`, and `tools/call` of an
   * unknown name asks its `resolve` before answering -32602. Used by `velomcp/orchestration` tool categories.
   * @returns A function that removes the provider.
   */
  addToolProvider(provider: ToolProvider): () => void {
    this.#core.toolProviders.push(provider);
    this.#core.capabilitiesChanged();
    return () => {
      const i = this.#core.toolProviders.indexOf(provider);
      if (i >= 0) this.#core.toolProviders.splice(i, 1);
      this.#core.capabilitiesChanged();
    };
  }

  /**
   * Attaches a transport connection. The transport feeds it inbound messages and closes it when the peer
   * goes away; `sink` receives every outbound message.
   */
  connect(sink: ConnectionSink, options?: ConnectionOptions): ServerConnection {
    return new ServerConnection(this.#core, sink, options);
  }

  /** Ends every listen subscription gracefully (with its result). Transports close their own connections. */
  close(): void {
    for (const end of [...this.#core.closers]) end();
  }
}
