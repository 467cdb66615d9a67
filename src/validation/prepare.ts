/**
 * Registration-time inspection of a JSON Schema before it reaches ajv: one walk that
 * - copies the schema, so nothing downstream can mutate the caller's object (it is advertised verbatim);
 * - rejects what is not JSON (functions, cycles, non-finite numbers), which would not survive tools/list;
 * - bounds subschema depth and count (SEP-2106: validators SHOULD bound them);
 * - checks that every `$ref` / `$dynamicRef` resolves inside the document. ajv alone only notices
 *   unresolved refs on paths it compiles (a bad `$ref` in an unused `$defs` entry passes), and MCP
 *   implementations MUST NOT fetch network refs, so anything outside the document is rejected here.
 */
import { VeloError } from '../jsonrpc/errors.js';
import { escapePointerToken, isPlainObject } from './issues.js';
import type { JsonSchema } from './types.js';

/** The JSON Schema dialects the ajv compiler supports. */
export type Dialect = '2020-12' | 'draft-07';

/** The `$schema` URI handed to ajv for each dialect (the spelling ajv registers its meta-schemas under). */
export const DIALECT_URIS: Readonly<Record<Dialect, string>> = {
  '2020-12': 'https://json-schema.org/draft/2020-12/schema',
  'draft-07': 'http://json-schema.org/draft-07/schema#',
};

/**
 * Base URI of a document without `$id`. Only used to resolve references consistently; `.invalid`
 * (RFC 2606) guarantees it never names a real host.
 */
const DEFAULT_BASE = 'https://velomcp.invalid/schema.json';

/** How a keyword's value relates to subschemas. */
type Kind = 'schema' | 'schemaArray' | 'schemaMap' | 'schemaOrArray' | 'dependencies';

const SHARED_KEYWORDS: ReadonlyArray<readonly [string, Kind]> = [
  ['additionalProperties', 'schema'],
  ['propertyNames', 'schema'],
  ['contains', 'schema'],
  ['not', 'schema'],
  ['if', 'schema'],
  ['then', 'schema'],
  ['else', 'schema'],
  ['items', 'schemaOrArray'],
  ['allOf', 'schemaArray'],
  ['anyOf', 'schemaArray'],
  ['oneOf', 'schemaArray'],
  ['properties', 'schemaMap'],
  ['patternProperties', 'schemaMap'],
  // ajv understands both container names in every dialect
  ['$defs', 'schemaMap'],
  ['definitions', 'schemaMap'],
  ['dependencies', 'dependencies'],
];

/** Keywords whose values hold subschemas, per dialect (as ajv compiles them). */
const KEYWORDS: Readonly<Record<Dialect, ReadonlyMap<string, Kind>>> = {
  '2020-12': new Map<string, Kind>([
    ...SHARED_KEYWORDS,
    ['prefixItems', 'schemaArray'],
    ['unevaluatedItems', 'schema'],
    ['unevaluatedProperties', 'schema'],
    ['dependentSchemas', 'schemaMap'],
    ['contentSchema', 'schema'],
  ]),
  'draft-07': new Map<string, Kind>([...SHARED_KEYWORDS, ['additionalItems', 'schema']]),
};

function invalid(message: string): VeloError {
  return new VeloError('VELO_INVALID_SCHEMA', `Invalid JSON Schema: ${message}`);
}

function where(at: string): string {
  return at === '' ? 'the schema root' : at;
}

/**
 * Maps a `$schema` value to a supported dialect; absent means 2020-12 (the MCP default).
 * Accepts the http and https spellings, with or without the empty fragment.
 * @throws VeloError `VELO_INVALID_SCHEMA` for other dialects, naming the supported ones.
 */
export function detectDialect(schemaUri: unknown): Dialect {
  if (schemaUri === undefined) return '2020-12';
  if (typeof schemaUri !== 'string') throw invalid('"$schema" must be a string URI');
  const uri = schemaUri.trim().replace(/#$/, '').replace(/^http:\/\//, 'https://');
  if (uri === 'https://json-schema.org/draft/2020-12/schema') return '2020-12';
  if (uri === 'https://json-schema.org/draft-07/schema') return 'draft-07';
  throw new VeloError(
    'VELO_INVALID_SCHEMA',
    `Unsupported JSON Schema dialect "${schemaUri}": velomcp validates JSON Schema 2020-12 ` +
      `(the MCP default when "$schema" is absent) and draft-07 ("$schema": "${DIALECT_URIS['draft-07']}").`,
  );
}

/** Limits and context for {@link prepareSchema}. */
export interface PrepareOptions {
  readonly dialect: Dialect;
  /** Maximum nesting of subschemas, and separately of JSON values inside a keyword. */
  readonly maxDepth: number;
  /** Maximum number of subschemas (boolean ones included). */
  readonly maxSubschemas: number;
  /** Documents the validator already holds (its meta-schemas): refs to them resolve without a fetch. */
  readonly knownDocuments: ReadonlySet<string>;
}

interface Resource {
  /** The copy of the schema object that carries the resource's `$id` (JSON Pointers start here). */
  readonly root: Record<string, unknown>;
  readonly anchors: Set<string>;
}

interface PendingRef {
  readonly keyword: string;
  readonly ref: string;
  readonly base: string;
  readonly at: string;
}

/**
 * Copies and checks a JSON Schema (see the module comment). The copy equals the input except that a
 * root `$schema` is spelled the way ajv expects.
 * @throws VeloError `VELO_INVALID_SCHEMA` when the schema is not JSON, exceeds a bound, mixes dialects,
 *   or has a reference that does not resolve within the document.
 */
export function prepareSchema(schema: JsonSchema, options: PrepareOptions): JsonSchema {
  const walker = new Walker(options);
  let copy: unknown;
  try {
    copy = walker.schema(schema, 1, DEFAULT_BASE, undefined, '');
  } catch (error) {
    // a huge user-chosen maxDepth can still outgrow the stack: report it like the bound itself
    if (error instanceof RangeError) throw invalid(`the schema is nested too deeply to process (${error.message})`);
    throw error;
  }
  walker.resolveRefs();
  return copy as JsonSchema;
}

class Walker {
  #count = 0;
  readonly #resources = new Map<string, Resource>();
  readonly #refs: PendingRef[] = [];
  readonly #ancestors = new Set<object>();
  readonly #options: PrepareOptions;
  readonly #keywords: ReadonlyMap<string, Kind>;

  constructor(options: PrepareOptions) {
    this.#options = options;
    this.#keywords = KEYWORDS[options.dialect];
  }

  schema(node: unknown, depth: number, base: string, resource: Resource | undefined, at: string): unknown {
    if (typeof node !== 'boolean' && !isPlainObject(node)) {
      throw invalid(`${where(at)} must be a schema (a JSON object or a boolean)`);
    }
    if (depth > this.#options.maxDepth) {
      throw invalid(`subschemas are nested deeper than the limit of ${this.#options.maxDepth} (at ${at})`);
    }
    if (++this.#count > this.#options.maxSubschemas) {
      throw invalid(`the schema has more than the limit of ${this.#options.maxSubschemas} subschemas`);
    }
    if (typeof node === 'boolean') return node;
    this.#enter(node, at);

    const copy: Record<string, unknown> = {};
    const dialect = this.#options.dialect;
    const id = node['$id'];
    if (typeof id === 'string' && dialect === 'draft-07' && id.startsWith('#')) {
      // draft-07 spells plain-name anchors as `"$id": "#name"`
      resource = this.#resourceOf(resource, copy);
      resource.anchors.add(decodeFragment(id.slice(1)) ?? id.slice(1));
    } else if (id !== undefined) {
      if (typeof id !== 'string') throw invalid(`"$id" at ${where(at)} must be a string`);
      const url = parseUri(id, base);
      if (url === undefined) throw invalid(`"$id" "${id}" at ${where(at)} is not a valid URI reference`);
      const fragment = url.hash;
      url.hash = '';
      base = url.href;
      if (this.#options.knownDocuments.has(base)) {
        throw invalid(`"$id" "${id}" at ${where(at)} reuses the URI of a meta-schema`);
      }
      if (this.#resources.has(base)) throw invalid(`"$id" "${id}" at ${where(at)} is declared more than once`);
      resource = { root: copy, anchors: new Set() };
      this.#resources.set(base, resource);
      if (fragment.length > 1) resource.anchors.add(decodeFragment(fragment.slice(1)) ?? fragment.slice(1));
    } else {
      resource = this.#resourceOf(resource, copy);
    }
    if (dialect === '2020-12') {
      for (const keyword of ['$anchor', '$dynamicAnchor'] as const) {
        const anchor = node[keyword];
        if (typeof anchor === 'string') resource.anchors.add(anchor);
      }
    }

    for (const key of Object.keys(node)) {
      const value = node[key];
      if (value === undefined) continue; // JSON.stringify drops it too: the advertised schema has no such key
      const childAt = `${at}/${escapePointerToken(key)}`;
      let out: unknown;
      if (key === '$schema') {
        const embedded = detectDialect(value);
        if (embedded !== dialect) {
          throw invalid(
            `"$schema" at ${where(childAt)} declares ${embedded} inside a ${dialect} schema; mixing dialects is not supported`,
          );
        }
        out = DIALECT_URIS[dialect];
      } else if ((key === '$ref' || (key === '$dynamicRef' && dialect === '2020-12')) && typeof value === 'string') {
        this.#refs.push({ keyword: key, ref: value, base, at: where(at) });
        out = value;
      } else {
        if (key === 'properties' && isPlainObject(value) && Object.hasOwn(value, '__proto__')) {
          // ajv skips such an entry (prototype-pollution guard): refuse rather than silently not validate it
          throw invalid(`${childAt} declares a property named "__proto__", which the validator cannot check`);
        }
        out = this.#keyword(this.#keywords.get(key), value, depth, base, resource, childAt);
      }
      setOwn(copy, key, out);
    }

    this.#ancestors.delete(node);
    return copy;
  }

  /** Copies a keyword's value, walking subschemas where the keyword has them. */
  #keyword(kind: Kind | undefined, value: unknown, depth: number, base: string, resource: Resource, at: string): unknown {
    switch (kind) {
      case 'schema':
        return this.schema(value, depth + 1, base, resource, at);
      case 'schemaOrArray':
      case 'schemaArray':
        if (kind === 'schemaOrArray' && !Array.isArray(value)) return this.schema(value, depth + 1, base, resource, at);
        if (Array.isArray(value)) {
          this.#enter(value, at);
          const out = value.map((item, i) => this.schema(item, depth + 1, base, resource, `${at}/${i}`));
          this.#ancestors.delete(value);
          return out;
        }
        break;
      case 'schemaMap':
      case 'dependencies':
        if (isPlainObject(value)) {
          this.#enter(value, at);
          const out: Record<string, unknown> = {};
          for (const name of Object.keys(value)) {
            const entry = value[name];
            if (entry === undefined) continue;
            const entryAt = `${at}/${escapePointerToken(name)}`;
            setOwn(
              out,
              name,
              // `dependencies` maps to a subschema or to an array of property names
              kind === 'dependencies' && Array.isArray(entry)
                ? this.#value(entry, 1, entryAt)
                : this.schema(entry, depth + 1, base, resource, entryAt),
            );
          }
          this.#ancestors.delete(value);
          return out;
        }
        break;
      case undefined:
        break;
    }
    // not a subschema position (or malformed, which ajv's meta-schema check reports): copy as plain JSON
    return this.#value(value, 1, at);
  }

  /** Copies a JSON value that is not a schema (`enum`, `default`, unknown keywords such as `x-mcp-header`...). */
  #value(value: unknown, depth: number, at: string): unknown {
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return value;
      case 'number':
        if (!Number.isFinite(value)) throw invalid(`${where(at)} holds ${value}, which is not a JSON number`);
        return value;
      case 'object':
        if (value === null) return null;
        break;
      default:
        throw invalid(`${where(at)} holds a ${typeof value}, which is not a JSON value`);
    }
    if (depth > this.#options.maxDepth) {
      throw invalid(`a value is nested deeper than the limit of ${this.#options.maxDepth} (at ${at})`);
    }
    this.#enter(value, at);
    let out: unknown;
    if (Array.isArray(value)) {
      const array: unknown[] = new Array<unknown>(value.length);
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (item === undefined) throw invalid(`${at}/${i} is undefined, which is not a JSON value`);
        array[i] = this.#value(item, depth + 1, `${at}/${i}`);
      }
      out = array;
    } else if (isPlainObject(value)) {
      const object: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        const item = value[key];
        if (item !== undefined) setOwn(object, key, this.#value(item, depth + 1, `${at}/${escapePointerToken(key)}`));
      }
      out = object;
    } else {
      const name = (value as object).constructor?.name ?? 'object';
      throw invalid(`${where(at)} holds a ${name} instance, which is not a JSON value`);
    }
    this.#ancestors.delete(value);
    return out;
  }

  #enter(node: object, at: string): void {
    if (this.#ancestors.has(node)) throw invalid(`${where(at)} contains itself (a cyclic object is not JSON)`);
    this.#ancestors.add(node);
  }

  /** The document resource for a schema object without its own `$id` (the root one creates it). */
  #resourceOf(resource: Resource | undefined, copy: Record<string, unknown>): Resource {
    if (resource !== undefined) return resource;
    const root: Resource = { root: copy, anchors: new Set() };
    this.#resources.set(DEFAULT_BASE, root);
    return root;
  }

  /** Checks, once every `$id` and anchor is known, that each reference lands inside the document. */
  resolveRefs(): void {
    for (const { keyword, ref, base, at } of this.#refs) {
      const url = parseUri(ref, base);
      if (url === undefined) throw invalid(`${keyword} "${ref}" at ${at} is not a valid URI reference`);
      const hash = url.hash;
      url.hash = '';
      const document = url.href;
      const resource = this.#resources.get(document);
      if (resource === undefined) {
        if (this.#options.knownDocuments.has(document)) continue; // a meta-schema the validator bundles
        if (url.protocol === 'https:' || url.protocol === 'http:') {
          if (url.hostname !== 'velomcp.invalid') {
            throw invalid(
              `${keyword} "${ref}" at ${at} points to a remote document; MCP implementations must not fetch ` +
                `network references (SEP-2106), so every reference must resolve within the schema itself`,
            );
          }
        }
        throw invalid(`${keyword} "${ref}" at ${at} is unresolved: no resource in the schema has that URI`);
      }
      const fragment = decodeFragment(hash.slice(1));
      if (fragment === undefined) throw invalid(`${keyword} "${ref}" at ${at} has a malformed fragment`);
      if (fragment === '') continue;
      if (fragment.startsWith('/')) {
        if (!pointerExists(resource.root, fragment)) {
          throw invalid(`${keyword} "${ref}" at ${at} is unresolved: nothing at JSON Pointer "${fragment}"`);
        }
      } else if (!resource.anchors.has(fragment)) {
        throw invalid(`${keyword} "${ref}" at ${at} is unresolved: no anchor "${fragment}"`);
      }
    }
  }
}

function parseUri(reference: string, base: string): URL | undefined {
  try {
    return new URL(reference, base);
  } catch {
    return undefined;
  }
}

function decodeFragment(fragment: string): string | undefined {
  try {
    return decodeURIComponent(fragment);
  } catch {
    return undefined;
  }
}

/** Evaluates a JSON Pointer (RFC 6901) far enough to say whether it names a value. */
function pointerExists(root: unknown, pointer: string): boolean {
  let node = root;
  const tokens = pointer.split('/');
  for (let i = 1; i < tokens.length; i++) {
    const token = tokens[i]!.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      if (!/^(0|[1-9][0-9]*)$/.test(token) || Number(token) >= node.length) return false;
      node = node[Number(token)];
    } else if (isPlainObject(node) && Object.hasOwn(node, token)) {
      node = node[token];
    } else {
      return false;
    }
  }
  return true;
}

/** Assigns an own data property; a plain assignment of `__proto__` would replace the prototype instead. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
