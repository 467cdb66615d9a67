import type { ValidationIssue } from './types.js';

/** How many issues the one-line summary spells out; the rest are counted, so the line stays short. */
const SUMMARY_ISSUES = 3;

/**
 * Formats issues as the one-line summary carried by a failed `ValidationResult`.
 * Each issue reads `<label><path>: <message>`; with neither label nor path only the message is shown.
 * @param issues - The issues, in the validator's order.
 * @param label - Prefix naming the validated value, e.g. `arguments` gives `arguments/age: must be >= 0`.
 * @returns The summary, e.g. `/age: must be >= 0; /name: must be string`.
 */
export function formatIssues(issues: readonly ValidationIssue[], label = ''): string {
  if (issues.length === 0) return label === '' ? 'invalid value' : `${label}: invalid value`;
  let line = '';
  const shown = Math.min(issues.length, SUMMARY_ISSUES);
  for (let i = 0; i < shown; i++) {
    const issue = issues[i]!;
    const where = label + issue.path;
    if (i > 0) line += '; ';
    line += where === '' ? issue.message : `${where}: ${issue.message}`;
  }
  if (issues.length > shown) line += ` (and ${issues.length - shown} more)`;
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
