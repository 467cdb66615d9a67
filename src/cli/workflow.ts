/**
 * `velomcp workflow`: try a workflow or template definition file (JSON or YAML) against a server module.
 *
 *   velomcp workflow validate flow.yaml [--include other-template.yaml ...]
 *   velomcp workflow run flow.yaml --server dist/my-server.js [--params '{"city":"Oslo"}'] [--include ...]
 *
 * `validate` prints the levels (JSON) of a valid definition; `run` prints the run result (JSON: status,
 * outputs, run log). A file holding a template (`name`, `version`, `workflow`) is instantiated with the given
 * parameters; `--include` registers the templates it includes. Exit codes: 0 valid / run succeeded;
 * 1 invalid definition or parameters, or the run failed or was cancelled; 2 usage error, unreadable file,
 * or a server module that does not load.
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { parse as parseYaml } from 'yaml';
import { VeloError } from '../jsonrpc/errors.js';
import { analyseWorkflow, prepareWorkflow, runWorkflow, ServerCallers, TemplateRegistry, type WorkflowDefinition, type WorkflowTemplate } from '../orchestration/workflows/index.js';
import { loadServerModule } from './load-server.js';

/** Exit codes of `velomcp workflow`. */
export const WorkflowExit = { ok: 0, invalid: 1, usage: 2 } as const;

function readDefinition(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new VeloError('VELO_INVALID_CONFIG', `cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new VeloError('VELO_INVALID_CONFIG', `${file} is not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(err as Error).message}`);
  }
}

function isTemplate(v: unknown): v is WorkflowTemplate {
  return typeof v === 'object' && v !== null && 'version' in v && 'workflow' in v;
}

/** The workflow in `file`, and the parameters to run it with (a template's are baked in when instantiated). */
function definitionOf(file: string, includes: string[], params: unknown): { def: WorkflowDefinition; runParams: unknown } {
  const value = readDefinition(file);
  if (!isTemplate(value)) return { def: prepareWorkflow(value).definition, runParams: params ?? {} };
  const registry = new TemplateRegistry();
  for (const inc of includes) {
    const t = readDefinition(inc);
    if (!isTemplate(t)) throw new VeloError('VELO_INVALID_CONFIG', `--include ${inc} is not a template (name, version, workflow)`);
    registry.register(t);
  }
  return { def: registry.instantiate(value, params ?? {}), runParams: {} };
}

function parseParams(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch (err) {
    throw new InvalidArgumentError(`not valid JSON: ${(err as Error).message}`);
  }
}

function fail(err: unknown): never {
  // WorkflowError shares VeloError's brand, so tell them apart by code.
  if (err instanceof VeloError) {
    process.stderr.write(`velomcp: ${err.message}\n`);
    process.exit(err.code.startsWith('VELO_WORKFLOW_') ? WorkflowExit.invalid : WorkflowExit.usage);
  }
  throw err;
}

const collect = (v: string, all: string[]): string[] => [...all, v];

/** Adds `velomcp workflow validate|run` to the program. */
export function registerWorkflowCommand(program: Command): void {
  const wf = program.command('workflow').description('validate or run a workflow/template definition file (JSON or YAML)');
  wf.command('validate')
    .argument('<file>', 'definition or template file (.json, .yaml)')
    .option('--include <file>', 'a template the file includes (repeatable)', collect, [])
    .option('--params <json>', 'template parameters, to check a template with them', parseParams)
    .action((file: string, o: { include: string[]; params?: unknown }) => {
      try {
        const { def } = definitionOf(file, o.include, o.params);
        process.stdout.write(`${JSON.stringify({ valid: true, name: def.name, steps: def.steps.length, levels: analyseWorkflow(def).levels })}\n`);
      } catch (err) {
        fail(err);
      }
    });
  wf.command('run')
    .argument('<file>', 'definition or template file (.json, .yaml)')
    .requiredOption('--server <module>', 'the server module whose tools and resources the steps use')
    .option('--params <json>', 'parameters (JSON object)', parseParams)
    .option('--include <file>', 'a template the file includes (repeatable)', collect, [])
    .action(async (file: string, o: { server: string; params?: unknown; include: string[] }) => {
      try {
        const { def, runParams } = definitionOf(file, o.include, o.params);
        const server = await loadServerModule(o.server);
        const callers = new ServerCallers(server);
        const ac = new AbortController();
        process.once('SIGINT', () => ac.abort(new Error('interrupted')));
        const run = await runWorkflow(def, { caller: callers.for(''), params: runParams, signal: ac.signal });
        process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
        callers.close();
        server.close();
        process.exit(run.status === 'succeeded' ? WorkflowExit.ok : WorkflowExit.invalid);
      } catch (err) {
        fail(err);
      }
    });
}
