/**
 * The public option shapes of {@link OAuthClient}: grants, pre-registered clients and the user agent.
 */
import type { TokenStore } from './store.js';

/**
 * The user-agent step of the authorization code flow: show `authorizationUrl` to the user (open a
 * browser, print it) and resolve with the URL the AS redirected to (`redirectUri?code=…&state=…`).
 */
export type AuthorizationUserAgent = (authorizationUrl: URL, redirectUri: string) => Promise<URL>;

/** How the client obtains tokens. */
export type OAuthGrant =
  | { type: 'authorization_code'; redirectUri: string; userAgent: AuthorizationUserAgent }
  | { type: 'client_credentials' }
  /** RFC 7523 JWT bearer grant with an assertion from a workload identity provider (SEP-1933). */
  | { type: 'jwt_bearer'; assertion: () => string | Promise<string> }
  /** SEP-990: exchange an IdP ID token for an ID-JAG (RFC 8693), then use it as a JWT bearer grant. */
  | { type: 'enterprise_managed'; idpTokenEndpoint: string; idpIssuer?: string; idpClientId: string; idToken: () => string | Promise<string> };

/** A pre-registered client (MCP registration priority 1). */
export interface PreRegisteredClient {
  clientId: string;
  clientSecret?: string;
  /** Default: `client_secret_basic` with a secret, `private_key_jwt` with a key, else `none`. */
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';
  /** PKCS#8 PEM private key for `private_key_jwt`. */
  privateKeyPem?: string;
  /** Signing algorithm of the key (default ES256). */
  signingAlgorithm?: string;
  /** Only use this registration at this issuer (default: any). */
  issuer?: string;
}

/** Options of {@link OAuthClient}. */
export interface OAuthClientOptions {
  grant: OAuthGrant;
  /** Pre-registered credentials; without them the client uses CIMD, then dynamic registration. */
  client?: PreRegisteredClient;
  /** An HTTPS URL serving this client's metadata document, used as `client_id` where the AS supports CIMD. */
  clientMetadataUrl?: string;
  /** Metadata for dynamic registration (RFC 7591); `redirect_uris`, `grant_types` and `application_type` are filled in. */
  clientMetadata?: { client_name?: string; client_uri?: string; logo_uri?: string; software_id?: string; software_version?: string };
  /** Scopes to ask for instead of the challenge's or the PRM's `scopes_supported`. */
  scope?: string;
  /** Where registrations and tokens live (default: in memory). */
  store?: TokenStore;
  /** `'auto'` (default): DPoP when the AS advertises `dpop_signing_alg_values_supported`; `false`: never. */
  dpop?: 'auto' | false;
  /** Re-authorizations after 403 `insufficient_scope` before giving up (default 2). */
  maxStepUps?: number;
  /** Allow plain `http:` towards non-loopback hosts (default false: loopback only). */
  allowInsecureHttp?: boolean;
  /** The fetch used for discovery and the AS (default: global fetch). */
  fetch?: typeof fetch;
}
