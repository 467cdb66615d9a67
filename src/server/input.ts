/**
 * Asking the client for input: elicitation, sampling and roots (MCP 2025-11-25 server→client requests;
 * MCP 2026-07-28 `basic/patterns/mrtr.mdx`, InputRequiredResult, SEP-2322).
 *
 * Handlers use `ctx.input({...})` (works in both eras) or, at a lower level, return
 * {@link inputRequired}`({inputRequests, requestState})` and read `ctx.inputResponses` on the retry.
 */
import type { JsonObject } from '../jsonrpc/message.js';
import type { CreateMessageParams, ElicitFormParams, ElicitUrlParams, InputRequest, InputResponse } from '../protocol/types.js';

/** A map of server-chosen keys to input requests. */
export type InputRequests = Record<string, InputRequest>;
/** The client's answers, keyed like the {@link InputRequests} they answer. */
export type InputResponses = Record<string, InputResponse>;

/**
 * The interim result of `tools/call`, `prompts/get` or `resources/read` that asks the client for input
 * (modern era). velomcp signs `requestState` before it leaves the server; `ctx.requestState` gives the
 * handler back exactly the value it put here once verified.
 */
export interface InputRequiredResult {
  resultType: 'input_required';
  inputRequests?: InputRequests;
  /** Any JSON value the handler wants back on the retry; sealed with HMAC on the wire. */
  requestState?: unknown;
}

/**
 * Builds an {@link InputRequiredResult}. At least one of `inputRequests` and `requestState` is required
 * (a state-only result asks the client to retry, e.g. for staged work).
 * @throws TypeError when both are absent.
 */
export function inputRequired(options: { inputRequests?: InputRequests; requestState?: unknown }): InputRequiredResult {
  if (options.inputRequests === undefined && options.requestState === undefined) {
    throw new TypeError('inputRequired needs inputRequests, requestState, or both');
  }
  const result: InputRequiredResult = { resultType: 'input_required' };
  if (options.inputRequests !== undefined) result.inputRequests = options.inputRequests;
  if (options.requestState !== undefined) result.requestState = options.requestState;
  return result;
}

/** True for an {@link InputRequiredResult}. */
export function isInputRequired(value: unknown): value is InputRequiredResult {
  return typeof value === 'object' && value !== null && (value as { resultType?: unknown }).resultType === 'input_required';
}

/** A form-mode `elicitation/create` input request. */
export function elicit(params: ElicitFormParams): InputRequest {
  return { method: 'elicitation/create', params: { mode: 'form', ...params } as JsonObject };
}

/** A URL-mode `elicitation/create` input request (the user completes a flow at `url`). */
export function elicitUrl(params: Omit<ElicitUrlParams, 'mode'>): InputRequest {
  return { method: 'elicitation/create', params: { mode: 'url', ...params } as JsonObject };
}

/** A `sampling/createMessage` input request. */
export function createMessage(params: CreateMessageParams): InputRequest {
  return { method: 'sampling/createMessage', params: params as JsonObject };
}

/** A `roots/list` input request. */
export function listRoots(): InputRequest {
  return { method: 'roots/list', params: {} };
}

/**
 * Thrown by `ctx.input()` in the modern era when the answers are not in hand yet; the server turns it into
 * an `input_required` result. Handlers should let it propagate (re-throw it if they catch broadly).
 */
export class InputRequiredSignal extends Error {
  readonly inputRequests: InputRequests;
  /** @param inputRequests - What to ask the client for. */
  constructor(inputRequests: InputRequests) {
    super('input required');
    this.name = 'InputRequiredSignal';
    this.inputRequests = inputRequests;
  }
}
