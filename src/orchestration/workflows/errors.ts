/** The local error of the workflow engine: a {@link VeloError} with a `VELO_WORKFLOW_*` code. */
import { VeloError } from '../../jsonrpc/errors.js';

/**
 * `VELO_WORKFLOW_INVALID` (the definition breaks the schema or the graph rules: unknown step, duplicate id,
 * cycle), `VELO_WORKFLOW_REFERENCE` (an input references a missing parameter or output),
 * `VELO_WORKFLOW_PARAMS` (parameters fail the workflow's schema), `VELO_WORKFLOW_TEMPLATE` (a template cannot
 * be found, instantiated or included), `VELO_WORKFLOW_STEP_FAILED` (a step failed, so the run failed).
 */
export type WorkflowErrorCode = 'VELO_WORKFLOW_INVALID' | 'VELO_WORKFLOW_REFERENCE' | 'VELO_WORKFLOW_PARAMS' | 'VELO_WORKFLOW_TEMPLATE' | 'VELO_WORKFLOW_STEP_FAILED';

/** A workflow definition, template or run failed; `code` says how, and the message names the offending path. */
export class WorkflowError extends VeloError {
  /** @param code - See {@link WorkflowErrorCode}. @param message - Names the offending path. */
  constructor(code: WorkflowErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.name = 'WorkflowError';
  }

  /** Any velomcp error (of any copy of the package) with a `VELO_WORKFLOW_*` code. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof VeloError && value.code.startsWith('VELO_WORKFLOW_');
  }
}
