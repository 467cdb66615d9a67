/**
 * Tool search by text: a BM25 index (MiniSearch, which ranks with BM25+) over tool names, titles,
 * descriptions and categories. Names are split on `_`, `-`, `.` and camelCase so `pdf_extract_text` matches
 * "extract text".
 */
import MiniSearch from 'minisearch';
import type { Tool } from '../../protocol/types.js';

/** One hit of {@link ToolSearchIndex.search}. */
export interface ToolSearchHit {
  /** The tool's (qualified) name. */
  name: string;
  category: string | undefined;
  /** BM25 score; higher is better. */
  score: number;
}

interface Doc {
  id: string;
  name: string;
  title: string;
  description: string;
  category: string;
}

function splitWords(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_\-.,;:!?()[\]{}"'`/\\|<>=+*&^%$#@~]+/)
    .filter((w) => w.length > 0);
}

/** See the module comment. */
export class ToolSearchIndex {
  readonly #index = new MiniSearch<Doc>({
    fields: ['name', 'title', 'description', 'category'],
    storeFields: ['category'],
    tokenize: splitWords,
    processTerm: (t) => t.toLowerCase(),
    searchOptions: { boost: { name: 3, title: 2, category: 1.5 }, prefix: true, fuzzy: 0.2 },
  });

  /** Number of indexed tools. */
  get size(): number {
    return this.#index.documentCount;
  }

  /** Adds or replaces a tool. */
  add(tool: Tool, category?: string): void {
    if (this.#index.has(tool.name)) this.#index.discard(tool.name);
    this.#index.add({ id: tool.name, name: tool.name, title: tool.title ?? '', description: tool.description ?? '', category: category ?? '' });
  }

  /** Removes a tool; no error when absent. */
  remove(name: string): void {
    if (this.#index.has(name)) this.#index.discard(name);
  }

  /** The best `limit` matches of `query` (all terms optional, ranked by BM25). */
  search(query: string, limit = 10, filter?: (hit: ToolSearchHit) => boolean): ToolSearchHit[] {
    const out: ToolSearchHit[] = [];
    for (const r of this.#index.search(query)) {
      const hit: ToolSearchHit = { name: String(r.id), category: (r.category as string) || undefined, score: r.score };
      if (filter && !filter(hit)) continue;
      out.push(hit);
      if (out.length >= limit) break;
    }
    return out;
  }
}
