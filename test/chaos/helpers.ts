/**
 * Helpers of the chaos tests: real `velomcp serve --http --redis` node processes (the Node class of
 * test/cluster-nginx/harness.ts), a small legacy-session client over raw HTTP, and checks of SSE event
 * order across the connections of one stream.
 */
import { CLUSTER_SERVER, Node } from '../cluster-nginx/harness.js';
import { freePort } from '../redis/helpers.js';
import { LEGACY_HEADERS, raw, type RawResponse, type SseEvent } from '../http/helpers.js';

export const V = '2025-11-25';
export const STATE_SECRET = 'chaos-state-secret-0123456789abcdef';
export const WATCHED = 'test://watched-resource';

/** Starts `n` Redis-backed nodes of the cluster test server (30 s each at most). */
export async function startNodes(n: number, redisUrl: string, prefix: string, extra: string[] = []): Promise<Node[]> {
  const nodes: Node[] = [];
  for (let i = 0; i < n; i++) {
    const node = new Node(await freePort(), [CLUSTER_SERVER, '--redis', redisUrl, '--redis-prefix', prefix, '--state-secret', STATE_SECRET, ...extra]);
    nodes.push(node);
  }
  await Promise.all(nodes.map((x) => x.start()));
  return nodes;
}

export const urlOf = (node: Node): string => `http://127.0.0.1:${node.port}/mcp`;

export const sessionHeaders = (sid: string): Record<string, string> => ({ ...LEGACY_HEADERS, 'mcp-session-id': sid, 'mcp-protocol-version': V });

/** `initialize` + `notifications/initialized` on `url`; the raw answer of initialize when it is not 200. */
export async function openSession(url: string): Promise<{ sid: string } | { refused: RawResponse }> {
  const r = await raw(url, {
    headers: LEGACY_HEADERS,
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: V, capabilities: {}, clientInfo: { name: 'chaos', version: '1' } } }),
    timeoutMs: 15_000,
  });
  if (r.status !== 200) return { refused: r };
  const sid = r.headers['mcp-session-id'] as string;
  const n = await raw(url, { headers: sessionHeaders(sid), body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), timeoutMs: 15_000 });
  if (n.status !== 202) return { refused: n };
  return { sid };
}

/** One request in a session. */
export function request(url: string, sid: string, id: number, method: string, params: Record<string, unknown> = {}): Promise<RawResponse> {
  return raw(url, { headers: sessionHeaders(sid), body: JSON.stringify({ jsonrpc: '2.0', id, method, params }), timeoutMs: 15_000 });
}

/** The sequence number of an event id `<stream>#<n>`. */
export function seqOf(id: string | undefined): number {
  const cut = id?.lastIndexOf('#') ?? -1;
  return cut < 0 ? NaN : Number((id as string).slice(cut + 1));
}

/**
 * Checks that the events a client received over one stream's connections (in arrival order) are each once
 * and in order: ids of one stream, sequences strictly increasing. Returns the messages (priming dropped).
 */
export function assertOnceInOrder(events: readonly SseEvent[], what: string): any[] {
  let last = -Infinity;
  let stream: string | undefined;
  for (const e of events) {
    if (e.id === undefined) throw new Error(`${what}: an event without an id: ${JSON.stringify(e)}`);
    const s = e.id.slice(0, e.id.lastIndexOf('#'));
    stream ??= s;
    if (s !== stream) throw new Error(`${what}: events of two streams (${stream}, ${s})`);
    const n = seqOf(e.id);
    if (!(n > last)) throw new Error(`${what}: event ${e.id} after sequence ${last} (duplicated or out of order)`);
    last = n;
  }
  return events.filter((e) => e.data !== '').map((e) => JSON.parse(e.data));
}
