import type { ValidationIssue } from './types.js';

/**
 * Most issues a validator reports for one value, and the most the one-line summary spells out (the rest are
 * counted). Bounds the size of an error a hostile input can provoke.
 */
export const DEFAULT_MAX_ISSUES = 20;

/**
 * Formats issues as the one-line summary carried by a failed `ValidationResult`.
 * Each issue reads `<label><path>: <message>`; with neither label nor path only the message is shown.
 * @param issues - The issues, in the validator's order; at most {@link DEFAULT_MAX_ISSUES} are spelled out.
 * @param label - Prefix naming the validated value, e.g. `arguments` gives `arguments/age: must be >= 0`.
 * @param total - How many issues there were in all, when `issues` was already cut short (default: its length).
 * @returns The summary, e.g. `/age: must be >= 0; /name: must be string`, ending `(and N more)` when some
 *   issues are not shown.
 */
export function formatIssues(issues: readonly ValidationIssue[], label = '', total = issues.length): string {
  if (issues.length === 0) return label === '' ? 'invalid value' : `${label}: invalid value`;
  let line = '';
  const shown = Math.min(issues.length, DEFAULT_MAX_ISSUES);
  for (let i = 0; i < shown; i++) {
    const issue = issues[i]!;
    const where = label + issue.path;
    if (i > 0) line += '; ';
    line += where === '' ? issue.message : `${where}: ${issue.message}`;
  }
  const more = Math.max(total, issues.length) - shown;
  if (more > 0) line += ` (and ${more} more)`;
  return line;
}

/** Escapes one reference token for a JSON Pointer (RFC 6901 §3). */
export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** True for a non-null object whose prototype is `Object.prototype` or null (a JSON object). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** True for anything with a callable `then` (how Promises are recognised across realms and libraries). */
export function isPromiseLike<T>(value: unknown): value is PromiseLike<T> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
