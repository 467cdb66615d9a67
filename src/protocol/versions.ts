/**
 * Protocol revisions and eras (MCP `basic/versioning.mdx`; spec-notes §1, §2.1).
 * - **Legacy era** (≤ 2025-11-25): `initialize` handshake, sessions, server→client requests.
 * - **Modern era** (≥ 2026-07-28): stateless; every request carries its version and client capabilities in `_meta`.
 */

/** The newest revision velomcp implements. */
export const LATEST_PROTOCOL_VERSION = '2026-07-28';

/** The newest legacy-era revision; what `initialize` negotiates when the client asks for one we do not know. */
export const LATEST_LEGACY_PROTOCOL_VERSION = '2025-11-25';

/** Modern-era revisions served statelessly (per-request `_meta`). */
export const MODERN_PROTOCOL_VERSIONS: readonly string[] = ['2026-07-28'];

/** Legacy-era revisions served through `initialize`, newest first. */
export const LEGACY_PROTOCOL_VERSIONS: readonly string[] = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'];

/** Every revision served, newest first; the `supported` list of `-32022` errors and of `server/discover`. */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly string[] = [...MODERN_PROTOCOL_VERSIONS, ...LEGACY_PROTOCOL_VERSIONS];

/** `legacy` (initialize and sessions) or `modern` (stateless, per-request `_meta`). */
export type ProtocolEra = 'legacy' | 'modern';

/** True when JSON-RPC batches are allowed at this revision (only 2025-03-26 had them). */
export function allowsBatches(version: string | undefined): boolean {
  return version === '2025-03-26';
}
