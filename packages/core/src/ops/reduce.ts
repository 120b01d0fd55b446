/**
 * Reductions over any set of axes, with `keepdims`. Params arrive normalised (axes sorted,
 * non-negative), so the rules never re-check them.
 */
import { allocate } from '../kernels/alloc.js';
import { normalizeAxes, normalizeAxis, reducedShape, rowMajorStrides, sizeOf } from '../shape.js';
import { ShapeError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor.js';
import { type ReduceKernel, argmaxRows, logSumExpRows, maxKernel, minKernel, sumKernel } from '../kernels/reduce.js';
import type { Algebra, Axis } from './algebra.js';
import { custom, linear, withMethod, type Op, type OpWithMethod } from './define.js';
import type { MethodContext, Self } from './signature.js';
import { rowData, toRows } from './rows.js';
import { shiftAxes, shiftedParams, type BatchRule } from './batching.js';
import { reduced } from './sparsity.js';

/** A reduction over the batch: the same axes, each moved past the batch axis. */
const reduceBatch: BatchRule<ReduceParams> = shiftedParams('axes + 1', (p) => ({ axes: shiftAxes(p.axes), keepdims: p.keepdims }));

export interface ReduceParams {
  readonly axes: readonly number[];
  readonly keepdims: boolean;
}

function reduceWith(kernel: ReduceKernel, x: Tensor, { axes, keepdims }: ReduceParams): Tensor {
  const keptShape = reducedShape(x.shape, axes, true);
  const out = allocate(sizeOf(keptShape));
  const strides = rowMajorStrides(keptShape);
  kernel.run(
    out,
    x.shape,
    x.nd,
    strides.map((s, i) => (axes.includes(i) ? 0 : s)),
  );
  return Tensor.fromData(out, keepdims ? keptShape : reducedShape(x.shape, axes, false));
}

/** ȳ laid back over x's axes: reshaped to keep the reduced axes as 1, then broadcast. */
function spread<T>(o: Algebra<T>, yBar: T, x: T, { axes, keepdims }: ReduceParams): T {
  const xShape = o.shape(x);
  const kept = keepdims ? yBar : o.reshape(yBar, reducedShape(xShape, axes, true));
  return o.broadcastTo(kept, xShape);
}

/** A reduction of the table: `x.sum(axis?, keepdims?)`. */
export type Reduction = OpWithMethod<ReduceParams, (c: MethodContext, x: Self, axis?: Axis, keepdims?: boolean) => Self>;

/** The method of a reduction: `x.sum(axis?, keepdims?)` over one axis, several, or all when omitted. */
function reduction(op: Op<ReduceParams>) {
  return (c: MethodContext, x: Self, axis?: Axis, keepdims = false): Self =>
    c.apply(op, [x], { axes: normalizeAxes(op.name, axis, c.shape(x).length), keepdims: Boolean(keepdims) });
}

/** Reduced count: how many elements each output element sums. */
function countOf(shape: readonly number[], axes: readonly number[]): number {
  return axes.reduce((n, a) => n * shape[a], 1);
}

/** Σ over axes (all by default), with keepdims.  ẏ = Σ ẋ,  x̄ = broadcast(ȳ) */
export const sum: Reduction = withMethod(
  linear<ReduceParams>({
    name: 'sum',
    primal: ([x], p) => reduceWith(sumKernel, x, p),
    transpose: (o, yBar, x, p) => spread(o, yBar, x, p),
    batch: reduceBatch,
    pattern: reduced,
  }),
  reduction,
);

/** Arithmetic mean over axes (refused over an empty axis, where it has no value).  ẏ = mean ẋ,  x̄ = broadcast(ȳ)/N */
export const mean: Reduction = withMethod(
  linear<ReduceParams>({
    name: 'mean',
    primal: ([x], p) => {
      const n = countOf(x.shape, p.axes);
      if (n === 0 && x.size === 0) {
        throw new ShapeError('mean', `cannot average an empty axis of ${fmtShape(x.shape)} (the mean of nothing is undefined)`);
      }
      const s = reduceWith(sumKernel, x, p);
      const d = s.data;
      for (let i = 0; i < d.length; i++) d[i] /= n;
      return s;
    },
    transpose: (o, yBar, x, p) => o.div(spread(o, yBar, x, p), countOf(o.shape(x), p.axes)),
    batch: reduceBatch,
    pattern: reduced,
  }),
  reduction,
);

/**
 * max or min over axes. Ties share the derivative evenly (JAX's rule for reduce_max, PyTorch's
 * for amax): with mask m = [x = y] and count c = Σ m,  ẏ = Σ (m/c)·ẋ,  x̄ = (m/c)·ȳ.
 */
function extremum(name: 'max' | 'min', kernel: ReduceKernel) {
  const weights = <T>(o: Algebra<T>, x: T, y: T, p: ReduceParams): T => {
    const mask = o.eq(x, spread(o, y, x, p));
    return o.div(mask, o.sum(mask, p.axes, true));
  };
  return custom<ReduceParams>({
    name,
    arity: 1,
    primal: ([x], p) => {
      if (x.size === 0 && countOf(x.shape, p.axes) === 0) {
        throw new ShapeError(name, `cannot reduce an empty axis of ${fmtShape(x.shape)} (no identity for ${name})`);
      }
      return reduceWith(kernel, x, p);
    },
    jvp:
      (o, [x], y, p) =>
      ([xDot]) =>
        xDot === null ? null : o.sum(o.mul(weights(o, x, y, p), xDot), p.axes, p.keepdims),
    vjp:
      (o, [x], y, p) =>
      (yBar, needs) => [needs[0] ? o.mul(weights(o, x, y, p), spread(o, yBar, x, p)) : null],
    batch: reduceBatch,
    pattern: reduced,
  });
}

/** Max over axes (all by default); ties share the derivative evenly, NaN propagates. */
export const max: Reduction = withMethod(extremum('max', maxKernel), reduction);
/** Min over axes; ties share the derivative evenly. */
export const min: Reduction = withMethod(extremum('min', minKernel), reduction);

/**
 * log Σ exp(x) over axes, computed as m + log Σ exp(x − m) with m the max, so it is finite for
 * logits like [1000, 0, −1000]. With s = exp(x − y) (the softmax):  ẏ = Σ s·ẋ,  x̄ = s·ȳ.
 */
export const logsumexp: Reduction = withMethod(
  custom<ReduceParams>({
    name: 'logsumexp',
    arity: 1,
    primal: ([x], { axes, keepdims }) => {
      const shape = reducedShape(x.shape, axes, keepdims);
      // log Σ over nothing is log 0 = −∞, as PyTorch gives.
      if (countOf(x.shape, axes) === 0) return Tensor.fromData(new Float64Array(sizeOf(shape)).fill(-Infinity), shape);
      const rows = toRows(x, axes);
      const out = allocate(rows.rows);
      logSumExpRows(out, rowData(rows), rows.rows, rows.n);
      return Tensor.fromData(out, shape);
    },
    jvp:
      (o, [x], y, p) =>
      ([xDot]) => {
        if (xDot === null) return null;
        const s = o.exp(o.sub(x, spread(o, y, x, p)));
        return o.sum(o.mul(s, xDot), p.axes, p.keepdims);
      },
    vjp:
      (o, [x], y, p) =>
      (yBar, needs) => {
        if (!needs[0]) return [null];
        const s = o.exp(o.sub(x, spread(o, y, x, p)));
        return [o.mul(s, spread(o, yBar, x, p))];
      },
    batch: reduceBatch,
    pattern: reduced,
  }),
  reduction,
);

export interface ArgParams {
  /** The axis, or null for the flattened tensor. */
  readonly axis: number | null;
  readonly keepdims: boolean;
}

function argExtremum(name: 'argmax' | 'argmin', sign: 1 | -1) {
  return custom<ArgParams>({
    name,
    arity: 1,
    differentiable: false,
    primal: ([x], { axis, keepdims }) => {
      const axes = axis === null ? x.shape.map((_, i) => i) : [axis];
      if (countOf(x.shape, axes) === 0) {
        throw new ShapeError(name, `cannot take ${name} of an empty axis of ${fmtShape(x.shape)}`);
      }
      const rows = toRows(x, axes);
      const out = allocate(rows.rows);
      argmaxRows(out, rowData(rows), rows.rows, rows.n, sign);
      const shape = axis === null ? (keepdims ? x.shape.map(() => 1) : []) : reducedShape(x.shape, axes, keepdims);
      return Tensor.fromData(out, shape);
    },
    jvp: () => () => null,
    vjp: () => (_yBar, needs) => needs.map(() => null),
    batch: {
      how: 'axis + 1 (over all axes: each example flattened first)',
      apply: (o, op, [x], _batched, { axis, keepdims }, size) => {
        if (axis !== null) return o.interpreter.apply(op, [x], { axis: axis + 1, keepdims });
        const rank = o.shape(x).length - 1;
        const flat = o.interpreter.apply(op, [o.reshape(x, [size, -1])], { axis: 1, keepdims: false });
        return keepdims ? o.reshape(flat, [size, ...new Array<number>(rank).fill(1)]) : flat;
      },
    },
  });
}

/** argmax or argmin: `x.argmax(axis?, keepdims?)`. */
export type ArgReduction = OpWithMethod<ArgParams, (c: MethodContext, x: Self, axis?: number, keepdims?: boolean) => Self>;

/** The method of argmax and argmin: one axis, or the flattened tensor when omitted. */
function argMethod(op: Op<ArgParams>) {
  return (c: MethodContext, x: Self, axis?: number, keepdims = false): Self =>
    c.apply(op, [x], { axis: axis === undefined ? null : normalizeAxis(op.name, axis, c.shape(x).length), keepdims: Boolean(keepdims) });
}

/** Index (as float64) of the first maximum along an axis; piecewise constant, so no derivative. */
export const argmax: ArgReduction = withMethod(argExtremum('argmax', 1), argMethod);
/** Index of the first minimum along an axis. */
export const argmin: ArgReduction = withMethod(argExtremum('argmin', -1), argMethod);
