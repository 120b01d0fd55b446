/**
 * Picking slices along an axis by a 1-D index, and its transpose: `indexSelect` (PyTorch's
 * index_select, NumPy's take with an axis) gathers, `indexAdd` (PyTorch's index_add) adds back.
 * Both are linear in their data operand, so each one's rules are the other op; the index is
 * held fixed (no derivative). Each index is checked once per slice and the slice is copied
 * whole, which is what makes gathering the rows of a table — bundle adjustment's camera and
 * point per observation, an embedding lookup — cost a copy rather than an index per element.
 */
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { normalizeAxis, sizeOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import type { Indices } from './composite-math.js';
import { custom, withMethod, type OpWithMethod } from './define.js';
import { contiguous } from './materialize.js';
import { arange } from '../create.js';
import { allocate } from '../kernels/alloc.js';
import { exampleOffsets, exampleShape, spreadOverBatch } from './batching.js';
import type { Algebra } from './algebra.js';
import { gathered, scattered } from './sparsity.js';

/**
 * For batched indices idx [B, k] into axis `axis` of examples of shape `shape` (outer × size ×
 * inner around it): the flat index of every picked element, [B, outer, k, inner], into the
 * examples laid end to end (`batchStride` apart; 0 for one shared example).
 * at[b, o, j, t] = b·batchStride + (o·size + idx[b, j])·inner + t
 */
function flatPicks<T>(o: Algebra<T>, index: T, shape: Shape, axis: number, size: number, batchStride: number): T {
  const { outer, size: n, inner } = around(shape, axis);
  const k = o.shape(index)[1];
  const rows = o.mul(o.reshape(index, [size, 1, k, 1]), inner);
  const blocks = o.reshape(o.mul(arange(outer) as unknown as T, n * inner), [1, outer, 1, 1]);
  const within = o.reshape(arange(inner) as unknown as T, [1, 1, 1, inner]);
  const at = o.add(o.add(rows, blocks), within);
  return batchStride === 0 ? at : o.add(at, exampleOffsets(o, size, batchStride, 3));
}
import type { MethodContext, Operand, Self } from './signature.js';

/** x's shape split around `axis`: the product of the axes before it, its size, the product after. */
function around(shape: Shape, axis: number): { outer: number; size: number; inner: number } {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return { outer, size: shape[axis], inner };
}

/** The index's values, each checked to be an integer in [0, size). */
function picks(op: string, index: Tensor, size: number): Float64Array {
  if (index.ndim !== 1) throw new ShapeError(op, `expects a 1-D index, got shape ${fmtShape(index.shape)}`);
  const { data, offset } = contiguous(index);
  const out = data.subarray(offset, offset + index.size);
  for (let k = 0; k < out.length; k++) {
    const v = out[k];
    if ((v | 0) !== v || v < 0 || v >= size) throw new ValueError(op, `index ${v} is not an integer in [0, ${size})`);
  }
  return out;
}

/**
 * An index argument as an operand of the mode: an array of numbers becomes a tensor; a tensor,
 * or a value of the mode (a tracer under jit, whose values are known only when it runs), is
 * lifted as it is. Its values are checked by the primal.
 */
function indexOperand(c: MethodContext, op: string, index: Indices | readonly number[]): Self {
  if (Array.isArray(index)) return c.lift(op, Tensor.fromData(Float64Array.from(index as number[]), [index.length]) as unknown as Self);
  if (typeof index !== 'object' || index === null)
    throw new ValueError(op, `indices must be a Tensor or an array of integers, got ${index === null ? 'null' : typeof index}`);
  const lifted = c.lift(op, index as unknown as Self);
  const shape = c.shape(lifted);
  if (shape.length !== 1) throw new ShapeError(op, `expects a 1-D index, got shape ${fmtShape(shape)}`);
  return lifted;
}

/**
 * Slices of x along `axis` picked by a 1-D index: y[o, k, t] = x[o, index[k], t] (o over the
 * axes before `axis`, t over those after); repeated indices repeat slices.
 * ẏ = indexSelect(ẋ, index),  x̄ = indexAdd(ȳ, index, size of x along axis)
 */
export const indexSelect: OpWithMethod<{ axis: number }, (c: MethodContext, x: Self, axis: number, index: Indices | readonly number[]) => Self> = withMethod(
  custom<{ axis: number }>({
    name: 'indexSelect',
    pattern: gathered,
    arity: 2,
    primal: ([x, index], { axis }) => {
      const { outer, size, inner } = around(x.shape, axis);
      const at = picks('indexSelect', index, size);
      const { data, offset } = contiguous(x);
      const out = allocate(outer * at.length * inner);
      let w = 0;
      for (let o = 0; o < outer; o++) {
        for (let k = 0; k < at.length; k++) {
          const from = offset + (o * size + at[k]) * inner;
          for (let t = 0; t < inner; t++) out[w++] = data[from + t];
        }
      }
      return Tensor.fromData(
        out,
        x.shape.map((d, i) => (i === axis ? at.length : d)),
      );
    },
    jvp:
      (o, [, index], _y, params) =>
      ([xDot]) =>
        xDot === null ? null : o.interpreter.apply(indexSelect, [xDot, index], params),
    vjp:
      (o, [x, index], _y, { axis }) =>
      (yBar, needs) => [needs[0] ? o.interpreter.apply(indexAdd, [yBar, index], { axis, size: o.shape(x)[axis] }) : null, null],
    batch: {
      how: 'axis + 1 for a shared index; per-example indices as a flat take',
      apply: (o, op, [x, index], [bx, bi], { axis }, size) => {
        if (!bi) return o.interpreter.apply(op, [x, index], { axis: axis + 1 });
        const shape = exampleShape(o, x, bx);
        const picked = o.take(o.reshape(x, [-1]), flatPicks(o, index, shape, axis, size, bx ? sizeOf(shape) : 0));
        return o.reshape(picked, [size, ...shape.map((d, i) => (i === axis ? o.shape(index)[1] : d))]);
      },
    },
  }),
  (op) =>
    (c: MethodContext, x: Self, axis: number, index: Indices | readonly number[]): Self => {
      const a = normalizeAxis('indexSelect', axis, c.shape(x).length);
      return c.apply(op, [x, indexOperand(c, 'indexSelect', index)], { axis: a });
    },
);

/**
 * The transpose of indexSelect: zeros with `size` slices along `axis`, and slice k of v added
 * to slice index[k] (repeated indices sum): y[o, index[k], t] += v[o, k, t].
 * ẏ = indexAdd(v̇, index),  v̄ = indexSelect(ȳ, index)
 */
export const indexAdd: OpWithMethod<
  { axis: number; size: number },
  (c: MethodContext, v: Operand<Self>, axis: number, index: Indices | readonly number[], size: number) => Self
> = withMethod(
  custom<{ axis: number; size: number }>({
    name: 'indexAdd',
    pattern: scattered,
    arity: 2,
    primal: ([v, index], { axis, size }) => {
      const { outer, size: count, inner } = around(v.shape, axis);
      const at = picks('indexAdd', index, size);
      if (at.length !== count) throw new ShapeError('indexAdd', `${count} slices along axis ${axis} of ${fmtShape(v.shape)} but ${at.length} indices`);
      const { data, offset } = contiguous(v);
      const out = new Float64Array(outer * size * inner);
      let r = offset;
      for (let o = 0; o < outer; o++) {
        for (let k = 0; k < count; k++) {
          const to = (o * size + at[k]) * inner;
          for (let t = 0; t < inner; t++) out[to + t] += data[r++];
        }
      }
      return Tensor.fromData(
        out,
        v.shape.map((d, i) => (i === axis ? size : d)),
      );
    },
    jvp:
      (o, [, index], _y, params) =>
      ([vDot]) =>
        vDot === null ? null : o.interpreter.apply(indexAdd, [vDot, index], params),
    vjp:
      (o, [, index], _y, { axis }) =>
      (yBar, needs) => [needs[0] ? o.interpreter.apply(indexSelect, [yBar, index], { axis }) : null, null],
    batch: {
      how: 'axis + 1 for a shared index; per-example indices as a flat scatterAdd',
      apply: (o, op, [v, index], [bv, bi], { axis, size: n }, size) => {
        if (!bi) return o.interpreter.apply(op, [v, index], { axis: axis + 1, size: n });
        const shape = exampleShape(o, v, bv);
        const target = shape.map((d, i) => (i === axis ? n : d));
        const values = bv ? v : spreadOverBatch(o, v, size);
        const at = flatPicks(o, index, target, axis, size, sizeOf(target));
        const { outer, inner } = around(shape, axis);
        const flat = o.scatterAdd(o.reshape(values, [size, outer, shape[axis], inner]), at, [size * sizeOf(target)]);
        return o.reshape(flat, [size, ...target]);
      },
    },
  }),
  (op) =>
    (c: MethodContext, v: Operand<Self>, axis: number, index: Indices | readonly number[], size: number): Self => {
      const x = c.lift('indexAdd', v);
      const a = normalizeAxis('indexAdd', axis, c.shape(x).length);
      if (!Number.isInteger(size) || size < 0) throw new ValueError('indexAdd', `size must be a non-negative integer, got ${String(size)}`);
      return c.apply(op, [x, indexOperand(c, 'indexAdd', index)], { axis: a, size });
    },
);
