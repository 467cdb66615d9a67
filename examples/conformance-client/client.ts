/**
 * The velomcp conformance client: the official conformance CLI starts a mock server per scenario, sets
 * `MCP_CONFORMANCE_SCENARIO` (and, for some scenarios, `MCP_CONFORMANCE_CONTEXT` with JSON) and runs this
 * program with the server URL as its last argument.
 *
 *   npm run -s conformance-client -- http://localhost:PORT/mcp
 *
 * Every scenario connects with era negotiation `'auto'` (probe with `server/discover`, fall back to
 * `initialize`), so the same code serves the 2025-11-25 and the 2026-07-28 runs.
 */
import { OAuthClient, type OAuthClientOptions } from '../../src/auth/client/index.js';
import { McpClient, type McpClientOptions } from '../../src/client/index.js';
import type { JsonObject } from '../../src/jsonrpc/message.js';
import type { Tool } from '../../src/protocol/types.js';

const url = process.argv[process.argv.length - 1];
const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? '';
const context = ((): JsonObject => {
  try {
    return JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}') as JsonObject;
  } catch {
    return {};
  }
})();

const options: McpClientOptions = {
  era: 'auto',
  requestTimeoutMs: 20_000,
  handlers: {
    // The suite's servers ask for confirmation or send forms whose fields all have defaults: accept, and let
    // the client fill in the defaults (SEP-1034).
    elicitation: (params) => (params.mode === 'url' ? { action: 'accept' } : { action: 'accept', content: scenario.startsWith('sep-2322') ? { confirmed: true } : {} }),
    sampling: () => ({ role: 'assistant', content: { type: 'text', text: 'conformance' }, model: 'velomcp-conformance' }),
    roots: () => [{ uri: 'file:///tmp', name: 'tmp' }],
  },
  onError: (err) => process.stderr.write(`client error: ${err.message}\n`),
};

/**
 * The user agent of the authorization code flow, headless: the suite's authorization endpoint redirects at
 * once, so following its `Location` by hand stands in for a browser.
 */
async function headlessUserAgent(authorizationUrl: URL): Promise<URL> {
  const res = await fetch(authorizationUrl, { redirect: 'manual' });
  await res.body?.cancel();
  const location = res.headers.get('location');
  if (!location) throw new Error(`the authorization endpoint answered HTTP ${res.status} without a redirect`);
  return new URL(location, authorizationUrl);
}

const str = (k: string): string => (typeof context[k] === 'string' ? (context[k] as string) : '');

/** The OAuth options for an `auth/*` scenario, from its name and `MCP_CONFORMANCE_CONTEXT`. */
function oauthOptions(): OAuthClientOptions | undefined {
  if (!scenario.startsWith('auth/')) return undefined;
  switch (scenario) {
    case 'auth/client-credentials-basic':
      return { grant: { type: 'client_credentials' }, client: { clientId: str('client_id'), clientSecret: str('client_secret') } };
    case 'auth/client-credentials-jwt':
      return {
        grant: { type: 'client_credentials' },
        client: { clientId: str('client_id'), privateKeyPem: str('private_key_pem'), signingAlgorithm: str('signing_algorithm') || 'ES256' },
      };
    case 'auth/enterprise-managed-authorization':
    case 'auth/cross-app-access-complete-flow':
      return {
        grant: { type: 'enterprise_managed', idpTokenEndpoint: str('idp_token_endpoint'), idpIssuer: str('idp_issuer'), idpClientId: str('idp_client_id'), idToken: () => str('idp_id_token') },
        client: { clientId: str('client_id'), clientSecret: str('client_secret') },
      };
    case 'auth/wif-jwt-bearer':
      return { grant: { type: 'jwt_bearer', assertion: () => str('valid_jwt') }, client: { clientId: str('client_id'), tokenEndpointAuthMethod: 'none' } };
    default: {
      const options: OAuthClientOptions = {
        grant: { type: 'authorization_code', redirectUri: 'http://localhost:3000/callback', userAgent: headlessUserAgent },
        clientMetadataUrl: 'https://conformance-test.local/client-metadata.json',
        clientMetadata: { client_name: 'velomcp-conformance-client' },
      };
      if (str('client_id')) options.client = { clientId: str('client_id'), clientSecret: str('client_secret'), ...(str('issuer') && { issuer: str('issuer') }) };
      return options;
    }
  }
}

/** Arguments that satisfy a simple input schema: a placeholder per required property. */
function placeholderArgs(tool: Tool): JsonObject {
  const schema = tool.inputSchema as { properties?: Record<string, { type?: string }>; required?: string[] };
  const args: JsonObject = {};
  for (const name of schema.required ?? []) {
    const type = schema.properties?.[name]?.type;
    args[name] = type === 'number' || type === 'integer' ? 1 : type === 'boolean' ? true : type === 'object' ? {} : type === 'array' ? [] : 'us-west1';
  }
  return args;
}

async function run(client: McpClient): Promise<void> {
  switch (scenario) {
    case 'initialize':
    case 'request-metadata':
    case 'json-schema-ref-no-deref':
      await client.listTools();
      return;
    case 'tools_call': {
      await client.listTools();
      await client.callTool({ name: 'add_numbers', arguments: { a: 5, b: 3 } });
      return;
    }
    case 'elicitation-sep1034-client-defaults':
      await client.listTools();
      await client.callTool({ name: 'test_client_elicitation_defaults', arguments: {} });
      return;
    case 'sse-retry':
      await client.listTools();
      await client.callTool({ name: 'test_reconnection', arguments: {} });
      return;
    case 'sep-2322-client-request-state':
      await client.listTools();
      for (const name of ['test_mrtr_echo_state', 'test_mrtr_no_state', 'test_mrtr_unrelated', 'test_mrtr_no_result_type']) {
        await client.callTool({ name, arguments: {} });
      }
      return;
    case 'http-standard-headers': {
      const { tools } = await client.listTools();
      for (const t of tools) await client.callTool({ name: t.name, arguments: placeholderArgs(t) });
      const { resources } = await client.listResources();
      for (const r of resources) await client.readResource({ uri: r.uri });
      const { prompts } = await client.listPrompts();
      for (const p of prompts) await client.getPrompt({ name: p.name });
      return;
    }
    case 'http-custom-headers': {
      await client.listTools();
      const calls = (context.toolCalls as { name: string; arguments?: JsonObject }[] | undefined) ?? [];
      for (const c of calls) await client.callTool({ name: c.name, arguments: c.arguments ?? {} });
      return;
    }
    case 'http-invalid-tool-headers': {
      // Tools with invalid x-mcp-header annotations are already gone from the list; call what remains.
      const { tools } = await client.listTools();
      for (const t of tools) await client.callTool({ name: t.name, arguments: placeholderArgs(t) });
      return;
    }
    case 'json-schema-2020-12-preservation': {
      const { tools } = await client.listTools();
      const focal = tools.find((t) => t.name !== 'json_schema_echo');
      if (focal) await client.callTool({ name: 'json_schema_echo', arguments: { schema: focal.inputSchema } });
      return;
    }
    default: {
      const { tools } = await client.listTools();
      for (const t of tools) await client.callTool({ name: t.name, arguments: placeholderArgs(t) });
    }
  }
}

async function main(): Promise<number> {
  if (!url || !/^https?:/.test(url)) {
    process.stderr.write('usage: conformance-client <server-url>\n');
    return 2;
  }
  const oauth = oauthOptions();
  if (oauth) options.http = { auth: new OAuthClient(oauth) };
  const client = new McpClient({ name: 'velomcp-conformance-client', version: '0.1.0' }, options);
  try {
    await client.connect(url);
    process.stderr.write(`connected: era ${client.era}, version ${client.protocolVersion}\n`);
    await run(client);
    return 0;
  } catch (err) {
    process.stderr.write(`scenario ${scenario} failed: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  } finally {
    await client.close();
  }
}

process.exitCode = await main();
