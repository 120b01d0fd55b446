/**
 * Stacked tangents: the k tangents of a first-order DualTensor held as ONE tensor Ẋ of shape
 * [k, ...shape] (tangent j is its slice j), so an op's forward rule runs once for all k
 * directions rather than k times. With k = 28 directions on 4 × 4 matrices the per-direction
 * rule is bound by per-op overhead (28 small ops for one), and a product with a large constant
 * matrix C·ẋⱼ streams C once per direction; stacked, it is one op, and C·[ẋ₁ … ẋₖ] one product.
 *
 * The rules that take a stack, written from the op's own definition:
 * - element-wise ops with partials (the scalar fast path's condition): Ẏ = Σᵢ ∂y/∂xᵢ · Ẋᵢ, the
 *   partials computed once; Ẋᵢ gets size-1 axes after k so that it broadcasts as xᵢ does;
 * - matmul, bilinear: Ẏ = Ẋ·w + x·Ẇ, the k directions folded into the rows of Ẋ (a 2-D w) or
 *   the columns of Ẇ (a 2-D x), else carried as a leading batch axis of the batched product;
 * - the linear shape ops, sums, take and indexSelect, whose tangent rule is the op itself: the op on the
 *   stack, its parameters moved past the axis k.
 * Every other op (softmax, max, conv's ops …) runs its rule per direction, on views of the
 * stack; its k results are stacked again (one copy) when a stacked rule needs them next. The
 * result of a stacked rule keeps its stack; its tangents are views of it, made when first read.
 */
import { Tensor, type Op } from '@ad/core';
import { allocate, nanSafeState, ops, tensorOps as t } from '@ad/core/engine';
import { type DualTensor, unstack } from './dual.js';

/** The stack [k, ...shape] of a DualTensor's k tangent tensors: kept when a stacked rule made them, else copied once. */
export function stackOf(x: DualTensor): Tensor {
  if (x.stacked !== null) return x.stacked;
  const shape = x.value.shape;
  const size = x.size;
  const out = allocate(x.width * size);
  x.tangents.forEach((tangent, j) => {
    const d = tangent as Tensor;
    out.set(d.isContiguous ? d.data.subarray(d.offset, d.offset + size) : d.toFloat64Array(), j * size);
  });
  return Tensor.fromData(out, [x.width, ...shape]);
}

/** True when every tangent is a plain tensor (first order): the stacked rules apply. */
export function stackable(x: DualTensor): boolean {
  return x.stacked !== null || (x.value instanceof Tensor && x.tangents.every((t) => t instanceof Tensor));
}

/** Ẋ with size-1 axes after k, so that it broadcasts against rank-`rank` values as x does. */
function aligned(dot: Tensor, rank: number): Tensor {
  const [k, ...shape] = dot.shape;
  return shape.length === rank ? dot : t.reshape(dot, [k, ...new Array<number>(rank - shape.length).fill(1), ...shape]);
}

/**
 * The stacked tangent Ẏ: [k, ...shape(y)] of `op` at `xs` (plain tensors and numbers), from the
 * operands' stacks (null for a constant), or undefined when the op has no stacked rule.
 */
export function stackedRule(
  op: Op<unknown, unknown>,
  xs: readonly (Tensor | number)[],
  y: Tensor,
  params: unknown,
  dots: readonly (Tensor | null)[],
  k: number,
): Tensor | undefined {
  const partials = op.elementwise?.partials;
  // NaN-safe mode masks each term where ẋ = 0: the per-direction rule does that.
  if (partials != null && !nanSafeState.on) {
    let yDot: Tensor | null = null;
    for (let i = 0; i < dots.length; i++) {
      const dot = dots[i];
      if (dot === null) continue;
      const partial = partials[i](t, xs as Tensor[], y) as Tensor | number;
      const d = aligned(dot, y.ndim);
      const term = partial === 1 ? d : partial === -1 ? t.neg(d) : t.mul(partial, d);
      yDot = yDot === null ? term : t.add(yDot, term);
    }
    if (yDot === null) return undefined;
    const shape = [k, ...y.shape];
    return yDot.shape.length === shape.length && yDot.shape.every((d, i) => d === shape[i]) ? yDot : t.broadcastTo(yDot, shape);
  }
  if (op === (ops.matmul as unknown)) return matmulRule(xs[0] as Tensor, xs[1] as Tensor, dots[0], dots[1], k);
  const xDot = dots[0];
  if (xDot === null || dots.slice(1).some((d) => d !== null)) return undefined;
  return linearRule(op, xs, xDot, params, k);
}

/** One axis of slice's parameters. */
type AxisSlice = Parameters<typeof ops.slice.primal>[1]['axes'][number];

/** The whole axis of k directions, as a slice keeps it. */
const allOf = (k: number): AxisSlice => ({ start: 0, step: 1, count: k, drop: false });

/** n size-1 axes. */
const ones = (n: number): number[] => new Array<number>(n).fill(1);

/**
 * Ẏ of a linear op, whose tangent rule is the op itself (ẏ = f(ẋ), other operands held): the
 * op's own primal on the stack, its parameters moved past the leading axis k. An op without an
 * entry here runs its rule per direction.
 */
function linearRule(op: Op<unknown, unknown>, xs: readonly (Tensor | number)[], xDot: Tensor, params: unknown, k: number): Tensor | undefined {
  const x = xs[0] as Tensor;
  switch (op as unknown) {
    case ops.reshape:
      return ops.reshape.primal([xDot], { shape: [k, ...(params as { shape: readonly number[] }).shape] });
    case ops.permute:
      return ops.permute.primal([xDot], { perm: [0, ...(params as { perm: readonly number[] }).perm.map((p) => p + 1)] });
    case ops.broadcastTo: {
      const { shape } = params as { shape: readonly number[] };
      return ops.broadcastTo.primal([aligned(xDot, shape.length)], { shape: [k, ...shape] });
    }
    case ops.sumToShape: {
      const { shape } = params as { shape: readonly number[] };
      const summed = ops.sumToShape.primal([xDot], { shape: [k, ...ones(x.ndim - shape.length), ...shape] });
      return ops.reshape.primal([summed], { shape: [k, ...shape] });
    }
    case ops.slice:
      return ops.slice.primal([xDot], { axes: [allOf(k), ...(params as { axes: readonly AxisSlice[] }).axes] });
    case ops.unslice: {
      const { axes, shape } = params as { axes: readonly AxisSlice[]; shape: readonly number[] };
      return ops.unslice.primal([xDot], { axes: [allOf(k), ...axes], shape: [k, ...shape] });
    }
    case ops.sum:
    case ops.mean: {
      const { axes, keepdims } = params as { axes: readonly number[]; keepdims: boolean };
      return (op as typeof ops.sum).primal([xDot], { axes: axes.map((a) => a + 1), keepdims });
    }
    case ops.indexSelect:
      // ẏⱼ = indexSelect(ẋⱼ, index) along the same axis: one gather of the stack along axis + 1.
      return ops.indexSelect.primal([xDot, xs[1] as Tensor], { axis: (params as { axis: number }).axis + 1 });
    case ops.take: {
      // ẏⱼ = take(ẋⱼ, index). The first direction goes through the op's own primal, which
      // checks every index; the other k − 1 reuse them in one loop over the (contiguous) stack.
      const index = xs[1] as Tensor;
      const stack = xDot.isContiguous ? xDot : Tensor.fromData(xDot.toFloat64Array(), xDot.shape);
      const n = index.size;
      const out = allocate(k * n);
      out.set(ops.take.primal([unstack(stack)[0], index], undefined).data.subarray(0, n));
      const at = index.toFloat64Array();
      const data = stack.data;
      for (let j = 1; j < k; j++) {
        const from = stack.offset + j * x.size;
        const to = j * n;
        for (let i = 0; i < n; i++) out[to + i] = data[from + at[i]];
      }
      return Tensor.fromData(out, [k, ...index.shape]);
    }
    default:
      return undefined;
  }
}

/** The rows of a tensor [..., n] as one contiguous block of `rows · n` numbers, written into `out` at `at`. */
function writeRows(out: Float64Array, at: number, x: Tensor): void {
  out.set(x.isContiguous ? x.data.subarray(x.offset, x.offset + x.size) : x.toFloat64Array(), at);
}

/**
 * y = x·w and Ẏ = Ẋ·w together, for a dual x (rank ≥ 2) and a constant 2-D w: the primal's rows
 * and the k directions' rows stacked, [x; Ẋ₁; …; Ẋₖ]·w, one product that reads w once. The
 * primal's product alone has few rows (3 for the posed vertices of a hand, [3, 89]·[89, V]): it
 * ran the plain-JS kernel, as slow as the WebAssembly product of all 26 directions' 78 rows.
 * Returns [y, Ẏ] (views of the one result), or undefined when the operands do not fit.
 */
export function matmulWithTangents(x: Tensor, xDot: Tensor, w: Tensor, k: number): [Tensor, Tensor] | undefined {
  if (x.ndim < 2 || w.ndim !== 2 || x.shape[x.ndim - 1] !== w.shape[0]) return undefined;
  const n = w.shape[0];
  const p = w.shape[1];
  const m = x.size / n;
  const rows = allocate((k + 1) * m * n);
  writeRows(rows, 0, x);
  writeRows(rows, m * n, xDot);
  const product = t.matmul(Tensor.fromData(rows, [(k + 1) * m, n]), w);
  const lead = x.shape.slice(0, -1);
  const y = Tensor.view(product.data, [...lead, p], rowMajor([...lead, p]), product.offset);
  const yDot = Tensor.view(product.data, [k, ...lead, p], rowMajor([k, ...lead, p]), product.offset + m * p);
  return [y, yDot];
}

function rowMajor(shape: readonly number[]): number[] {
  const stride = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    stride[i] = acc;
    acc *= shape[i];
  }
  return stride;
}

/** Ẏ = Ẋ·w + x·Ẇ for y = x·w (operands of rank ≥ 2; leading axes are batch axes). */
function matmulRule(x: Tensor, w: Tensor, xDot: Tensor | null, wDot: Tensor | null, k: number): Tensor | undefined {
  const rank = Math.max(x.ndim, w.ndim);
  let left: Tensor | null = null;
  if (xDot !== null) {
    if (w.ndim === 2) {
      // The k directions as more rows: [k·…·m, n]·w, one product.
      const n = x.shape[x.ndim - 1];
      const rows = t.reshape(xDot, [xDot.size / n, n]);
      left = t.reshape(t.matmul(rows, w), [k, ...x.shape.slice(0, -1), w.shape[1]]);
    } else left = t.matmul(aligned(xDot, rank), w);
  }
  let right: Tensor | null = null;
  if (wDot !== null) {
    if (x.ndim === 2 && w.ndim === 2) {
      // The k directions as more columns: x·[Ẇ₁ … Ẇₖ] ([n, k·p]), one product that reads x once.
      const [n, p] = w.shape;
      const columns = t.reshape(t.permute(wDot, [1, 0, 2]), [n, k * p]);
      right = t.permute(t.reshape(t.matmul(x, columns), [x.shape[0], k, p]), [1, 0, 2]);
    } else right = t.matmul(x, aligned(wDot, rank));
  }
  if (left === null) return right ?? undefined;
  return right === null ? left : t.add(left, right);
}
