/**
 * `velomcp/workflows`: workflow DAGs and templates, served as MCP tools (and tasks).
 *
 * - {@link runWorkflow} runs a {@link WorkflowDefinition} (data, validated by {@link workflowSchema}) against a
 *   {@link WorkflowCaller}: steps call tools, read resources or run nested workflows; inputs reference
 *   parameters and earlier outputs (`{ "$param": … }`, `{ "$step": …, "pointer": … }`).
 * - {@link TemplateRegistry} holds versioned {@link WorkflowTemplate}s with `{{param}}` substitution and includes.
 * - {@link registerWorkflow} serves a workflow or template as a tool whose long runs are tasks.
 * @packageDocumentation
 */
export type { WorkflowDefinition, StepDefinition, ToolStep, ResourceStep, WorkflowStep, RetryPolicy, StepCachePolicy, FailurePolicy, StepRecord, StepStatus, WorkflowRunResult } from './types.js';
export { WorkflowError, type WorkflowErrorCode } from './errors.js';
export { workflowSchema, validateDefinition } from './schema.js';
export { analyseWorkflow, type WorkflowGraph } from './graph.js';
export { prepareWorkflow, type PreparedWorkflow } from './prepare.js';
export { evaluatePointer, type ParamRef, type StepRef } from './refs.js';
export { runWorkflow, type RunOptions, type WorkflowCaller, type WorkflowScheduler, type StepProgress } from './executor.js';
export { MemoryStepCache, type StepCache, type StepCacheStats } from './step-cache.js';
export { QueueScheduler, type QueueSchedulerStats } from './scheduler.js';
export { TemplateRegistry, substitute, parseTemplateRef, type WorkflowTemplate, type TemplateInclude } from './template.js';
export { clientCaller, ServerCallers } from './callers.js';
export { registerWorkflow, runResultToTool, PRIORITY_META_KEY, type RegisterWorkflowOptions, type WorkflowSource } from './serve.js';
