/**
 * Two clients completing the OAuth flow against the example server: velomcp's own (`OAuthClient` as the
 * HTTP auth hook) and the official TypeScript SDK v1 (its `OAuthClientProvider`). Both register
 * dynamically, authorize with PKCE through a headless browser, call `whoami` with an `mcp:read` token,
 * then call `admin_report`, which answers 403 `insufficient_scope` until they step up to `mcp:admin`.
 *
 *   node dist/examples/oauth/clients.js   # starts the example, runs both clients, prints what happened
 */
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { OAuthClient } from '../../src/auth/client/index.js';
import { McpClient } from '../../src/client/index.js';
import { headlessBrowser } from './browser.js';
import { startOAuthExample } from './server.js';

/** What one client run saw. */
export interface ClientRun {
  whoami: string;
  admin: string;
  /** Authorization requests the client made (the second one is the step-up). */
  authorizations: URL[];
}

const text = (r: object): string => (((r as { content?: unknown }).content as { type: string; text?: string }[] | undefined)?.find((c) => c.type === 'text')?.text ?? '');

/** velomcp's client: the whole flow, step-up included, happens inside the HTTP transport. */
export async function runVelomcpClient(mcpUrl: string, redirectUri = 'http://127.0.0.1:8765/callback'): Promise<ClientRun> {
  const authorizations: URL[] = [];
  const auth = new OAuthClient({
    grant: {
      type: 'authorization_code',
      redirectUri,
      userAgent: (url, redirect) => {
        authorizations.push(url);
        return headlessBrowser(url, redirect);
      },
    },
    clientMetadata: { client_name: 'velomcp OAuth example' },
  });
  const client = new McpClient({ name: 'velomcp-oauth-example', version: '1.0.0' }, { http: { auth } });
  try {
    await client.connect(mcpUrl);
    const whoami = text(await client.callTool({ name: 'whoami', arguments: {} }));
    const admin = text(await client.callTool({ name: 'admin_report', arguments: {} }));
    return { whoami, admin, authorizations };
  } finally {
    await client.close();
  }
}

/** The official SDK v1's OAuth provider interface, in memory, with the headless browser as user agent. */
class ExampleSdkProvider implements OAuthClientProvider {
  #client: OAuthClientInformationMixed | undefined;
  #tokens: OAuthTokens | undefined;
  #verifier = '';
  /** The callback URL of the last authorization, for `finishAuth`. */
  pending: Promise<URL> | undefined;
  readonly authorizations: URL[] = [];
  constructor(readonly redirectUri: string) {}
  get redirectUrl(): string {
    return this.redirectUri;
  }
  get clientMetadata(): OAuthClientMetadata {
    // The scopes this client may ever ask for (oidc-provider limits a registered client to its `scope`).
    return { client_name: 'SDK v1 OAuth example', scope: 'mcp:read mcp:admin', redirect_uris: [this.redirectUri], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none', application_type: 'native' } as OAuthClientMetadata;
  }
  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.#client;
  }
  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.#client = info;
  }
  tokens(): OAuthTokens | undefined {
    return this.#tokens;
  }
  saveTokens(tokens: OAuthTokens): void {
    this.#tokens = tokens;
  }
  redirectToAuthorization(url: URL): void {
    this.authorizations.push(url);
    this.pending = headlessBrowser(url, this.redirectUri);
  }
  saveCodeVerifier(v: string): void {
    this.#verifier = v;
  }
  codeVerifier(): string {
    return this.#verifier;
  }
}

/**
 * The official SDK v1 client. It reports "go authorize" as `UnauthorizedError`; the caller finishes with
 * the code and retries, which this helper does once per authorization (initial and step-up).
 */
export async function runSdkClient(mcpUrl: string, redirectUri = 'http://127.0.0.1:8766/callback'): Promise<ClientRun> {
  const provider = new ExampleSdkProvider(redirectUri);
  let transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
  const client = new Client({ name: 'sdk-v1-oauth-example', version: '1.0.0' });
  const finish = async (): Promise<void> => {
    const callback = await provider.pending!;
    provider.pending = undefined;
    const code = callback.searchParams.get('code');
    if (!code) throw new Error(`the authorization server answered ${callback.search}`);
    await transport.finishAuth(code);
  };
  const withAuth = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof UnauthorizedError) || !provider.pending) throw err;
      await finish();
      return fn();
    }
  };
  try {
    try {
      await client.connect(transport);
    } catch (err) {
      if (!(err instanceof UnauthorizedError) || !provider.pending) throw err;
      await finish();
      transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
      await client.connect(transport);
    }
    const whoami = text(await withAuth(() => client.callTool({ name: 'whoami', arguments: {} })));
    const admin = text(await withAuth(() => client.callTool({ name: 'admin_report', arguments: {} })));
    return { whoami, admin, authorizations: provider.authorizations };
  } finally {
    await client.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const ex = await startOAuthExample();
  try {
    for (const [name, run] of [['velomcp', runVelomcpClient], ['SDK v1', runSdkClient]] as const) {
      const r = await run(ex.mcpUrl);
      process.stdout.write(`${name}: whoami=${r.whoami}; admin_report="${r.admin}"; authorization requests: ${r.authorizations.map((u) => u.searchParams.get('scope')).join(' → ')}\n`);
    }
  } finally {
    await ex.close();
  }
}
