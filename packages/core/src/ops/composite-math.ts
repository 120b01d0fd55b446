/**
 * Composite functions of element-wise, reduction and indexing ops (see define.ts's
 * `composite`): each is written with other functions of the table, so every mode and nesting
 * differentiates it, and its derivative follows from those ops' own conventions.
 */
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { normalizeAxes, normalizeAxis, rowMajorStrides } from '../shape.js';
import { Tensor } from '../tensor.js';
import type { Axis } from './algebra.js';
import { composite } from './define.js';
import { placeAlong, sliceAlong } from './along.js';
import type { MethodContext, Self } from './signature.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * GELU: x·Φ(x) (exact, PyTorch's default), or with `'tanh'` the approximation
 * ½x(1 + tanh(√(2/π)(x + 0.044715x³))) (PyTorch's approximate='tanh').
 */
export const gelu = composite(
  {
    name: 'gelu',
    method: (c: MethodContext, x: Self, approximate: 'none' | 'tanh' = 'none'): Self => {
      const o = c.o;
      if (approximate === 'none') return o.mul(x, o.normalCdf(x));
      if (approximate !== 'tanh') throw new ValueError('gelu', `approximate must be 'none' or 'tanh', got ${JSON.stringify(approximate)}`);
      const inner = o.mul(o.add(x, o.mul(o.mul(o.square(x), x), 0.044715)), SQRT_2_OVER_PI);
      return o.mul(o.mul(x, 0.5), o.add(o.tanh(inner), 1));
    },
  },
  { scalar: true },
);

/**
 * log σ(x) = −softplus(−x), finite for any x (softplus is written stably).
 * ẏ = σ(−x)·ẋ, through softplus's rule.
 */
export const logSigmoid = composite(
  {
    name: 'logSigmoid',
    method: (c: MethodContext, x: Self): Self => c.o.neg(c.o.softplus(c.o.neg(x))),
  },
  { scalar: true },
);

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/**
 * SELU: λ·elu(x, α) with PyTorch's λ and α (self-normalising nets). At 0 the derivative is λα,
 * elu's left branch, as PyTorch's.
 */
export const selu = composite(
  {
    name: 'selu',
    method: (c: MethodContext, x: Self): Self => c.o.mul(c.o.elu(x, SELU_ALPHA), SELU_SCALE),
  },
  { scalar: true },
);

/** The axes of a reduction, from the last, so earlier axis numbers stay valid as each is removed. */
function axesFromLast(op: string, axis: Axis | undefined, rank: number): number[] {
  return normalizeAxes(op, axis, rank).sort((a, b) => b - a);
}

/**
 * Π over axes (all by default), with keepdims. Multiplied pairwise (halves, then quarters…),
 * so it takes log₂ n products and its derivative needs no division: x̄ᵢ = ȳ·Π_{k≠i} xₖ is
 * exact where some xₖ = 0 (PyTorch's prod backward takes the same care). Π of nothing is 1.
 */
export const prod = composite({
  name: 'prod',
  method: (c: MethodContext, x: Self, axis?: Axis, keepdims = false): Self => {
    let y = x;
    for (const a of axesFromLast('prod', axis, c.shape(x).length)) {
      let n = c.shape(y)[a];
      // Π over an empty axis is 1 (a sum over it is 0).
      if (n === 0) y = c.o.add(c.o.sum(y, a, true), 1);
      while (n > 1) {
        const h = Math.floor(n / 2);
        const pairs = c.o.mul(sliceAlong(c, y, a, 0, h), sliceAlong(c, y, a, h, h));
        y = n % 2 === 0 ? pairs : c.o.concat([pairs, sliceAlong(c, y, a, 2 * h, 1)], a);
        n = c.shape(y)[a];
      }
      if (!keepdims) y = c.o.squeeze(y, a);
    }
    return y;
  },
});

/**
 * The running sum or product along an axis by doubling steps (Hillis–Steele): after the step
 * of width d each element holds the combination of the 2d elements up to it, so log₂ n steps
 * of element-wise ops; every mode differentiates them.
 */
function scan(c: MethodContext, op: 'cumsum' | 'cumprod', x: Self, axis: number): Self {
  const shape = c.shape(x);
  const a = normalizeAxis(op, axis, shape.length);
  const n = shape[a];
  let y = x;
  for (let d = 1; d < n; d *= 2) {
    // y shifted d places along the axis: zeros come in, which a product reads as ones.
    const shifted = placeAlong(c, sliceAlong(c, y, a, 0, n - d), shape, a, d);
    y = op === 'cumsum' ? c.o.add(y, shifted) : c.o.mul(y, c.o.add(shifted, c.lift(op, leading(shape, a, d) as unknown as Self)));
  }
  return y;
}

/** 1 at the first d positions along axis a, 0 elsewhere. */
function leading(shape: readonly number[], a: number, d: number): Tensor {
  const strides = rowMajorStrides(shape);
  const out = new Float64Array(shape.reduce((p, q) => p * q, 1));
  for (let i = 0; i < out.length; i++) if (Math.floor(i / strides[a]) % shape[a] < d) out[i] = 1;
  return Tensor.fromData(out, shape);
}

/** Running sum along an axis: yᵢ = Σ_{k≤i} xₖ (PyTorch's cumsum).  x̄ is ȳ summed from the end. */
export const cumsum = composite({
  name: 'cumsum',
  method: (c: MethodContext, x: Self, axis: number): Self => scan(c, 'cumsum', x, axis),
});

/**
 * Running product along an axis: yᵢ = Π_{k≤i} xₖ (PyTorch's cumprod). Built from products
 * only, so its derivative is exact where some xₖ = 0.
 */
export const cumprod = composite({
  name: 'cumprod',
  method: (c: MethodContext, x: Self, axis: number): Self => scan(c, 'cumprod', x, axis),
});

/**
 * The vector p-norm over axes (all by default): (Σ|x|ᵖ)^(1/p), p = 2 by default, `Infinity`
 * for max |x|. At x = 0 the gradient is 0, as PyTorch's (its backward masks the 0/0).
 */
export const norm = composite({
  name: 'norm',
  method: (c: MethodContext, x: Self, ord = 2, axis?: Axis, keepdims = false): Self => {
    const o = c.o;
    if (ord === Infinity) return o.max(o.abs(x), axis, keepdims);
    if (typeof ord !== 'number' || !(ord >= 1)) throw new ValueError('norm', `ord must be a number ≥ 1 or Infinity, got ${String(ord)}`);
    if (ord === 1) return o.sum(o.abs(x), axis, keepdims);
    const s = ord === 2 ? o.sum(o.square(x), axis, keepdims) : o.sum(o.pow(o.abs(x), ord), axis, keepdims);
    // Where s = 0 the root's derivative is ∞: the selected branch is a constant there instead.
    const zero = o.eq(s, 0);
    return o.where(zero, 0, o.pow(o.where(zero, 1, s), 1 / ord));
  },
});

/**
 * Indices given as a plain tensor (structurally, so the table's types do not refer to Tensor,
 * whose methods are read off the table).
 */
export interface Indices {
  readonly shape: readonly number[];
  toFloat64Array(): Float64Array;
}

/** An index argument's values, checked to be integers in [0, size). */
function indexValues(op: string, index: Indices | readonly number[], size: number): Tensor {
  const t = index instanceof Tensor ? index : Array.isArray(index) ? Tensor.fromData(Float64Array.from(index as number[]), [index.length]) : null;
  if (t === null) throw new ValueError(op, `indices must be a Tensor or an array of integers, got ${typeof index}`);
  for (const v of t.toFloat64Array()) {
    if (!Number.isInteger(v) || v < 0 || v >= size) throw new ValueError(op, `index ${v} is not an integer in [0, ${size})`);
  }
  return t;
}

/**
 * PyTorch's gather: out[i][j][k] = x[index[i][j][k]][j][k] along axis 0 (and likewise for other
 * axes); index has x's rank and no axis larger than x's, except along `axis`.
 */
export const gather = composite({
  name: 'gather',
  method: (c: MethodContext, x: Self, axis: number, index: Indices): Self => {
    const shape = c.shape(x);
    const a = normalizeAxis('gather', axis, shape.length);
    if (!(index instanceof Tensor)) throw new ValueError('gather', `index must be a Tensor of integers, got ${typeof index}`);
    const idx = indexValues('gather', index, shape[a]);
    if (idx.ndim !== shape.length || idx.shape.some((d, i) => i !== a && d > shape[i])) {
      throw new ShapeError('gather', `index of shape ${fmtShape(idx.shape)} does not fit x of shape ${fmtShape(shape)} outside axis ${a}`);
    }
    const strides = rowMajorStrides(shape);
    const idxStrides = rowMajorStrides(idx.shape);
    const picks = idx.toFloat64Array();
    const flat = new Float64Array(picks.length);
    for (let k = 0; k < flat.length; k++) {
      let at = 0;
      for (let i = 0; i < shape.length; i++) {
        const j = Math.floor(k / idxStrides[i]) % idx.shape[i];
        at += (i === a ? picks[k] : j) * strides[i];
      }
      flat[k] = at;
    }
    return c.o.take(x, c.lift('gather', Tensor.fromData(flat, idx.shape) as unknown as Self));
  },
});

/**
 * One-hot rows: [..., n] with 1 at each index (PyTorch's one_hot). It is a comparison, so its
 * derivative is zero and it works on values of any mode; indices of a plain tensor are checked.
 */
export const oneHot = composite({
  name: 'oneHot',
  method: (c: MethodContext, indices: Self, numClasses: number): Self => {
    if (!Number.isInteger(numClasses) || numClasses < 1) throw new ValueError('oneHot', `numClasses must be a positive integer, got ${String(numClasses)}`);
    if ((indices as unknown) instanceof Tensor) indexValues('oneHot', indices as unknown as Tensor, numClasses);
    const classes = Tensor.fromData(
      Float64Array.from({ length: numClasses }, (_, i) => i),
      [numClasses],
    );
    return c.o.eq(c.o.expandDims(c.lift('oneHot', indices), -1), c.lift('oneHot', classes as unknown as Self));
  },
});
