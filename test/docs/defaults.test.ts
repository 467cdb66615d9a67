/**
 * The option tables of docs/server.md and docs/transports.md against the code, so they cannot drift.
 *
 * Each table follows a marker `<!-- defaults: Interface in decl.ts; applied in dir-or-file ... -->`. Every
 * member of the interface must have a row, and every row must be a member. A default written as a literal
 * in backticks (`0`, `'/mcp'`, `true`, or a named constant such as `DEFAULT_MAX_MESSAGE_BYTES`) must be the
 * value the code falls back to: every `options.<name> ?? <expr>` (or `options.<name>, <expr>` passed to a
 * bounds helper) in the applied-in files, with constants resolved from `const NAME = <expr>` in src; a
 * default handed on as a named constant counts when that constant appears in the applied-in files.
 * Defaults written in words (objects, stores, functions) are documented but not evaluated.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../cli/helpers.js';

const DOCS = ['docs/server.md', 'docs/transports.md'];

function sources(path: string): string[] {
  const full = join(ROOT, path);
  if (!statSync(full).isDirectory()) return [full];
  return readdirSync(full).flatMap((name) => (name.endsWith('.d.ts') ? [] : statSync(join(full, name)).isDirectory() ? sources(join(path, name)) : name.endsWith('.ts') ? [join(full, name)] : []));
}

const ALL_SRC = sources('src').map((f) => readFileSync(f, 'utf8')).join('\n');

/** The own members of `export interface name` in a source file. */
function members(file: string, name: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const start = text.search(new RegExp(`^export interface ${name}\\b[^{]*\\{`, 'm'));
  assert.ok(start >= 0, `${file} declares interface ${name}`);
  const end = text.indexOf('\n}', start);
  return [...text.slice(start, end).matchAll(/^ {2}([A-Za-z_$][\w$]*)\??:/gm)].map((m) => m[1]!);
}

/** Evaluates a default expression of the code: numbers (with `_` and `*`), strings, booleans, constants. */
function evaluate(expr: string, depth = 0): unknown {
  const e = expr.trim();
  if (/^'[^']*'$/.test(e) || /^"[^"]*"$/.test(e)) return e.slice(1, -1);
  if (e === 'true' || e === 'false') return e === 'true';
  if (/^[\d_\s*+]+$/.test(e)) return Number(Function(`return (${e.replace(/_/g, '')})`)());
  if (/^[A-Z][A-Z0-9_]*$/.test(e) && depth < 3) {
    const m = new RegExp(`const ${e}(?::[^=]+)? = ([^;\\n]+);`).exec(ALL_SRC);
    return m ? evaluate(m[1]!, depth + 1) : undefined;
  }
  return undefined;
}

/** The value a docs cell states: its first backticked literal (or constant), or undefined for words. */
function documented(cell: string): { value: unknown; constant?: string } | undefined {
  const literal = /^`([^`]+)`/.exec(cell.trim());
  if (!literal) return undefined;
  const constant = /\(`([A-Z][A-Z0-9_]*)`\)/.exec(cell)?.[1];
  return { value: evaluate(literal[1]!), ...(constant ? { constant } : {}) };
}

interface Table {
  doc: string;
  iface: string;
  decl: string;
  applied: string[];
  rows: Map<string, string>;
}

function tables(): Table[] {
  const out: Table[] = [];
  for (const doc of DOCS) {
    const text = readFileSync(join(ROOT, doc), 'utf8');
    for (const m of text.matchAll(/<!-- defaults: (\w+) in (\S+); applied in ([^>]+?) -->\n((?:\|.*\n?)+)/g)) {
      const rows = new Map<string, string>();
      for (const line of m[4]!.trim().split('\n').slice(2)) {
        const cells = line.split('|').map((c) => c.trim());
        const name = /^`(\w+)`$/.exec(cells[1] ?? '')?.[1];
        assert.ok(name, `${doc}: row "${line}" names an option in backticks`);
        rows.set(name, cells[2] ?? '');
      }
      out.push({ doc, iface: m[1]!, decl: m[2]!, applied: m[3]!.trim().split(/\s+/), rows });
    }
  }
  return out;
}

describe('documented option defaults', () => {
  const all = tables();

  test('both docs carry option tables for the server and every transport', () => {
    const names = all.map((t) => t.iface);
    for (const iface of ['McpServerOptions', 'HttpHandlerOptions', 'ServeHttpOptions', 'StdioServerOptions', 'WebSocketAttachOptions', 'ServeTcpOptions']) {
      assert.ok(names.includes(iface), `a table for ${iface}`);
    }
  });

  for (const table of all) {
    test(`${table.doc}: every option of ${table.iface} has a row, and every row is an option`, () => {
      const declared = members(table.decl, table.iface);
      const missing = declared.filter((n) => !table.rows.has(n));
      const extra = [...table.rows.keys()].filter((n) => !declared.includes(n));
      assert.deepEqual({ missing, extra }, { missing: [], extra: [] }, `${table.iface} (${table.decl}) vs ${table.doc}`);
    });

    test(`${table.doc}: the defaults written for ${table.iface} are the code's`, () => {
      const code = table.applied.flatMap(sources).map((f) => readFileSync(f, 'utf8')).join('\n');
      let checked = 0;
      for (const [name, cell] of table.rows) {
        const doc = documented(cell);
        if (doc === undefined) continue;
        assert.notEqual(doc.value, undefined, `${table.doc}: the default of ${name} (${cell}) is a literal`);
        if (doc.constant !== undefined) {
          assert.equal(evaluate(doc.constant), doc.value, `${table.doc}: ${doc.constant} is ${String(doc.value)}`);
        }
        const found = [...code.matchAll(new RegExp(`options\\.${name}\\s*(?:\\?\\?|,)\\s*([^,;)\\n]+)`, 'g'))]
          .map((m) => ({ expr: m[1]!.trim(), value: evaluate(m[1]!) }))
          .filter((f) => f.value !== undefined);
        // a default passed on as a named constant (e.g. to OutboundRequests) is found by that name
        const viaConstant = doc.constant !== undefined && new RegExp(`\\b${doc.constant}\\b`).test(code);
        assert.ok(found.length > 0 || viaConstant, `${table.doc}: no default for ${name} found in ${table.applied.join(' ')}`);
        for (const f of found) assert.equal(f.value, doc.value, `${table.doc}: ${name} defaults to ${f.expr} in the code, the docs say ${cell}`);
        checked++;
      }
      assert.ok(checked > 0 || table.rows.size === [...table.rows.values()].filter((c) => documented(c) === undefined).length);
    });
  }
});
