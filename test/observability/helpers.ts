/**
 * Shared pieces of the observability tests: a small server with known tools, and the Prometheus exposition
 * parsed with a real parser (parse-prometheus-text-format, prom2json's shape).
 */
import parsePrometheusTextFormat, { type MetricFamily } from 'parse-prometheus-text-format';
import { McpError } from '../../src/jsonrpc/errors.js';
import { McpServer } from '../../src/server/mcp-server.js';

export const INFO = { name: 'observe-test-client', version: '1.0.0' };
export const NO_ARGS = { type: 'object', properties: {} } as const;

/** A server with `echo` (ok), `slow` (5 ms), `fails` (isError), `throws` (an Error: isError), `refuses` (McpError -32602) and the prompt `greet`. */
export function observedServer(): McpServer {
  const server = new McpServer({ name: 'observed', version: '1.0.0' });
  server.registerTool('echo', { inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }, ({ text }: { text?: string }) => ({
    content: [{ type: 'text', text: text ?? '' }],
  }));
  server.registerTool('slow', { inputSchema: NO_ARGS }, async () => {
    await new Promise((r) => setTimeout(r, 5));
    return { content: [{ type: 'text', text: 'done' }] };
  });
  server.registerTool('fails', { inputSchema: NO_ARGS }, () => ({ isError: true, content: [{ type: 'text', text: 'nope' }] }));
  server.registerTool('throws', { inputSchema: NO_ARGS }, () => {
    throw new Error('boom');
  });
  server.registerTool('refuses', { inputSchema: NO_ARGS }, () => {
    throw new McpError(-32602, 'Invalid params: refused');
  });
  server.registerPrompt('greet', { description: 'Says hello' }, () => ({ messages: [{ role: 'user', content: { type: 'text', text: 'hello' } }] }));
  return server;
}

/**
 * The exposition parsed into families by name. parse-prometheus-text-format folds every labelled series of a
 * histogram into one (it handles unlabelled histograms only), so histogram families are parsed a second
 * time with their `# TYPE` line dropped: each `_bucket`, `_sum` and `_count` sample then keeps its labels, as
 * an untyped family of its own. The `type` of the original family stays available under its own name.
 */
export function parseExposition(text: string): Map<string, MetricFamily> {
  const out = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
  const untyped = text.split('\n').filter((line) => !/^# TYPE \S+ histogram$/.test(line)).join('\n');
  const split = new Map<string, MetricFamily>();
  for (const f of parsePrometheusTextFormat(untyped)) {
    if (out.has(f.name)) continue;
    const seen = split.get(f.name);
    if (seen) seen.metrics.push(...f.metrics);
    else split.set(f.name, f);
  }
  for (const [name, f] of split) out.set(name, f);
  return out;
}

/**
 * Label sets and values of one family, as `labels-json → value`; for a histogram, the values of its
 * `_count` samples.
 */
export function series(families: Map<string, MetricFamily>, name: string): Map<string, number> {
  const family = families.get(name)?.type === 'HISTOGRAM' ? families.get(`${name}_count`) : families.get(name);
  const out = new Map<string, number>();
  if (!family) return out;
  for (const m of family.metrics) out.set(key(m.labels ?? {}), Number(m.value));
  return out;
}

/** `JSON.stringify` of a label object with sorted keys (to look up {@link series}). */
export function key(labels: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b))));
}
