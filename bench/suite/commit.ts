/** The commit a benchmark run measured, recorded in every report (suite and load scenarios). */
import { execFileSync } from 'node:child_process';

/** `git rev-parse --short HEAD`, with `+dirty` when tracked files have uncommitted changes; `unknown` outside a git checkout. */
export function checkoutCommit(): string {
  try {
    const opts = { encoding: 'utf8' as const, stdio: ['ignore', 'pipe', 'ignore'] as ['ignore', 'pipe', 'ignore'] };
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], opts).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], opts).trim() !== '';
    return dirty ? `${head}+dirty` : head;
  } catch {
    return 'unknown';
  }
}
