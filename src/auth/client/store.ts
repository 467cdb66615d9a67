/**
 * Where an {@link OAuthClient} keeps what it learns: client registrations keyed by authorization server
 * issuer (SEP-2352: never reuse a registration at another AS) and tokens keyed by issuer and resource.
 */

/** A client registration at one authorization server (pre-registered, CIMD, or RFC 7591 DCR). */
export interface ClientRegistration {
  client_id: string;
  client_secret?: string;
  /** `client_secret_basic`, `client_secret_post`, `private_key_jwt` or `none`. */
  token_endpoint_auth_method?: string;
  /** Unix time in seconds when the secret expires (RFC 7591 `client_secret_expires_at`; 0 = never). */
  client_secret_expires_at?: number;
}

/** Tokens for one (issuer, resource) pair. */
export interface TokenSet {
  access_token: string;
  /** `bearer` or `dpop` (lower-cased). */
  token_type: string;
  refresh_token?: string;
  /** Space-separated scopes granted (or requested, when the AS did not say). */
  scope?: string;
  /** Expiry as Unix time in milliseconds. */
  expires_at?: number;
}

/**
 * Persistence for registrations and tokens. Values are plain JSON; implementations may encrypt them.
 * Methods may be synchronous or return promises.
 */
export interface TokenStore {
  /** The registration at `issuer`, if any. */
  getClient(issuer: string): ClientRegistration | undefined | Promise<ClientRegistration | undefined>;
  /** Saves the registration at `issuer`. */
  setClient(issuer: string, client: ClientRegistration): void | Promise<void>;
  /** Tokens for `resource` issued by `issuer`, if any. */
  getTokens(issuer: string, resource: string): TokenSet | undefined | Promise<TokenSet | undefined>;
  /** Saves tokens (undefined deletes them). */
  setTokens(issuer: string, resource: string, tokens: TokenSet | undefined): void | Promise<void>;
}

/** A {@link TokenStore} in process memory (the default): nothing survives the process. */
export class MemoryTokenStore implements TokenStore {
  readonly #clients = new Map<string, ClientRegistration>();
  readonly #tokens = new Map<string, TokenSet>();

  getClient(issuer: string): ClientRegistration | undefined {
    return this.#clients.get(issuer);
  }

  setClient(issuer: string, client: ClientRegistration): void {
    this.#clients.set(issuer, client);
  }

  getTokens(issuer: string, resource: string): TokenSet | undefined {
    return this.#tokens.get(JSON.stringify([issuer, resource]));
  }

  setTokens(issuer: string, resource: string, tokens: TokenSet | undefined): void {
    const key = JSON.stringify([issuer, resource]);
    if (tokens === undefined) this.#tokens.delete(key);
    else this.#tokens.set(key, tokens);
  }
}
