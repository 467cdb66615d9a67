import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyseWorkflow, runWorkflow, TemplateRegistry, WorkflowError, type WorkflowTemplate } from '../../../src/orchestration/workflows/index.js';
import { sumChain, sumReport } from '../../../examples/workflows/server.js';
import { ScriptedCaller, wait } from './helpers.js';

function code(err: unknown, c: string, pattern: RegExp): boolean {
  assert.ok(err instanceof WorkflowError, String(err));
  assert.equal(err.code, c);
  assert.match(err.message, pattern);
  return true;
}

describe('workflow templates', () => {
  test('instantiation substitutes typed values, applies defaults and keeps embedded placeholders as text', () => {
    const reg = new TemplateRegistry();
    const t: WorkflowTemplate = {
      name: 't',
      version: '1.0.0',
      parameters: { type: 'object', properties: { n: { type: 'integer', default: 3 }, who: { type: 'string' } }, required: ['who'] },
      workflow: { steps: [{ id: 'a', tool: 'wait', arguments: { ms: '{{n}}', label: 'hello {{who}} x{{n}}' } }] },
    };
    reg.register(t);
    const def = reg.instantiate('t', { who: 'ada' });
    assert.equal(def.name, 't@1.0.0');
    assert.deepEqual((def.steps[0] as { arguments: unknown }).arguments, { ms: 3, label: 'hello ada x3' });
    // The template object itself is untouched.
    assert.equal((t.workflow.steps[0] as unknown as { arguments: { ms: string } }).arguments.ms, '{{n}}');
  });

  test('parameter validation errors name the parameter', () => {
    const reg = new TemplateRegistry();
    reg.register(sumChain);
    assert.throws(() => reg.instantiate('sum-chain', { a: 1, b: 'two' }), (e) => code(e, 'VELO_WORKFLOW_PARAMS', /params\/b: must be number/));
    assert.throws(() => reg.instantiate('sum-chain', { a: 1 }), (e) => code(e, 'VELO_WORKFLOW_PARAMS', /b/));
    const bad: WorkflowTemplate = { name: 'u', version: '1.0.0', workflow: { steps: [{ id: 'a', tool: 'x', arguments: { v: '{{nope}}' } }] } };
    assert.throws(() => reg.instantiate(bad, {}), (e) => code(e, 'VELO_WORKFLOW_TEMPLATE', /workflow\/steps\/0\/arguments\/v: unknown template parameter \{\{nope\}\}/));
  });

  test('versions: the registry serves the highest version in range and refuses duplicates and bad versions', () => {
    const reg = new TemplateRegistry();
    for (const v of ['1.0.0', '1.4.2', '2.0.0']) reg.register({ ...sumChain, version: v });
    assert.equal(reg.get('sum-chain', '^1')?.version, '1.4.2');
    assert.equal(reg.get('sum-chain')?.version, '2.0.0');
    assert.equal(reg.get('sum-chain', '^3'), undefined);
    assert.equal(reg.instantiate('sum-chain@~1.0', { a: 1, b: 2 }).name, 'sum-chain@1.0.0');
    assert.deepEqual(reg.list().map((t) => t.version), ['1.0.0', '1.4.2', '2.0.0']);
    assert.throws(() => reg.register({ ...sumChain, version: '1.4.2' }), (e) => code(e, 'VELO_WORKFLOW_TEMPLATE', /already registered/));
    assert.throws(() => reg.register({ ...sumChain, version: 'one' }), (e) => code(e, 'VELO_WORKFLOW_TEMPLATE', /not a semantic version/));
    assert.throws(() => reg.instantiate('sum-chain@^9', {}), (e) => code(e, 'VELO_WORKFLOW_TEMPLATE', /No template sum-chain satisfies "\^9"/));
  });

  test('includes add the included steps under a prefix, with their references rewritten', async () => {
    const reg = new TemplateRegistry();
    reg.register(sumChain);
    reg.register(sumReport);
    const def = reg.instantiate('sum-report@^1', { a: 1, b: 2 });
    assert.deepEqual(def.steps.map((s) => s.id), ['calc.first', 'calc.second', 'progress', 'greeting']);
    assert.deepEqual((def.steps[1] as { arguments: unknown }).arguments, { a: { $step: 'calc.first', pointer: '/structuredContent/sum' }, b: 10 });
    assert.deepEqual(analyseWorkflow(def).levels, [['calc.first', 'progress', 'greeting'], ['calc.second']]);
    const caller = new ScriptedCaller({
      test_structured_output: (a) => ({ content: [], structuredContent: { sum: (a.a as number) + (a.b as number) } }),
      test_tool_with_progress: () => ({ content: [] }),
      test_simple_text: () => ({ content: [{ type: 'text', text: 'hi' }] }),
    });
    const r = await runWorkflow(def, { caller });
    assert.deepEqual(r.outputs, { total: 13, greeting: 'hi' });
  });

  test('include cycles are refused, naming the chain', () => {
    const reg = new TemplateRegistry();
    reg.register({ name: 'x', version: '1.0.0', includes: [{ template: 'y', as: 'y' }], workflow: { steps: [{ id: 'a', tool: 'wait' }] } });
    reg.register({ name: 'y', version: '1.0.0', includes: [{ template: 'x@1', as: 'x' }], workflow: { steps: [{ id: 'b', tool: 'wait' }] } });
    assert.throws(() => reg.instantiate('x', {}), (e) => code(e, 'VELO_WORKFLOW_TEMPLATE', /Include cycle: x@1.0.0 → y@1.0.0 → x@1.0.0/));
  });

  test('an instantiated template that makes an invalid workflow names the problem', () => {
    const reg = new TemplateRegistry();
    const t: WorkflowTemplate = { name: 'v', version: '1.0.0', workflow: { steps: [{ id: 'a', tool: 'wait', needs: ['ghost'] }] } };
    assert.throws(() => reg.instantiate(t, {}), (e) => code(e, 'VELO_WORKFLOW_INVALID', /steps\/0\/needs\/0: unknown step "ghost"/));
    void wait;
  });
});
