/**
 * Sparsity detection by tracing: the function runs once on traced values (detect/traced.ts)
 * that carry, per element, the set of inputs it depends on; each op's sparsity rule says how
 * the sets flow (element-wise: per element; reductions and matmul: per row or column; views:
 * moved, not merged). The output's sets are the rows of the Jacobian's pattern.
 *
 * Patterns are global: they hold at every input, because no input value is ever read (a
 * constant's are: a constant condition of `where` picks its branch, a constant factor or
 * matrix's zeros are skipped). They may over-approximate (never miss a nonzero): `where` on a
 * condition computed from x counts both branches, max and min count the whole reduced row, an
 * index computed from x counts every element it could pick.
 */
import { DTypeError, ShapeError, Tensor, ValueError } from '@ad/core';
import { isScalarLike, isTensorLike, newTag } from '@ad/core/engine';
import { grad } from '@ad/reverse';
import { SparsityPattern } from './pattern.js';
import { emptySets, inputSets, type Sets } from './detect/sets.js';
import { Trace, TracedScalar, TracedTensor, readError } from './detect/traced.js';

export { SparsityDetectionError } from './detect/traced.js';

/**
 * What detection reads of x: its shape alone. An array of numbers (f takes an array of scalars)
 * or a tensor; values of an enclosing transform (a jit tracer, a dual) are taken as well.
 */
export type PatternInput = readonly (number | { readonly tag: number })[] | { readonly shape: readonly number[] };

/** What a traced function's output became: one set per output element, row-major. */
function outputSets(caller: string, trace: Trace, y: unknown): Sets {
  const mine = (v: unknown) => (v instanceof TracedScalar || v instanceof TracedTensor) && v.trace === trace;
  if (typeof y === 'number') return emptySets(1);
  if (y instanceof TracedScalar && mine(y)) return { ptr: Int32Array.of(0, y.set.length), idx: y.set };
  if (y instanceof TracedTensor && mine(y)) return y.sets;
  if (y instanceof Tensor) return emptySets(y.size);
  if (Array.isArray(y) && y.every((v) => typeof v === 'number' || (v instanceof TracedScalar && mine(v)))) {
    const sets = y.map((v) => (typeof v === 'number' ? new Int32Array(0) : (v as TracedScalar).set));
    const ptr = new Int32Array(sets.length + 1);
    sets.forEach((s, e) => (ptr[e + 1] = ptr[e] + s.length));
    const idx = new Int32Array(ptr[sets.length]);
    sets.forEach((s, e) => idx.set(s, ptr[e]));
    return { ptr, idx };
  }
  const got = Array.isArray(y)
    ? 'an array holding something other than numbers'
    : isTensorLike(y)
      ? `a value of another transform (${String(y)})`
      : y === null
        ? 'null'
        : typeof y;
  throw new DTypeError(caller, `f returned ${got}; it needs to return a number, an array of numbers or a tensor (of the values it was given)`);
}

/**
 * The sparsity pattern of the Jacobian of f at any x: an m × n pattern with an entry (i, j)
 * wherever output i may depend on input j. `x` is an array of numbers (f takes an array of
 * scalars, as jacfwd does) or a tensor (f takes a tensor; n is its size, row-major); f returns
 * a number (m = 1), an array of numbers or a tensor (m its size, row-major). Only x's shape
 * matters: the pattern holds at every input (x may be a value of an enclosing transform, a jit
 * tracer under jit).
 *
 * How sets flow, op by op (each op's sparsity rule, @ad/core/engine): element-wise,
 * S(yₑ) = ∪ᵢ S(xᵢ at e's broadcast position); reductions, S(yₑ) = ∪ over the reduced elements;
 * matmul, S(zᵢⱼ) = ∪ₖ S(xᵢₖ) ∪ S(wₖⱼ); views and gathers move sets; comparisons, sign,
 * argmax and other zero-derivative ops give ∅.
 *
 * `caller` names the public function in errors (sparseJacobian passes its own name). Throws a
 * SparsityDetectionError when f reads a value (an `if`, an operator, item()) or uses an op
 * without a sparsity rule.
 */
export function jacobianPattern(f: (x: never) => unknown, x: PatternInput, caller = 'jacobianPattern'): SparsityPattern {
  if (typeof f !== 'function') throw new DTypeError(caller, `f must be a function, got ${f === null ? 'null' : typeof f}`);
  let n: number;
  let input: TracedTensor | TracedScalar[];
  let trace: Trace;
  // Only x's shape is read, so x may also be a value of an enclosing transform (a jit tracer,
  // a dual): the pattern is the same at every input.
  if (isTensorLike(x)) {
    const shape = x.shape;
    n = shape.reduce((a, b) => a * b, 1);
    trace = new Trace(newTag(), n, caller);
    input = new TracedTensor(trace, shape, inputSets(n));
  } else if (Array.isArray(x) && x.every(isScalarLike)) {
    n = x.length;
    trace = new Trace(newTag(), n, caller);
    const t = trace;
    input = x.map((_, i) => new TracedScalar(t, Int32Array.of(i)));
  } else {
    throw new DTypeError(
      caller,
      `x must be an array of numbers or a Tensor, got ${Array.isArray(x) ? 'an array holding something other than numbers' : x === null ? 'null' : typeof x}`,
    );
  }
  const y = (f as (x: unknown) => unknown)(input);
  const { ptr, idx } = outputSets(caller, trace, y);
  // The output's sets are the pattern's rows, sorted already.
  return SparsityPattern.fromCompressedRows([ptr.length - 1, n], ptr, idx, caller);
}

/**
 * The sparsity pattern of the Hessian of a scalar f at any x: an n × n symmetric pattern with an
 * entry (i, j) wherever ∂²f/∂xᵢ∂xⱼ may be nonzero. The Hessian is the Jacobian of the gradient,
 * so this is jacobianPattern of @ad/reverse's grad(f), traced: the reverse rules run on traced
 * values, and a partial that does not depend on x (a linear term's constant, relu's mask from a
 * comparison) brings no entry. Made symmetric (the union with its transpose). `x` as in
 * jacobianPattern; f must return a scalar.
 */
export function hessianPattern(f: (x: never) => unknown, x: PatternInput, caller = 'hessianPattern'): SparsityPattern {
  if (typeof f !== 'function') throw new DTypeError(caller, `f must be a function, got ${f === null ? 'null' : typeof f}`);
  const scalarF = (v: unknown): unknown => {
    let y: unknown;
    try {
      y = (f as (x: unknown) => unknown)(v);
    } catch (e) {
      // Under the gradient f's inputs are graph nodes over traced values: an `if` on one is
      // refused by the node (a ValueError naming Var) before the traced value could say why.
      if (e instanceof ValueError && (e.op === 'Var' || e.op === 'TensorVar')) throw readError(caller, 'an `if` or a JavaScript operator', 'value');
      throw e;
    }
    if (isTensorLike(y) && y.shape.length !== 0) {
      throw new ShapeError(caller, `f must return a scalar, got shape [${y.shape.join(',')}]; for a vector function's derivative pattern, use jacobianPattern`);
    }
    if (Array.isArray(y)) throw new ShapeError(caller, `f must return a scalar, got an array of ${y.length}; use jacobianPattern for a vector function`);
    return y;
  };
  const gradient = jacobianPattern(grad(scalarF as (x: never) => number) as (x: never) => unknown, x, caller);
  // The union with the transpose: a conservative rule may have put (i, j) in without (j, i).
  const n = gradient.shape[1];
  const rows = new Int32Array(2 * gradient.nnz);
  const cols = new Int32Array(2 * gradient.nnz);
  rows.set(gradient.rowIndex());
  rows.set(gradient.colIndex, gradient.nnz);
  cols.set(gradient.colIndex);
  cols.set(gradient.rowIndex(), gradient.nnz);
  return SparsityPattern.fromCoordinates([n, n], rows, cols, caller);
}
