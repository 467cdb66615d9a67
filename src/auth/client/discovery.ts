/**
 * Discovery for the MCP client (MCP `basic/authorization` "Authorization Server Discovery"):
 * Protected Resource Metadata (RFC 9728) from the challenge's `resource_metadata` or the well-known paths,
 * then Authorization Server Metadata (RFC 8414 and OpenID Connect Discovery, in the spec's order), with the
 * identifiers validated (RFC 9728 §3.3 `resource`, RFC 8414 §3.3 `issuer`) by oauth4webapi.
 */
import * as oauth from 'oauth4webapi';
import { VeloError } from '../../jsonrpc/errors.js';

/** Parsed Protected Resource Metadata (RFC 9728 §2), as far as MCP uses it. */
export type ProtectedResourceMetadata = oauth.ResourceServer;
/** Parsed Authorization Server Metadata (RFC 8414 §2 / OIDC Discovery §3). */
export type AuthorizationServerMetadata = oauth.AuthorizationServer;

/** Fails authorization with a stable code. */
export function unauthorized(message: string, cause?: unknown): VeloError {
  const e = new VeloError('VELO_UNAUTHORIZED', message);
  if (cause !== undefined) (e as { cause?: unknown }).cause = cause;
  return e;
}

/** True for `localhost`, `127.0.0.0/8` and `[::1]`: the hosts where plain `http:` is acceptable. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(h) || h === '::1';
}

/** oauth4webapi options for a request to `url`: plain HTTP only towards loopback (or when allowed). */
export function netOptions(url: string | URL, allowInsecure: boolean): { [oauth.allowInsecureRequests]?: boolean; signal: AbortSignal } {
  const u = new URL(url);
  const insecure = u.protocol === 'http:' && (allowInsecure || isLoopbackHost(u.hostname));
  return { ...(insecure && { [oauth.allowInsecureRequests]: true }), signal: AbortSignal.timeout(15_000) };
}

/**
 * The canonical resource URI of an MCP endpoint (RFC 8707 §2, MCP "Canonical Server URI"): scheme and host
 * lower-cased, no fragment, no query.
 */
export function canonicalResource(url: URL): string {
  const u = new URL(url.href);
  u.hash = '';
  u.search = '';
  return u.href;
}

/**
 * Whether the PRM's `resource` may stand for the endpoint the client connected to: same origin, and its
 * path equal to or a path-segment prefix of the endpoint's (RFC 9728 §3.3 asks for equality with the
 * identifier the metadata URL was built from; MCP servers commonly publish their origin).
 */
export function resourceMatches(resource: string, endpoint: URL): boolean {
  let r: URL;
  try {
    r = new URL(resource);
  } catch {
    return false;
  }
  if (r.origin !== endpoint.origin || r.hash !== '' || r.search !== '') return false;
  const rp = r.pathname.replace(/\/+$/, '');
  const ep = endpoint.pathname.replace(/\/+$/, '');
  return rp === '' || ep === rp || ep.startsWith(`${rp}/`);
}

/** The PRM URLs to try, in order (RFC 9728 §3.1; MCP: challenge URL, then path-aware, then root). */
export function resourceMetadataUrls(endpoint: URL, fromChallenge: string | undefined): URL[] {
  const out: URL[] = [];
  if (fromChallenge !== undefined) {
    try {
      out.push(new URL(fromChallenge, endpoint));
    } catch {
      // A malformed hint is ignored; the well-known paths still apply.
    }
  }
  const path = endpoint.pathname.replace(/\/+$/, '');
  if (path !== '') out.push(new URL(`/.well-known/oauth-protected-resource${path}`, endpoint.origin));
  out.push(new URL('/.well-known/oauth-protected-resource', endpoint.origin));
  return out;
}

/**
 * The AS metadata URLs to try for an issuer, in the order MCP 2025-11-25 gives: RFC 8414 path-inserted,
 * OIDC path-inserted, OIDC path-appended (issuer with a path); RFC 8414 then OIDC (issuer without one).
 */
export function authorizationServerMetadataUrls(issuer: URL): URL[] {
  const path = issuer.pathname.replace(/\/+$/, '');
  if (path === '') {
    return [new URL('/.well-known/oauth-authorization-server', issuer.origin), new URL('/.well-known/openid-configuration', issuer.origin)];
  }
  return [
    new URL(`/.well-known/oauth-authorization-server${path}`, issuer.origin),
    new URL(`/.well-known/openid-configuration${path}`, issuer.origin),
    new URL(`${path}/.well-known/openid-configuration`, issuer.origin),
  ];
}

function sameUrl(a: string, b: string): boolean {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return false;
  }
}

async function get(url: URL, allowInsecure: boolean, fetchImpl: typeof fetch): Promise<Response | undefined> {
  const opts = netOptions(url, allowInsecure);
  if (url.protocol !== 'https:' && !opts[oauth.allowInsecureRequests]) throw unauthorized(`Refusing plain-HTTP metadata URL ${url.href} (not loopback)`);
  try {
    // Redirects are not followed: metadata must come from the URL its identifier names.
    return await fetchImpl(url, { headers: { accept: 'application/json' }, redirect: 'manual', signal: opts.signal });
  } catch {
    return undefined;
  }
}

/**
 * Yields, in order, each of `urls` that answered 200 with its parsed JSON body (a clone of the response is
 * parsed, so `res` stays readable for oauth4webapi). Other statuses and unreachable URLs are skipped.
 * @throws VeloError `VELO_UNAUTHORIZED` when a 200 answer is not JSON (`what` names the document).
 */
async function* jsonDocuments(
  urls: Iterable<URL>,
  what: string,
  allowInsecure: boolean,
  fetchImpl: typeof fetch,
): AsyncGenerator<{ url: URL; res: Response; body: Record<string, unknown> }> {
  for (const url of urls) {
    const res = await get(url, allowInsecure, fetchImpl);
    if (res === undefined || res.status !== 200) {
      await res?.body?.cancel();
      continue;
    }
    let body: Record<string, unknown>;
    try {
      body = (await res.clone().json()) as Record<string, unknown>;
    } catch (err) {
      throw unauthorized(`${what} at ${url.href} is not JSON`, err);
    }
    yield { url, res, body };
  }
}

/**
 * Fetches and validates the Protected Resource Metadata of `endpoint`.
 * @returns The metadata, or undefined when no URL served any (a pre-2025-06-18 server).
 * @throws VeloError `VELO_UNAUTHORIZED` when metadata was served but is invalid, or its `resource` does not
 *   match the endpoint (the client must not use it: the token would be for another resource).
 */
export async function discoverProtectedResource(endpoint: URL, fromChallenge: string | undefined, allowInsecure: boolean, fetchImpl: typeof fetch): Promise<ProtectedResourceMetadata | undefined> {
  for await (const { url, res, body } of jsonDocuments(resourceMetadataUrls(endpoint, fromChallenge), 'Protected Resource Metadata', allowInsecure, fetchImpl)) {
    if (typeof body.resource !== 'string' || !resourceMatches(body.resource, endpoint)) {
      throw unauthorized(`Protected Resource Metadata at ${url.href} names resource ${JSON.stringify(body.resource)}, which is not ${canonicalResource(endpoint)}: refusing it (RFC 9728 §3.3)`);
    }
    let prm: ProtectedResourceMetadata;
    try {
      prm = await oauth.processResourceDiscoveryResponse(new URL(body.resource), res);
    } catch (err) {
      throw unauthorized(`Protected Resource Metadata at ${url.href} is invalid: ${(err as Error).message}`, err);
    }
    return prm;
  }
  return undefined;
}

/**
 * Fetches and validates the metadata of the authorization server `issuer`, trying the URLs of
 * {@link authorizationServerMetadataUrls} in order.
 * @param legacyOrigin - MCP 2025-03-26 discovery at the MCP server's origin (no PRM): the document's
 *   `issuer` is taken as given instead of compared.
 * @returns The metadata, or undefined when none of the URLs served any.
 * @throws VeloError `VELO_UNAUTHORIZED` when a document was served whose `issuer` differs from `issuer`
 *   (RFC 8414 §3.3: a mix-up attack or a misconfiguration; never use it).
 */
export async function discoverAuthorizationServer(
  issuer: string,
  allowInsecure: boolean,
  fetchImpl: typeof fetch,
  legacyOrigin = false,
): Promise<AuthorizationServerMetadata | undefined> {
  let issuerUrl: URL;
  try {
    issuerUrl = new URL(issuer);
  } catch (err) {
    throw unauthorized(`Authorization server identifier ${issuer} is not a URL`, err);
  }
  for await (const { url, res, body } of jsonDocuments(authorizationServerMetadataUrls(issuerUrl), 'Authorization server metadata', allowInsecure, fetchImpl)) {
    if (legacyOrigin && typeof body.issuer === 'string') {
      // MCP 2025-03-26 (no PRM): the metadata lives at the MCP server's own origin, which is the only party
      // the client trusts here; servers of that era often publish an issuer with a path. Validate the rest.
      try {
        return await oauth.processDiscoveryResponse(new URL(body.issuer), res);
      } catch (err) {
        throw unauthorized(`Authorization server metadata at ${url.href} is invalid: ${(err as Error).message}`, err);
      }
    }
    if (typeof body.issuer !== 'string' || !sameUrl(body.issuer, issuer)) {
      throw unauthorized(`Authorization server metadata at ${url.href} has issuer ${JSON.stringify(body.issuer)}, expected ${issuer} (RFC 8414 §3.3)`);
    }
    try {
      return await oauth.processDiscoveryResponse(issuerUrl, res);
    } catch (err) {
      throw unauthorized(`Authorization server metadata at ${url.href} is invalid: ${(err as Error).message}`, err);
    }
  }
  return undefined;
}
