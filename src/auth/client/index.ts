/**
 * `velomcp/auth/client`: OAuth 2.1 for MCP clients (MCP `basic/authorization`). Pass an {@link OAuthClient}
 * as `http.auth` to `McpClient`.
 * @packageDocumentation
 */
export { OAuthClient, type OAuthClientOptions, type OAuthGrant, type PreRegisteredClient, type AuthorizationUserAgent } from './oauth-client.js';
export { startLoopbackRedirect, type LoopbackRedirect, type LoopbackRedirectOptions } from './loopback.js';
export { MemoryTokenStore, type TokenStore, type TokenSet, type ClientRegistration } from './store.js';
export {
  discoverProtectedResource,
  discoverAuthorizationServer,
  resourceMetadataUrls,
  authorizationServerMetadataUrls,
  resourceMatches,
  canonicalResource,
  isLoopbackHost,
  type ProtectedResourceMetadata,
  type AuthorizationServerMetadata,
} from './discovery.js';
export { parseWwwAuthenticate, type AuthChallenge } from '../challenge.js';
export type { HttpAuthHook, AuthRequestInfo, AuthResponseInfo } from '../../client/auth-hook.js';
