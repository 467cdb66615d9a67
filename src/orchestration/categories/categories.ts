/**
 * Lazy tool categories on an {@link McpServer} (MCP++ seed 004, "hierarchical tool manager").
 *
 * - **flat** mode: a category's tools are registered on the server under namespaced names
 *   (`<category>_<tool>`) when the category loads. `tools/list` loads the categories marked `loadOn: 'list'`
 *   (the default) first; a `tools/call` naming an unloaded category's tool loads it, then runs the tool.
 * - **progressive** mode: the server lists only four meta-tools: `list_categories`, `list_category_tools`
 *   (a category's tools with their schemas), `search_tools` (BM25 over names, titles and descriptions) and
 *   `call_tool`. A client sees four tools instead of hundreds and discovers the rest on demand.
 *
 * Nothing loads at start-up; a loader runs once, on first use, and again only after it failed.
 */
import { ErrorCode } from '../../jsonrpc/codes.js';
import { McpError, VeloError } from '../../jsonrpc/errors.js';
import type { JsonObject } from '../../jsonrpc/message.js';
import type { CallToolResult, Tool } from '../../protocol/types.js';
import type { RequestContext } from '../../server/context.js';
import { InputRequiredSignal } from '../../server/input.js';
import type { McpServer } from '../../server/mcp-server.js';
import type { ToolHandler } from '../../server/options.js';
import { compileSchema, type CompiledSchema, type JsonSchema, type ValidationResult } from '../../validation/index.js';
import { ToolSearchIndex, type ToolSearchHit } from '../search/index.js';
import { ToolCategory, type CategoryLoader, type CategoryOptions, type CategoryTool, type SchemaCacheInfo } from './category.js';

/** Options of {@link ToolCategories}. */
export interface ToolCategoriesOptions {
  /** `flat` (default) or `progressive`; see the module comment. */
  mode?: 'flat' | 'progressive';
  /** Between category and tool name (default `_`). */
  separator?: string;
  /** Progressive mode: a prefix for the meta-tool names (default none: `list_categories`, …). */
  metaToolPrefix?: string;
  /** A category failed to load while serving `tools/list` (the list is served without it). */
  onLoadError?: (error: VeloError, category: string) => void;
}

/** A search result of {@link ToolCategories.search}: the hit and the tool's definition. */
export interface ToolSearchResult extends ToolSearchHit {
  tool: Tool;
}

interface LocalTool {
  definition: Tool;
  input: CompiledSchema;
  handler: ToolHandler<any>;
}

const CATEGORY_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const DEFAULT_INPUT: JsonSchema = { type: 'object' } as JsonSchema;

function jsonResult(value: JsonObject): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value };
}

function toolError(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

function isPromiseLike<T>(v: unknown): v is Promise<T> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** See the module comment. */
export class ToolCategories {
  readonly mode: 'flat' | 'progressive';
  readonly separator: string;
  readonly #server: McpServer;
  readonly #categories = new Map<string, ToolCategory>();
  /** Progressive mode: qualified name → tool. */
  readonly #local = new Map<string, LocalTool>();
  readonly #index = new ToolSearchIndex();
  readonly #onLoadError: ToolCategoriesOptions['onLoadError'];
  readonly #removeProvider: () => void;

  /**
   * @param server - The server the categories serve on.
   * @param options - See {@link ToolCategoriesOptions}.
   */
  constructor(server: McpServer, options: ToolCategoriesOptions = {}) {
    this.#server = server;
    this.mode = options.mode ?? 'flat';
    this.separator = options.separator ?? '_';
    this.#onLoadError = options.onLoadError;
    if (this.mode === 'progressive') {
      this.#registerMetaTools(options.metaToolPrefix ?? '');
      this.#removeProvider = () => undefined;
    } else {
      this.#removeProvider = server.addToolProvider({ beforeList: () => this.#beforeList(), resolve: (name) => this.#resolve(name) });
    }
  }

  /**
   * Declares a lazy category. The loader does not run now.
   * @throws VeloError `VELO_INVALID_REGISTRATION` (bad name), `VELO_DUPLICATE_REGISTRATION`.
   */
  category(name: string, loader: CategoryLoader, options: CategoryOptions = {}): ToolCategory {
    if (typeof name !== 'string' || !CATEGORY_NAME.test(name)) throw new VeloError('VELO_INVALID_REGISTRATION', `Invalid category name ${JSON.stringify(name)}: use 1-64 characters of A-Z a-z 0-9 _ . -`);
    if (this.#categories.has(name)) throw new VeloError('VELO_DUPLICATE_REGISTRATION', `A category named ${name} is already declared`);
    if (typeof loader !== 'function') throw new VeloError('VELO_INVALID_REGISTRATION', `Category ${name} needs a loader function`);
    const category = new ToolCategory(name, loader, options, (c, tools) => this.#install(c, tools));
    this.#categories.set(name, category);
    return category;
  }

  /** A declared category, or undefined. Does not load it. */
  get(name: string): ToolCategory | undefined {
    return this.#categories.get(name);
  }

  /** Every declared category. */
  get categories(): ToolCategory[] {
    return [...this.#categories.values()];
  }

  /** The category a qualified tool name belongs to (the longest matching `<category><separator>` prefix). */
  categoryOf(qualifiedName: string): ToolCategory | undefined {
    let best: ToolCategory | undefined;
    for (const c of this.#categories.values()) {
      if (qualifiedName.startsWith(c.name + this.separator) && (!best || c.name.length > best.name.length)) best = c;
    }
    return best;
  }

  /**
   * A tool's definition by qualified name, loading its category if needed; cached per category.
   * @throws VeloError `VELO_CATEGORY_LOAD_FAILED`.
   */
  async schema(qualifiedName: string): Promise<Tool | undefined> {
    return this.categoryOf(qualifiedName)?.schema(qualifiedName);
  }

  /** Schema cache counters summed over the categories. */
  cacheInfo(): SchemaCacheInfo {
    const out: SchemaCacheInfo = { hits: 0, misses: 0, size: 0 };
    for (const c of this.#categories.values()) {
      const i = c.cacheInfo();
      out.hits += i.hits;
      out.misses += i.misses;
      out.size += i.size;
    }
    return out;
  }

  /** Clears every category's schema cache. */
  clearSchemaCache(): void {
    for (const c of this.#categories.values()) c.clearSchemaCache();
  }

  /**
   * Searches tools by text (BM25). Loads the categories searched (all, or `category`) first, once each;
   * categories that fail to load are skipped.
   */
  async search(query: string, options: { limit?: number; category?: string } = {}): Promise<ToolSearchResult[]> {
    const targets = options.category !== undefined ? [this.#require(options.category)] : [...this.#categories.values()];
    await Promise.allSettled(targets.map((c) => c.load()));
    const hits = this.#index.search(query, options.limit ?? 10, options.category !== undefined ? (h) => h.category === options.category : undefined);
    const out: ToolSearchResult[] = [];
    for (const h of hits) {
      const tool = this.categoryOf(h.name)?.schemaLoaded(h.name);
      if (tool) out.push({ ...h, tool });
    }
    return out;
  }

  /** Stops serving: flat mode stops loading on list/call (registered tools stay). */
  close(): void {
    this.#removeProvider();
  }

  // ------------------------------------------------------------------ loading

  #install(category: ToolCategory, tools: CategoryTool[]): Map<string, Tool> {
    const defs = new Map<string, Tool>();
    const undo: (() => void)[] = [];
    try {
      for (const t of tools) {
        const { name, handler, ...config } = t;
        const qualified = `${category.name}${this.separator}${name}`;
        if (defs.has(qualified)) throw new VeloError('VELO_DUPLICATE_REGISTRATION', `Category ${category.name} has two tools named ${name}`);
        if (this.mode === 'flat') {
          const reg = this.#server.registerTool(qualified, config, handler);
          undo.push(() => reg.remove());
          defs.set(qualified, this.#server.toolDefinition(qualified)!);
        } else {
          const input = compileSchema((config.inputSchema ?? DEFAULT_INPUT) as JsonSchema, { label: 'arguments', ...(config.inputJsonSchema && { jsonSchema: config.inputJsonSchema }) });
          const definition: Tool = { name: qualified, inputSchema: input.jsonSchema as JsonObject };
          if (config.title !== undefined) definition.title = config.title;
          if (config.description !== undefined) definition.description = config.description;
          if (config.annotations !== undefined) definition.annotations = config.annotations;
          if (config.outputSchema !== undefined) definition.outputSchema = compileSchema(config.outputSchema as JsonSchema, { label: 'structuredContent', io: 'output', ...(config.outputJsonSchema && { jsonSchema: config.outputJsonSchema }) }).jsonSchema as JsonObject;
          this.#local.set(qualified, { definition, input, handler });
          undo.push(() => this.#local.delete(qualified));
          defs.set(qualified, definition);
        }
      }
    } catch (err) {
      for (const u of undo) u();
      throw err;
    }
    for (const d of defs.values()) this.#index.add(d, category.name);
    return defs;
  }

  #beforeList(): Promise<void> | undefined {
    let pending: Promise<void>[] | undefined;
    for (const c of this.#categories.values()) {
      if (c.loadOn !== 'list' || c.state === 'loaded') continue;
      (pending ??= []).push(c.load().catch((err: VeloError) => this.#onLoadError?.(err, c.name)));
    }
    return pending ? Promise.all(pending).then(() => undefined) : undefined;
  }

  async #resolve(name: string): Promise<boolean> {
    const c = this.categoryOf(name);
    if (!c || c.state === 'loaded') return false;
    try {
      await c.load();
    } catch (err) {
      throw new McpError(ErrorCode.InternalError, (err as Error).message, { category: c.name });
    }
    return true;
  }

  #require(name: unknown): ToolCategory {
    const c = typeof name === 'string' ? this.#categories.get(name) : undefined;
    if (!c) throw new McpError(ErrorCode.InvalidParams, `Unknown tool category: ${String(name)}`, { category: name });
    return c;
  }

  // ------------------------------------------------------------------ progressive mode

  #registerMetaTools(prefix: string): void {
    const s = this.#server;
    s.registerTool(
      `${prefix}list_categories`,
      {
        description: 'Lists the tool categories of this server: name, description, and whether loaded. Use list_category_tools or search_tools to find tools, then call_tool to run one.',
        inputSchema: { type: 'object', properties: {}, additionalProperties: false } as JsonSchema,
        annotations: { readOnlyHint: true },
      },
      () =>
        jsonResult({
          categories: this.categories.map((c) => {
            const o: JsonObject = { name: c.name, loaded: c.state === 'loaded' };
            if (c.description !== undefined) o.description = c.description;
            if (c.tools) o.toolCount = c.tools.size;
            return o;
          }),
        }),
    );
    s.registerTool(
      `${prefix}list_category_tools`,
      {
        description: 'Lists the tools of one category with their input schemas. Call them with call_tool.',
        inputSchema: { type: 'object', properties: { category: { type: 'string' } }, required: ['category'], additionalProperties: false } as JsonSchema,
        annotations: { readOnlyHint: true },
      },
      async (args: { category: string }) => {
        const c = this.#require(args.category);
        try {
          await c.load();
        } catch (err) {
          return toolError((err as Error).message);
        }
        return jsonResult({ category: c.name, tools: [...c.tools!.keys()].map((n) => c.schemaLoaded(n)!) as unknown as JsonObject[] });
      },
    );
    s.registerTool(
      `${prefix}search_tools`,
      {
        description: 'Searches all tools by text (BM25 over names, titles and descriptions) and returns the best matches with their input schemas.',
        inputSchema: {
          type: 'object',
          properties: { query: { type: 'string', minLength: 1 }, limit: { type: 'integer', minimum: 1, maximum: 50 }, category: { type: 'string' } },
          required: ['query'],
          additionalProperties: false,
        } as JsonSchema,
        annotations: { readOnlyHint: true },
      },
      async (args: { query: string; limit?: number; category?: string }) => {
        const results = await this.search(args.query, { ...(args.limit !== undefined && { limit: args.limit }), ...(args.category !== undefined && { category: args.category }) });
        return jsonResult({ results: results.map((r) => ({ name: r.name, category: r.category ?? null, score: r.score, tool: r.tool as unknown as JsonObject })) });
      },
    );
    s.registerTool(
      `${prefix}call_tool`,
      {
        description: 'Calls a tool found with list_category_tools or search_tools, by its full name, with its arguments.',
        inputSchema: { type: 'object', properties: { name: { type: 'string' }, arguments: { type: 'object' } }, required: ['name'], additionalProperties: false } as JsonSchema,
      },
      (args: { name: string; arguments?: JsonObject }, ctx) => this.#callLocal(args.name, args.arguments ?? {}, ctx),
    );
  }

  async #callLocal(name: string, args: JsonObject, ctx: RequestContext): Promise<CallToolResult> {
    const c = this.categoryOf(name);
    if (!c) return toolError(`Unknown tool: ${name}. Use search_tools or list_category_tools to find tools.`);
    try {
      await c.load();
    } catch (err) {
      return toolError((err as Error).message);
    }
    const tool = this.#local.get(name);
    if (!tool) return toolError(`Unknown tool: ${name}. Use search_tools or list_category_tools to find tools.`);
    let v = tool.input.validate(args);
    if (isPromiseLike<ValidationResult>(v)) v = await v;
    if (!v.valid) return toolError(`Input validation error: ${v.message}`);
    try {
      const out = await tool.handler(v.value, ctx);
      return out as CallToolResult;
    } catch (err) {
      if (err instanceof McpError || err instanceof InputRequiredSignal) throw err;
      return toolError(err instanceof Error ? err.message : String(err));
    }
  }
}
