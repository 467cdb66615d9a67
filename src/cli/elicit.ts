/**
 * How `velomcp call` answers `elicitation/create` (MCP 2025-11-25 `client/elicitation.mdx`; in 2026-07-28 an
 * MRTR input request): a scripted answer from `--elicit <json>`, or questions asked on the terminal.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { ErrorCode } from '../jsonrpc/codes.js';
import { McpError } from '../jsonrpc/errors.js';
import type { JsonObject } from '../jsonrpc/message.js';
import type { ElicitationHandler } from '../client/options.js';
import type { ElicitFormParams, ElicitResult, ElicitUrlParams } from '../protocol/types.js';

/** Where `velomcp call` gets elicitation answers from. */
export interface CliElicitationOptions {
  /**
   * The `--elicit` JSON: either an ElicitResult (`{"action":"decline"}`, `{"action":"accept","content":{...}}`)
   * or, as a shorthand, the form content itself (`{"u":"C"}` means accept with that content).
   */
  answer?: JsonObject;
  /** Ask on a terminal when there is no `answer` (`velomcp call` passes `stdin.isTTY && stderr.isTTY`). */
  interactive: boolean;
  /** Terminal input (default `process.stdin`). */
  input?: Readable;
  /** Where questions are written (default `process.stderr`, so stdout keeps only the JSON result). */
  output?: Writable;
  /** Called with the request when it could not be answered (no `answer`, not interactive). */
  onUnanswered?: (params: ElicitFormParams | ElicitUrlParams) => void;
}

/** Answers typed at a prompt that end the elicitation instead of filling a field. */
const ESCAPES: Readonly<Record<string, ElicitResult['action']>> = { ':decline': 'decline', ':cancel': 'cancel' };

/** Thrown inside {@link askOnTerminal} when input ends (EOF, Ctrl-D) or the request is cancelled. */
const CANCELLED = Symbol('cancelled');

/** Most attempts at one required or malformed field before the elicitation is cancelled. */
const MAX_ATTEMPTS = 5;

/** The ElicitResult for an `--elicit` answer (see {@link CliElicitationOptions.answer}). */
export function scriptedAnswer(answer: JsonObject, mode: 'form' | 'url'): ElicitResult {
  const action = answer.action;
  if (action === 'accept' || action === 'decline' || action === 'cancel') {
    const result: ElicitResult = { action };
    if (action === 'accept' && mode === 'form' && typeof answer.content === 'object' && answer.content !== null) result.content = answer.content as NonNullable<ElicitResult['content']>;
    return result;
  }
  return mode === 'url' ? { action: 'accept' } : { action: 'accept', content: answer as NonNullable<ElicitResult['content']> };
}

/** An example `--elicit` value for a form: each field's default, first enum value, or a placeholder of its type. */
export function exampleAnswer(requestedSchema: JsonObject | undefined): JsonObject {
  const example: JsonObject = {};
  const props = (requestedSchema?.properties ?? {}) as Record<string, JsonObject>;
  for (const [key, p] of Object.entries(props)) {
    const options = enumOf(p);
    if (p.default !== undefined) example[key] = p.default;
    else if (p.type === 'array') example[key] = options.slice(0, 1);
    else if (options.length > 0) example[key] = options[0]!;
    else example[key] = p.type === 'number' || p.type === 'integer' ? 0 : p.type === 'boolean' ? false : '';
  }
  return example;
}

/** The allowed values of a string or array-of-string field (`enum`, `oneOf`/`anyOf` of `const`s). */
function enumOf(p: JsonObject): string[] {
  const source = p.type === 'array' ? ((p.items ?? {}) as JsonObject) : p;
  if (Array.isArray(source.enum)) return source.enum.map(String);
  const alternatives = (source.oneOf ?? source.anyOf) as JsonObject[] | undefined;
  return Array.isArray(alternatives) ? alternatives.filter((a) => a.const !== undefined).map((a) => String(a.const)) : [];
}

/** Parses one typed answer for field schema `p`; undefined with a reason when it does not fit. */
function parseField(p: JsonObject, text: string): { value?: string | number | boolean | string[]; error?: string } {
  const options = enumOf(p);
  switch (p.type) {
    case 'number':
    case 'integer': {
      const n = Number(text);
      if (text === '' || !Number.isFinite(n) || (p.type === 'integer' && !Number.isInteger(n))) return { error: `expected ${p.type === 'integer' ? 'an integer' : 'a number'}` };
      return { value: n };
    }
    case 'boolean':
      if (/^(y|yes|true)$/i.test(text)) return { value: true };
      if (/^(n|no|false)$/i.test(text)) return { value: false };
      return { error: 'expected yes or no' };
    case 'array': {
      const values = text.split(',').map((v) => v.trim()).filter((v) => v !== '');
      const bad = options.length > 0 ? values.filter((v) => !options.includes(v)) : [];
      return bad.length > 0 ? { error: `not among ${options.join(', ')}: ${bad.join(', ')}` } : { value: values };
    }
    default:
      if (options.length > 0 && !options.includes(text)) return { error: `expected one of ${options.join(', ')}` };
      return { value: text };
  }
}

/**
 * Asks for each field of a form on the terminal (`input`, writing prompts to `output`); `:decline` /
 * `:cancel` at any prompt end it, and so do end of input and `signal` (as `cancel`).
 */
export async function askOnTerminal(params: ElicitFormParams | ElicitUrlParams, input: Readable, output: Writable, signal?: AbortSignal): Promise<ElicitResult> {
  const rl = createInterface({ input, terminal: false });
  // Lines are queued, so answers typed (or piped) ahead of their question are kept; EOF or abort cancels.
  const lines: string[] = [];
  let waiting: ((line: string | undefined) => void) | undefined;
  let ended = false;
  const finish = (): void => {
    ended = true;
    waiting?.(undefined);
  };
  rl.on('line', (line) => {
    const w = waiting;
    waiting = undefined;
    if (w) w(line.trim());
    else lines.push(line.trim());
  });
  rl.once('close', finish);
  signal?.addEventListener('abort', finish, { once: true });
  const ask = async (q: string): Promise<string> => {
    output.write(q);
    const line = lines.length > 0 ? lines.shift() : ended ? undefined : await new Promise<string | undefined>((r) => (waiting = r));
    if (line === undefined) throw CANCELLED;
    return line;
  };
  try {
    output.write(`The server asks: ${params.message}\n(type :decline or :cancel at any prompt)\n`);
    if (params.mode === 'url') {
      output.write(`Open ${params.url}\n`);
      const a = await ask('Press Enter when done: ');
      return { action: ESCAPES[a] ?? 'accept' };
    }
    const schema = params.requestedSchema ?? {};
    const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
    const content: NonNullable<ElicitResult['content']> = {};
    for (const [key, p] of Object.entries((schema.properties ?? {}) as Record<string, JsonObject>)) {
      const options = enumOf(p);
      const hints = [String(p.type ?? 'string'), ...(options.length > 0 ? [`${p.type === 'array' ? 'some of' : 'one of'} ${options.join(', ')}`] : []), ...(p.default !== undefined ? [`default ${JSON.stringify(p.default)}`] : [])];
      const label = `${typeof p.title === 'string' ? p.title : key}${required.has(key) ? '*' : ''} (${hints.join('; ')})${typeof p.description === 'string' ? ` ${p.description}` : ''}: `;
      for (let attempt = 1; ; attempt++) {
        const text = await ask(label);
        const escape = ESCAPES[text];
        if (escape) return { action: escape };
        if (text === '' && (p.default !== undefined || !required.has(key))) break; // the client fills defaults (SEP-1034)
        const parsed = parseField(p, text);
        if (parsed.value !== undefined) {
          content[key] = parsed.value;
          break;
        }
        if (attempt >= MAX_ATTEMPTS) return { action: 'cancel' };
        output.write(`  ${parsed.error ?? 'a value is required'}\n`);
      }
    }
    return { action: 'accept', content };
  } catch (err) {
    if (err === CANCELLED) return { action: 'cancel' };
    throw err;
  } finally {
    signal?.removeEventListener('abort', finish);
    rl.close();
  }
}

/**
 * The elicitation handler of `velomcp call`.
 * @throws McpError -32600 naming `--elicit` and the terminal when neither an answer nor a terminal is there.
 */
export function cliElicitationHandler(options: CliElicitationOptions): ElicitationHandler {
  return async (params, ctx) => {
    const mode = params.mode === 'url' ? 'url' : 'form';
    if (options.answer !== undefined) {
      if (mode === 'url') (options.output ?? process.stderr).write(`velomcp call: the server asks to open ${(params as ElicitUrlParams).url}\n`);
      return scriptedAnswer(options.answer, mode);
    }
    if (options.interactive) return askOnTerminal(params, options.input ?? process.stdin, options.output ?? process.stderr, ctx.signal);
    options.onUnanswered?.(params);
    throw new McpError(ErrorCode.InvalidRequest, `velomcp call cannot answer "${params.message}": pass --elicit <json> or run it on a terminal`);
  };
}
