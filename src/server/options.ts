/**
 * Options and registration shapes of {@link McpServer}.
 */
import type { JsonObject } from '../jsonrpc/message.js';
import type {
  CacheHint,
  CallToolResult,
  GetPromptResult,
  Icon,
  Meta,
  PromptArgument,
  ReadResourceResult,
  Resource,
  ServerCapabilities,
  ToolAnnotations,
  Annotations,
} from '../protocol/types.js';
import type { JsonSchema, SchemaCompiler, StandardSchemaV1 } from '../validation/index.js';
import type { RequestContext } from './context.js';
import type { InputRequiredResult } from './input.js';
import type { RequestStateOptions } from './request-state.js';
import type { TasksOptions, ToolTaskOptions } from './tasks/manager.js';
import type { ServerLimits } from './limits.js';
import type { AdmissionController, AdmissionOptions } from '../exec/admission.js';

/** Methods whose modern-era results carry cache hints (SEP-2549). */
export type CacheableMethod = 'server/discover' | 'tools/list' | 'prompts/list' | 'resources/list' | 'resources/templates/list' | 'resources/read';

/** Options of {@link McpServer}. */
export interface McpServerOptions {
  /** Instructions for the model, returned by `initialize` and `server/discover`. */
  instructions?: string;
  /** Extra capabilities, merged over the ones derived from what is registered. */
  capabilities?: ServerCapabilities;
  /** Entries per list page; 0 (default) returns every entry in one page. */
  pageSize?: number;
  /** Cache hints per cacheable method (modern era). Default `{ttlMs: 60000, cacheScope: 'public'}`. */
  cacheHints?: Partial<Record<CacheableMethod, CacheHint>>;
  /** Signing of MRTR `requestState` (share the key across nodes). */
  requestState?: RequestStateOptions;
  /** Most input rounds one request may take (legacy emulation of `inputRequired` results). Default 8. */
  maxInputRounds?: number;
  /** JSON Schema compiler used for tool and prompt schemas (default: ajv, 2020-12). */
  schemaCompiler?: SchemaCompiler;
  /** Timeout of server→client requests in milliseconds (legacy era). Default 60 000. */
  requestTimeoutMs?: number;
  /**
   * The tasks extension (`io.modelcontextprotocol/tasks`, modern era): store, TTL and polling interval.
   * Tasks are on as soon as a tool declares `execution.taskSupport` `optional` or `required`, or when this is set.
   */
  tasks?: TasksOptions;
  /** Bounds on what one client session may make the server keep (docs/limits.md). */
  limits?: ServerLimits;
  /**
   * Admission control of `tools/call` (velomcp/exec): concurrency limits per server, session and tool, a
   * bounded priority queue, rate limits and deadlines. Default: none (every call runs at once).
   * See docs/performance.md.
   */
  admission?: AdmissionOptions | AdmissionController;
  /**
   * Receivers per event-loop turn when a notification (resources/updated, list_changed) goes to many
   * subscribers; fan-outs up to this size are delivered at once. Default 256.
   */
  fanOutBatchSize?: number;
}

/** A value or a promise of it. */
export type MaybePromise<T> = T | Promise<T>;

/** A schema given as raw JSON Schema (advertised verbatim) or as a Standard Schema (e.g. zod 4). */
export type SchemaInput = JsonSchema | StandardSchemaV1;

/** The validated arguments type of a schema: the output type of a Standard Schema; `any` for raw JSON Schema (annotate the handler yourself). */
export type InferArgs<S> = S extends StandardSchemaV1<unknown, infer O> ? O : any;

/** Configuration of a tool (MCP `server/tools.mdx`, `Tool`). */
export interface ToolConfig<S extends SchemaInput = JsonSchema> {
  title?: string;
  description?: string;
  /** Input schema; default `{"type":"object"}`. Raw JSON Schema is returned by `tools/list` byte for byte. */
  inputSchema?: S;
  /** JSON Schema to advertise when `inputSchema` is a Standard Schema that cannot produce one. */
  inputJsonSchema?: JsonSchema;
  /** Output schema; results must then carry a conforming `structuredContent`. */
  outputSchema?: SchemaInput;
  /** JSON Schema to advertise when `outputSchema` is a Standard Schema that cannot produce one. */
  outputJsonSchema?: JsonSchema;
  annotations?: ToolAnnotations;
  icons?: Icon[];
  /**
   * `taskSupport` `optional` or `required` lets calls run as tasks for clients that declared the tasks
   * extension (modern era); `required` refuses other modern clients with -32021. Sent as is in `tools/list`.
   */
  execution?: { taskSupport?: 'forbidden' | 'optional' | 'required' };
  /** Task settings of this tool (TTL, polling interval, when the task starts); see {@link ToolTaskOptions}. */
  task?: ToolTaskOptions;
  _meta?: Meta;
}

/**
 * Runs a tool. Return a result (failures as `{isError: true}`), or {@link InputRequiredResult} to ask the
 * client for input. A thrown `McpError` becomes a JSON-RPC error; any other exception an `isError` result.
 */
export type ToolHandler<A> = (args: A, ctx: RequestContext) => MaybePromise<CallToolResult | InputRequiredResult>;

/** Suggests completions for one argument or template variable (at most 100 are sent). */
export type Completer = (value: string, context: { arguments: Record<string, string> }) => MaybePromise<string[]>;

/** Descriptive fields of a resource. */
export interface ResourceConfig {
  title?: string;
  description?: string;
  mimeType?: string;
  size?: number;
  annotations?: Annotations;
  icons?: Icon[];
  _meta?: Meta;
  /** Cache hint of `resources/read` results for this resource (modern era). */
  cacheHint?: CacheHint;
}

/** Reads a static resource. */
export type ResourceReader = (uri: string, ctx: RequestContext) => MaybePromise<ReadResourceResult | InputRequiredResult>;

/** Descriptive fields of a resource template, plus optional completion and enumeration. */
export interface ResourceTemplateConfig extends ResourceConfig {
  /** Completers for template variables (`completion/complete` with `ref/resource`). */
  complete?: Record<string, Completer>;
  /** Lists concrete resources of this template in `resources/list`. */
  list?: (ctx: RequestContext) => MaybePromise<Resource[]>;
}

/** Reads a resource matched by a template; `variables` come from RFC 6570 matching. */
export type TemplateResourceReader = (
  uri: string,
  variables: Record<string, string | string[]>,
  ctx: RequestContext,
) => MaybePromise<ReadResourceResult | InputRequiredResult>;

/** Configuration of a prompt (MCP `server/prompts.mdx`). */
export interface PromptConfig {
  title?: string;
  description?: string;
  /** Declared arguments. Required ones missing from `prompts/get` give -32602. */
  arguments?: PromptArgument[];
  icons?: Icon[];
  _meta?: Meta;
  /** Completers per argument name. */
  complete?: Record<string, Completer>;
}

/** Renders a prompt. */
export type PromptHandler = (args: Record<string, string>, ctx: RequestContext) => MaybePromise<GetPromptResult | InputRequiredResult>;

/** A handle on a registration: remove it, or hide it without removing it. */
export interface Registration {
  readonly name: string;
  /** Removes the entry (O(1)); list_changed is sent, coalesced. */
  remove(): void;
  /** Hides the entry from lists and calls. */
  disable(): void;
  /** Shows a disabled entry again. */
  enable(): void;
  readonly enabled: boolean;
}

/** Internal: a JSON object type alias for params. */
export type Params = JsonObject;
