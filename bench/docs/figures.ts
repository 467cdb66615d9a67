/**
 * Where every figure of docs/benchmarks.md comes from: a {@link Figures} registry loads the committed result
 * JSON files and hands out values by path (`results[3].latency_p50_us`), recording each one it prints, so the
 * docs test can check that every figure of the page is a value of one of those files. With `mask` set, every
 * value prints as {@link MASK} instead: what remains of the page then is the generator's and the template's own
 * text, which must hold no figure.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a masked figure prints as. */
export const MASK = '▒';

/** One value printed on the page. */
export interface Figure {
  /** Repository-relative path of the JSON file. */
  file: string;
  /** Path inside it: `a.b[2].c`. */
  path: string;
  /** The JSON value at that path. */
  value: unknown;
  /** How it was printed (before any unit suffix). */
  text: string;
  /** `value`: `text` is the value; `path`: `text` is the path itself, used as a row label. */
  kind: 'value' | 'path';
}

/** Resolves `a.b[2].c` in `root`; undefined when any step is missing. */
export function resolvePath(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const part of path.match(/[^.[\]]+/g) ?? []) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** A loaded JSON file whose values are printed through the registry. */
export class Source {
  constructor(
    private readonly figures: Figures,
    readonly file: string,
    readonly json: unknown,
  ) {}

  /** The raw value at `path` (not printed, so not recorded): for choosing rows and columns. */
  get(path: string): unknown {
    return resolvePath(this.json, path);
  }

  /** The value at `path` exists. */
  has(path: string): boolean {
    return this.get(path) !== undefined && this.get(path) !== null;
  }

  /** Prints `path` itself as a row label (recorded with the value it names, so the docs test checks it exists). @throws Error when nothing is there. */
  key(path: string): string {
    const v = this.get(path);
    if (v === undefined) throw new Error(`${this.file}: nothing at ${path}`);
    return this.figures.record(this.file, path, v, path, 'path');
  }

  /** Prints the number at `path` with `digits` decimals. @throws Error when it is not a finite number. */
  num(path: string, digits: number): string {
    const v = this.get(path);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${this.file}: ${path} is not a number (${JSON.stringify(v)})`);
    return this.figures.record(this.file, path, v, v.toFixed(digits));
  }

  /** Prints the number at `path` with `digits` decimals, or `fallback` (plain text, not a figure) when it is absent. */
  numOr(path: string, digits: number, fallback: string): string {
    return this.has(path) ? this.num(path, digits) : fallback;
  }

  /** Prints the string (or boolean) at `path` as it is. @throws Error when it is missing. */
  str(path: string): string {
    const v = this.get(path);
    if (typeof v !== 'string' && typeof v !== 'boolean') throw new Error(`${this.file}: ${path} is not a string (${JSON.stringify(v)})`);
    return this.figures.record(this.file, path, v, String(v));
  }

  /** Prints the array of numbers at `path` joined by `sep` with `digits` decimals each. */
  nums(path: string, digits: number, sep = ' / '): string {
    const v = this.get(path);
    if (!Array.isArray(v) || v.length === 0) throw new Error(`${this.file}: ${path} is not an array of numbers`);
    return v.map((_, i) => this.num(`${path}[${i}]`, digits)).join(sep);
  }
}

/** The registry of a generation run. */
export class Figures {
  readonly printed: Figure[] = [];
  private readonly cache = new Map<string, Source>();

  constructor(
    readonly root: string,
    readonly mask = false,
  ) {}

  /** Loads (once) a repository-relative JSON file. @throws Error naming the file when it is missing or not JSON. */
  load(file: string): Source {
    let s = this.cache.get(file);
    if (s === undefined) {
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(join(this.root, file), 'utf8'));
      } catch (err) {
        throw new Error(`bench:docs: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
      }
      s = new Source(this, file, json);
      this.cache.set(file, s);
    }
    return s;
  }

  /** Records a printed value and returns its text (or {@link MASK}). */
  record(file: string, path: string, value: unknown, text: string, kind: Figure['kind'] = 'value'): string {
    this.printed.push({ file, path, value, text, kind });
    return this.mask ? MASK : text;
  }
}
