/**
 * Shape ops. All are linear, so the tangent rule is the op itself and only the transpose is
 * given. The primals return views that share data whenever the layout allows (ndarray's views).
 */
import { allocate } from '../kernels/alloc.js';
import { broadcastShapes, checkShape, rowMajorStrides, shapesEqual, sizeOf, type Shape } from '../shape.js';
import { ShapeError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor.js';
import { sumKernel } from '../kernels/reduce.js';
import { assign, contiguous } from './materialize.js';
import { linear, withMethod, type Op, type OpWithMethod } from './define.js';
import { checkPermutation, inferShape, normalizeSlice } from './arguments.js';
import type { SliceArg } from './algebra.js';
import type { MethodContext, Self } from './signature.js';
import { alignBatched, shiftAxes, shiftedParams } from './batching.js';
import { gathered, scattered } from './sparsity.js';

/** The whole batch axis, as a slice of it. */
const wholeBatch = (size: number): AxisSlice => ({ start: 0, step: 1, count: size, drop: false });

/**
 * A new shape over the same elements, row-major. A view when the data is contiguous, a copy
 * otherwise (like PyTorch's reshape).  ẏ = reshape(ẋ),  x̄ = reshape(ȳ, shape(x))
 */
export const reshape: OpWithMethod<{ shape: Shape }, (c: MethodContext, x: Self, shape: Shape) => Self> = withMethod(
  linear<{ shape: Shape }>({
    name: 'reshape',
    pattern: gathered,
    primal: ([x], { shape }) => {
      if (sizeOf(shape) !== x.size) {
        throw new ShapeError('reshape', `cannot reshape ${fmtShape(x.shape)} (${x.size} elements) into ${fmtShape(shape)} (${sizeOf(shape)} elements)`);
      }
      const c = contiguous(x);
      return Tensor.view(c.data, shape, rowMajorStrides(shape), c.offset);
    },
    transpose: (o, yBar, x) => o.reshape(yBar, o.shape(x)),
    batch: shiftedParams('target shape with the batch size first', ({ shape }, size) => ({ shape: [size, ...shape] })),
  }),
  (op) =>
    (c: MethodContext, x: Self, shape: Shape): Self => {
      // One −1 is inferred; the same shape is x itself (no node in a graph).
      const target = inferShape(c.shape(x), shape);
      return shapesEqual(target, c.shape(x)) ? x : c.apply(op, [x], { shape: target });
    },
);

/** Axes reordered: axis i of the result is axis perm[i] of x. A view.  x̄ = permute(ȳ, perm⁻¹) */
export const permute: OpWithMethod<{ perm: readonly number[] }, (c: MethodContext, x: Self, perm: readonly number[]) => Self> = withMethod(
  linear<{ perm: readonly number[] }>({
    name: 'permute',
    pattern: gathered,
    primal: ([x], { perm }) => new Tensor(x.nd.transpose(...perm)),
    transpose: (o, yBar, _x, { perm }) => o.permute(yBar, inversePermutation(perm)),
    batch: shiftedParams('batch axis kept first, the others as perm + 1', ({ perm }) => ({ perm: [0, ...shiftAxes(perm)] })),
  }),
  (op) =>
    (c: MethodContext, x: Self, perm: readonly number[]): Self => {
      const p = checkPermutation('permute', perm, c.shape(x).length);
      return p.every((v, i) => v === i) ? x : c.apply(op, [x], { perm: p });
    },
);

/** x stretched to `shape` by NumPy's rules, with stride 0 (no copy).  x̄ = sumToShape(ȳ, shape(x)) */
export const broadcastTo: OpWithMethod<{ shape: Shape }, (c: MethodContext, x: Self, shape: Shape) => Self> = withMethod(
  linear<{ shape: Shape }>({
    name: 'broadcastTo',
    pattern: gathered,
    primal: ([x], { shape }) => {
      const target = broadcastShapes('broadcastTo', x.shape, shape);
      if (!shapesEqual(target, shape)) {
        throw new ShapeError('broadcastTo', `cannot broadcast ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
      }
      const lead = shape.length - x.ndim;
      const stride = shape.map((_, i) => (i < lead || x.shape[i - lead] === 1 ? 0 : x.stride[i - lead]));
      return Tensor.view(x.data, shape, stride, x.offset);
    },
    transpose: (o, yBar, x) => o.sumToShape(yBar, o.shape(x)),
    batch: {
      how: 'example aligned to the target rank, target shape with the batch size first',
      apply: (o, op, [x], _batched, { shape }, size) => o.interpreter.apply(op, [alignBatched(o, x, shape.length)], { shape: [size, ...shape] }),
    },
  }),
  (op) =>
    (c: MethodContext, x: Self, shape: Shape): Self => {
      const s = checkShape('broadcastTo', shape);
      return shapesEqual(s, c.shape(x)) ? x : c.apply(op, [x], { shape: s });
    },
);

/**
 * The reverse of broadcasting, written once: sums x over the axes that broadcasting from
 * `shape` would have added or stretched.  ẏ = sumToShape(ẋ),  x̄ = broadcastTo(ȳ, shape(x))
 */
export const sumToShape: OpWithMethod<{ shape: Shape }, (c: MethodContext, x: Self, shape: Shape) => Self> = withMethod(
  linear<{ shape: Shape }>({
    name: 'sumToShape',
    pattern: scattered,
    primal: ([x], { shape }) => {
      const target = broadcastShapes('sumToShape', x.shape, shape);
      if (!shapesEqual(target, x.shape)) {
        throw new ShapeError('sumToShape', `${fmtShape(x.shape)} is not a broadcast of ${fmtShape(shape)}`);
      }
      const out = allocate(sizeOf(shape));
      const lead = x.ndim - shape.length;
      const outStrides = rowMajorStrides(shape);
      const outStride = x.shape.map((_, i) => (i < lead || shape[i - lead] === 1 ? 0 : outStrides[i - lead]));
      sumKernel.run(out, x.shape, x.nd, outStride);
      return Tensor.fromData(out, shape);
    },
    transpose: (o, yBar, x) => o.broadcastTo(yBar, o.shape(x)),
    batch: {
      how: 'summed to [B, 1, …, 1, …shape], then the ones dropped',
      apply: (o, op, [x], _batched, { shape }, size) => {
        const rank = o.shape(x).length - 1;
        const kept = [size, ...new Array<number>(Math.max(0, rank - shape.length)).fill(1), ...shape];
        return o.reshape(o.interpreter.apply(op, [x], { shape: kept }), [size, ...shape]);
      },
    },
  }),
  (op) =>
    (c: MethodContext, x: Self, shape: Shape): Self => {
      const s = checkShape('sumToShape', shape);
      return shapesEqual(s, c.shape(x)) ? x : c.apply(op, [x], { shape: s });
    },
);

/** One axis of a normalised slice: `index` drops the axis, otherwise start/step/count. */
export interface AxisSlice {
  readonly start: number;
  readonly step: number;
  readonly count: number;
  readonly drop: boolean;
}

/** The method of slice: one index, `[start, end, step]` or null per leading axis. */
type SliceMethod = (c: MethodContext, x: Self, ...ranges: SliceArg[]) => Self;

/**
 * Basic slicing, one index or [start, end, step] per axis, as Python's: a view whose offset
 * moves to the start and whose strides scale by the step.  ẏ = slice(ẋ),  x̄ = unslice(ȳ)
 */
export const slice: OpWithMethod<{ axes: readonly AxisSlice[] }, SliceMethod> = withMethod(
  linear<{ axes: readonly AxisSlice[] }>({
    name: 'slice',
    pattern: gathered,
    primal: ([x], { axes }) => {
      const shape: number[] = [];
      const stride: number[] = [];
      let offset = x.offset;
      for (let i = 0; i < x.ndim; i++) {
        const a = axes[i] ?? { start: 0, step: 1, count: x.shape[i], drop: false };
        offset += a.start * x.stride[i];
        if (a.drop) continue;
        shape.push(a.count);
        stride.push(a.step * x.stride[i]);
      }
      return Tensor.view(x.data, shape, stride, offset);
    },
    transpose: (o, yBar, x, { axes }) => o.interpreter.apply(unslice, [yBar], { axes, shape: o.shape(x) }),
    batch: shiftedParams('the whole batch axis first', ({ axes }, size) => ({ axes: [wholeBatch(size), ...axes] })),
  }),
  (op) =>
    (c: MethodContext, x: Self, ...ranges: SliceArg[]): Self =>
      c.apply(op, [x], { axes: normalizeSlice(c.shape(x), ranges) }),
);

/**
 * The transpose of slice: a zero tensor of the sliced tensor's shape with ȳ written into the
 * sliced positions, by block copies where the window's rows are contiguous (see `assign`).
 * ẏ = unslice(ẋ),  x̄ = slice(ȳ)
 */
export const unslice: Op<{ axes: readonly AxisSlice[]; shape: Shape }> = linear<{
  axes: readonly AxisSlice[];
  shape: Shape;
}>({
  name: 'unslice',
  pattern: gathered,
  primal: ([y], { axes, shape }) => {
    const out = Tensor.fromData(allocate(sizeOf(shape)), shape);
    const window = slice.primal([out], { axes });
    if (!shapesEqual(window.shape, y.shape)) {
      throw new ShapeError('unslice', `got ${fmtShape(y.shape)}, the slice has shape ${fmtShape(window.shape)}`);
    }
    assign(window, y);
    return out;
  },
  transpose: (o, yBar, _x, { axes }) => o.interpreter.apply(slice, [yBar], { axes }),
  batch: shiftedParams('the whole batch axis first, shape with the batch size first', ({ axes, shape }, size) => ({
    axes: [wholeBatch(size), ...axes],
    shape: [size, ...shape],
  })),
});

function inversePermutation(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}
