/**
 * The OAuth example: the reference ("everything") server behind velomcp's resource server, with
 * `oidc-provider` as its authorization server. Every MCP request needs a token with `mcp:read`; the tool
 * `admin_report` also needs `mcp:admin`, so a client that was granted only `mcp:read` gets a 403
 * `insufficient_scope` on it and must step up.
 *
 *   node dist/examples/oauth/server.js          # prints the MCP URL and the issuer, runs until Ctrl-C
 *
 * Then point a client at the MCP URL (see clients.ts for velomcp's and the official SDK's).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createProtectedHttpHandler, jwtVerifier, type AuthInfo } from '../../src/auth/server/index.js';
import type { NodeHttpHandler } from '../../src/transports/http/index.js';
import { createEverythingServer } from '../everything/server.js';
import { startAuthorizationServer } from './authorization-server.js';

/** The running example. */
export interface OAuthExample {
  /** The MCP endpoint (the protected resource). */
  mcpUrl: string;
  /** The authorization server's issuer. */
  issuer: string;
  /** Every token the resource server accepted, in order (to observe scopes and step-ups). */
  accepted: AuthInfo[];
  close(): Promise<void>;
}

/** Starts the authorization server and the protected MCP server on 127.0.0.1 (free ports unless given). */
export async function startOAuthExample(options: { port?: number; asPort?: number } = {}): Promise<OAuthExample> {
  let handler: NodeHttpHandler | undefined;
  const http = createServer((req, res) => (handler ? handler(req, res) : res.writeHead(503).end()));
  await new Promise<void>((r) => http.listen(options.port ?? 0, '127.0.0.1', r));
  const mcpUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
  const as = await startAuthorizationServer({ resource: mcpUrl, ...(options.asPort !== undefined && { port: options.asPort }) });

  const server = createEverythingServer();
  server.registerTool('whoami', { description: 'The principal the resource server verified.', inputSchema: { type: 'object' } }, (_args, ctx) => ({
    content: [{ type: 'text', text: ctx.principal }],
  }));
  server.registerTool('admin_report', { description: 'Needs the mcp:admin scope.', inputSchema: { type: 'object' } }, (_args, ctx) => ({
    content: [{ type: 'text', text: `admin report for ${ctx.principal}` }],
  }));
  const accepted: AuthInfo[] = [];
  handler = createProtectedHttpHandler(server, {
    auth: {
      resource: mcpUrl,
      authorizationServers: [as.issuer],
      verifier: jwtVerifier({ issuer: as.issuer, audience: mcpUrl }),
      requiredScopes: ['mcp:read'],
      scopes: { tools: { admin_report: ['mcp:admin'] } },
      resourceName: 'velomcp OAuth example',
    },
    onAuthenticated: (auth) => accepted.push(auth),
  });
  return {
    mcpUrl,
    issuer: as.issuer,
    accepted,
    close: async () => {
      handler?.close();
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
      await as.close();
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const ex = await startOAuthExample({ port: Number(process.env.PORT ?? 0) });
  process.stdout.write(`MCP endpoint:          ${ex.mcpUrl}\nauthorization server:  ${ex.issuer}\n`);
  process.once('SIGINT', () => void ex.close().then(() => process.exit(0)));
}
