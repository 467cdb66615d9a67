/**
 * `velomcp/auth`: authorization for MCP over HTTP (MCP `basic/authorization`), both sides. The client
 * half is also at `velomcp/auth/client`, the resource server at `velomcp/auth/server`.
 * @packageDocumentation
 */
export * from './client/index.js';
export {
  ResourceServer,
  type ResourceServerOptions,
  type ScopeRequirements,
  type AuthRejection,
  type AuthOutcome,
  jwtVerifier,
  introspectionVerifier,
  InvalidTokenError,
  type TokenVerifier,
  type AuthInfo,
  type JwtVerifierOptions,
  type IntrospectionVerifierOptions,
  createProtectedHttpHandler,
  serveProtectedHttp,
  createProtectedFetchHandler,
  type ProtectedFetchHandlerOptions,
  authInfoOf,
  type ProtectedHttpHandlerOptions,
  type ServeProtectedHttpOptions,
  formatChallenge,
} from './server/index.js';
