/**
 * @internal The piscina task function that runs a worker tool inside a worker thread: it imports the tool's
 * module (once per thread), builds the worker-side context (signal, progress, log) on the task's
 * MessagePort, and returns the outcome as a plain value so the main thread can tell a tool's own failure
 * from a crash of the thread.
 */
import type { MessagePort } from 'node:worker_threads';
import type { InputResponses } from '../server/input.js';
import type { WorkerTask, WorkerOutcome, WorkerToolContext, WorkerMessage, MainMessage } from './worker-protocol.js';

const modules = new Map<string, Promise<Record<string, unknown>>>();

async function load(href: string, name: string): Promise<(args: unknown, ctx: WorkerToolContext) => unknown> {
  let mod = modules.get(href);
  if (!mod) {
    mod = import(href) as Promise<Record<string, unknown>>;
    modules.set(href, mod);
  }
  const fn = (await mod)[name];
  if (typeof fn !== 'function') throw new Error(`Module ${href} has no exported function ${JSON.stringify(name)}`);
  return fn as (args: unknown, ctx: WorkerToolContext) => unknown;
}

function errorOf(err: unknown): { name: string; message: string } {
  return err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) };
}

/** Runs one task. Never rejects for the tool's own errors: those come back as `{ok: false}`. */
export default async function runWorkerTask(task: WorkerTask): Promise<WorkerOutcome> {
  const port: MessagePort = task.port;
  const controller = new AbortController();
  const waiting = new Map<number, { resolve: (v: InputResponses) => void; reject: (e: Error) => void }>();
  let seq = 0;
  port.on('message', (m: MainMessage) => {
    if (m.type === 'cancel') controller.abort(new Error(m.reason));
    else if (m.type === 'inputResult') {
      const w = waiting.get(m.seq);
      waiting.delete(m.seq);
      if (w && m.ok) w.resolve(m.value);
      else if (w && !m.ok) w.reject(new Error(m.error));
    }
  });
  const post = (m: WorkerMessage): void => port.postMessage(m);
  const ctx: WorkerToolContext = {
    signal: controller.signal,
    progress: (progress, total, message) => post({ type: 'progress', progress, ...(total === undefined ? {} : { total }), ...(message === undefined ? {} : { message }) }),
    log: (level, data, logger) => post({ type: 'log', level, data, ...(logger === undefined ? {} : { logger }) }),
    input: (requests) =>
      new Promise<InputResponses>((resolve, reject) => {
        const n = ++seq;
        waiting.set(n, { resolve, reject });
        post({ type: 'input', seq: n, requests });
      }),
    meta: task.meta,
    requestId: task.requestId,
  };
  post({ type: 'start' });
  try {
    const fn = await load(task.module, task.export);
    const result = await fn(task.args, ctx);
    return { ok: true, result };
  } catch (err) {
    return { ok: false, error: errorOf(err) };
  } finally {
    port.close();
  }
}
