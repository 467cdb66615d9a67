/**
 * The JSON Schema (2020-12) of workflow definitions, shipped with the package, and the validator built on
 * it. The schema checks shapes; `graph.ts` checks what a schema cannot (unknown steps, cycles).
 */
import { compileSchema, type JsonSchema, type SyncValidate } from '../../validation/index.js';
import { WorkflowError } from './errors.js';
import type { WorkflowDefinition } from './types.js';

const ID = '^[A-Za-z0-9_.-]{1,64}$';

/** JSON Schema 2020-12 of a {@link WorkflowDefinition} (nested workflows included). */
export const workflowSchema: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://velomcp.dev/schemas/workflow.json',
  $ref: '#/$defs/workflow',
  $defs: {
    workflow: {
      type: 'object',
      required: ['name', 'steps'],
      additionalProperties: false,
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 128 },
        description: { type: 'string', maxLength: 4096 },
        params: { type: 'object' },
        steps: { type: 'array', minItems: 1, maxItems: 10_000, items: { $ref: '#/$defs/step' } },
        outputs: { type: 'object' },
        onFailure: { enum: ['fail-fast', 'continue'] },
        maxConcurrent: { type: 'integer', minimum: 1, maximum: 1024 },
      },
    },
    step: {
      type: 'object',
      required: ['id'],
      additionalProperties: false,
      properties: {
        id: { type: 'string', pattern: ID },
        needs: { type: 'array', items: { type: 'string', pattern: ID }, uniqueItems: true },
        timeoutMs: { type: 'integer', minimum: 1 },
        retry: {
          type: 'object',
          required: ['attempts'],
          additionalProperties: false,
          properties: { attempts: { type: 'integer', minimum: 1, maximum: 10 }, backoffMs: { type: 'integer', minimum: 0, maximum: 60_000 } },
        },
        cache: { type: 'object', required: ['ttlMs'], additionalProperties: false, properties: { ttlMs: { type: 'integer', minimum: 1 } } },
        priority: { type: 'integer', minimum: -1000, maximum: 1000 },
        optional: { type: 'boolean' },
        tool: { type: 'string', minLength: 1, maxLength: 256 },
        arguments: { type: 'object' },
        resource: {},
        workflow: { $ref: '#/$defs/workflow' },
        params: { type: 'object' },
      },
      oneOf: [
        { required: ['tool'], not: { anyOf: [{ required: ['resource'] }, { required: ['workflow'] }, { required: ['params'] }] } },
        { required: ['resource'], not: { anyOf: [{ required: ['tool'] }, { required: ['workflow'] }, { required: ['arguments'] }, { required: ['params'] }] } },
        { required: ['workflow'], not: { anyOf: [{ required: ['tool'] }, { required: ['resource'] }, { required: ['arguments'] }] } },
      ],
    },
  },
};

let validator: SyncValidate | undefined;

/**
 * Checks `value` against {@link workflowSchema}.
 * @returns The value, typed.
 * @throws WorkflowError `VELO_WORKFLOW_INVALID` listing every problem with its JSON Pointer (e.g.
 *   `workflow/steps/1/retry/attempts: must be <= 10`).
 */
export function validateDefinition(value: unknown): WorkflowDefinition {
  validator ??= compileSchema(workflowSchema, { label: 'workflow' }).validate as SyncValidate;
  const r = validator(value);
  if (!r.valid) throw new WorkflowError('VELO_WORKFLOW_INVALID', `Invalid workflow definition: ${r.message}`);
  return value as WorkflowDefinition;
}
