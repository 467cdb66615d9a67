/**
 * Client registration (MCP `basic/authorization` "Client Registration Approaches") and token-endpoint
 * client authentication (RFC 6749 §2.3, RFC 7523).
 */
import * as oauth from 'oauth4webapi';
import { importPKCS8 } from 'jose';
import { isLoopbackHost, netOptions, unauthorized, type AuthorizationServerMetadata } from './discovery.js';
import type { OAuthClientOptions, PreRegisteredClient } from './options.js';
import type { ClientRegistration, TokenStore } from './store.js';

/** The RFC 7523 JWT bearer grant type. */
export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** `application/x-www-form-urlencoded` encoding of one value (WHATWG URL §5.2, as RFC 6749 §2.3.1 asks). */
const formEncode = (v: string): string => new URLSearchParams({ v }).toString().slice(2);

/**
 * `client_secret_basic` (RFC 6749 §2.3.1). Ours rather than oauth4webapi's, which also escapes `-`, `.`, `_`
 * and `*`; servers that compare the decoded-once value (as many do) then see `%2D` in client ids.
 */
function secretBasic(clientId: string, secret: string): oauth.ClientAuth {
  const credentials = Buffer.from(`${formEncode(clientId)}:${formEncode(secret)}`).toString('base64');
  return (_as, _client, _body, headers) => {
    headers.set('authorization', `Basic ${credentials}`);
  };
}

/**
 * Finds or makes this client's registration at `issuer`, in the MCP order: the pre-registered client
 * (when not pinned to another issuer), one stored for this issuer, a Client ID Metadata Document, then
 * dynamic registration (RFC 7591). Registrations are stored per issuer (SEP-2352).
 * @throws VeloError `VELO_UNAUTHORIZED` when none is possible or registration fails.
 */
export async function register(issuer: string, as: AuthorizationServerMetadata, options: OAuthClientOptions, store: TokenStore): Promise<ClientRegistration> {
  const pre = options.client;
  if (pre && (pre.issuer === undefined || pre.issuer === issuer)) {
    const method = pre.tokenEndpointAuthMethod ?? (pre.privateKeyPem ? 'private_key_jwt' : pre.clientSecret ? 'client_secret_basic' : 'none');
    return { client_id: pre.clientId, ...(pre.clientSecret !== undefined && { client_secret: pre.clientSecret }), token_endpoint_auth_method: method };
  }
  const stored = await store.getClient(issuer);
  if (stored && !(stored.client_secret_expires_at && stored.client_secret_expires_at * 1000 < Date.now())) return stored;
  if (options.clientMetadataUrl && as.client_id_metadata_document_supported === true) {
    const reg = { client_id: options.clientMetadataUrl, token_endpoint_auth_method: 'none' };
    await store.setClient(issuer, reg);
    return reg;
  }
  if (!as.registration_endpoint) {
    throw unauthorized(`The authorization server ${issuer} offers no dynamic registration and no client is configured for it (set the "client" option)`);
  }
  const grant = options.grant;
  const redirectUris = grant.type === 'authorization_code' ? [grant.redirectUri] : [];
  const loopback = redirectUris.every((u) => isLoopbackHost(new URL(u).hostname));
  const supported = as.token_endpoint_auth_methods_supported;
  // A native (loopback) client cannot keep a secret: `none` where offered; otherwise what the AS lists.
  const method =
    grant.type === 'authorization_code'
      ? loopback && supported?.includes('none')
        ? 'none'
        : (supported?.find((m) => ['none', 'client_secret_basic', 'client_secret_post'].includes(m)) ?? 'client_secret_basic')
      : supported?.includes('client_secret_basic')
        ? 'client_secret_basic'
        : 'client_secret_post';
  const metadata = {
    client_name: 'velomcp client',
    ...options.clientMetadata,
    redirect_uris: redirectUris,
    grant_types: grant.type === 'authorization_code' ? ['authorization_code', 'refresh_token'] : grant.type === 'client_credentials' ? ['client_credentials'] : [JWT_BEARER],
    response_types: grant.type === 'authorization_code' ? ['code'] : [],
    token_endpoint_auth_method: method,
    application_type: loopback ? 'native' : 'web',
  };
  let reg: ClientRegistration;
  try {
    const res = await oauth.dynamicClientRegistrationRequest(as, metadata, netOptions(as.registration_endpoint, options.allowInsecureHttp ?? false));
    // Parsed by hand: oauth4webapi insists on client_secret_expires_at, which RFC 7591 requires but many
    // servers leave out; a missing one is read as "does not expire".
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.status !== 201 && res.status !== 200) throw new Error(`HTTP ${res.status}${typeof body.error === 'string' ? ` ${body.error}` : ''}`);
    if (typeof body.client_id !== 'string' || body.client_id === '') throw new Error('the response has no client_id');
    reg = {
      client_id: body.client_id,
      ...(typeof body.client_secret === 'string' && { client_secret: body.client_secret }),
      token_endpoint_auth_method: typeof body.token_endpoint_auth_method === 'string' ? body.token_endpoint_auth_method : typeof body.client_secret === 'string' ? method === 'none' ? 'client_secret_basic' : method : 'none',
      ...(typeof body.client_secret_expires_at === 'number' && { client_secret_expires_at: body.client_secret_expires_at }),
    };
  } catch (err) {
    throw unauthorized(`Dynamic client registration at ${as.registration_endpoint} failed: ${(err as Error).message}`, err);
  }
  await store.setClient(issuer, reg);
  return reg;
}

/**
 * The token-endpoint client authentication for a registration: `client_secret_basic`, `client_secret_post`,
 * `private_key_jwt` (with the pre-registered PEM key; `aud` = the issuer) or `none`.
 * @throws VeloError `VELO_UNAUTHORIZED` for `private_key_jwt` without a key.
 */
export async function clientAuthentication(c: ClientRegistration, as: AuthorizationServerMetadata, pre: PreRegisteredClient | undefined): Promise<oauth.ClientAuth> {
  switch (c.token_endpoint_auth_method) {
    case 'client_secret_basic':
      return secretBasic(c.client_id, c.client_secret ?? '');
    case 'client_secret_post':
      return oauth.ClientSecretPost(c.client_secret ?? '');
    case 'private_key_jwt': {
      if (!pre?.privateKeyPem) throw unauthorized('private_key_jwt needs the "client.privateKeyPem" option');
      const key = await importPKCS8(pre.privateKeyPem, pre.signingAlgorithm ?? 'ES256');
      return oauth.PrivateKeyJwt(key, {
        // RFC 7523 §3 allows the token endpoint as audience; many ASes (and the MCP extension) expect the issuer.
        [oauth.modifyAssertion]: (_h: unknown, p: Record<string, unknown>) => {
          p.aud = as.issuer;
        },
      });
    }
    default:
      return oauth.None();
  }
}
