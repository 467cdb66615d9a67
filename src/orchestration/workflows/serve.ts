/**
 * Serving workflows as MCP tools: `registerWorkflow(server, name, source)` registers a tool whose input
 * schema is the workflow's (or template's) parameters and whose call runs the workflow. The tool supports
 * the tasks extension (`execution.taskSupport: 'optional'`), so a 2026-07-28 client that declared it gets a
 * task to poll and cancel, and a legacy client gets the result inline; both receive progress per step.
 */
import { AdmissionMeta } from '../../exec/admission.js';
import type { CallToolResult } from '../../protocol/types.js';
import type { RequestContext } from '../../server/context.js';
import type { McpServer } from '../../server/mcp-server.js';
import type { Registration, ToolConfig } from '../../server/options.js';
import type { JsonSchema } from '../../validation/index.js';
import { ServerCallers } from './callers.js';
import { runWorkflow, type WorkflowCaller, type WorkflowScheduler } from './executor.js';
import { prepareWorkflow, type PreparedWorkflow } from './prepare.js';
import type { StepCache } from './step-cache.js';
import { WorkflowError } from './errors.js';
import { TemplateRegistry, parseTemplateRef, type WorkflowTemplate } from './template.js';
import type { FailurePolicy, WorkflowDefinition, WorkflowRunResult } from './types.js';

/** The `_meta` key a request may carry its priority in (a number; higher runs first): admission control's. */
export const PRIORITY_META_KEY = AdmissionMeta.priority;

/** Options of {@link registerWorkflow}. */
export interface RegisterWorkflowOptions {
  description?: string;
  title?: string;
  /** Where steps call tools and read resources. Default: this server, as the calling request's principal. */
  caller?: (ctx: RequestContext) => WorkflowCaller;
  scheduler?: WorkflowScheduler;
  cache?: StepCache;
  /** The run's priority when the request's `_meta` carries none. Default 0. */
  priority?: number;
  maxConcurrent?: number;
  onFailure?: FailurePolicy;
  /** Tasks support of the tool. Default `optional`. */
  taskSupport?: 'forbidden' | 'optional' | 'required';
  /** Resolves template references (`{ template: 'name@range' }`). */
  registry?: TemplateRegistry;
}

/** What {@link registerWorkflow} serves: a workflow, a template, or a template in a registry. */
export type WorkflowSource = WorkflowDefinition | WorkflowTemplate | { template: string };

function isTemplate(s: WorkflowSource): s is WorkflowTemplate {
  return 'workflow' in s && 'version' in s;
}

/** The tool result of a run: a text summary, the run in `structuredContent`, `isError` unless it succeeded. */
export function runResultToTool(run: WorkflowRunResult): CallToolResult {
  const counts = run.steps.reduce<Record<string, number>>((m, s) => ((m[s.status] = (m[s.status] ?? 0) + 1), m), {});
  const summary = `Workflow ${run.name} ${run.status} in ${Math.round(run.durationMs)} ms (${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')})${run.error ? `: ${run.error}` : ''}`;
  return { content: [{ type: 'text', text: summary }], structuredContent: run as unknown as Record<string, unknown>, isError: run.status !== 'succeeded' };
}

/**
 * Registers a workflow or template as a tool named `name`.
 * @returns The tool's registration (remove/disable/enable).
 * @throws WorkflowError `VELO_WORKFLOW_INVALID` / `VELO_WORKFLOW_TEMPLATE` at registration for a bad
 *   definition or an unknown template; VeloError `VELO_INVALID_REGISTRATION` for a bad tool name.
 */
export function registerWorkflow(server: McpServer, name: string, source: WorkflowSource, options: RegisterWorkflowOptions = {}): Registration {
  const registry = options.registry ?? new TemplateRegistry();
  let inputSchema: JsonSchema;
  let make: (params: unknown) => { prepared: PreparedWorkflow; params: unknown };
  let description: string | undefined;
  if ('template' in source && typeof source.template === 'string') {
    const ref = source.template;
    const { name: tname, range } = parseTemplateRef(ref);
    const t = registry.get(tname, range);
    if (!t) throw new WorkflowError('VELO_WORKFLOW_TEMPLATE', `No registered template ${tname} satisfies ${JSON.stringify(range)}`);
    inputSchema = t.parameters ?? { type: 'object' };
    description = t.description;
    make = (params) => ({ prepared: prepareWorkflow(registry.instantiate(ref, params)), params: {} });
  } else if (isTemplate(source as WorkflowSource)) {
    const t = source as WorkflowTemplate;
    // A template whose parameters all have defaults is instantiated once now, so a broken one fails at registration.
    if (!hasRequiredParams(t)) registry.instantiate(t, {});
    inputSchema = t.parameters ?? { type: 'object' };
    description = t.description;
    make = (params) => ({ prepared: prepareWorkflow(registry.instantiate(t, params)), params: {} });
  } else {
    const prepared = prepareWorkflow(source);
    inputSchema = (prepared.definition.params as JsonSchema | undefined) ?? { type: 'object' };
    description = prepared.definition.description;
    make = (params) => ({ prepared, params });
  }
  const callers = options.caller ? undefined : new ServerCallers(server);
  const config: ToolConfig = {
    inputSchema,
    execution: { taskSupport: options.taskSupport ?? 'optional' },
    annotations: { title: options.title ?? name },
  };
  const desc = options.description ?? description;
  if (desc !== undefined) config.description = desc;
  return server.registerTool(name, config, async (args: unknown, ctx: RequestContext) => {
    const { prepared, params } = make(args);
    const metaPriority = ctx._meta[PRIORITY_META_KEY];
    const priority = typeof metaPriority === 'number' && Number.isFinite(metaPriority) ? metaPriority : (options.priority ?? 0);
    const deadline = requestDeadline(ctx);
    const run = await runWorkflow(prepared, {
      caller: options.caller ? options.caller(ctx) : callers!.for(ctx.principal),
      params,
      signal: ctx.signal,
      priority,
      ...(deadline === undefined ? {} : { deadline }),
      cacheScope: ctx.principal,
      ...(options.scheduler ? { scheduler: options.scheduler } : {}),
      ...(options.cache ? { cache: options.cache } : {}),
      ...(options.maxConcurrent !== undefined ? { maxConcurrent: options.maxConcurrent } : {}),
      ...(options.onFailure ? { onFailure: options.onFailure } : {}),
      onProgress: (e) => {
        if (e.status !== 'started') ctx.progress(e.completed, e.total, `step ${e.step} ${e.status}`);
      },
    });
    return runResultToTool(run);
  });
}

/** The request's deadline from `_meta` (`velomcp/deadline` absolute, or `velomcp/timeoutMs` from now), if any. */
function requestDeadline(ctx: RequestContext): number | undefined {
  const abs = ctx._meta[AdmissionMeta.deadline];
  if (typeof abs === 'number' && Number.isFinite(abs)) return abs;
  const rel = ctx._meta[AdmissionMeta.timeoutMs];
  return typeof rel === 'number' && Number.isFinite(rel) && rel > 0 ? Date.now() + rel : undefined;
}

function hasRequiredParams(t: WorkflowTemplate): boolean {
  const required = (t.parameters as { required?: unknown } | undefined)?.required;
  return Array.isArray(required) && required.length > 0;
}
