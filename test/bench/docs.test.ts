/**
 * docs/benchmarks.md is generated (bench/docs): these tests regenerate it in memory and hold the committed
 * page to the output, check every printed figure against the JSON file it names, and check that the page
 * with every figure masked holds no figure of its own (so none was typed into the template).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MASK, resolvePath } from '../../bench/docs/figures.js';
import { generateBenchmarksDoc, OUTPUT, readSources, SEE_ALSO_END, SEE_ALSO_START, withoutSeeAlso } from '../../bench/docs/generate.js';
import { ROOT } from '../cli/helpers.js';

/** The page's lines outside fenced code blocks. */
function proseLines(markdown: string): string[] {
  let fenced = false;
  return markdown.split('\n').filter((line) => {
    if (line.startsWith('```')) {
      fenced = !fenced;
      return false;
    }
    return !fenced;
  });
}

const FIGURE_CELL = /^[-+]?\d[\d,.]*\s*(?:×|%|µs|ms|ns|s|KiB|MiB|GiB)?$/;
const FIGURE_IN_PROSE = /(?<![\w.\-/])\d+(?:[.,]\d+)?\s?(?:µs|ms|ns|s|KiB|KB|MiB|GiB|%|×|calls\/s|req\/s|ops\/s|min)(?![\w/])/;

describe('docs/benchmarks.md is generated from the committed result JSON', () => {
  test('the committed page equals the generator output (apart from the see-also list, which names only files that exist)', () => {
    const { markdown } = generateBenchmarksDoc();
    const committed = readFileSync(join(ROOT, OUTPUT), 'utf8');
    assert.equal(withoutSeeAlso(committed), withoutSeeAlso(markdown), 'docs/benchmarks.md drifted from its sources: run npm run bench:docs');
    const list = committed.slice(committed.indexOf(SEE_ALSO_START), committed.indexOf(SEE_ALSO_END));
    const links = [...list.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]!);
    assert.ok(links.length > 0);
    for (const l of links) assert.ok(existsSync(join(ROOT, 'docs', l)), `see-also links to a missing docs/${l}`);
  });

  test('every figure on the page is the value at its path in the JSON file it was read from (within its printed rounding)', () => {
    const { figures, sources } = generateBenchmarksDoc();
    const files = new Set(figures.map((f) => f.file));
    for (const f of [sources.suite, ...sources.load]) assert.ok(files.has(f), `the page reads ${f}`);
    const parsed = new Map<string, unknown>();
    for (const file of files) parsed.set(file, JSON.parse(readFileSync(join(ROOT, file), 'utf8')));
    assert.ok(figures.length > 500, `figures printed: ${figures.length}`);
    for (const f of figures) {
      const value = resolvePath(parsed.get(f.file), f.path);
      const where = `${f.file} ${f.path}`;
      assert.notEqual(value, undefined, `${where} exists`);
      if (f.kind === 'path') {
        assert.equal(f.text, f.path, where);
      } else if (typeof value === 'number') {
        const decimals = f.text.split('.')[1]?.length ?? 0;
        assert.ok(Math.abs(Number(f.text) - value) <= 0.5 * 10 ** -decimals + 1e-9, `${where}: printed ${f.text}, JSON has ${value}`);
      } else {
        assert.equal(f.text, String(value), where);
      }
    }
  });

  test('with every figure masked, no table cell and no sentence holds a figure (the template types none)', () => {
    const { markdown } = generateBenchmarksDoc({ mask: true });
    assert.ok(markdown.includes(MASK));
    const offenders: string[] = [];
    for (const line of proseLines(markdown)) {
      if (line.startsWith('|')) {
        if (/^\|(?:\s*-+:?\s*\|)+$/.test(line)) continue;
        for (const cell of line.split('|').slice(1, -1)) if (FIGURE_CELL.test(cell.trim().replace(/`/g, ''))) offenders.push(line);
      } else if (FIGURE_IN_PROSE.test(line)) offenders.push(line);
    }
    // Header rows are labels ("P50 µs"); a header cell that is a bare number would be caught above.
    assert.deepEqual(offenders, []);
  });

  test('the suite report it reads is the pinned, committed one, from a run that recorded its environment', () => {
    const sources = readSources(ROOT);
    assert.match(sources.suite, /^bench\/results\/suite-.*\.json$/);
    const report = JSON.parse(readFileSync(join(ROOT, sources.suite), 'utf8')) as { environment: Record<string, unknown>; results: unknown[] };
    for (const k of ['node', 'cpus', 'loadavg_start', 'loadavg_end', 'commit']) assert.ok(report.environment[k] !== undefined, k);
    assert.ok(report.results.length > 0);
  });

  describe('bad input is refused with a message naming it', () => {
    const scratch = (template: string, sources: string): string => {
      const root = mkdtempSync(join(tmpdir(), 'velomcp-bench-docs-'));
      mkdirSync(join(root, 'bench/docs'), { recursive: true });
      writeFileSync(join(root, 'bench/docs/template.md'), template);
      writeFileSync(join(root, 'bench/docs/sources.json'), sources);
      return root;
    };
    const okSources = JSON.stringify({ suite: 'bench/results/suite-x.json', load: [] });

    test('an unknown table, a malformed fig directive, an unknown directive', () => {
      for (const [template, message] of [
        ['{{table nope}}', /unknown table in \{\{table nope\}\}/],
        ['{{fig suite results[0].latency_p50_us}}', /must be \{\{fig FILE PATH DIGITS\}\}/],
        ['{{figure x}}', /unknown directive \{\{figure x\}\}/],
      ] as const) {
        const root = scratch(template, okSources);
        try {
          assert.throws(() => generateBenchmarksDoc({ root }), message);
        } finally {
          rmSync(root, { recursive: true, force: true });
        }
      }
    });

    test('a missing result file, a value that is not a number, a malformed sources.json', () => {
      const root = scratch('{{fig suite environment.node 0}}', okSources);
      try {
        assert.throws(() => generateBenchmarksDoc({ root }), /cannot read bench\/results\/suite-x\.json/);
        mkdirSync(join(root, 'bench/results'));
        writeFileSync(join(root, 'bench/results/suite-x.json'), JSON.stringify({ environment: { node: 'v20' } }));
        assert.throws(() => generateBenchmarksDoc({ root }), /suite-x\.json: environment\.node is not a number/);
        writeFileSync(join(root, 'bench/docs/sources.json'), '{"suite": 3}');
        assert.throws(() => readSources(root), /sources\.json must be/);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  });
});
