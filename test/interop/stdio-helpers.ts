/**
 * Shared pieces of the interop tests: where the compiled CLI and reference server live, the command
 * line that serves the reference server over stdio, a wire tap on client transports, and bounded waits.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from the compiled test file (dist/test/interop/*.js). */
export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** `velomcp serve <reference server>`: the arguments to spawn with `process.execPath`. */
export const SERVE_ARGS: string[] = [join(ROOT, 'dist', 'src', 'cli', 'main.js'), 'serve', join(ROOT, 'dist', 'examples', 'everything', 'server.js')];

/** Per-request timeout for client calls, in milliseconds. */
export const REQUEST_TIMEOUT_MS = 10_000;

/** Every tool, resource and prompt name the conformance scenarios call (both eras). */
export const CONFORMANCE_TOOLS = [
  'test_simple_text',
  'test_image_content',
  'test_audio_content',
  'test_embedded_resource',
  'test_multiple_content_types',
  'test_tool_with_logging',
  'test_tool_with_progress',
  'test_error_handling',
  'test_sampling',
  'test_elicitation',
  'test_elicitation_sep1034_defaults',
  'test_elicitation_sep1330_enums',
  'json_schema_2020_12_tool',
  'test_reconnection',
  'test_trigger_tool_change',
  'test_trigger_prompt_change',
  'test_missing_capability',
  'test_streaming_elicitation',
  'test_logging_tool',
  'test_input_required_result_elicitation',
  'test_input_required_result_sampling',
  'test_input_required_result_list_roots',
  'test_input_required_result_request_state',
  'test_input_required_result_multiple_inputs',
  'test_input_required_result_multi_round',
  'test_input_required_result_tampered_state',
  'test_input_required_result_capabilities',
] as const;

export const CONFORMANCE_PROMPTS = [
  'test_simple_prompt',
  'test_prompt_with_arguments',
  'test_prompt_with_embedded_resource',
  'test_prompt_with_image',
  'test_input_required_result_prompt',
] as const;

export const CONFORMANCE_RESOURCES = ['test://static-text', 'test://static-binary', 'test://watched-resource'] as const;

/** The PNG file signature, to check base64 image payloads. */
export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Rejects when `promise` has not settled within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` every 10 ms until it returns a value other than undefined, or fails after `ms`. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() >= end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The text of every text block of a tool result, joined with newlines. */
export function textOf(result: object): string {
  const content = (result as { content?: unknown }).content;
  const blocks = Array.isArray(content) ? (content as { type?: string; text?: string }[]) : [];
  return blocks
    .filter((b) => b.type === 'text')
    .map((b) => b.text ?? '')
    .join('\n');
}

/** A JSON-RPC message as seen on the wire. */
export interface WireMessage {
  jsonrpc: '2.0';
  id?: string | number;
  method?: string;
  params?: Record<string, any>;
  result?: Record<string, any>;
  error?: { code: number; message: string; data?: unknown };
}

/** The minimal transport shape both SDK lines share. */
interface TappableTransport {
  onmessage?: ((message: any, extra?: any) => void) | undefined;
}

/**
 * Records every message the server sends, in wire order, before the client dispatches it. Install it
 * after `client.connect()` (the client sets `onmessage` there). The SDK clients dispatch notifications a
 * microtask later than responses, so the tap is the reliable witness of what the server sent and when.
 */
export class WireTap {
  readonly messages: WireMessage[] = [];

  constructor(transport: TappableTransport) {
    const inner = transport.onmessage;
    if (!inner) throw new Error('WireTap: install it after client.connect()');
    transport.onmessage = (message: any, extra?: any) => {
      this.messages.push(message as WireMessage);
      inner.call(transport, message, extra);
    };
  }

  /** Messages sent since `mark` (an index from {@link WireTap.mark}). */
  since(mark: number): WireMessage[] {
    return this.messages.slice(mark);
  }

  /** The index of the next message. */
  mark(): number {
    return this.messages.length;
  }

  /** Server→client requests (legacy era only) since `mark`. */
  requestsSince(mark: number): WireMessage[] {
    return this.since(mark).filter((m) => m.method !== undefined && m.id !== undefined);
  }

  /** Notifications of `method` since `mark`. */
  notificationsSince(mark: number, method: string): WireMessage[] {
    return this.since(mark).filter((m) => m.method === method && m.id === undefined);
  }
}

/** Kills a child process by pid if it is still alive (after the client closed its transport). */
export function reap(pid: number | null | undefined): void {
  if (!pid) return;
  try {
    process.kill(pid, 0);
  } catch {
    return; // already gone
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // raced with its exit
  }
}
