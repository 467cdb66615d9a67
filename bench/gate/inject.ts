/**
 * The injected slowdown the proof uses: a patched COPY of the compiled tree in which JSON-RPC message
 * classification (`messageKind` in dist/src/jsonrpc/message.js, run on every inbound message) starts with a
 * busy loop of a chosen number of iterations. The real tree is never touched and nothing in src/ reads a
 * switch: the gate measures the copy through its own probe, exactly as it measures the real tree.
 */
import { cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

/** The line the patch anchors on; the patch fails loudly if the compiled function changes shape. */
export const CLASSIFY_ANCHOR = 'export function messageKind(value) {';

/**
 * Inserts the busy loop into the text of message.js.
 * @throws Error when the anchor is not found exactly once, or `iterations` is not a positive integer.
 */
export function patchClassification(source: string, iterations: number): string {
  if (!Number.isInteger(iterations) || iterations < 1) throw new Error(`gate: the busy loop needs a positive integer of iterations, got ${iterations}`);
  const at = source.indexOf(CLASSIFY_ANCHOR);
  if (at < 0 || source.indexOf(CLASSIFY_ANCHOR, at + 1) >= 0) throw new Error(`gate: "${CLASSIFY_ANCHOR}" is not in message.js exactly once; update bench/gate/inject.ts`);
  const loop = `\n    for (let spin = 0; spin < ${iterations}; spin++) injectedSink = (injectedSink + spin) | 0;`;
  const end = at + CLASSIFY_ANCHOR.length;
  return `${source.slice(0, at)}let injectedSink = 0;\n${source.slice(at, end)}${loop}${source.slice(end)}`;
}

/**
 * Copies `root`'s dist/src and dist/bench (with package.json, and node_modules linked) to a new temporary
 * directory and patches classification there.
 * @param root - The checkout (holds dist/, package.json, node_modules/).
 * @returns The copy's directory and the probe to point the gate at.
 */
export function buildSlowedCopy(root: string, iterations: number): { dir: string; probe: string } {
  const dir = mkdtempSync(join(os.tmpdir(), 'velomcp-gate-slowed-'));
  cpSync(join(root, 'dist', 'src'), join(dir, 'dist', 'src'), { recursive: true });
  cpSync(join(root, 'dist', 'bench'), join(dir, 'dist', 'bench'), { recursive: true });
  cpSync(join(root, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const file = join(dir, 'dist', 'src', 'jsonrpc', 'message.js');
  writeFileSync(file, patchClassification(readFileSync(file, 'utf8'), iterations));
  return { dir, probe: join(dir, 'dist', 'bench', 'gate', 'probe.js') };
}
