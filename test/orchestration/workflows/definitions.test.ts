import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyseWorkflow, prepareWorkflow, runWorkflow, WorkflowError } from '../../../src/orchestration/workflows/index.js';
import { ScriptedCaller, wait } from './helpers.js';

function rejects(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof WorkflowError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('workflow definitions: validation errors name the offending path', () => {
  test('a cycle is refused and named step by step', () => {
    rejects(
      () => prepareWorkflow({ name: 'c', steps: [{ id: 'a', tool: 't', needs: ['c'] }, { id: 'b', tool: 't', arguments: { x: { $step: 'a' } } }, { id: 'c', tool: 't', needs: ['b'] }, { id: 'd', tool: 't' }] }),
      'VELO_WORKFLOW_INVALID',
      /cycle: (a → c → b → a|b → a → c → b|c → b → a → c)/,
    );
    rejects(() => prepareWorkflow({ name: 'self', steps: [{ id: 'a', tool: 't', needs: ['a'] }] }), 'VELO_WORKFLOW_INVALID', /cycle: a → a/);
  });

  test('malformed definitions list every schema problem with its JSON Pointer', () => {
    rejects(() => prepareWorkflow({ name: 'x', steps: [] }), 'VELO_WORKFLOW_INVALID', /workflow\/steps/);
    rejects(() => prepareWorkflow({ name: 'x', steps: [{ id: 'a', tool: 't', retry: { attempts: 99 } }] }), 'VELO_WORKFLOW_INVALID', /workflow\/steps\/0\/retry\/attempts/);
    rejects(() => prepareWorkflow({ name: 'x', steps: [{ id: 'bad id', tool: 't' }] }), 'VELO_WORKFLOW_INVALID', /workflow\/steps\/0\/id/);
    rejects(() => prepareWorkflow({ name: 'x', steps: [{ id: 'a', tool: 't', resource: 'r://x' }] }), 'VELO_WORKFLOW_INVALID', /workflow\/steps\/0/);
    rejects(() => prepareWorkflow('not an object'), 'VELO_WORKFLOW_INVALID', /Invalid workflow definition/);
  });

  test('unknown steps, undeclared parameters and duplicate ids are refused with their path', () => {
    rejects(() => prepareWorkflow({ name: 'x', steps: [{ id: 'a', tool: 't', arguments: { v: { $step: 'nope', pointer: '/x' } } }] }), 'VELO_WORKFLOW_INVALID', /steps\/0\/arguments\/v: unknown step "nope"/);
    rejects(() => prepareWorkflow({ name: 'x', steps: [{ id: 'a', tool: 't', needs: ['ghost'] }] }), 'VELO_WORKFLOW_INVALID', /steps\/0\/needs\/0: unknown step "ghost"/);
    rejects(
      () => prepareWorkflow({ name: 'x', params: { type: 'object', properties: { city: { type: 'string' } } }, steps: [{ id: 'a', tool: 't', arguments: { c: { $param: 'town' } } }] }),
      'VELO_WORKFLOW_INVALID',
      /steps\/0\/arguments\/c: unknown parameter "town"/,
    );
    rejects(() => prepareWorkflow({ name: 'x', steps: [{ id: 'a', tool: 't' }, { id: 'a', tool: 'u' }] }), 'VELO_WORKFLOW_INVALID', /steps\/1\/id: duplicate step id "a"/);
    rejects(() => prepareWorkflow({ name: 'x', steps: [{ id: 'a', tool: 't' }], outputs: { r: { $step: 'zz' } } }), 'VELO_WORKFLOW_INVALID', /outputs\/r: unknown step "zz"/);
    rejects(
      () => prepareWorkflow({ name: 'outer', steps: [{ id: 'n', workflow: { name: 'inner', steps: [{ id: 'a', tool: 't', needs: ['q'] }] } }] }),
      'VELO_WORKFLOW_INVALID',
      /steps\/0\/workflow\/steps\/0\/needs\/0: unknown step "q"/,
    );
  });

  test('parameters of the wrong type are refused before any step runs, naming the parameter', async () => {
    const caller = new ScriptedCaller({ wait });
    const def = { name: 'p', params: { type: 'object', properties: { ms: { type: 'integer' } }, required: ['ms'] }, steps: [{ id: 'a', tool: 'wait', arguments: { ms: { $param: 'ms' } } }] };
    await assert.rejects(runWorkflow(def, { caller, params: { ms: 'soon' } }), (err: unknown) => err instanceof WorkflowError && err.code === 'VELO_WORKFLOW_PARAMS' && /params\/ms/.test(err.message));
    await assert.rejects(runWorkflow(def, { caller, params: {} }), (err: unknown) => err instanceof WorkflowError && /ms/.test(err.message));
    assert.equal(caller.calls.length, 0);
  });

  test('levels come from dependencies: a diamond has three levels', () => {
    const g = analyseWorkflow({ name: 'd', steps: [{ id: 'a', tool: 't' }, { id: 'b', tool: 't', needs: ['a'] }, { id: 'c', tool: 't', arguments: { v: { $step: 'a' } } }, { id: 'd', tool: 't', needs: ['b', 'c'] }] });
    assert.deepEqual(g.levels, [['a'], ['b', 'c'], ['d']]);
  });

  test('cycle detection and levels of 1,000 steps (a long chain) do not overflow the stack', () => {
    const steps = Array.from({ length: 1000 }, (_, i) => ({ id: `s${i}`, tool: 't', ...(i > 0 ? { needs: [`s${i - 1}`] } : {}) }));
    assert.equal(analyseWorkflow({ name: 'chain', steps }).levels.length, 1000);
    steps[0] = { id: 's0', tool: 't', needs: ['s999'] };
    rejects(() => analyseWorkflow({ name: 'ring', steps }), 'VELO_WORKFLOW_INVALID', /cycle: s0 → s999 → s998/);
  });

  test('a reference into a missing part of an output fails the step with the pointer named', async () => {
    const caller = new ScriptedCaller({ wait });
    const r = await runWorkflow(
      { name: 'm', steps: [{ id: 'a', tool: 'wait', arguments: { ms: 1 } }, { id: 'b', tool: 'wait', arguments: { v: { $step: 'a', pointer: '/structuredContent/missing' } } }] },
      { caller },
    );
    assert.equal(r.status, 'failed');
    assert.match(r.steps[1]!.error!, /steps\/1\/arguments\/v: the output of step "a" has nothing at "\/structuredContent\/missing"/);
  });
});
