/**
 * @internal The list side of a mount: fetching the upstream's lists page by page and registering their entries
 * on the downstream server under the mount's names (tools and prompts `<prefix>_<name>`, resources and
 * templates `<prefix>+<uri>`), with handlers that forward to the upstream.
 */
import type { McpClient } from '../../client/client.js';
import type { CallOptions } from '../../client/options.js';
import { VeloError } from '../../jsonrpc/errors.js';
import type { JsonObject } from '../../jsonrpc/message.js';
import type { CallToolResult, GetPromptResult, Prompt, ReadResourceResult, Resource, ResourceTemplate, Tool } from '../../protocol/types.js';
import type { RequestContext } from '../../server/context.js';
import type { McpServer } from '../../server/mcp-server.js';
import type { Completer, Registration } from '../../server/options.js';
import type { JsonSchema } from '../../validation/index.js';

/** What the list side needs from its mount. */
export interface ListHost {
  readonly server: McpServer;
  readonly prefix: string;
  readonly separator: string;
  mountUri(uri: string): string;
  upstreamUri(uri: string): string | undefined;
  callTool(name: string, args: JsonObject, ctx: RequestContext, annotations: Tool['annotations']): Promise<CallToolResult>;
  /** Forwards a non-tool request through the pool and the policy; failures become -32603. */
  forward<T extends object>(ctx: RequestContext | undefined, what: string, call: (client: McpClient, options: CallOptions) => Promise<T>): Promise<T>;
  onError(error: Error): void;
}

/**
 * Removes what belongs to the upstream's wire, not to the result: the modern-era `resultType`, cache hints
 * and the upstream's `serverInfo` in `_meta` (the downstream server adds its own for modern clients).
 */
export function upstreamResult<T extends object>(result: T): T {
  const r = { ...result } as Record<string, unknown>;
  delete r.resultType;
  delete r.ttlMs;
  delete r.cacheScope;
  const meta = r._meta as Record<string, unknown> | undefined;
  if (meta && typeof meta === 'object' && 'io.modelcontextprotocol/serverInfo' in meta) {
    const { ['io.modelcontextprotocol/serverInfo']: _s, ...rest } = meta;
    if (Object.keys(rest).length > 0) r._meta = rest;
    else delete r._meta;
  }
  return r as T;
}

/** Every item of a paginated list (at most 1000 pages). */
export async function listAll<T>(page: (cursor: string | undefined) => Promise<{ nextCursor?: string } & Record<string, unknown>>, member: string): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 1000; i++) {
    const r = await page(cursor);
    const items = r[member];
    if (Array.isArray(items)) out.push(...(items as T[]));
    if (typeof r.nextCursor !== 'string' || r.nextCursor === '') break;
    cursor = r.nextCursor;
  }
  return out;
}

/** Removes `regs`' registrations and registers `items` instead; an item that fails is reported and skipped. */
function replaceAll<I>(host: ListHost, regs: Map<string, Registration>, items: readonly I[], register: (item: I) => Registration): void {
  for (const r of regs.values()) r.remove();
  regs.clear();
  for (const item of items) {
    try {
      const reg = register(item);
      regs.set(reg.name, reg);
    } catch (err) {
      host.onError(err as Error);
    }
  }
}

/** Registers the upstream's tools as `<prefix><separator><name>`, disabled when `hide(name)` (an unhealthy upstream or tool). */
export function registerTools(host: ListHost, regs: Map<string, Registration>, tools: Tool[], hide: (upstreamName: string) => boolean): void {
replaceAll(host, regs, tools, (t: Tool) => {
    const name = `${host.prefix}${host.separator}${t.name}`;
    const config = {
      ...(t.title !== undefined && { title: t.title }),
      ...(t.description !== undefined && { description: t.description }),
      inputSchema: (t.inputSchema ?? { type: 'object' }) as JsonSchema,
      ...(t.outputSchema !== undefined && { outputSchema: t.outputSchema as JsonSchema }),
      ...(t.annotations !== undefined && { annotations: t.annotations }),
      ...(t.icons !== undefined && { icons: t.icons }),
      ...(t._meta !== undefined && { _meta: t._meta }),
    };
    const annotations = t.annotations;
    const handler = (args: JsonObject, ctx: RequestContext): Promise<CallToolResult> => host.callTool(t.name, args, ctx, annotations);
    let reg: Registration;
    try {
      reg = host.server.registerTool(name, config, handler);
    } catch (err) {
      if (!(err instanceof VeloError) || err.code !== 'VELO_INVALID_SCHEMA') throw err;
      // A schema velomcp cannot compile (e.g. a remote $ref): advertise a permissive one; the upstream still validates.
      host.onError(new VeloError('VELO_INVALID_SCHEMA', `Upstream ${host.prefix} tool ${t.name}: ${err.message}; listed with {"type":"object"}`));
      const { outputSchema: _o, ...rest } = config;
      reg = host.server.registerTool(name, { ...rest, inputSchema: { type: 'object' } as JsonSchema }, handler);
    }
    if (hide(t.name)) reg.disable();
    return reg;
  });
}

/** Registers the upstream's prompts, with completers forwarding `completion/complete` when it offers completions. */
export function registerPrompts(host: ListHost, regs: Map<string, Registration>, prompts: Prompt[], completions: boolean): void {
replaceAll(host, regs, prompts, (p: Prompt) => {
    const name = `${host.prefix}${host.separator}${p.name}`;
    const complete: Record<string, Completer> = {};
    if (completions) {
      for (const a of p.arguments ?? []) {
        complete[a.name] = (value, context) =>
          host.forward(undefined, `completion of ${p.name}`, (c, o) => c.complete({ ref: { type: 'ref/prompt', name: p.name }, argument: { name: a.name, value }, context: { arguments: context.arguments } }, o)).then(
            (r) => r.completion.values,
          );
      }
    }
    return host.server.registerPrompt(
      name,
      {
        ...(p.title !== undefined && { title: p.title }),
        ...(p.description !== undefined && { description: p.description }),
        ...(p.arguments !== undefined && { arguments: p.arguments }),
        ...(p.icons !== undefined && { icons: p.icons }),
        ...(Object.keys(complete).length > 0 && { complete }),
      },
      (args, ctx) => host.forward(ctx, `prompt ${p.name}`, (c, o) => c.getPrompt({ name: p.name, arguments: args }, o)) as Promise<GetPromptResult>,
    );
  });
}

/** Registers the upstream's resources and templates under `<prefix>+<uri>`; reads are forwarded and their contents URIs rewritten. */
export function registerResources(host: ListHost, regs: Map<string, Registration>, resources: Resource[], templates: ResourceTemplate[], completions: boolean): void {
  const rewrite = (r: ReadResourceResult): ReadResourceResult => ({
    ...r,
    contents: (Array.isArray(r.contents) ? r.contents : []).map((c) => ({ ...c, uri: typeof c.uri === 'string' ? host.mountUri(c.uri) : c.uri })),
  });
  const read = (uri: string, ctx: RequestContext): Promise<ReadResourceResult> => {
    const upstream = host.upstreamUri(uri) ?? uri;
    return host.forward(ctx, `read of ${upstream}`, (c, o) => c.readResource({ uri: upstream }, o)).then(rewrite);
  };
  const items: Array<{ kind: 'r'; r: Resource } | { kind: 't'; t: ResourceTemplate }> = [...resources.map((r) => ({ kind: 'r' as const, r })), ...templates.map((t) => ({ kind: 't' as const, t }))];
  replaceAll(host, regs, items, (item: (typeof items)[number]) => {
    const described = (x: Resource | ResourceTemplate) => ({
      ...(x.title !== undefined && { title: x.title }),
      ...(x.description !== undefined && { description: x.description }),
      ...(x.mimeType !== undefined && { mimeType: x.mimeType }),
      ...(x.annotations !== undefined && { annotations: x.annotations }),
      ...(x.icons !== undefined && { icons: x.icons }),
    });
    if (item.kind === 'r') {
      const r = item.r;
      const reg = host.server.registerResource(r.name, host.mountUri(r.uri), { ...described(r), ...(r.size !== undefined && { size: r.size }) }, read);
      return { ...reg, name: `r:${r.uri}`, remove: () => reg.remove(), disable: () => reg.disable(), enable: () => reg.enable(), enabled: reg.enabled };
    }
    const t = item.t;
    const complete: Record<string, Completer> = {};
    if (completions) {
      for (const m of t.uriTemplate.matchAll(/\{[+#./;?&]?([A-Za-z0-9_]+)/g)) {
        const v = m[1]!;
        complete[v] = (value, context) =>
          host.forward(undefined, `completion of ${t.uriTemplate}`, (c, o) => c.complete({ ref: { type: 'ref/resource', uri: t.uriTemplate }, argument: { name: v, value }, context: { arguments: context.arguments } }, o)).then(
            (res) => res.completion.values,
          );
      }
    }
    const reg = host.server.registerResourceTemplate(`${host.prefix}${host.separator}${t.name}`, host.mountUri(t.uriTemplate), { ...described(t), ...(Object.keys(complete).length > 0 && { complete }) }, (uri, _vars, ctx) => read(uri, ctx));
    return { ...reg, name: `t:${t.name}`, remove: () => reg.remove(), disable: () => reg.disable(), enable: () => reg.enable(), enabled: reg.enabled };
  });
}

