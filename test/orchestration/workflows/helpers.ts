/** Test doubles for the workflow engine: a scripted caller that records every call and how many run at once. */
import type { CallToolResult, ReadResourceResult } from '../../../src/protocol/types.js';
import type { WorkflowCaller } from '../../../src/orchestration/workflows/index.js';

export const text = (t: string): CallToolResult => ({ content: [{ type: 'text', text: t }] });

/** Waits `ms`, or rejects when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });
}

type Tool = (args: Record<string, unknown>, signal: AbortSignal) => Promise<CallToolResult> | CallToolResult;

/** A caller whose tools are plain functions; it logs start/end events and tracks concurrency. */
export class ScriptedCaller implements WorkflowCaller {
  readonly events: string[] = [];
  readonly calls: { name: string; args: Record<string, unknown> }[] = [];
  readonly aborted: string[] = [];
  running = 0;
  maxRunning = 0;
  constructor(readonly tools: Record<string, Tool>, readonly resources: Record<string, string> = {}) {}

  async callTool(name: string, args: Record<string, unknown>, { signal }: { signal: AbortSignal }): Promise<CallToolResult> {
    const tool = this.tools[name];
    if (!tool) return { ...text(`unknown tool ${name}`), isError: true };
    const label = typeof args.label === 'string' ? args.label : name;
    this.calls.push({ name, args });
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    this.events.push(`start:${label}`);
    const onAbort = (): void => void this.aborted.push(label);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await tool(args, signal);
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.running--;
      this.events.push(`end:${label}`);
    }
  }

  async readResource(uri: string): Promise<ReadResourceResult> {
    const t = this.resources[uri];
    if (t === undefined) throw new Error(`Resource not found: ${uri}`);
    return { contents: [{ uri, text: t }] };
  }
}

/** A tool that waits `args.ms` (default 50) and echoes its arguments in structuredContent. */
export const wait: Tool = async (args, signal) => {
  await sleep(typeof args.ms === 'number' ? args.ms : 50, signal);
  return { ...text(JSON.stringify(args)), structuredContent: { ...args } };
};
