/**
 * A template-driven workflow over the reference server's tools, served by `velomcp serve`:
 *
 *   velomcp serve dist/examples/workflows/server.js --stdio
 *
 * `sum-chain@1.0.0` adds three numbers with two calls of `test_structured_output` (the second needs the
 * first's `structuredContent.sum`). `sum-report@1.1.0` includes it as `calc`, runs `test_tool_with_progress`
 * and `test_simple_text` beside it (same level, in parallel), and returns the total. The tool
 * `sum_report` serves the newest `sum-report@^1`; its input schema is the template's parameters.
 */
import { createEverythingServer } from '../everything/server.js';
import { registerWorkflow, TemplateRegistry, type WorkflowTemplate } from '../../src/orchestration/workflows/index.js';

export const sumChain: WorkflowTemplate = {
  name: 'sum-chain',
  version: '1.0.0',
  description: 'a + b + c in two tool calls',
  parameters: {
    type: 'object',
    properties: { a: { type: 'number' }, b: { type: 'number' }, c: { type: 'number', default: 10 } },
    required: ['a', 'b'],
  },
  workflow: {
    steps: [
      { id: 'first', tool: 'test_structured_output', arguments: { a: '{{a}}', b: '{{b}}' } },
      { id: 'second', tool: 'test_structured_output', arguments: { a: { $step: 'first', pointer: '/structuredContent/sum' }, b: '{{c}}' } },
    ],
  },
};

export const sumReport: WorkflowTemplate = {
  name: 'sum-report',
  version: '1.1.0',
  description: 'Adds a, b and c (sum-chain), with a progress-reporting tool and a greeting alongside',
  parameters: {
    type: 'object',
    properties: { a: { type: 'number' }, b: { type: 'number' }, c: { type: 'number', default: 10 } },
    required: ['a', 'b'],
  },
  includes: [{ template: 'sum-chain@^1', as: 'calc', params: { a: '{{a}}', b: '{{b}}', c: '{{c}}' } }],
  workflow: {
    steps: [
      { id: 'progress', tool: 'test_tool_with_progress' },
      { id: 'greeting', tool: 'test_simple_text' },
    ],
    outputs: { total: { $step: 'calc.second', pointer: '/structuredContent/sum' }, greeting: { $step: 'greeting', pointer: '/content/0/text' } },
  },
};

/** The reference server with the `sum_report` workflow tool. */
export function createWorkflowServer() {
  const server = createEverythingServer();
  const registry = new TemplateRegistry();
  registry.register(sumChain);
  registry.register({ ...sumReport, version: '1.0.0', description: 'older version, never served' });
  registry.register(sumReport);
  registerWorkflow(server, 'sum_report', { template: 'sum-report@^1' }, { registry });
  return server;
}

export default createWorkflowServer();
