/**
 * @internal The HTTP answer while a cluster backend is unreachable (Redis lost): 503 with `Retry-After` and a
 * JSON-RPC error `BackendUnavailable` (-32013) whose `data` carries the stable local code
 * `VELO_BACKEND_UNAVAILABLE` and `retryAfterMs` (docs/errors.md, docs/scaling.md "When things fail").
 */
import type { BackendOutage } from '../../cluster/types.js';
import { VeloError, backendUnavailableError } from '../../jsonrpc/errors.js';
import { serializeError, type JsonRpcId } from '../../jsonrpc/message.js';
import type { ResponsePort } from './ports.js';
import { JSON_HEADERS } from './wire.js';

/** True for the error stores and buses raise while their backend is unreachable. */
export function isBackendUnavailable(err: unknown): err is VeloError {
  return err instanceof VeloError && err.code === 'VELO_BACKEND_UNAVAILABLE';
}

/** Answers `res` with 503 + `Retry-After` (whole seconds, at least 1) and the -32013 error for request `id`. */
export function respondUnavailable(res: ResponsePort, id: JsonRpcId | null, outage: BackendOutage | { message: string; retryAfterMs?: number }): void {
  const error = backendUnavailableError(outage.message, outage.retryAfterMs);
  const ms = (error.data as { retryAfterMs: number }).retryAfterMs;
  res.respond(503, { ...JSON_HEADERS, 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))) }, serializeError(id, error));
}
