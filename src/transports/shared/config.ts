/**
 * Checks of numeric transport options, shared by the socket transports (TCP, WebSocket).
 */
import { VeloError } from '../../jsonrpc/errors.js';

/**
 * `value`, or `fallback` when it is undefined.
 * @param name - The option's name, for the error message.
 * @param allowZero - Accept 0 (e.g. "no timeout").
 * @throws VeloError `VELO_INVALID_CONFIG` when `value` is not a finite number ≥ 0 (> 0 unless `allowZero`).
 */
export function positiveOption(name: string, value: number | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new VeloError('VELO_INVALID_CONFIG', `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${String(value)}`);
  }
  return value;
}
