/**
 * Access-token verification for an MCP resource server (MCP `basic/authorization` "Token Handling"): a
 * token is accepted only when it was issued by the expected authorization server, for this resource
 * (RFC 8707 audience), is unexpired, and is signed by a current key. Two strategies: JWT access tokens
 * (RFC 9068) verified with jose against the AS's JWKS (cached, refetched on an unknown `kid`, so key
 * rotation needs no restart), and token introspection (RFC 7662) through oauth4webapi.
 */
import * as oauth from 'oauth4webapi';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { LRUCache } from 'lru-cache';
import { discoverAuthorizationServer, netOptions } from '../client/discovery.js';

/** What a verified token says: the principal, its scopes and raw claims. */
export interface AuthInfo {
  /** The principal: the token's `sub` (or `client_id` for client-credentials tokens). */
  subject: string;
  /** The OAuth client the token was issued to, when the token says. */
  clientId?: string;
  /** Granted scopes. */
  scopes: string[];
  /** Expiry, Unix time in seconds. */
  expiresAt?: number;
  /** The issuer that vouched for the token. */
  issuer: string;
  /** All claims (JWT payload or introspection response). */
  claims: Record<string, unknown>;
}

/** A token that must be refused: answered with 401 `invalid_token` and this description. */
export class InvalidTokenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidTokenError';
  }
}

/** Verifies one bearer token. @throws InvalidTokenError when the token must be refused. */
export type TokenVerifier = (token: string) => Promise<AuthInfo>;

function scopesOf(claims: Record<string, unknown>): string[] {
  if (typeof claims.scope === 'string') return claims.scope.split(' ').filter(Boolean);
  if (Array.isArray(claims.scp)) return claims.scp.filter((s): s is string => typeof s === 'string');
  if (typeof claims.scp === 'string') return claims.scp.split(' ').filter(Boolean);
  return [];
}

/** RFC 9449 §7.1: a DPoP-bound token (`cnf.jkt`) presented as a bearer token must be refused. */
function refuseBoundToken(claims: Record<string, unknown>): void {
  const cnf = claims.cnf as { jkt?: unknown } | undefined;
  if (cnf && typeof cnf.jkt === 'string') throw new InvalidTokenError('DPoP-bound token presented as a Bearer token (RFC 9449 §7.1)');
}

function subjectOf(claims: Record<string, unknown>): string {
  const sub = typeof claims.sub === 'string' && claims.sub !== '' ? claims.sub : typeof claims.client_id === 'string' ? claims.client_id : '';
  if (sub === '') throw new InvalidTokenError('token has no subject (sub or client_id)');
  return sub;
}

/** Options of {@link jwtVerifier}. */
export interface JwtVerifierOptions {
  /** The expected `iss`, exactly. */
  issuer: string;
  /** The expected audience: this resource's identifier (RFC 8707). A token for any other audience is refused. */
  audience: string | string[];
  /** The JWKS URL; default: `jwks_uri` from the issuer's metadata (RFC 8414, then OIDC discovery). */
  jwksUri?: string;
  /** Accepted JWS algorithms (default RS256, PS256, ES256, EdDSA; `none` and HMAC are never accepted). */
  algorithms?: string[];
  /** Leeway for `exp`/`nbf`/`iat`, seconds (default 30). */
  clockToleranceSeconds?: number;
  /** Accept `typ` values other than `at+jwt` (RFC 9068) such as `JWT` (default true: many ASes send `JWT`). */
  allowAnyTyp?: boolean;
  /** Allow plain-HTTP metadata and JWKS on non-loopback hosts (default false). */
  allowInsecureHttp?: boolean;
  /** Least time between two JWKS fetches triggered by unknown `kid`s, milliseconds (default 30 000). */
  jwksCooldownMs?: number;
}

/**
 * A {@link TokenVerifier} for JWT access tokens. The JWKS is fetched once and cached (jose: 10 min max
 * age, at most one refetch per 30 s on an unknown `kid`, which is how key rotation is picked up).
 */
export function jwtVerifier(options: JwtVerifierOptions): TokenVerifier {
  const algorithms = (options.algorithms ?? ['RS256', 'PS256', 'ES256', 'EdDSA']).filter((a) => a !== 'none' && !a.startsWith('HS'));
  let keys: Promise<JWTVerifyGetKey> | undefined;
  const getKeys = (): Promise<JWTVerifyGetKey> =>
    (keys ??= (async () => {
      let uri = options.jwksUri;
      if (uri === undefined) {
        const as = await discoverAuthorizationServer(options.issuer, options.allowInsecureHttp ?? false, fetch);
        if (!as?.jwks_uri) throw new Error(`no jwks_uri in the metadata of ${options.issuer}`);
        uri = as.jwks_uri;
      }
      return createRemoteJWKSet(new URL(uri), { cooldownDuration: options.jwksCooldownMs ?? 30_000, cacheMaxAge: 600_000, timeoutDuration: 10_000 });
    })().catch((err: unknown) => {
      keys = undefined; // retry discovery on the next token
      throw err;
    }));
  return async (token) => {
    let payload: JWTPayload;
    try {
      const jwks = await getKeys();
      ({ payload } = await jwtVerify(token, jwks, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms,
        clockTolerance: options.clockToleranceSeconds ?? 30,
        requiredClaims: ['exp'],
        ...(options.allowAnyTyp === false && { typ: 'at+jwt' }),
      }));
    } catch (err) {
      if (err instanceof joseErrors.JOSEError) throw new InvalidTokenError(`token rejected: ${err.message}`, { cause: err });
      throw err;
    }
    const claims = payload as Record<string, unknown>;
    refuseBoundToken(claims);
    return {
      subject: subjectOf(claims),
      ...(typeof claims.client_id === 'string' && { clientId: claims.client_id }),
      scopes: scopesOf(claims),
      ...(typeof payload.exp === 'number' && { expiresAt: payload.exp }),
      issuer: options.issuer,
      claims,
    };
  };
}

/** Options of {@link introspectionVerifier}. */
export interface IntrospectionVerifierOptions {
  /** The authorization server's issuer (its metadata supplies `introspection_endpoint` unless given). */
  issuer: string;
  introspectionEndpoint?: string;
  /** This resource server's credentials at the AS (`client_secret_basic`). */
  clientId: string;
  clientSecret: string;
  /** The expected audience (this resource). An active token whose `aud` omits it is refused. */
  audience: string;
  /** How long an answer may be reused, seconds (default 60, never past the token's `exp`). */
  cacheSeconds?: number;
  /** Allow plain HTTP on non-loopback hosts (default false). */
  allowInsecureHttp?: boolean;
}

/** A {@link TokenVerifier} by RFC 7662 introspection, with a small cache of recent answers. */
export function introspectionVerifier(options: IntrospectionVerifierOptions): TokenVerifier {
  const cache = new LRUCache<string, AuthInfo>({ max: 10_000 });
  let asp: Promise<oauth.AuthorizationServer> | undefined;
  const getAs = (): Promise<oauth.AuthorizationServer> =>
    (asp ??= (async () => {
      if (options.introspectionEndpoint) return { issuer: options.issuer, introspection_endpoint: options.introspectionEndpoint };
      const as = await discoverAuthorizationServer(options.issuer, options.allowInsecureHttp ?? false, fetch);
      if (!as?.introspection_endpoint) throw new Error(`no introspection_endpoint in the metadata of ${options.issuer}`);
      return as;
    })().catch((err: unknown) => {
      asp = undefined;
      throw err;
    }));
  const client: oauth.Client = { client_id: options.clientId };
  return async (token) => {
    const hit = cache.get(token);
    if (hit) return hit;
    const as = await getAs();
    const res = await oauth.introspectionRequest(as, client, oauth.ClientSecretBasic(options.clientSecret), token, netOptions(as.introspection_endpoint!, options.allowInsecureHttp ?? false));
    const r = await oauth.processIntrospectionResponse(as, client, res);
    if (!r.active) throw new InvalidTokenError('token is not active');
    const now = Math.floor(Date.now() / 1000);
    if (typeof r.exp === 'number' && r.exp <= now) throw new InvalidTokenError('token expired');
    if (typeof r.iss === 'string' && r.iss !== options.issuer) throw new InvalidTokenError(`token issued by ${r.iss}, not ${options.issuer}`);
    const aud = r.aud === undefined ? [] : Array.isArray(r.aud) ? r.aud : [r.aud];
    if (!aud.includes(options.audience)) throw new InvalidTokenError(`token audience ${JSON.stringify(r.aud ?? null)} does not include ${options.audience}`);
    const claims = r as unknown as Record<string, unknown>;
    refuseBoundToken(claims);
    const info: AuthInfo = {
      subject: subjectOf(claims),
      ...(typeof r.client_id === 'string' && { clientId: r.client_id }),
      scopes: scopesOf(claims),
      ...(typeof r.exp === 'number' && { expiresAt: r.exp }),
      issuer: options.issuer,
      claims,
    };
    const ttl = Math.min(options.cacheSeconds ?? 60, typeof r.exp === 'number' ? r.exp - now : Infinity);
    if (ttl > 0) cache.set(token, info, { ttl: ttl * 1000 });
    return info;
  };
}
