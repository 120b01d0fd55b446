/**
 * The playground's Web Worker: computes what the page shows (compute.ts) and draws both views
 * of the graph with WebAssembly Graphviz, off the page's thread, so that the page can stop a
 * function that runs too long by terminating the worker. Messages: a job { id, input } in; a
 * `result` (or `error`) and then `graph` (or `graph-error`) out, each with the job's id; and
 * `ready` once, when the worker has loaded, with the functions an expression may call.
 */
import { FUNCTION_NAMES, dotToSvg } from '@ad/cli/browser';
import { compute, type FieldError, type PlaygroundInput, type PlaygroundResult } from './compute.js';
import { toDot } from './graph-dot.js';

export interface Job {
  id: number;
  input: PlaygroundInput;
}

export type Reply =
  | { kind: 'ready'; functions: readonly string[] }
  | { id: number; kind: 'result'; result: PlaygroundResult }
  | { id: number; kind: 'error'; error: FieldError }
  | { id: number; kind: 'graph'; svg: { forward: string; reverse: string } }
  | { id: number; kind: 'graph-error'; message: string };

/** Messages from the worker: `ready` once it has loaded, then the replies to each job. */
interface WorkerScope {
  onmessage: ((event: { data: Job }) => void) | null;
  postMessage(reply: Reply): void;
}

const scope = globalThis as unknown as WorkerScope;

scope.onmessage = async ({ data: { id, input } }) => {
  const outcome = compute(input);
  if (!outcome.ok) {
    scope.postMessage({ id, kind: 'error', error: outcome.error });
    return;
  }
  scope.postMessage({ id, kind: 'result', result: outcome.result });
  try {
    const [forward, reverse] = [await dotToSvg(toDot(outcome.result, 'forward')), await dotToSvg(toDot(outcome.result, 'reverse'))];
    scope.postMessage({ id, kind: 'graph', svg: { forward, reverse } });
  } catch (e) {
    scope.postMessage({ id, kind: 'graph-error', message: `Graphviz could not draw the graph: ${e instanceof Error ? e.message : String(e)}` });
  }
};

scope.postMessage({ kind: 'ready', functions: FUNCTION_NAMES });
// Graphviz's WebAssembly compiles while the first job is typed; a failure shows on the first drawing.
dotToSvg('digraph G {}').catch(() => undefined);
