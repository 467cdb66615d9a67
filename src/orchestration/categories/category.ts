/**
 * One lazy tool category: a loader that runs once, on first use (listing, calling or a schema lookup), and
 * the category's tools afterwards. Concurrent first uses share one load; a failed load is reported with
 * `VELO_CATEGORY_LOAD_FAILED` and retried on the next use.
 */
import { VeloError } from '../../jsonrpc/errors.js';
import type { Tool } from '../../protocol/types.js';
import type { MaybePromise, SchemaInput, ToolConfig, ToolHandler } from '../../server/options.js';

/** A tool as a category loader returns it: a name (unqualified), the usual tool config and a handler. */
export interface CategoryTool extends ToolConfig<SchemaInput> {
  name: string;
  handler: ToolHandler<any>;
}

/** What a loader may return: tools, or a module (e.g. from `import()`) whose `tools` or `default` export is the tools. */
export type CategoryLoadResult = Iterable<CategoryTool> | { tools: Iterable<CategoryTool> } | { default: Iterable<CategoryTool> };

/** Produces a category's tools; sync or async (a dynamic `import()`). */
export type CategoryLoader = () => MaybePromise<CategoryLoadResult>;

/** Options of one category. */
export interface CategoryOptions {
  /** Shown by `list_categories` and indexed for search. */
  description?: string;
  /**
   * Flat mode: `'list'` (default) loads the category when `tools/list` is served, so its tools are listed;
   * `'use'` lists its tools only once something else loaded it (a call or a schema lookup).
   */
  loadOn?: 'list' | 'use';
}

/** Schema cache counters (seed 004's `cache_info()`). */
export interface SchemaCacheInfo {
  hits: number;
  misses: number;
  size: number;
}

/** Load state of a category. */
export type CategoryState = 'unloaded' | 'loading' | 'loaded' | 'failed';

function toolsOf(result: CategoryLoadResult): CategoryTool[] {
  const r = result as Record<string, unknown>;
  const iterable = (r && typeof r === 'object' && 'tools' in r ? r.tools : r && typeof r === 'object' && 'default' in r && !(Symbol.iterator in r) ? r.default : result) as Iterable<CategoryTool>;
  if (!iterable || typeof (iterable as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function') {
    throw new TypeError('the loader must return tools (an array), or a module exporting `tools` or a default array');
  }
  const tools = [...iterable];
  for (const t of tools) {
    if (!t || typeof t.name !== 'string' || typeof t.handler !== 'function') throw new TypeError('every tool needs a string name and a handler function');
  }
  return tools;
}

/** See the module comment. Created by {@link ToolCategories.category}. */
export class ToolCategory {
  readonly name: string;
  readonly description: string | undefined;
  readonly loadOn: 'list' | 'use';
  readonly #loader: CategoryLoader;
  readonly #install: (category: ToolCategory, tools: CategoryTool[]) => Map<string, Tool>;
  #tools: Map<string, Tool> | undefined;
  #loading: Promise<void> | undefined;
  #state: CategoryState = 'unloaded';
  #loads = 0;
  #lastError: Error | undefined;
  readonly #schemaCache = new Map<string, Tool>();
  #hits = 0;
  #misses = 0;

  /** @internal */
  constructor(name: string, loader: CategoryLoader, options: CategoryOptions, install: (category: ToolCategory, tools: CategoryTool[]) => Map<string, Tool>) {
    this.name = name;
    this.description = options.description;
    this.loadOn = options.loadOn ?? 'list';
    this.#loader = loader;
    this.#install = install;
  }

  /** `unloaded`, `loading`, `loaded` or `failed` (a failed category loads again on next use). */
  get state(): CategoryState {
    return this.#state;
  }

  /** How many times the loader ran (1 after a successful first load, more only after failures). */
  get loaderRuns(): number {
    return this.#loads;
  }

  /** The error of the last failed load, if the last load failed. */
  get lastError(): Error | undefined {
    return this.#lastError;
  }

  /** The tools (qualified name → definition) once loaded. */
  get tools(): ReadonlyMap<string, Tool> | undefined {
    return this.#tools;
  }

  /**
   * Loads the category once; concurrent callers share the same load.
   * @throws VeloError `VELO_CATEGORY_LOAD_FAILED` (cause: the loader's error); the next call tries again.
   */
  load(): Promise<void> {
    if (this.#tools) return Promise.resolve();
    if (this.#loading) return this.#loading;
    const p = this.#run();
    this.#loading = p;
    // A failed load is forgotten so that the next use tries again (a sync throw settles before this line).
    p.catch(() => {
      if (this.#loading === p) this.#loading = undefined;
    });
    return p;
  }

  async #run(): Promise<void> {
    this.#state = 'loading';
    this.#loads++;
    try {
      const tools = toolsOf(await this.#loader());
      this.#tools = this.#install(this, tools);
      this.#state = 'loaded';
      this.#lastError = undefined;
    } catch (err) {
      this.#state = 'failed';
      const e = new VeloError('VELO_CATEGORY_LOAD_FAILED', `Tool category "${this.name}" failed to load: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      this.#lastError = e;
      throw e;
    }
  }

  /**
   * The definition (name, description, input and output schemas, annotations) of one of this category's tools,
   * loading the category first if needed. Cached: later lookups of the same name are map hits.
   * @returns undefined when the category has no such tool.
   */
  async schema(qualifiedName: string): Promise<Tool | undefined> {
    const cached = this.#schemaCache.get(qualifiedName);
    if (cached) {
      this.#hits++;
      return cached;
    }
    await this.load();
    return this.schemaLoaded(qualifiedName);
  }

  /** Like {@link schema} for a loaded category, without a promise; undefined when not loaded or absent. */
  schemaLoaded(qualifiedName: string): Tool | undefined {
    const cached = this.#schemaCache.get(qualifiedName);
    if (cached) {
      this.#hits++;
      return cached;
    }
    this.#misses++;
    const def = this.#tools?.get(qualifiedName);
    if (!def) return undefined;
    const view: Tool = Object.freeze({ ...def });
    this.#schemaCache.set(qualifiedName, view);
    return view;
  }

  /** Schema cache hits, misses and size. */
  cacheInfo(): SchemaCacheInfo {
    return { hits: this.#hits, misses: this.#misses, size: this.#schemaCache.size };
  }

  /** Empties the schema cache and resets its counters (e.g. after a tool's signature changed). */
  clearSchemaCache(): void {
    this.#schemaCache.clear();
    this.#hits = 0;
    this.#misses = 0;
  }
}
