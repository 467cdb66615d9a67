/**
 * A real OAuth 2.1 authorization server for the example and the tests: panva's `oidc-provider` with
 * dynamic client registration, PKCE S256, RFC 8707 resource indicators and JWT access tokens whose
 * audience is the MCP resource. Its interaction step (login and consent) is automatic: every request
 * logs in the account `demo-user` and grants exactly the scopes asked for, so a headless user agent
 * can complete the flow. A real deployment shows a login page there instead.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors } from 'oidc-provider';

/** A running authorization server. */
export interface AuthorizationServerHandle {
  /** The issuer identifier, e.g. `http://127.0.0.1:43121`. */
  issuer: string;
  close(): Promise<void>;
}

/** Options of {@link startAuthorizationServer}. */
export interface AuthorizationServerOptions {
  /** The one resource (MCP endpoint URL) tokens are issued for. */
  resource: string;
  /** The scopes that resource knows (default `mcp:read mcp:admin`). */
  scopes?: string[];
  /** Port on 127.0.0.1 (default 0: any free one). */
  port?: number;
  /** The account the automatic login signs in (default `demo-user`). */
  accountId?: string;
}

/** Starts the authorization server on 127.0.0.1. */
export async function startAuthorizationServer(options: AuthorizationServerOptions): Promise<AuthorizationServerHandle> {
  const scopes = options.scopes ?? ['mcp:read', 'mcp:admin'];
  const accountId = options.accountId ?? 'demo-user';
  let provider: Provider | undefined;
  const http: Server = createServer((req, res) => {
    if (!provider) {
      res.writeHead(503).end();
      return;
    }
    if (req.method === 'GET' && req.url?.startsWith('/interaction/')) {
      void interact(provider, accountId, req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String((err as Error).message));
      });
      return;
    }
    provider.callback()(req, res);
  });
  await new Promise<void>((r) => http.listen(options.port ?? 0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const ec = await generateKeyPair('ES256', { extractable: true });
  const rsa = await generateKeyPair('RS256', { extractable: true });
  provider = new Provider(issuer, {
    jwks: { keys: [{ ...(await exportJWK(rsa.privateKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' }, { ...(await exportJWK(ec.privateKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' }] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    scopes: ['openid', 'offline_access', ...scopes],
    clientDefaults: { grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' },
    pkce: { required: () => true },
    ttl: { AccessToken: 3600, AuthorizationCode: 60, Grant: 3600, IdToken: 3600, Interaction: 600, RefreshToken: 86_400, Session: 3600 },
    // A registered client may ask for any scope of the resource: the SDK v1 client registers with only the
    // scope of its first challenge, and a registration-time restriction would then refuse its step-up.
    extraClientMetadata: {
      properties: ['scope'],
      validator: (_ctx: unknown, key: string, _value: unknown, metadata: Record<string, unknown>) => {
        if (key === 'scope') delete metadata.scope;
      },
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx: unknown, id: string) => ({ accountId: id, claims: () => ({ sub: id }) }),
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => options.resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, indicator: string) => {
          if (indicator !== options.resource) throw new errors.InvalidTarget(`unknown resource ${indicator}`);
          return { scope: scopes.join(' '), audience: options.resource, accessTokenTTL: 3600, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } };
        },
      },
    },
  });
  return {
    issuer,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

/** The automatic login and consent: grants what the request asks for, nothing more. */
async function interact(provider: Provider, accountId: string, req: Parameters<Provider['interactionDetails']>[0], res: Parameters<Provider['interactionDetails']>[1]): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'login') {
    await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
    return;
  }
  const grant = (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ?? new provider.Grant({ accountId: details.session?.accountId ?? accountId, clientId: String(details.params.client_id) });
  const d = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
  if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
  if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
  for (const [indicator, list] of Object.entries(d.missingResourceScopes ?? {})) grant.addResourceScope(indicator, list.join(' '));
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}
