/**
 * Backward: order the graph, walk it backwards. The order is a depth-first post-order built
 * with an explicit stack (no recursion, so a chain of a million nodes is fine); each node's
 * closure then runs once, in reverse order, after all of its consumers have added their share
 * to its adjoint — which is why a reused node is counted right (a = 1, b = a + a, c = b + b:
 * dc/da = 4).
 */
import { AdError, anyOps, ones, tensorOps, Tensor, type Algebra } from '@ad/core';
import { Node, Var, type Primal } from './node.js';
import { checkAdjoint, hasNonFinite, shapeOf } from './record.js';
import { AnomalyError, state } from './state.js';

const o = anyOps as Algebra<Primal>;

/** A backward through a part of the graph that an earlier backward released. */
export class ReleasedGraphError extends AdError {}

let pass = 0;

/** The nodes reachable from the roots through parents that require grad, parents first. */
export function topologicalOrder(roots: readonly Node[]): Node[] {
  const id = ++pass;
  const order: Node[] = [];
  const stack: Node[] = [];
  const next: number[] = [];
  for (const root of roots) {
    if (root.visit === id) continue;
    root.visit = id;
    stack.push(root);
    next.push(0);
    while (stack.length > 0) {
      const top = stack.length - 1;
      const node = stack[top];
      const i = next[top]++;
      const parent = i === 0 ? node.a : i === 1 ? node.b : node.others !== null && i - 2 < node.others.length ? node.others[i - 2] : undefined;
      if (parent === undefined) {
        stack.pop();
        next.pop();
        order.push(node);
      } else if (parent !== null && parent.visit !== id) {
        parent.visit = id;
        stack.push(parent);
        next.push(0);
      }
    }
  }
  return order;
}

function accumulate(node: Node, g: Primal): void {
  const current = node.adjoint;
  if (current === null) node.adjoint = g;
  else if (typeof current === 'number' && typeof g === 'number') node.adjoint = current + g;
  else if (current instanceof Tensor && g instanceof Tensor) node.adjoint = tensorOps.add(current, g);
  else node.adjoint = o.add(current, g);
}

export interface PropagateOptions {
  /** Keep the graph so backward can run through it again (PyTorch's retain_graph). */
  retainGraph?: boolean;
}

/**
 * One backward pass: seeds the roots' adjoints, runs every closure once in reverse order, and
 * leaves each reached node's adjoint of this pass in `node.adjoint`. Returns the order.
 */
export function propagate(roots: readonly Node[], seeds: readonly Primal[], options: PropagateOptions = {}): Node[] {
  const order = topologicalOrder(roots);
  for (const node of order) node.adjoint = null;
  roots.forEach((root, i) => accumulate(root, seeds[i]));
  for (let k = order.length - 1; k >= 0; k--) {
    const node = order[k];
    const g = node.adjoint;
    if (g === null || node.op === null) continue;
    if (node.released) {
      throw new ReleasedGraphError(
        'backward',
        `the graph through ${node.op.name} was released by an earlier backward; pass { retainGraph: true } to the earlier call to run backward through it twice`,
      );
    }
    if (node.pull === null) {
      // Scalar fast path: x̄ += (∂y/∂x)·ȳ with the partials recorded as numbers.
      if (typeof g === 'number') {
        if (node.a !== null) accumulate(node.a, node.da * g);
        if (node.b !== null) accumulate(node.b, node.db * g);
      } else {
        if (node.a !== null) accumulate(node.a, o.mul(node.da, g));
        if (node.b !== null) accumulate(node.b, o.mul(node.db, g));
      }
      continue;
    }
    const xBars = node.pull(g);
    for (let slot = 0; slot < xBars.length; slot++) {
      const parent = slot === 0 ? node.a : slot === 1 ? node.b : node.others![slot - 2];
      const xBar = xBars[slot];
      if (parent === null || xBar === null) continue;
      checkAdjoint(node.op, slot, xBar, parent);
      if (state.anomaly && hasNonFinite(xBar) && !hasNonFinite(g)) {
        throw new AnomalyError(node.op.name, `produced a non-finite adjoint (NaN or ±∞) for input ${slot} in the backward pass`);
      }
      accumulate(parent, xBar);
    }
  }
  if (options.retainGraph !== true) release(order);
  return order;
}

/** Drops the links and closures of the non-leaf nodes, so the graph can be collected. */
function release(order: readonly Node[]): void {
  for (const node of order) {
    if (node.op === null) continue;
    node.released = true;
    node.a = null;
    node.b = null;
    node.others = null;
    node.pull = null;
  }
}

export interface BackwardOptions extends PropagateOptions {}

/**
 * Back-propagates from `root` with adjoint `seed` (1 by default, for a scalar) and adds each
 * node's adjoint to its `.grad`, as PyTorch does for leaves (here every node keeps its grad,
 * as micrograd does, so the whole graph can be inspected).
 */
export function backward(root: Node, seed?: Primal, options: BackwardOptions = {}): void {
  const s = seed ?? defaultSeed(root);
  const order = propagate([root], [s], options);
  for (const node of order) {
    const g = node.adjoint;
    node.adjoint = null;
    if (g === null || !node.requiresGrad) continue;
    node.grad = node.grad === null ? g : o.add(node.grad, g);
  }
}

function defaultSeed(root: Node): Primal {
  if (root instanceof Var) return 1;
  const shape = shapeOf(root.value);
  if (shape.reduce((a, b) => a * b, 1) !== 1) {
    throw new AdError(
      'backward',
      `a seed can be implied only for a scalar output, got shape [${shape.join(',')}]; pass a seed of that shape (or reduce to a scalar first)`,
    );
  }
  return ones(shape);
}
