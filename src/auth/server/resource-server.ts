/**
 * The MCP resource server (MCP `basic/authorization`): Protected Resource Metadata (RFC 9728) at its
 * well-known URLs, bearer-token authentication (RFC 6750) with `WWW-Authenticate` challenges that carry
 * `resource_metadata` and `scope`, and scope checks per tool, resource and prompt that answer 403
 * `insufficient_scope` so clients can step up. Transport-neutral: `node.ts` binds it to `node:http`.
 *
 * Tokens are never forwarded anywhere: the verified {@link AuthInfo} (not the token) is what handlers see,
 * as the `principal` of their context (MCP "Access Token Privilege Restriction": no token passthrough).
 */
import { formatChallenge } from '../challenge.js';
import { InvalidTokenError, type AuthInfo, type TokenVerifier } from './verifier.js';

/** Scopes a request needs beyond the base ones, by what it touches. */
export interface ScopeRequirements {
  /** By tool name (for `tools/call`). */
  tools?: Record<string, string[]>;
  /** By resource URI (for `resources/read`, `resources/subscribe`). */
  resources?: Record<string, string[]>;
  /** By prompt name (for `prompts/get`). */
  prompts?: Record<string, string[]>;
  /** By JSON-RPC method (any method, e.g. `tools/list`). */
  methods?: Record<string, string[]>;
}

/** Options of {@link ResourceServer}. */
export interface ResourceServerOptions {
  /** This resource's identifier: the canonical URL of the MCP endpoint (e.g. `https://mcp.example.com/mcp`). */
  resource: string;
  /** Issuer identifiers of the authorization servers clients may use (PRM `authorization_servers`). */
  authorizationServers: string[];
  /** Verifies presented tokens: {@link jwtVerifier} or {@link introspectionVerifier}. */
  verifier: TokenVerifier;
  /** Scopes every request needs (default none: any valid token). */
  requiredScopes?: string[];
  /** Extra scopes by tool, resource, prompt or method. */
  scopes?: ScopeRequirements;
  /** PRM `scopes_supported` (default: every scope named above; `offline_access` is never listed). */
  scopesSupported?: string[];
  /** PRM `resource_name`. */
  resourceName?: string;
  /** PRM `resource_documentation`. */
  resourceDocumentation?: string;
  /** Largest accepted token, in bytes (default 8192); longer ones are refused unread. */
  maxTokenBytes?: number;
  /** Maps a verified token to the principal string handlers see (default: `AuthInfo.subject`). */
  principal?: (auth: AuthInfo) => string;
}

/** An HTTP answer the middleware sends instead of passing the request on. */
export interface AuthRejection {
  status: 401 | 403 | 400;
  headers: Record<string, string>;
  body: string;
}

/** The outcome of {@link ResourceServer.authenticate}. */
export type AuthOutcome = { ok: true; auth: AuthInfo } | { ok: false; rejection: AuthRejection };

/** The resource-server policy for one MCP endpoint. */
export class ResourceServer {
  readonly options: ResourceServerOptions;
  /** The PRM URLs this server answers (path-inserted first, then the root one). */
  readonly metadataPaths: string[];
  /** The URL clients are pointed to in challenges. */
  readonly metadataUrl: string;
  readonly #metadata: string;

  /** @throws TypeError when `resource` is not an absolute URL without fragment. */
  constructor(options: ResourceServerOptions) {
    const r = new URL(options.resource);
    if (r.hash !== '') throw new TypeError(`resource ${options.resource} must not have a fragment (RFC 8707 §2)`);
    this.options = options;
    const path = r.pathname.replace(/\/+$/, '');
    this.metadataPaths = path === '' ? ['/.well-known/oauth-protected-resource'] : [`/.well-known/oauth-protected-resource${path}`, '/.well-known/oauth-protected-resource'];
    this.metadataUrl = new URL(this.metadataPaths[0]!, r.origin).href;
    const supported = options.scopesSupported ?? [...new Set([...(options.requiredScopes ?? []), ...allScopes(options.scopes)])];
    this.#metadata = JSON.stringify({
      resource: options.resource,
      authorization_servers: options.authorizationServers,
      scopes_supported: supported.filter((s) => s !== 'offline_access'),
      bearer_methods_supported: ['header'],
      ...(options.resourceName !== undefined && { resource_name: options.resourceName }),
      ...(options.resourceDocumentation !== undefined && { resource_documentation: options.resourceDocumentation }),
    });
  }

  /** The PRM document (RFC 9728 §2) as served. */
  get metadataJson(): string {
    return this.#metadata;
  }

  /** The challenge for a request without a usable token (401). */
  unauthorized(error?: { code: string; description: string }): AuthRejection {
    const base = this.options.requiredScopes ?? [];
    return {
      status: 401,
      headers: {
        'www-authenticate': formatChallenge('Bearer', {
          ...(error && { error: error.code, error_description: error.description }),
          resource_metadata: this.metadataUrl,
          ...(base.length > 0 && { scope: base.join(' ') }),
        }),
        'content-type': 'application/json',
      },
      body: JSON.stringify(error ? { error: error.code, error_description: error.description } : { error: 'unauthorized', error_description: 'Authorization required' }),
    };
  }

  /** The 403 step-up challenge naming every scope the request needs. */
  insufficientScope(needed: string[]): AuthRejection {
    const description = `This request needs the scopes: ${needed.join(' ')}`;
    return {
      status: 403,
      headers: {
        'www-authenticate': formatChallenge('Bearer', { error: 'insufficient_scope', scope: needed.join(' '), resource_metadata: this.metadataUrl, error_description: description }),
        'content-type': 'application/json',
      },
      body: JSON.stringify({ error: 'insufficient_scope', error_description: description }),
    };
  }

  /**
   * Authenticates an `Authorization` header value. Never throws for a bad token; verifier failures other
   * than {@link InvalidTokenError} (the AS unreachable, say) are refused as `invalid_token` too, since
   * nothing can vouch for the token.
   */
  async authenticate(authorization: string | undefined): Promise<AuthOutcome> {
    if (authorization === undefined || authorization === '') return { ok: false, rejection: this.unauthorized() };
    const max = this.options.maxTokenBytes ?? 8192;
    if (authorization.length > max + 16) return { ok: false, rejection: this.unauthorized({ code: 'invalid_token', description: `token longer than ${max} bytes` }) };
    const m = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(authorization);
    if (!m) return { ok: false, rejection: this.unauthorized({ code: 'invalid_request', description: 'expected "Authorization: Bearer <token>"' }) };
    try {
      return { ok: true, auth: await this.options.verifier(m[1]!) };
    } catch (err) {
      const description = err instanceof InvalidTokenError ? err.message : 'token could not be verified';
      return { ok: false, rejection: this.unauthorized({ code: 'invalid_token', description }) };
    }
  }

  /**
   * The scopes a JSON-RPC body needs: the base scopes plus those of every tool, resource, prompt or method
   * it names (a batch needs the union). An unparseable body needs only the base scopes; the MCP layer then
   * answers it with a parse error.
   */
  requiredScopes(body: string): string[] {
    const need = new Set(this.options.requiredScopes ?? []);
    const s = this.options.scopes;
    if (s) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        parsed = undefined;
      }
      for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
        if (typeof m !== 'object' || m === null) continue;
        const { method, params } = m as { method?: unknown; params?: { name?: unknown; uri?: unknown } };
        if (typeof method !== 'string') continue;
        const add = (list: string[] | undefined): void => list?.forEach((x) => need.add(x));
        add(s.methods?.[method]);
        if (method === 'tools/call' && typeof params?.name === 'string') add(own(s.tools, params.name));
        if (method === 'prompts/get' && typeof params?.name === 'string') add(own(s.prompts, params.name));
        if ((method === 'resources/read' || method === 'resources/subscribe') && typeof params?.uri === 'string') add(own(s.resources, params.uri));
      }
    }
    return [...need];
  }

  /** Checks `auth` against what `body` needs; returns the 403 to send, or undefined when allowed. */
  authorize(auth: AuthInfo, body: string): AuthRejection | undefined {
    const needed = this.requiredScopes(body);
    const granted = new Set(auth.scopes);
    return needed.every((x) => granted.has(x)) ? undefined : this.insufficientScope(needed);
  }

  /** The principal string for a verified token. */
  principalOf(auth: AuthInfo): string {
    return this.options.principal ? this.options.principal(auth) : auth.subject;
  }
}

function own(map: Record<string, string[]> | undefined, key: string): string[] | undefined {
  return map && Object.prototype.hasOwnProperty.call(map, key) ? map[key] : undefined;
}

function allScopes(s: ScopeRequirements | undefined): string[] {
  if (!s) return [];
  return [s.tools, s.resources, s.prompts, s.methods].flatMap((m) => (m ? Object.values(m).flat() : []));
}
