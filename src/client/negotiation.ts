/**
 * Era negotiation of {@link McpClient} (`basic/versioning.mdx`, `basic/lifecycle.mdx`): the 2026-07-28
 * `server/discover` probe, the legacy `initialize` handshake, and the -32022 version retry.
 */
import { ErrorCode } from '../jsonrpc/codes.js';
import { McpError, VeloError } from '../jsonrpc/errors.js';
import { serializeNotification, type JsonObject } from '../jsonrpc/message.js';
import { MetaKey } from '../protocol/meta.js';
import type { ClientCapabilities, Implementation, LoggingLevel, ServerCapabilities } from '../protocol/types.js';
import { LATEST_LEGACY_PROTOCOL_VERSION, LEGACY_PROTOCOL_VERSIONS, MODERN_PROTOCOL_VERSIONS, type ProtocolEra } from '../protocol/versions.js';
import type { McpClientOptions } from './options.js';
import type { Wire } from './wire.js';

/** Legacy versions the client accepts in an InitializeResult. */
const LEGACY_ACCEPTED = new Set([...LEGACY_PROTOCOL_VERSIONS, '2024-10-07']);

/** What the server told about itself (InitializeResult or DiscoverResult). */
export interface ServerDescription {
  capabilities: ServerCapabilities;
  serverInfo: Implementation | undefined;
  instructions: string | undefined;
}

/** The client state negotiation reads and writes. */
export interface NegotiationHost {
  readonly options: McpClientOptions;
  readonly clientInfo: Implementation;
  readonly capabilities: ClientCapabilities;
  readonly logLevel: LoggingLevel | undefined;
  /** URIs subscribed in the legacy era, re-subscribed in each new session. */
  legacySubscriptionUris(): Iterable<string>;
  wire(): Wire;
  /** Records the era and version (`probing`: tell HTTP transports to send modern headers meanwhile). */
  setEra(era: ProtocolEra | undefined, version: string | undefined, probing?: boolean): void;
  /** The per-request `_meta` of the modern era for the current version. */
  meta(): JsonObject;
  describeServer(description: ServerDescription): void;
}

/** The modern version to retry with after a -32022 error, if the error lists one this client speaks. */
export function supportedModern(err: McpError): string | undefined {
  if (err.code !== ErrorCode.UnsupportedProtocolVersion) return undefined;
  const supported = (err.data as { supported?: unknown } | undefined)?.supported;
  if (!Array.isArray(supported)) return undefined;
  return MODERN_PROTOCOL_VERSIONS.find((v) => supported.includes(v));
}

/**
 * Negotiates by the `era` option: `'legacy'` initializes; `'auto'` probes and falls back to `initialize`;
 * a pinned version must be served.
 * @throws VeloError `VELO_PROTOCOL_ERROR` (no common version), McpError, transport errors.
 */
export async function negotiate(host: NegotiationHost): Promise<void> {
  const mode = host.options.era ?? 'auto';
  if (mode === 'legacy') return initialize(host);
  const pinned = typeof mode === 'object' ? mode.pin : undefined;
  const outcome = await probe(host, pinned ?? MODERN_PROTOCOL_VERSIONS[0]!, pinned !== undefined);
  if (outcome === 'legacy') {
    if (pinned) throw new VeloError('VELO_PROTOCOL_ERROR', `The server does not serve protocol version ${pinned}`);
    return initialize(host);
  }
}

/** `server/discover` probe: modern on a DiscoverResult or a recognised modern error, legacy on anything else. */
async function probe(host: NegotiationHost, version: string, pinned: boolean): Promise<'modern' | 'legacy'> {
  const timeoutMs = pinned ? host.options.requestTimeoutMs : (host.options.probeTimeoutMs ?? 5000);
  for (let attempt = 0; attempt < 2; attempt++) {
    host.setEra('modern', version, true);
    let result: JsonObject;
    try {
      result = await host.wire().outbound.request('server/discover', { _meta: host.meta() }, timeoutMs === undefined ? {} : { timeoutMs });
    } catch (err) {
      const next = err instanceof McpError ? supportedModern(err) : undefined;
      if (next !== undefined && attempt === 0 && (!pinned || next === version)) {
        version = next;
        continue;
      }
      if (pinned) throw err;
      host.setEra(undefined, undefined);
      return 'legacy';
    }
    const supported = Array.isArray(result.supportedVersions) ? (result.supportedVersions as unknown[]).filter((v): v is string => typeof v === 'string') : undefined;
    const usable = supported?.filter((v) => MODERN_PROTOCOL_VERSIONS.includes(v));
    if (!usable || usable.length === 0) {
      if (pinned) throw new VeloError('VELO_PROTOCOL_ERROR', `server/discover did not list protocol version ${version}`);
      host.setEra(undefined, undefined);
      return 'legacy';
    }
    if (!usable.includes(version)) {
      if (pinned) throw new VeloError('VELO_PROTOCOL_ERROR', `The server does not support ${version} (supported: ${supported!.join(', ')})`);
      version = usable[0]!;
    }
    host.setEra('modern', version);
    const meta = result._meta as JsonObject | undefined;
    host.describeServer({
      capabilities: (result.capabilities as ServerCapabilities | undefined) ?? {},
      serverInfo: (meta?.[MetaKey.serverInfo] as Implementation | undefined) ?? (result.serverInfo as Implementation | undefined),
      instructions: typeof result.instructions === 'string' ? result.instructions : undefined,
    });
    return 'modern';
  }
  host.setEra(undefined, undefined);
  return 'legacy';
}

/**
 * The legacy handshake on the current wire: `initialize`, `notifications/initialized`, the standalone GET
 * stream (HTTP), then the remembered log level and resource subscriptions.
 * @throws VeloError `VELO_PROTOCOL_ERROR` when the server chose a version this client does not speak.
 */
export async function initialize(host: NegotiationHost): Promise<void> {
  const wire = host.wire();
  host.setEra(undefined, undefined);
  if (wire.http) {
    wire.http.era = 'legacy';
    wire.http.protocolVersion = undefined;
  }
  const asked = host.options.legacyProtocolVersion ?? LATEST_LEGACY_PROTOCOL_VERSION;
  const result = await wire.outbound.request('initialize', { protocolVersion: asked, capabilities: host.capabilities as JsonObject, clientInfo: host.clientInfo as unknown as JsonObject });
  const version = result.protocolVersion;
  if (typeof version !== 'string' || !LEGACY_ACCEPTED.has(version)) {
    throw new VeloError('VELO_PROTOCOL_ERROR', `The server chose protocol version ${JSON.stringify(version)}, which this client does not speak`);
  }
  host.setEra('legacy', version);
  const capabilities = (result.capabilities as ServerCapabilities | undefined) ?? {};
  host.describeServer({
    capabilities,
    serverInfo: result.serverInfo as Implementation | undefined,
    instructions: typeof result.instructions === 'string' ? result.instructions : undefined,
  });
  await wire.transport.send(serializeNotification('notifications/initialized', undefined));
  wire.http?.openStandaloneStream();
  const logLevel = host.logLevel;
  if (logLevel && capabilities.logging) await wire.outbound.request('logging/setLevel', { level: logLevel });
  for (const uri of host.legacySubscriptionUris()) await wire.outbound.request('resources/subscribe', { uri }).catch(() => {});
}
