/**
 * Small statistics and formatting helpers shared by the benchmarks.
 */

/** The median of `xs`, or null for an empty list. */
export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** The `p`-th percentile (nearest rank) of an ascending array; NaN when empty. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] ?? NaN;
}

/** A number with `digits` decimals, or `-` for null. */
export function fmt(x: number | null, digits: number): string {
  return x === null ? '-' : x.toFixed(digits);
}
