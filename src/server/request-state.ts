/**
 * Integrity-protected `requestState` for multi round-trip requests (MCP 2026-07-28
 * `basic/patterns/mrtr.mdx`, SEP-2322): the state is attacker-controlled, so it is signed with
 * HMAC-SHA256 and bound to the method, a digest of the request's params, the principal and an expiry.
 *
 * Wire form: `v1.<base64url(payload JSON)>.<base64url(tag)>`, where the tag covers the payload and the
 * binding. The payload is not encrypted: it holds the client's own earlier answers and the handler's state.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ErrorCode } from '../jsonrpc/codes.js';
import { McpError, VeloError } from '../jsonrpc/errors.js';
import type { JsonObject } from '../jsonrpc/message.js';
import type { InputResponse } from '../protocol/types.js';

/** Options of a {@link RequestStateCodec}. */
export interface RequestStateOptions {
  /**
   * HMAC key (at least 32 bytes). Defaults to 32 random bytes per process, which is right for one process;
   * every node behind a load balancer must share one key.
   */
  key?: string | Uint8Array;
  /** Lifetime of a minted state in milliseconds (default 10 minutes). */
  ttlMs?: number;
}

/** What a request is bound to. */
export interface RequestBinding {
  method: string;
  params: JsonObject | undefined;
  /** The authenticated principal (empty string when anonymous). */
  principal: string;
}

/** The verified contents of a `requestState`. */
export interface RequestStatePayload {
  /** Answers of earlier rounds, in round order (the retry carries only the newest round's answers). */
  rounds: Record<string, InputResponse>[];
  /** The handler's own state, as it passed it to `inputRequired({requestState})`. */
  user?: unknown;
}

/** Param members that change between rounds and so are excluded from the digest. */
const UNBOUND_PARAMS = new Set(['_meta', 'inputResponses', 'requestState']);

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).sort();
    const parts: string[] = [];
    for (const k of keys) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) parts.push(`${JSON.stringify(k)}:${canonical(v)}`);
    }
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** SHA-256 of the canonical JSON of the params that identify the request (base64url). */
export function paramsDigest(params: JsonObject | undefined): string {
  const bound: JsonObject = {};
  if (params) for (const k of Object.keys(params)) if (!UNBOUND_PARAMS.has(k)) bound[k] = params[k];
  return createHash('sha256').update(canonical(bound)).digest('base64url');
}

/** Signs and verifies `requestState` strings. One instance per server. */
export class RequestStateCodec {
  readonly #key: Buffer;
  readonly #ttlMs: number;

  /** @throws VeloError `VELO_INVALID_CONFIG` when the key is shorter than 32 bytes. */
  constructor(options: RequestStateOptions = {}) {
    const key = options.key === undefined ? randomBytes(32) : Buffer.from(options.key);
    if (key.length < 32) throw new VeloError('VELO_INVALID_CONFIG', 'requestState key must be at least 32 bytes');
    this.#key = key;
    this.#ttlMs = options.ttlMs ?? 10 * 60_000;
  }

  /** Mints a state bound to `binding`, valid for the configured TTL. */
  seal(binding: RequestBinding, payload: RequestStatePayload): string {
    const body = Buffer.from(JSON.stringify({ v: 1, exp: Date.now() + this.#ttlMs, r: payload.rounds, u: payload.user })).toString('base64url');
    return `v1.${body}.${this.#tag(body, binding).toString('base64url')}`;
  }

  /**
   * Verifies and decodes a state.
   * @throws McpError `-32602` when the state is malformed, tampered with, expired, or minted for another
   * request, method or principal.
   */
  open(token: unknown, binding: RequestBinding): RequestStatePayload {
    if (typeof token !== 'string') throw invalid('requestState must be a string');
    const first = token.indexOf('.');
    const last = token.lastIndexOf('.');
    if (first !== 2 || last <= first || token.slice(0, 2) !== 'v1') throw invalid('requestState is malformed');
    const body = token.slice(3, last);
    const tag = Buffer.from(token.slice(last + 1), 'base64url');
    const expected = this.#tag(body, binding);
    if (tag.length !== expected.length || !timingSafeEqual(tag, expected)) {
      throw invalid('requestState failed verification (tampered, or minted for a different request)');
    }
    let decoded: { exp?: unknown; r?: unknown; u?: unknown };
    try {
      decoded = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as typeof decoded;
    } catch {
      throw invalid('requestState is malformed');
    }
    if (typeof decoded.exp !== 'number' || decoded.exp < Date.now()) throw invalid('requestState has expired; start the request again');
    const rounds = Array.isArray(decoded.r) ? (decoded.r as Record<string, InputResponse>[]) : [];
    return decoded.u === undefined ? { rounds } : { rounds, user: decoded.u };
  }

  #tag(body: string, binding: RequestBinding): Buffer {
    return createHmac('sha256', this.#key)
      .update(body)
      .update('\n')
      .update(binding.method)
      .update('\n')
      .update(paramsDigest(binding.params))
      .update('\n')
      .update(binding.principal)
      .digest();
  }
}

function invalid(message: string): McpError {
  return new McpError(ErrorCode.InvalidParams, `Invalid requestState: ${message}`);
}
