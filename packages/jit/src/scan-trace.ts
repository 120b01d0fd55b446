/**
 * scan under `jit`: the body is traced ONCE, into a graph of its own, and the scan is one node
 * of the enclosing graph, which the emitter writes as a loop calling the body's compiled program
 * (emit.ts). A 100-step scan traces in the time of one step, and its program is the size of one.
 *
 * The body's inputs are tracers of its own graph (the carry's leaves, one slice of each leaf of
 * xs); a tracer of an enclosing graph that the body reads (a value it closes over) becomes a
 * capture, an input fed once before the loop; an op on captures alone records in the enclosing
 * graph, outside the loop. A body that closes over a value of a derivative in progress (a graph
 * node, a dual) cannot be traced on its own: that scan runs step by step in the enclosing trace
 * instead, correct but unrolled — pass such values in the carry or xs.
 */
import { tree, type Shape } from '@ad/core';
import { isTagged, newTag } from '@ad/core/engine';
import { Graph, ScanCaptureError, type ScanBody } from './graph.js';
import { TensorTracer, Tracer, TracingError } from './tracer.js';
import { addScanRule, loop, splitStep, type ScanProblem } from './scan.js';

/** Graphs being traced, innermost last: a scan of plain values inside jit traces into the innermost. */
const active: Graph[] = [];

/** Runs fn with `graph` as the innermost trace in progress. */
export function tracingInto<T>(graph: Graph, fn: () => T): T {
  active.push(graph);
  try {
    return fn();
  } finally {
    active.pop();
  }
}

function traceRule(p: ScanProblem): [unknown, unknown] | undefined {
  let top: unknown = null;
  let topTag = 0;
  for (const leaf of [...p.carry.leaves, ...p.xs.leaves]) {
    if (isTagged(leaf) && leaf.tag > topTag) {
      top = leaf;
      topTag = leaf.tag;
    }
  }
  const ambient = top === null && active.length > 0;
  let graph: Graph;
  if (top instanceof Tracer || top instanceof TensorTracer) graph = top.graph;
  else if (ambient) graph = active[active.length - 1];
  else return undefined;
  try {
    return traceScan(graph, p);
  } catch (e) {
    // Closing over a value of a derivative in progress; or, for plain inputs, a body that reads
    // its values as numbers (x.item() in an `if`), which the plain loop runs and jit folds.
    if (e instanceof ScanCaptureError || (ambient && e instanceof TracingError)) return loop(p);
    throw e;
  }
}

function traceScan(graph: Graph, p: ScanProblem): [unknown, unknown] {
  // The body's tracers take the newest tag, above any derivative begun before this scan.
  const body = new Graph(newTag(), graph);
  const carryIn = p.carry.shapes.map((shape) => body.input(shape));
  const xIn = p.xs.leaves.map((leaf) => body.input((leaf as { shape: Shape }).shape.slice(1)));
  const out = tracingInto(body, () => p.f(tree.unflatten(p.carry.structure, carryIn), tree.unflatten(p.xs.structure, xIn)));
  const step = splitStep(p, out, 0, null);
  const outputs = [...step.carry, ...step.y].map((leaf) => body.operand({ name: 'scan' }, leaf));
  const scanBody: ScanBody = {
    graph: body,
    inputs: [...carryIn, ...xIn].map((t) => t.id).concat(body.captureInputs),
    outputs,
    carryCount: carryIn.length,
    xCount: xIn.length,
    length: p.length,
    reverse: p.reverse,
  };
  const outer = [...p.carry.leaves, ...p.xs.leaves].map((leaf) => graph.operand({ name: 'scan' }, leaf)).concat(body.captures);
  const shapes: (Shape | null)[] = [...p.carry.shapes, ...step.yShapes.map((s) => [p.length, ...(s ?? [])])];
  const parts = graph.scanNode(outer, scanBody, shapes);
  const m = carryIn.length;
  return [tree.unflatten(p.carry.structure, parts.slice(0, m)), tree.unflatten(step.yStructure, parts.slice(m))];
}

addScanRule(traceRule);
