/**
 * `velomcp/auth/server`: the OAuth 2.1 resource server for MCP endpoints (MCP `basic/authorization`):
 * Protected Resource Metadata (RFC 9728), bearer tokens verified as JWTs (jose, JWKS) or by introspection
 * (RFC 7662), scopes per tool, resource and prompt with 403 `insufficient_scope` step-up challenges.
 * @packageDocumentation
 */
export { ResourceServer, type ResourceServerOptions, type ScopeRequirements, type AuthRejection, type AuthOutcome } from './resource-server.js';
export { jwtVerifier, introspectionVerifier, InvalidTokenError, type TokenVerifier, type AuthInfo, type JwtVerifierOptions, type IntrospectionVerifierOptions } from './verifier.js';
export { createProtectedHttpHandler, serveProtectedHttp, authInfoOf, type ProtectedHttpHandlerOptions, type ServeProtectedHttpOptions } from './node.js';
export { createProtectedFetchHandler, type ProtectedFetchHandlerOptions } from './fetch.js';
export { formatChallenge, parseWwwAuthenticate, type AuthChallenge } from '../challenge.js';
