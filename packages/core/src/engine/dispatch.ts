/**
 * Dispatch over value kinds (kind.ts). `anyOps` applies an op to any mix of kinds by handing it to the interpreter of the operand
 * with the highest tag — the innermost derivative in progress, as JAX picks the top trace.
 * That interpreter treats lower-tagged operands as constants and, for its primal, calls
 * `anyOps` again on the unwrapped values, so nesting in either order (forward-over-reverse,
 * reverse-over-forward, forward-over-forward) works without the modes knowing each other.
 */
import { DTypeError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { scalar } from '../create.js';
import type { Algebra, Interpreter } from '../ops/algebra.js';
import type { Op } from '../ops/define.js';
import { KIND, isTagged, type Tagged } from './kind.js';
import { makeAlgebra } from './make-algebra.js';
import { numberInterpreter } from './number-algebra.js';

/** Applies an op to untagged operands: on tensors if any operand is one, on numbers otherwise. */
export function plainApply<P>(op: Op<P>, xs: readonly unknown[], params: P): number | Tensor {
  let anyTensor = false;
  for (const x of xs) if (x instanceof Tensor) anyTensor = true;
  if (anyTensor)
    return op.primal(
      xs.map((x) => (typeof x === 'number' ? scalar(x) : (x as Tensor))),
      params,
    );
  return numberInterpreter.apply(op, xs as readonly number[], params);
}

/** The dispatching interpreter: hands each op to the interpreter of its highest-tagged live operand. */
export const anyInterpreter: Interpreter<unknown> = {
  apply<P>(op: Op<P>, xs: readonly unknown[], params: P): unknown {
    let top: Tagged | null = null;
    let live: Tagged | null = null;
    let anyInert = false;
    for (const x of xs) {
      if (!isTagged(x)) continue;
      if (top === null || x.tag > top.tag) top = x;
      if (x[KIND].inert?.(x) === undefined) {
        if (live === null || x.tag > live.tag) live = x;
      } else anyInert = true;
    }
    if (top === null) return plainApply(op, xs, params);
    if (live === null) return top[KIND].interpreter.apply(op, xs, params);
    // Inert operands (constants of their mode) step aside for a live one: a forward-mode pass
    // through a model whose parameters are graph nodes, under noGrad, computes on their values.
    const operands = anyInert ? xs.map((x) => (isTagged(x) ? (x[KIND].inert?.(x) ?? x) : x)) : xs;
    return live[KIND].interpreter.apply(op, operands, params);
  },
  constant: (c) => c,
  shape: (x) => {
    if (typeof x === 'number') return [];
    if (x instanceof Tensor) return x.shape;
    if (isTagged(x)) return x[KIND].interpreter.shape(x);
    throw new DTypeError('shape', `expected a tensor, a number or a value of a differentiation mode, got ${x === null ? 'null' : typeof x}`);
  },
};

/**
 * Every op on values of any kind, mixed freely: numbers, tensors, and the modes' values.
 * The public functions (`add`, `softmax`, …), the tensor methods and the rules all run on it.
 */
export const anyOps: Algebra<unknown> = makeAlgebra(anyInterpreter);
