/**
 * MCP data shapes used by velomcp's public API, following `schema/2025-11-25/schema.ts` and
 * `schema/2026-07-28/schema.ts` of the specification. Fields that only exist in one era are marked.
 * Every object type is open (`[key: string]: unknown` where the spec allows extra members, via `_meta`).
 */
import type { JsonObject } from '../jsonrpc/message.js';

/** Free-form metadata; keys follow the `_meta` naming rules (spec `basic/index.mdx`, "_meta"). */
export type Meta = { [key: string]: unknown };

/** An icon for display (2025-11-25, SEP-973). */
export interface Icon {
  src: string;
  mimeType?: string;
  sizes?: string[];
  theme?: 'light' | 'dark';
}

/** Name and version of a client or server (`Implementation`). */
export interface Implementation {
  name: string;
  version: string;
  title?: string;
  description?: string;
  websiteUrl?: string;
  icons?: Icon[];
}

/** Log severities (RFC 5424 order, lowest first). */
export type LoggingLevel = 'debug' | 'info' | 'notice' | 'warning' | 'error' | 'critical' | 'alert' | 'emergency';

/** The {@link LoggingLevel}s in ascending severity. */
export const LOGGING_LEVELS: readonly LoggingLevel[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

/** Capabilities a client declares (initialize in the legacy era, `_meta` in the modern era). */
export interface ClientCapabilities {
  roots?: { listChanged?: boolean };
  sampling?: { context?: object; tools?: object };
  elicitation?: { form?: object; url?: object };
  experimental?: { [key: string]: object };
  extensions?: { [key: string]: object };
  tasks?: object;
  [key: string]: unknown;
}

/** Capabilities a server declares (InitializeResult / DiscoverResult). */
export interface ServerCapabilities {
  tools?: { listChanged?: boolean };
  resources?: { subscribe?: boolean; listChanged?: boolean };
  prompts?: { listChanged?: boolean };
  logging?: object;
  completions?: object;
  experimental?: { [key: string]: object };
  extensions?: { [key: string]: object };
  [key: string]: unknown;
}

/** Audience and priority hints on content (`Annotations`). */
export interface Annotations {
  audience?: ('user' | 'assistant')[];
  priority?: number;
  lastModified?: string;
}

/** Text content. */
export interface TextContent {
  type: 'text';
  text: string;
  annotations?: Annotations;
  _meta?: Meta;
}
/** Base64 image content. */
export interface ImageContent {
  type: 'image';
  data: string;
  mimeType: string;
  annotations?: Annotations;
  _meta?: Meta;
}
/** Base64 audio content (since 2025-03-26). */
export interface AudioContent {
  type: 'audio';
  data: string;
  mimeType: string;
  annotations?: Annotations;
  _meta?: Meta;
}
/** A link to a resource (since 2025-06-18). */
export interface ResourceLink extends ResourceDescriptor {
  type: 'resource_link';
}
/** The contents of a text resource. */
export interface TextResourceContents {
  uri: string;
  mimeType?: string;
  text: string;
  _meta?: Meta;
}
/** The contents of a binary resource (`blob` is base64). */
export interface BlobResourceContents {
  uri: string;
  mimeType?: string;
  blob: string;
  _meta?: Meta;
}
/** Resource contents of either kind. */
export type ResourceContents = TextResourceContents | BlobResourceContents;
/** A resource embedded in a message or tool result. */
export interface EmbeddedResource {
  type: 'resource';
  resource: ResourceContents;
  annotations?: Annotations;
  _meta?: Meta;
}
/** Any content block of a tool result or prompt message. */
export type ContentBlock = TextContent | ImageContent | AudioContent | ResourceLink | EmbeddedResource;

/** Behaviour hints of a tool (untrusted unless the server is trusted). */
export interface ToolAnnotations {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
  [key: string]: unknown;
}

/** A tool as listed by `tools/list`. */
export interface Tool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: JsonObject;
  outputSchema?: JsonObject;
  annotations?: ToolAnnotations;
  icons?: Icon[];
  execution?: { taskSupport?: 'forbidden' | 'optional' | 'required' };
  _meta?: Meta;
}

/** The result of `tools/call`. Tool failures are results with `isError: true`, not JSON-RPC errors. */
export interface CallToolResult {
  content: ContentBlock[];
  /** 2025-06-18+: an object; 2026-07-28: any JSON value. Must match the tool's `outputSchema`. */
  structuredContent?: unknown;
  isError?: boolean;
  _meta?: Meta;
  [key: string]: unknown;
}

/** Shared descriptive fields of resources and resource links. */
export interface ResourceDescriptor {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  size?: number;
  annotations?: Annotations;
  icons?: Icon[];
  _meta?: Meta;
}
/** A resource as listed by `resources/list`. */
export type Resource = ResourceDescriptor;

/** A resource template as listed by `resources/templates/list` (RFC 6570 `uriTemplate`). */
export interface ResourceTemplate {
  uriTemplate: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  annotations?: Annotations;
  icons?: Icon[];
  _meta?: Meta;
}

/** The result of `resources/read`. `contents` is never empty (SEP-2164). */
export interface ReadResourceResult {
  contents: ResourceContents[];
  _meta?: Meta;
  [key: string]: unknown;
}

/** A prompt argument. */
export interface PromptArgument {
  name: string;
  title?: string;
  description?: string;
  required?: boolean;
}
/** A prompt as listed by `prompts/list`. */
export interface Prompt {
  name: string;
  title?: string;
  description?: string;
  arguments?: PromptArgument[];
  icons?: Icon[];
  _meta?: Meta;
}
/** One message of a prompt. */
export interface PromptMessage {
  role: 'user' | 'assistant';
  content: ContentBlock;
}
/** The result of `prompts/get`. */
export interface GetPromptResult {
  description?: string;
  messages: PromptMessage[];
  _meta?: Meta;
  [key: string]: unknown;
}

/** The result of `completion/complete` (at most 100 values). */
export interface CompleteResult {
  completion: { values: string[]; total?: number; hasMore?: boolean };
  _meta?: Meta;
}

/** Cache freshness hints of the six cacheable modern results (SEP-2549). */
export interface CacheHint {
  /** Milliseconds the result stays fresh (an integer ≥ 0). */
  ttlMs: number;
  /** `public`: shareable across principals; `private`: only within the same authorization context. */
  cacheScope: 'public' | 'private';
}

/** A server→client input request inside an `input_required` result (MRTR, SEP-2322): no jsonrpc, no id. */
export interface InputRequest {
  method: 'elicitation/create' | 'sampling/createMessage' | 'roots/list';
  params?: JsonObject;
}

/** The client's answer to one {@link InputRequest}: an ElicitResult, CreateMessageResult or ListRootsResult. */
export type InputResponse = JsonObject;

/** Parameters of `elicitation/create` in form mode. */
export interface ElicitFormParams {
  mode?: 'form';
  message: string;
  requestedSchema: JsonObject;
  _meta?: Meta;
}
/** Parameters of `elicitation/create` in URL mode (2025-11-25+). */
export interface ElicitUrlParams {
  mode: 'url';
  message: string;
  url: string;
  /** 2025-11-25 only; removed in 2026-07-28. */
  elicitationId?: string;
  _meta?: Meta;
}
/** The client's answer to an elicitation. */
export interface ElicitResult {
  action: 'accept' | 'decline' | 'cancel';
  content?: { [key: string]: string | number | boolean | string[] };
  _meta?: Meta;
  [key: string]: unknown;
}
/** Parameters of `sampling/createMessage`. */
export interface CreateMessageParams {
  messages: { role: 'user' | 'assistant'; content: unknown }[];
  maxTokens: number;
  systemPrompt?: string;
  modelPreferences?: JsonObject;
  includeContext?: 'none' | 'thisServer' | 'allServers';
  temperature?: number;
  stopSequences?: string[];
  metadata?: JsonObject;
  tools?: JsonObject[];
  toolChoice?: JsonObject;
  _meta?: Meta;
  [key: string]: unknown;
}
/** The client's answer to `sampling/createMessage`. */
export interface CreateMessageResult {
  role: 'user' | 'assistant';
  content: unknown;
  model: string;
  stopReason?: string;
  _meta?: Meta;
  [key: string]: unknown;
}
/** A root the client exposes. */
export interface Root {
  uri: string;
  name?: string;
  _meta?: Meta;
}
/** The client's answer to `roots/list`. */
export interface ListRootsResult {
  roots: Root[];
  _meta?: Meta;
  [key: string]: unknown;
}
