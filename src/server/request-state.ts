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

/** Deepest params nesting the digest accepts; deeper requests carrying MRTR state are answered with -32602. */
export const MAX_CANONICAL_DEPTH = 256;

/**
 * Canonical JSON (sorted keys, `undefined` members dropped). Iterative, so a deeply nested client value cannot
 * overflow the stack; past {@link MAX_CANONICAL_DEPTH} levels it throws McpError -32602.
 */
function canonical(root: unknown): string {
  const out: string[] = [];
  // Each frame is a value to write, or a literal piece of text (separators and closers).
  const stack: { v: unknown; depth: number; text?: string }[] = [{ v: root, depth: 0 }];
  while (stack.length > 0) {
    const frame = stack.pop() as { v: unknown; depth: number; text?: string };
    if (frame.text !== undefined) {
      out.push(frame.text);
      continue;
    }
    const value = frame.v;
    if (typeof value === 'object' && value !== null) {
      if (frame.depth >= MAX_CANONICAL_DEPTH) throw invalid(`params are nested deeper than ${MAX_CANONICAL_DEPTH} levels`);
      const depth = frame.depth + 1;
      const pieces: { v: unknown; depth: number; text?: string }[] = [];
      if (Array.isArray(value)) {
        out.push('[');
        value.forEach((item, i) => {
          if (i > 0) pieces.push({ v: undefined, depth, text: ',' });
          pieces.push({ v: item, depth });
        });
        pieces.push({ v: undefined, depth, text: ']' });
      } else {
        out.push('{');
        let first = true;
        for (const k of Object.keys(value).sort()) {
          const v = (value as Record<string, unknown>)[k];
          if (v === undefined) continue;
          pieces.push({ v: undefined, depth, text: `${first ? '' : ','}${JSON.stringify(k)}:` });
          pieces.push({ v, depth });
          first = false;
        }
        pieces.push({ v: undefined, depth, text: '}' });
      }
      for (let i = pieces.length - 1; i >= 0; i--) stack.push(pieces[i] as { v: unknown; depth: number; text?: string });
      continue;
    }
    out.push(JSON.stringify(value) ?? 'null');
  }
  return out.join('');
}

/** SHA-256 of the canonical JSON of the params that identify the request (base64url). */
export function paramsDigest(params: JsonObject | undefined): string {
  const bound: JsonObject = {};
  if (params) for (const k of Object.keys(params)) if (!UNBOUND_PARAMS.has(k)) bound[k] = params[k];
  return createHash('sha256').update(canonical(bound)).digest('base64url');
}

/** Signs and verifies `requestState` strings. One instance per server. */
export class RequestStateCodec {
  #key: Buffer;
  readonly #ttlMs: number;
  #randomKey: boolean;

  /** @throws VeloError `VELO_INVALID_CONFIG` when the key is shorter than 32 bytes. */
  constructor(options: RequestStateOptions = {}) {
    const key = options.key === undefined ? randomBytes(32) : Buffer.from(options.key);
    if (key.length < 32) throw new VeloError('VELO_INVALID_CONFIG', 'requestState key must be at least 32 bytes');
    this.#key = key;
    this.#randomKey = options.key === undefined;
    this.#ttlMs = options.ttlMs ?? 10 * 60_000;
  }

  /** True while the key is the random per-process default (states minted here open nowhere else). */
  get randomKey(): boolean {
    return this.#randomKey;
  }

  /**
   * Replaces the key (`velomcp serve --state-secret`): every node of a cluster must use the same one.
   * @throws VeloError `VELO_INVALID_CONFIG` when it is shorter than 32 bytes.
   */
  setKey(key: string | Uint8Array): void {
    const k = Buffer.from(key);
    if (k.length < 32) throw new VeloError('VELO_INVALID_CONFIG', 'requestState key must be at least 32 bytes');
    this.#key = k;
    this.#randomKey = false;
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
