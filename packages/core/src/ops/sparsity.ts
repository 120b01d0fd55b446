/**
 * Sparsity rules (@ad/sparse's pattern detection): which elements of its operands each output
 * element of an op depends on — the op's own Jacobian pattern, read off its shapes and
 * parameters, never off its values. Detection traces a function once with, per element, the
 * SET of inputs it depends on; an op's rule says how those sets flow to its output, and the
 * detector takes unions.
 *
 * A rule describes one operand's part in two steps, so that an output element that depends on
 * a whole row (softmax, matmul) costs one union per row rather than one per output element:
 * the operand's elements are put in groups (`groups`, or each element alone), and each output
 * element depends on one group (`groupOf`).
 *
 * Most rules follow from what kind of op it is: element-wise ops (each output element from the
 * operand elements broadcast to it), ops whose derivative is zero (nothing). The others name a
 * shared rule here (`gathered`, `scattered`, `reduced`, `alongAxis`) or write their own
 * (matmul) beside their definition. An op without one is refused by the detector, by name.
 */
import type { Shape } from '../shape.js';
import { rowMajorStrides, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import type { Algebra } from './algebra.js';
import type { Op } from './define.js';

/** Groups of an operand's elements in compressed sparse row form: group g is colIndex[rowPtr[g] .. rowPtr[g + 1]). */
export interface ElementGroups {
  readonly rowPtr: Int32Array;
  readonly colIndex: Int32Array;
}

/**
 * How an op's output depends on one operand: output element e depends on every element of
 * group groupOf[e] (none when it is −1). With `groups` null each element is its own group.
 */
export interface Dependence {
  readonly groups: ElementGroups | null;
  readonly groupOf: Int32Array;
}

/** An operand as a sparsity rule sees it: its shape, and its values where they are known (a constant). */
export interface PatternOperand {
  readonly shape: Shape;
  /** The operand's values when it is a constant (an index, a mask); undefined for a traced one. */
  readonly value: Tensor | undefined;
}

/** How an op's output elements depend on its operands' elements (see the module comment). */
export interface PatternRule<P> {
  /** How, in a phrase: the docs' table of ops reads it. */
  readonly how: string;
  /**
   * Per operand, how the output (of shape `outShape`) depends on it; null where it does not
   * (an index, read for its values only). `o` runs the op's rules on plain tensors.
   */
  apply(o: Algebra<Tensor>, op: Op<P>, xs: readonly PatternOperand[], params: P, outShape: Shape): (Dependence | null)[];
}

/**
 * For each element of `shape` in row-major order, Σ_d index_d · strides[d]: where it lands in
 * another layout (a broadcast source, a reduced position).
 */
export function strideMap(shape: Shape, strides: readonly number[]): Int32Array {
  const n = sizeOf(shape);
  const out = new Int32Array(n);
  const rank = shape.length;
  if (n === 0) return out;
  const index = new Array<number>(rank).fill(0);
  let at = 0;
  for (let e = 0; e < n; e++) {
    out[e] = at;
    // Odometer step: the last axis moves fastest, as row-major order does.
    for (let d = rank - 1; d >= 0; d--) {
      index[d]++;
      at += strides[d];
      if (index[d] < shape[d]) break;
      at -= index[d] * strides[d];
      index[d] = 0;
    }
  }
  return out;
}

/** For each element of `target`, the element of a tensor of `shape` broadcast to it (NumPy's rules). */
export function broadcastSource(shape: Shape, target: Shape): Int32Array {
  // Nothing broadcast (most element-wise ops): each element is its own source.
  if (shape.length === target.length && shape.every((d, i) => d === target[i])) return identity(sizeOf(target));
  const own = rowMajorStrides(shape);
  const lead = target.length - shape.length;
  return strideMap(
    target,
    target.map((_, d) => (d < lead || shape[d - lead] === 1 ? 0 : own[d - lead])),
  );
}

/** The elements 0 … count − 1 grouped by `groupOfElement` (−1: in no group), each group in increasing order. */
export function groupBy(groupOfElement: Int32Array, groups: number): ElementGroups {
  const rowPtr = new Int32Array(groups + 1);
  for (const g of groupOfElement) if (g >= 0) rowPtr[g + 1]++;
  for (let g = 0; g < groups; g++) rowPtr[g + 1] += rowPtr[g];
  const fill = rowPtr.slice(0, groups);
  const colIndex = new Int32Array(rowPtr[groups]);
  groupOfElement.forEach((g, e) => {
    if (g >= 0) colIndex[fill[g]++] = e;
  });
  return { rowPtr, colIndex };
}

/** Every output element depends on every element of the operand: what an index known only at run time forces. */
export function allOf(size: number, outSize: number): Dependence {
  const colIndex = new Int32Array(size);
  for (let e = 0; e < size; e++) colIndex[e] = e;
  return { groups: { rowPtr: Int32Array.of(0, size), colIndex }, groupOf: new Int32Array(outSize) };
}

/** Each output element depends on the group of the same number. */
function identity(size: number): Int32Array {
  const out = new Int32Array(size);
  for (let e = 0; e < size; e++) out[e] = e;
  return out;
}

/** A tensor of `shape` holding 1, 2, 3, …: element ids that a pure move keeps (0 marks a filled zero). */
function ids(shape: Shape): Tensor {
  const n = sizeOf(shape);
  const data = new Float64Array(n);
  for (let e = 0; e < n; e++) data[e] = e + 1;
  return Tensor.fromData(data, shape);
}

/** The ids a move left in y, back to element numbers (−1 where it wrote a zero). */
function readIds(y: Tensor): Int32Array {
  const values = y.toFloat64Array();
  const out = new Int32Array(values.length);
  for (let e = 0; e < values.length; e++) out[e] = values[e] - 1;
  return out;
}

/** True when an operand other than the first (an index) has values known only at run time. */
function unknownIndex(xs: readonly PatternOperand[]): boolean {
  return xs.some((x, i) => i > 0 && x.value === undefined);
}

/**
 * Element-wise ops: output element e depends on the element of each operand broadcast to it.
 * (where's condition included: a comparison's sets are empty anyway, see the detector.)
 */
export const elementwisePattern: PatternRule<unknown> = {
  how: 'element-wise: each output element from the operand elements broadcast to it',
  apply: (_o, _op, xs, _params, outShape) => xs.map((x) => ({ groups: null, groupOf: broadcastSource(x.shape, outShape) })),
};

/**
 * Products (mul): element-wise, except that where one factor is a constant 0 the output does not
 * depend on the other there (∂(x·0)/∂x = 0): a pad's zeros or a 0/1 mask cut the dependence.
 */
export const productPattern: PatternRule<unknown> = {
  how: 'element-wise, less the elements where the other factor is a constant 0',
  apply: (_o, _op, xs, _params, outShape) => {
    const sources = xs.map((x) => broadcastSource(x.shape, outShape));
    xs.forEach((x, i) => {
      if (x.value === undefined) return;
      const values = x.value.toFloat64Array();
      const own = sources[i];
      for (let e = 0; e < own.length; e++) {
        if (values[own[e]] !== 0) continue;
        // A constant 0 here: the other factors' elements do not reach this output element.
        sources.forEach((s, j) => {
          if (j !== i) s[e] = -1;
        });
      }
    });
    return sources.map((groupOf) => ({ groups: null, groupOf }));
  },
};

/**
 * Ops that move elements (views, gathers, im2col): each output element is a copy of one element
 * of the first operand, or a zero. Found by running the op itself on element ids (1, 2, 3, …),
 * so the rule is the op's own primal; the other operands are indices (no derivative). With an
 * index known only at run time, every output element may come from any element.
 */
export const gathered: PatternRule<unknown> = {
  how: 'moved: each output element one element of the input (ids run through the op)',
  apply: (_o, op, xs, params, outShape) => {
    const size = sizeOf(xs[0].shape);
    if (unknownIndex(xs)) return [allOf(size, sizeOf(outShape)), ...xs.slice(1).map(() => null)];
    const y = op.primal([ids(xs[0].shape), ...xs.slice(1).map((x) => x.value as Tensor)], params);
    return [{ groups: null, groupOf: readIds(y) }, ...xs.slice(1).map(() => null)];
  },
};

/**
 * Ops that add elements into place (sumToShape, col2im, scatterAdd, indexAdd): each element of
 * the first operand is added into one output element (or dropped). Their transpose is a move,
 * so the op's own reverse rule run on output ids says where each element went; an output
 * element depends on the elements that went to it.
 */
export const scattered: PatternRule<unknown> = {
  how: 'summed into place: each input element added to one output element (ids run through its transpose)',
  apply: (o, op, xs, params, outShape) => {
    const size = sizeOf(xs[0].shape);
    const outSize = sizeOf(outShape);
    if (unknownIndex(xs)) return [allOf(size, outSize), ...xs.slice(1).map(() => null)];
    const operands = xs.map((x) => x.value ?? Tensor.fromData(new Float64Array(sizeOf(x.shape)), x.shape));
    const needs = xs.map((_, i) => i === 0);
    const [xBar] = op.vjp(o, operands, Tensor.fromData(new Float64Array(outSize), outShape), params)(ids(outShape), needs);
    const destination = xBar === null ? new Int32Array(size).fill(-1) : readIds(xBar);
    return [{ groups: groupBy(destination, outSize), groupOf: identity(outSize) }, ...xs.slice(1).map(() => null)];
  },
};

/** For each element of `shape`, its position in the shape with `axes` reduced (kept as 1). */
function reducedPosition(shape: Shape, axes: readonly number[]): Int32Array {
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const strides = rowMajorStrides(kept);
  return strideMap(
    shape,
    strides.map((s, i) => (axes.includes(i) ? 0 : s)),
  );
}

/** Reductions over `axes` (sum, mean, max, min, logsumexp): output element e depends on the elements reduced into it. */
export const reduced: PatternRule<{ readonly axes: readonly number[] }> = {
  how: 'reduced: each output element from every element along the reduced axes',
  apply: (_o, _op, [x], { axes }, outShape) => {
    const outSize = sizeOf(outShape);
    return [{ groups: groupBy(reducedPosition(x.shape, axes), outSize), groupOf: identity(outSize) }];
  },
};

/** Ops along one axis (softmax, logSoftmax): each output element depends on its whole row along the axis. */
export const alongAxis: PatternRule<{ readonly axis: number }> = {
  how: 'along the axis: each output element from its whole row',
  apply: (_o, _op, [x], { axis }) => {
    const row = reducedPosition(x.shape, [axis]);
    const rows = sizeOf(x.shape) / Math.max(1, x.shape[axis]);
    return [{ groups: groupBy(row, rows), groupOf: row }];
  },
};

/** The rule that applies to an op: its own, or nothing for an op whose derivative is zero; undefined when it has none. */
export function patternRuleOf<P>(op: Op<P>): PatternRule<P> | 'none' | undefined {
  if (!op.differentiable) return 'none';
  return op.pattern;
}

/** True for a sparsity rule: a phrase saying how, and the function. */
export function isPatternRule(rule: unknown): rule is PatternRule<unknown> {
  if (typeof rule !== 'object' || rule === null) return false;
  const r = rule as Record<string, unknown>;
  return typeof r.how === 'string' && typeof r.apply === 'function';
}
