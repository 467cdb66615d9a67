/**
 * Client-side error helpers: the marker that tells the client a request was lost with its transport
 * (so it may be re-issued or resumed) rather than refused.
 */
import { VeloError } from '../jsonrpc/errors.js';

const dropped = Symbol.for('velomcp.transportDrop');

/** A `VELO_CONNECTION_CLOSED` error marked as "lost in transit": the request may not have been processed. */
export function transportDrop(message: string, cause?: unknown): VeloError {
  const err = new VeloError('VELO_CONNECTION_CLOSED', message, cause === undefined ? undefined : { cause });
  Object.defineProperty(err, dropped, { value: true });
  return err;
}

/** True for errors made by {@link transportDrop}. */
export function isTransportDrop(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[dropped] === true;
}
