/**
 * The multi round-trip request loop of the 2026-07-28 era (`basic/patterns/mrtr.mdx`): a result with
 * `resultType: 'input_required'` is answered by the client's handlers and the request is sent again with
 * `inputResponses` (and the opaque `requestState`, echoed exactly).
 */
import { VeloError } from '../jsonrpc/errors.js';
import type { JsonObject } from '../jsonrpc/message.js';
import type { InputRequest } from '../protocol/types.js';

/** The methods whose results may be `input_required`. */
export const MRTR_METHODS: ReadonlySet<string> = new Set(['tools/call', 'prompts/get', 'resources/read']);

/** The callbacks of {@link runInputRounds}. */
export interface InputRoundHooks {
  /** Most `input_required` rounds before failing (the client's `maxInputRounds`, default 10). */
  maxRounds: number;
  /** Sends the request once with these params. */
  send(params: JsonObject | undefined): Promise<JsonObject>;
  /** Answers one input request (`sampling/createMessage`, `elicitation/create`, `roots/list`). */
  fulfil(method: string, params: JsonObject | undefined): Promise<JsonObject>;
}

/**
 * Sends `method` until its result is not `input_required`, fulfilling the input requests of each round
 * concurrently. Resolves with the final result and the round it came in (0: no input was needed).
 * @throws VeloError `VELO_PROTOCOL_ERROR` when input is still required after `maxRounds` rounds.
 */
export async function runInputRounds(method: string, params: JsonObject | undefined, hooks: InputRoundHooks): Promise<{ result: JsonObject; round: number }> {
  let extra: JsonObject = {};
  for (let round = 0; round <= hooks.maxRounds; round++) {
    const result = await hooks.send({ ...params, ...extra });
    if (result.resultType !== 'input_required') return { result, round };
    const requests = (result.inputRequests ?? {}) as Record<string, InputRequest>;
    const inputResponses: JsonObject = {};
    await Promise.all(
      Object.entries(requests).map(async ([key, req]) => {
        inputResponses[key] = await hooks.fulfil(req.method, req.params);
      }),
    );
    extra = { inputResponses };
    // requestState is opaque: echoed exactly as received, and only when the server sent one.
    if (result.requestState !== undefined) extra.requestState = result.requestState;
  }
  throw new VeloError('VELO_PROTOCOL_ERROR', `${method} still needed input after ${hooks.maxRounds} rounds`);
}
