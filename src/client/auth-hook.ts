/**
 * The seam between the HTTP client transports and an authorization implementation (MCP
 * `basic/authorization`). The transports know nothing of OAuth: before each request they ask the hook for
 * headers, and on a 401/403 they hand it the response and retry when it says so. `velomcp/auth`'s
 * `OAuthClient` implements it; anything else that can mint headers (a static API key, a custom scheme) can too.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** One outgoing HTTP request as the hook sees it. */
export interface AuthRequestInfo {
  /** `POST`, `GET` or `DELETE`. */
  method: string;
  /** The request URL. */
  url: URL;
}

/** A response the hook is told about. */
export interface AuthResponseInfo extends AuthRequestInfo {
  /** HTTP status. */
  status: number;
  /** Response headers (lower-cased names, as Node gives them). */
  headers: IncomingHttpHeaders;
  /** How many times this request was already retried after a challenge (0 on the first answer). */
  attempt: number;
}

/** What an HTTP client transport needs from an authorization implementation. */
export interface HttpAuthHook {
  /**
   * Headers for one request (e.g. `authorization`, `dpop`), lower-case names. Called for every attempt,
   * so proofs can be fresh. May wait (for a token being fetched).
   */
  headers(request: AuthRequestInfo): Promise<Record<string, string>>;
  /**
   * The server answered 401 or 403. Resolves `true` when the request should be sent again (a token was
   * obtained or refreshed, a nonce learnt), `false` to give up with the HTTP error.
   * @throws Error when authorization failed; the request fails with that error.
   */
  challenge(response: AuthResponseInfo): Promise<boolean>;
  /** Every other response (e.g. to pick up a `DPoP-Nonce` header). Optional. */
  observe?(response: AuthResponseInfo): void;
}
