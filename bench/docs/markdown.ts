/** Markdown helpers of the docs generator. */

/** A GitHub-flavoured table; `align` per column: `l` (default) or `r`. */
export function table(headers: string[], rows: string[][], align = ''): string {
  const a = (c: number): string => (align[c] === 'r' ? '---:' : '---');
  const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [`| ${headers.join(' | ')} |`, `| ${headers.map((_, c) => a(c)).join(' | ')} |`];
  for (const r of rows) lines.push(`| ${r.map(esc).join(' | ')} |`);
  return lines.join('\n');
}

/** Decimals that suit a figure's magnitude: 0 from 1000, 1 from 100, 2 from 1, else 3. */
export function digitsFor(v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return 0;
  const a = Math.abs(v);
  if (Number.isInteger(v)) return 0;
  return a >= 1000 ? 0 : a >= 100 ? 1 : a >= 1 ? 2 : 3;
}
