/**
 * DPoP (RFC 9449, MCP SEP-1932) for the client: one key pair per {@link OAuthClient}; oauth4webapi signs
 * the token-endpoint proofs (and tracks the AS nonce), this module signs the resource-server proofs with
 * jose (§4.2: `typ: dpop+jwt`, the public `jwk`, `jti`, `htm`, `htu`, `iat`, `ath`, and the RS `nonce`).
 */
import { createHash, randomUUID, type webcrypto } from 'node:crypto';

type CryptoKeyPair = webcrypto.CryptoKeyPair;
import * as oauth from 'oauth4webapi';
import { exportJWK, SignJWT, type JWK } from 'jose';

/** A DPoP key and the nonces the servers handed out. */
export class DpopKey {
  readonly #pair: CryptoKeyPair;
  readonly #jwk: JWK;
  readonly #alg: string;
  /** RS nonces by origin (RFC 9449 §9). */
  readonly #nonces = new Map<string, string>();
  /** The oauth4webapi handle for token requests (AS nonces, §8). */
  readonly handle: oauth.DPoPHandle;

  private constructor(pair: CryptoKeyPair, jwk: JWK, alg: string) {
    this.#pair = pair;
    this.#jwk = jwk;
    this.#alg = alg;
    this.handle = oauth.DPoP({}, pair);
  }

  /**
   * Generates a key for one of the algorithms the AS accepts (`dpop_signing_alg_values_supported`);
   * prefers ES256, then EdDSA, then RS256/PS256.
   */
  static async create(supported: readonly string[] | undefined): Promise<DpopKey> {
    const prefs = ['ES256', 'EdDSA', 'ES384', 'PS256', 'RS256'];
    const alg = prefs.find((a) => supported === undefined || supported.includes(a)) ?? 'ES256';
    const pair = await oauth.generateKeyPair(alg);
    const jwk = await exportJWK(pair.publicKey);
    return new DpopKey(pair, { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, n: jwk.n, e: jwk.e } as JWK, alg);
  }

  /** Remembers the nonce a resource server sent (`DPoP-Nonce` header). */
  learnNonce(url: URL, nonce: string | undefined): void {
    if (nonce) this.#nonces.set(url.origin, nonce);
  }

  /** Whether a nonce is known for this origin. */
  hasNonce(url: URL, nonce: string): boolean {
    return this.#nonces.get(url.origin) === nonce;
  }

  /** A fresh proof for one request to a resource server, bound to `accessToken` (`ath`). */
  async proof(method: string, url: URL, accessToken: string): Promise<string> {
    const htu = new URL(url.href);
    htu.search = '';
    htu.hash = '';
    const nonce = this.#nonces.get(url.origin);
    return new SignJWT({
      htm: method,
      htu: htu.href,
      ath: createHash('sha256').update(accessToken).digest('base64url'),
      ...(nonce !== undefined && { nonce }),
    })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: this.#alg, jwk: this.#jwk })
      .setJti(randomUUID())
      .setIssuedAt()
      .sign(this.#pair.privateKey);
  }
}
