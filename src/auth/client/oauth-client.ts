/**
 * The MCP client's OAuth 2.1 flow (MCP `basic/authorization`), built on oauth4webapi. An {@link OAuthClient}
 * is an {@link HttpAuthHook}: pass it as `http.auth` to `McpClient` (or `auth` to the HTTP transports), and
 * the first 401 starts discovery, registration and a token request; later 401s refresh; a 403
 * `insufficient_scope` steps up with the union of the scopes (SEP-2350), a bounded number of times.
 *
 * Grants: authorization code with PKCE S256 (a user agent you supply opens the URL and returns the
 * redirect), client credentials (`client_secret_basic`/`_post`, `private_key_jwt`), the JWT bearer grant
 * with a workload identity assertion (SEP-1933), and enterprise-managed authorization (SEP-990: token
 * exchange for an ID-JAG at the IdP, then the JWT bearer grant at the AS). DPoP (SEP-1932) is used when
 * the AS advertises it.
 */
import * as oauth from 'oauth4webapi';
import type { AuthRequestInfo, AuthResponseInfo, HttpAuthHook } from '../../client/auth-hook.js';
import { VeloError } from '../../jsonrpc/errors.js';
import { parseWwwAuthenticate } from '../challenge.js';
import {
  canonicalResource,
  discoverAuthorizationServer,
  discoverProtectedResource,
  isLoopbackHost,
  netOptions,
  unauthorized,
  type AuthorizationServerMetadata,
  type ProtectedResourceMetadata,
} from './discovery.js';
import { DpopKey } from './dpop.js';
import type { OAuthClientOptions, OAuthGrant } from './options.js';
import { clientAuthentication, JWT_BEARER, register } from './registration.js';
import { MemoryTokenStore, type ClientRegistration, type TokenSet, type TokenStore } from './store.js';

export type { AuthorizationUserAgent, OAuthClientOptions, OAuthGrant, PreRegisteredClient } from './options.js';

interface Session {
  issuer: string;
  as: AuthorizationServerMetadata;
  resource: string;
  client: ClientRegistration;
  tokens: TokenSet | undefined;
  /** Scopes asked for last, for the step-up union. */
  requested: string | undefined;
}

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** The OAuth client for one MCP endpoint. See the module comment. */
export class OAuthClient implements HttpAuthHook {
  readonly #options: OAuthClientOptions;
  readonly #store: TokenStore;
  readonly #fetch: typeof fetch;
  #session: Session | undefined;
  #dpop: DpopKey | undefined;
  #pending: Promise<void> | undefined;
  #stepUps = 0;
  #fresh401 = 0;
  #endpoint: URL | undefined;

  /** @param options - See {@link OAuthClientOptions}. @throws VeloError `VELO_INVALID_CONFIG` on an unusable redirect URI. */
  constructor(options: OAuthClientOptions) {
    this.#options = options;
    this.#store = options.store ?? new MemoryTokenStore();
    this.#fetch = options.fetch ?? fetch;
    if (options.grant.type === 'authorization_code') {
      const r = new URL(options.grant.redirectUri);
      if (r.protocol !== 'https:' && !(r.protocol === 'http:' && isLoopbackHost(r.hostname)) && !/^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+:$/.test(r.protocol)) {
        throw new VeloError('VELO_INVALID_CONFIG', `redirect URI ${r.href} must be HTTPS, loopback HTTP or a private-use scheme (OAuth 2.1 §8.4)`);
      }
    }
  }

  /** The current access token, if any (for diagnostics and tests). */
  get tokens(): Readonly<TokenSet> | undefined {
    return this.#session?.tokens;
  }

  /** @inheritDoc */
  async headers(request: AuthRequestInfo): Promise<Record<string, string>> {
    this.#endpoint ??= request.url;
    if (this.#pending) await this.#pending.catch(() => undefined);
    const s = this.#session;
    const t = s?.tokens;
    if (!s || !t) return {};
    if (t.expires_at !== undefined && t.expires_at - 30_000 < Date.now() && t.refresh_token) {
      await this.#exclusive(() => this.#refresh(s)).catch(() => undefined);
    }
    const tok = s.tokens;
    if (!tok) return {};
    if (tok.token_type === 'dpop' && this.#dpop) {
      return { authorization: `DPoP ${tok.access_token}`, dpop: await this.#dpop.proof(request.method, request.url, tok.access_token) };
    }
    return { authorization: `Bearer ${tok.access_token}` };
  }

  /** @inheritDoc */
  observe(response: AuthResponseInfo): void {
    const nonce = response.headers['dpop-nonce'];
    if (this.#dpop && typeof nonce === 'string') this.#dpop.learnNonce(response.url, nonce);
    if (response.status >= 200 && response.status < 300) {
      this.#fresh401 = 0;
      this.#stepUps = 0;
    }
  }

  /** @inheritDoc */
  async challenge(response: AuthResponseInfo): Promise<boolean> {
    this.#endpoint ??= response.url;
    const challenges = parseWwwAuthenticate(response.headers['www-authenticate']);
    const c = challenges.find((x) => x.scheme === 'dpop' || x.scheme === 'bearer') ?? challenges[0];
    const params = c?.params ?? {};
    const nonce = response.headers['dpop-nonce'];
    if (params.error === 'use_dpop_nonce' && this.#dpop && typeof nonce === 'string') {
      // RFC 9449 §9: retry with the server's nonce, unless we just did and it was refused again.
      if (this.#dpop.hasNonce(response.url, nonce) && response.attempt > 0) return false;
      this.#dpop.learnNonce(response.url, nonce);
      return true;
    }
    if (response.status === 403) {
      if (params.error !== 'insufficient_scope') return false;
      const max = this.#options.maxStepUps ?? 2;
      if (this.#stepUps >= max) throw unauthorized(`Step-up authorization limit reached (${max}): the server still answers 403 insufficient_scope (scope "${params.scope ?? ''}")`);
      this.#stepUps++;
      await this.#exclusive(() => this.#authorize(params.resource_metadata, params.scope, true));
      return true;
    }
    // 401: a token we do not have, or one that is no longer accepted.
    if (++this.#fresh401 > 3) throw unauthorized('The server keeps answering 401 to freshly obtained tokens');
    await this.#exclusive(async () => {
      const s = this.#session;
      if (s?.tokens?.refresh_token && params.error === 'invalid_token') {
        if (await this.#refresh(s).then(() => true, () => false)) return;
      }
      await this.#authorize(params.resource_metadata, params.scope, false);
    });
    return true;
  }

  /** Runs `fn` unless another authorization is in flight, in which case waits for that one instead. */
  async #exclusive(fn: () => Promise<void>): Promise<void> {
    if (this.#pending) {
      await this.#pending.catch(() => undefined);
      return;
    }
    this.#pending = fn();
    try {
      await this.#pending;
    } finally {
      this.#pending = undefined;
    }
  }

  /** Discovery, registration and a token request. */
  async #authorize(resourceMetadataUrl: string | undefined, challengedScope: string | undefined, stepUp: boolean): Promise<void> {
    const endpoint = this.#endpointFor();
    const insecure = this.#options.allowInsecureHttp ?? false;
    const prm = await discoverProtectedResource(endpoint, resourceMetadataUrl, insecure, this.#fetch);
    const { issuer, as } = await this.#authorizationServer(prm, endpoint);
    const resource = prm?.resource ?? canonicalResource(endpoint);
    const client = await this.#registration(issuer, as);
    const previous = this.#session?.issuer === issuer ? this.#session : undefined;
    const scope = this.#scope(as, prm, challengedScope, stepUp ? previous?.requested ?? previous?.tokens?.scope : undefined);
    const session: Session = { issuer, as, resource, client, tokens: undefined, requested: scope };
    if (this.#options.dpop !== false && Array.isArray(as.dpop_signing_alg_values_supported) && !this.#dpop) {
      this.#dpop = await DpopKey.create(as.dpop_signing_alg_values_supported);
    }
    if (!stepUp && previous === undefined) {
      const stored = await this.#store.getTokens(issuer, resource);
      if (stored && this.#session?.tokens?.access_token !== stored.access_token) {
        // A stored token we have not tried yet.
        session.tokens = stored;
        this.#session = session;
        return;
      }
    }
    session.tokens = await this.#obtain(session, scope);
    this.#session = session;
    await this.#store.setTokens(issuer, resource, session.tokens);
  }

  /** The MCP endpoint (learnt from the first request: one OAuthClient serves one endpoint). */
  #endpointFor(): URL {
    if (!this.#endpoint) throw unauthorized('OAuthClient used before any request');
    return this.#endpoint;
  }

  async #authorizationServer(prm: ProtectedResourceMetadata | undefined, endpoint: URL): Promise<{ issuer: string; as: AuthorizationServerMetadata }> {
    const insecure = this.#options.allowInsecureHttp ?? false;
    if (prm) {
      const issuer = prm.authorization_servers?.[0];
      if (!issuer) throw unauthorized(`Protected Resource Metadata for ${prm.resource} lists no authorization_servers`);
      const as = await discoverAuthorizationServer(issuer, insecure, this.#fetch);
      if (!as) throw unauthorized(`No authorization server metadata found for ${issuer}`);
      return { issuer, as };
    }
    // MCP 2025-03-26: no PRM; the MCP server's origin is the AS, with default endpoints when it has no metadata.
    const issuer = endpoint.origin;
    const as = await discoverAuthorizationServer(issuer, insecure, this.#fetch, true);
    if (as) return { issuer: as.issuer, as };
    return {
      issuer,
      as: {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        registration_endpoint: `${issuer}/register`,
        code_challenge_methods_supported: ['S256'],
      },
    };
  }

  /** Registration in the spec's order (see {@link register}). */
  #registration(issuer: string, as: AuthorizationServerMetadata): Promise<ClientRegistration> {
    return register(issuer, as, this.#options, this.#store);
  }

  /** Scope selection (MCP "Scope Selection Strategy"): option, challenge, PRM `scopes_supported`, or none; plus step-up union and `offline_access`. */
  #scope(as: AuthorizationServerMetadata, prm: ProtectedResourceMetadata | undefined, challenged: string | undefined, previous: string | undefined): string | undefined {
    const base = this.#options.scope ?? challenged ?? (prm?.scopes_supported?.length ? prm.scopes_supported.join(' ') : undefined);
    const set = new Set<string>();
    for (const s of [previous, base]) for (const x of (s ?? '').split(' ')) if (x) set.add(x);
    // SEP-2207: ask for a refresh token where the AS supports offline_access (interactive grants only).
    if (this.#options.grant.type === 'authorization_code' && set.size > 0 && as.scopes_supported?.includes('offline_access')) set.add('offline_access');
    if (this.#options.grant.type === 'authorization_code' && set.size === 0 && as.scopes_supported?.includes('offline_access') && prm?.scopes_supported?.length) set.add('offline_access');
    return set.size ? [...set].join(' ') : undefined;
  }

  #clientAuth(session: Session): Promise<oauth.ClientAuth> {
    return clientAuthentication(session.client, session.as, this.#options.client);
  }

  #net(url: string | undefined): ReturnType<typeof netOptions> & { DPoP?: oauth.DPoPHandle } {
    return { ...netOptions(url ?? 'https://invalid', this.#options.allowInsecureHttp ?? false), ...(this.#dpop && { DPoP: this.#dpop.handle }) };
  }

  /** Runs a token request, retrying once on a DPoP nonce challenge (RFC 9449 §8). */
  async #tokenRequest(run: () => Promise<oauth.TokenEndpointResponse>, what: string): Promise<TokenSet> {
    let r: oauth.TokenEndpointResponse;
    try {
      try {
        r = await run();
      } catch (err) {
        if (!oauth.isDPoPNonceError(err)) throw err;
        r = await run();
      }
    } catch (err) {
      if (err instanceof VeloError) throw err;
      throw unauthorized(`${what} failed: ${(err as Error).message}`, err);
    }
    return {
      access_token: r.access_token,
      token_type: r.token_type.toLowerCase(),
      ...(r.refresh_token !== undefined && { refresh_token: r.refresh_token }),
      ...(r.scope !== undefined && { scope: r.scope }),
      ...(typeof r.expires_in === 'number' && { expires_at: Date.now() + r.expires_in * 1000 }),
    };
  }

  async #obtain(session: Session, scope: string | undefined): Promise<TokenSet> {
    const { as, resource } = session;
    const client: oauth.Client = { client_id: session.client.client_id };
    const auth = await this.#clientAuth(session);
    const grant = this.#options.grant;
    const base = { resource, ...(scope !== undefined && { scope }) };
    let tokens: TokenSet;
    switch (grant.type) {
      case 'authorization_code':
        tokens = await this.#authorizationCode(session, client, auth, grant, scope);
        break;
      case 'client_credentials':
        tokens = await this.#tokenRequest(async () => oauth.processClientCredentialsResponse(as, client, await oauth.clientCredentialsGrantRequest(as, client, auth, base, this.#net(as.token_endpoint))), 'Client credentials grant');
        break;
      case 'jwt_bearer': {
        const assertion = await grant.assertion();
        tokens = await this.#tokenRequest(async () => oauth.processGenericTokenEndpointResponse(as, client, await oauth.genericTokenEndpointRequest(as, client, auth, JWT_BEARER, { ...base, assertion }, this.#net(as.token_endpoint))), 'JWT bearer grant');
        break;
      }
      case 'enterprise_managed': {
        const idJag = await this.#idJag(grant, as.issuer, resource, scope);
        tokens = await this.#tokenRequest(async () => oauth.processGenericTokenEndpointResponse(as, client, await oauth.genericTokenEndpointRequest(as, client, auth, JWT_BEARER, { assertion: idJag, ...(scope !== undefined && { scope }) }, this.#net(as.token_endpoint))), 'JWT bearer grant with the ID-JAG');
        break;
      }
    }
    if (tokens.scope === undefined && scope !== undefined) tokens.scope = scope;
    return tokens;
  }

  /** SEP-990 step 1: RFC 8693 token exchange of the IdP ID token for an ID-JAG (`urn:ietf:params:oauth:token-type:id-jag`). */
  async #idJag(grant: Extract<OAuthGrant, { type: 'enterprise_managed' }>, audience: string, resource: string, scope: string | undefined): Promise<string> {
    const idp: oauth.AuthorizationServer = { issuer: grant.idpIssuer ?? new URL(grant.idpTokenEndpoint).origin, token_endpoint: grant.idpTokenEndpoint };
    const client: oauth.Client = { client_id: grant.idpClientId };
    const params = {
      requested_token_type: 'urn:ietf:params:oauth:token-type:id-jag',
      audience,
      resource,
      subject_token: await grant.idToken(),
      subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
      ...(scope !== undefined && { scope }),
    };
    try {
      const res = await oauth.genericTokenEndpointRequest(idp, client, oauth.None(), TOKEN_EXCHANGE, params, netOptions(grant.idpTokenEndpoint, this.#options.allowInsecureHttp ?? false));
      const body = (await res.json()) as Record<string, unknown>;
      if (!res.ok || typeof body.access_token !== 'string') throw new Error(`HTTP ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
      return body.access_token;
    } catch (err) {
      throw unauthorized(`Token exchange at the IdP ${grant.idpTokenEndpoint} failed: ${(err as Error).message}`, err);
    }
  }

  async #authorizationCode(session: Session, client: oauth.Client, auth: oauth.ClientAuth, grant: Extract<OAuthGrant, { type: 'authorization_code' }>, scope: string | undefined): Promise<TokenSet> {
    const { as, resource } = session;
    if (!as.authorization_endpoint || !as.token_endpoint) throw unauthorized(`The authorization server ${as.issuer} has no authorization or token endpoint`);
    // MCP: refuse to proceed when the AS does not advertise PKCE S256 (OAuth 2.1 §7.5.2).
    if (!as.code_challenge_methods_supported?.includes('S256')) {
      throw unauthorized(`The authorization server ${as.issuer} does not advertise PKCE S256 (code_challenge_methods_supported): refusing to authorize`);
    }
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint);
    const q = url.searchParams;
    q.set('response_type', 'code');
    q.set('client_id', client.client_id);
    q.set('redirect_uri', grant.redirectUri);
    q.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
    q.set('code_challenge_method', 'S256');
    q.set('state', state);
    q.set('resource', resource);
    if (scope !== undefined) q.set('scope', scope);
    if (this.#dpop) q.set('dpop_jkt', await this.#dpop.handle.calculateThumbprint());
    let callback: URL;
    try {
      callback = await grant.userAgent(url, grant.redirectUri);
    } catch (err) {
      throw unauthorized(`The authorization step did not complete: ${(err as Error).message}`, err);
    }
    let params: URLSearchParams;
    try {
      // Checks state, the error response, and `iss` (RFC 9207) against the metadata's issuer, exactly.
      params = oauth.validateAuthResponse(as, client, callback.searchParams, state);
    } catch (err) {
      throw unauthorized(`The authorization response was rejected: ${(err as Error).message}`, err);
    }
    return this.#tokenRequest(
      async () =>
        oauth.processAuthorizationCodeResponse(
          as,
          client,
          await oauth.authorizationCodeGrantRequest(as, client, auth, params, grant.redirectUri, verifier, { ...this.#net(as.token_endpoint), additionalParameters: { resource } }),
        ),
      'Authorization code exchange',
    );
  }

  async #refresh(session: Session): Promise<void> {
    const refresh = session.tokens?.refresh_token;
    if (!refresh) throw unauthorized('No refresh token');
    const client: oauth.Client = { client_id: session.client.client_id };
    const auth = await this.#clientAuth(session);
    const { as, resource } = session;
    const tokens = await this.#tokenRequest(
      async () => oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, auth, refresh, { ...this.#net(as.token_endpoint), additionalParameters: { resource } })),
      'Token refresh',
    );
    tokens.refresh_token ??= refresh;
    if (tokens.scope === undefined && session.tokens?.scope !== undefined) tokens.scope = session.tokens.scope;
    session.tokens = tokens;
    await this.#store.setTokens(session.issuer, resource, tokens);
  }
}
