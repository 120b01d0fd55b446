/**
 * The ops convolution and pooling are built from, on images laid out [N, C, H, W] as PyTorch's:
 * - `im2col` copies every sliding window into a column (PyTorch's unfold layout
 *   [N, C·kh·kw, Hₒ·Wₒ]), so a convolution becomes a matrix product on the fast matmul,
 *   W·cols, whose result is already [N, O, Hₒ·Wₒ]; `col2im`, its transpose, sums columns back
 *   into an image.
 * - `take` gathers elements by flat index and `scatterAdd`, its transpose, adds them back; a max
 *   pool is `take(x, maxPool2dIndices(x))`, so its derivative flows to the one element PyTorch picks.
 * All four are linear in their data operand, so each rule is the other op.
 */
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { checkShape, sizeOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { custom, linear, withMethod, type Op, type OpWithMethod } from './define.js';
import { windowParams } from './arguments.js';
import { gathered, scattered } from './sparsity.js';
import type { WindowOptions } from './algebra.js';
import type { MethodContext, Operand, Self } from './signature.js';
import { contiguous } from './materialize.js';
import { exampleOffsets, exampleShape, spreadOverBatch, type BatchRule } from './batching.js';

/**
 * A window op over a batch: each example's images [N, C, H, W] are more images, so the batch
 * folds into N ([B·N, C, H, W]) and unfolds from the result's first axis.
 */
function foldedImages<P>(how: string, params: (p: P, size: number, n: number) => P = (p) => p): BatchRule<P> {
  return {
    how,
    apply: (o, op, [x], _batched, p, size) => {
      const s = o.shape(x);
      const y = o.interpreter.apply(op, [o.reshape(x, [size * s[1], ...s.slice(2)])], params(p, size, s[1]));
      return o.reshape(y, [size, s[1], ...o.shape(y).slice(1)]);
    },
  };
}

/** The method of an op over sliding windows: `x.im2col({ kernelSize, stride?, padding?, dilation? })`. */
type WindowMethod = (c: MethodContext, x: Self, window: WindowOptions) => Self;

/** A sliding window over the last two axes: each field is [along H, along W]. */
export interface WindowParams {
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
}

/** Output height and width of a window: ⌊(H + 2p − d(k − 1) − 1)/s⌋ + 1, as PyTorch's Conv2d. */
function windowOutput(op: string, shape: Shape, p: WindowParams): [number, number] {
  if (shape.length !== 4) throw new ShapeError(op, `expects an image batch [N, C, H, W], got ${fmtShape(shape)}`);
  const out = [0, 1].map((a) => {
    const size = shape[2 + a] + 2 * p.padding[a] - p.dilation[a] * (p.kernel[a] - 1) - 1;
    return size < 0 ? 0 : Math.floor(size / p.stride[a]) + 1;
  }) as [number, number];
  if (out[0] < 1 || out[1] < 1) {
    throw new ShapeError(
      op,
      `a ${p.kernel.join('×')} window (dilation ${p.dilation.join('×')}, padding ${p.padding.join('×')}) does not fit an image of ${shape[2]}×${shape[3]} (input ${fmtShape(shape)})`,
    );
  }
  return out;
}

/** The geometry of a window over an [N, C, H, W] image, unpacked once for the loops below. */
function geometry(op: string, shape: Shape, p: WindowParams) {
  const [ho, wo] = windowOutput(op, shape, p);
  const [n, c, h, w] = shape;
  return {
    n,
    c,
    h,
    w,
    ho,
    wo,
    kh: p.kernel[0],
    kw: p.kernel[1],
    sh: p.stride[0],
    sw: p.stride[1],
    ph: p.padding[0],
    pw: p.padding[1],
    dh: p.dilation[0],
    dw: p.dilation[1],
  };
}

/**
 * Copies each window into a column of [N, C·kh·kw, Hₒ·Wₒ]: row (c, i, j) of sample n holds
 * x[n, c, a·s + i·d − p, b·s + j·d − p] for every output position (a, b). The inner loop runs
 * along an output row b, reading the image with stride s and writing contiguously; the range of
 * b whose column lies inside the image is found once per (c, i, j, a).
 */
function im2colKernel(image: Float64Array, imageOff: number, cols: Float64Array, shape: Shape, p: WindowParams): void {
  const { n, c, h, w, ho, wo, kh, kw, sh, sw, ph, pw, dh, dw } = geometry('im2col', shape, p);
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const plane = imageOff + (b * c + ch) * h * w;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const offset = j * dw - pw; // the image column of output column x is x·sw + offset
          const xLo = offset >= 0 ? 0 : Math.ceil(-offset / sw);
          const xHi = Math.min(wo, Math.ceil((w - offset) / sw));
          for (let y = 0, row = i * dh - ph; y < ho; y++, row += sh, o += wo) {
            if (row < 0 || row >= h) continue;
            const line = plane + row * w + offset;
            for (let x = xLo; x < xHi; x++) cols[o + x] = image[line + x * sw];
          }
        }
      }
    }
  }
}

/** The transpose of im2colKernel: each column's elements added back where they were read. */
function col2imKernel(cols: Float64Array, colsOff: number, image: Float64Array, shape: Shape, p: WindowParams): void {
  const { n, c, h, w, ho, wo, kh, kw, sh, sw, ph, pw, dh, dw } = geometry('col2im', shape, p);
  let o = colsOff;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const plane = (b * c + ch) * h * w;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const offset = j * dw - pw;
          const xLo = offset >= 0 ? 0 : Math.ceil(-offset / sw);
          const xHi = Math.min(wo, Math.ceil((w - offset) / sw));
          for (let y = 0, row = i * dh - ph; y < ho; y++, row += sh, o += wo) {
            if (row < 0 || row >= h) continue;
            const line = plane + row * w + offset;
            for (let x = xLo; x < xHi; x++) image[line + x * sw] += cols[o + x];
          }
        }
      }
    }
  }
}

/** The shape of im2col's result: [N, C·kh·kw, Hₒ·Wₒ]. */
function colsShape(shape: Shape, p: WindowParams): number[] {
  const [ho, wo] = windowOutput('im2col', shape, p);
  return [shape[0], shape[1] * p.kernel[0] * p.kernel[1], ho * wo];
}

/**
 * Every window of x [N, C, H, W] as a column (PyTorch's unfold):
 * y[n, (c, i, j), (a, b)] = x[n, c, a·s + i·d − p, b·s + j·d − p] (zero where the window reads
 * padding), shape [N, C·kh·kw, Hₒ·Wₒ]. The row order (c, i, j) is that of a PyTorch conv weight
 * [O, C, kh, kw] flattened, so conv2d is W.reshape(O, −1)·im2col(x), [N, O, Hₒ·Wₒ].
 * ẏ = im2col(ẋ),  x̄ = col2im(ȳ)
 */
export const im2col: OpWithMethod<WindowParams, WindowMethod> = withMethod(
  linear<WindowParams>({
    name: 'im2col',
    pattern: gathered,
    primal: ([x], p) => {
      const src = contiguous(x);
      const shape = colsShape(x.shape, p);
      const out = new Float64Array(sizeOf(shape));
      im2colKernel(src.data, src.offset, out, x.shape, p);
      return Tensor.fromData(out, shape);
    },
    transpose: (o, yBar, x, p) => o.interpreter.apply(col2im, [yBar], { ...p, shape: o.shape(x) }),
    batch: foldedImages('batch folded into N'),
  }),
  (op) =>
    (c: MethodContext, x: Self, window: WindowOptions): Self =>
      c.apply(op, [x], windowParams('im2col', c.shape(x), window, false)),
);

/**
 * The transpose of im2col: each column's elements added back to the image positions they were
 * read from (overlapping windows sum), shape `shape` = [N, C, H, W].  ẏ = col2im(ẋ),  x̄ = im2col(ȳ)
 */
export const col2im: Op<WindowParams & { shape: Shape }> = linear<WindowParams & { shape: Shape }>({
  name: 'col2im',
  pattern: scattered,
  primal: ([cols], p) => {
    const want = colsShape(p.shape, p);
    if (cols.shape.length !== 3 || cols.shape.some((d, i) => d !== want[i])) {
      throw new ShapeError('col2im', `expects columns of shape ${fmtShape(want)} for an image of ${fmtShape(p.shape)}, got ${fmtShape(cols.shape)}`);
    }
    const src = contiguous(cols);
    const out = new Float64Array(sizeOf(p.shape));
    col2imKernel(src.data, src.offset, out, p.shape, p);
    return Tensor.fromData(out, p.shape);
  },
  transpose: (o, yBar, _x, { shape: _shape, ...p }) => o.interpreter.apply(im2col, [yBar], p),
  batch: foldedImages('batch folded into N', (p, size) => ({ ...p, shape: [size * p.shape[0], ...p.shape.slice(1)] })),
});

/** Reads an index tensor as integers, refusing anything that is not a valid flat index. */
function flatIndices(op: string, index: Tensor, size: number): Int32Array {
  const out = new Int32Array(index.size);
  const { data, offset } = contiguous(index);
  for (let k = 0; k < out.length; k++) {
    const v = data[offset + k];
    const i = v | 0;
    if (i !== v || i < 0 || i >= size) throw badIndex(op, v, k, size);
    out[k] = i;
  }
  return out;
}

/**
 * The error for index v at position k: not an integer in [0, size) (NaN included). The checks
 * compare v with v | 0, exact for any tensor's size (below 2³¹).
 */
function badIndex(op: string, v: number, k: number, size: number): ValueError {
  return new ValueError(op, `index ${v} (at position ${k}) is not an integer in [0, ${size}) for a tensor of ${size} elements`);
}

/**
 * Elements of x by flat row-major index: y[k] = x.flat[index[k]], shape of `index` (NumPy's
 * take with no axis). The index operand is held fixed (no derivative).
 * ẏ = take(ẋ, index),  x̄ = scatterAdd(ȳ, index, shape(x))
 */
export const take: OpWithMethod<undefined, (c: MethodContext, x: Operand<Self>, indices: Operand<Self>) => Self> = withMethod(
  custom<undefined>({
    name: 'take',
    pattern: gathered,
    arity: 2,
    primal: ([x, index]) => {
      const data = x.data;
      const off = x.offset;
      if (x.isContiguous) {
        // One pass over the indices, read in place: each is checked as it is used (gathers of
        // many small blocks, as bundle adjustment's per observation, pay no copy of the index).
        const size = x.size;
        const out = new Float64Array(index.size);
        const { data: at, offset: from } = contiguous(index);
        for (let k = 0; k < out.length; k++) {
          const v = at[from + k];
          const i = v | 0;
          if (i !== v || i < 0 || i >= size) throw badIndex('take', v, k, size);
          out[k] = data[off + i];
        }
        return Tensor.fromData(out, index.shape);
      }
      // A strided view is read in place: each flat index is unravelled into x's own strides
      // rather than copying all of x to read a few of its elements.
      const idx = flatIndices('take', index, x.size);
      const out = new Float64Array(idx.length);
      const { shape, stride } = x;
      for (let k = 0; k < idx.length; k++) {
        let rest = idx[k];
        let at = off;
        for (let d = shape.length - 1; d >= 0; d--) {
          const i = rest % shape[d];
          rest = (rest - i) / shape[d];
          at += i * stride[d];
        }
        out[k] = data[at];
      }
      return Tensor.fromData(out, index.shape);
    },
    jvp:
      (o, [, index]) =>
      ([xDot]) =>
        xDot === null ? null : o.interpreter.apply(take, [xDot, index], undefined),
    vjp:
      (o, [x, index]) =>
      (yBar, needs) => [needs[0] ? o.interpreter.apply(scatterAdd, [yBar, index], { shape: o.shape(x) }) : null, null],
    batch: {
      how: "each example's flat indices offset to its block of the flattened batch",
      apply: (o, op, [x, index], [bx, bi], params, size) => {
        // A shared x read by batched indices needs nothing: the result is batched as they are.
        if (!bx) return o.interpreter.apply(op, [x, index], params);
        const at = o.add(index, exampleOffsets(o, size, sizeOf(exampleShape(o, x, true)), exampleShape(o, index, bi).length));
        return o.interpreter.apply(op, [o.reshape(x, [-1]), at], params);
      },
    },
  }),
  (op) =>
    (c: MethodContext, x: Operand<Self>, indices: Operand<Self>): Self =>
      c.apply(op, [c.lift('take', x), c.lift('take', indices)], undefined),
);

/**
 * The transpose of take: a zero tensor of `shape` with each v[k] added at flat index
 * index[k] (repeated indices sum, as NumPy's add.at).
 * ẏ = scatterAdd(v̇, index),  v̄ = take(ȳ, index)
 */
export const scatterAdd: OpWithMethod<{ shape: Shape }, (c: MethodContext, x: Operand<Self>, indices: Operand<Self>, shape: Shape) => Self> = withMethod(
  custom<{ shape: Shape }>({
    name: 'scatterAdd',
    pattern: scattered,
    arity: 2,
    primal: ([v, index], { shape }) => {
      if (v.shape.length !== index.shape.length || v.shape.some((d, i) => d !== index.shape[i])) {
        throw new ShapeError('scatterAdd', `values ${fmtShape(v.shape)} and indices ${fmtShape(index.shape)} must have the same shape`);
      }
      const out = new Float64Array(sizeOf(shape));
      const idx = flatIndices('scatterAdd', index, out.length);
      const src = contiguous(v);
      const data = src.data;
      const off = src.offset;
      for (let k = 0; k < idx.length; k++) out[idx[k]] += data[off + k];
      return Tensor.fromData(out, shape);
    },
    jvp:
      (o, [, index], _y, params) =>
      ([vDot]) =>
        vDot === null ? null : o.interpreter.apply(scatterAdd, [vDot, index], params),
    vjp:
      (o, [, index]) =>
      (yBar, needs) => [needs[0] ? o.interpreter.apply(take, [yBar, index], undefined) : null, null],
    batch: {
      how: "each example's flat indices offset to its block of a flattened batch of results",
      apply: (o, op, [v, index], [bv, bi], { shape }, size) => {
        const n = sizeOf(shape);
        const values = bv ? v : spreadOverBatch(o, v, size);
        const at = bi ? index : spreadOverBatch(o, index, size);
        const flat = o.interpreter.apply(op, [values, o.add(at, exampleOffsets(o, size, n, o.shape(at).length - 1))], { shape: [size * n] });
        return o.reshape(flat, [size, ...shape]);
      },
    },
  }),
  (op) =>
    (c: MethodContext, x: Operand<Self>, indices: Operand<Self>, shape: Shape): Self =>
      c.apply(op, [c.lift('scatterAdd', x), c.lift('scatterAdd', indices)], { shape: checkShape('scatterAdd', shape) }),
);

/**
 * For each window of x [N, C, H, W], the flat row-major index into x of its maximum: the
 * first one in window order on ties, a NaN if the window holds one (PyTorch's max_pool2d
 * picks the same element). Padding never wins. Piecewise constant: no derivative.
 */
export const maxPool2dIndices: OpWithMethod<WindowParams, WindowMethod> = withMethod(
  custom<WindowParams>({
    name: 'maxPool2dIndices',
    arity: 1,
    differentiable: false,
    primal: ([x], p) => {
      const [n, c, h, w] = x.shape;
      const [ho, wo] = windowOutput('maxPool2d', x.shape, p);
      // Read through x's strides, so a view (a slice, a permutation) is pooled without a copy.
      const data = x.data;
      const off = x.offset;
      const [s0, s1, s2, s3] = x.stride;
      const [kh, kw] = p.kernel;
      const [sh, sw] = p.stride;
      const [ph, pw] = p.padding;
      const [dh, dw] = p.dilation;
      const out = new Float64Array(n * c * ho * wo);
      let o = 0;
      for (let plane = 0; plane < n * c; plane++) {
        const base = plane * h * w;
        const start = off + Math.floor(plane / c) * s0 + (plane % c) * s1;
        for (let a = 0; a < ho; a++) {
          for (let b = 0; b < wo; b++, o++) {
            let best = -Infinity;
            let at = -1;
            for (let i = 0, row = a * sh - ph; i < kh; i++, row += dh) {
              if (row < 0 || row >= h) continue;
              for (let j = 0, col = b * sw - pw; j < kw; j++, col += dw) {
                if (col < 0 || col >= w) continue;
                const v = data[start + row * s2 + col * s3];
                if (at < 0 || v > best || (Number.isNaN(v) && !Number.isNaN(best))) {
                  best = v;
                  at = base + row * w + col;
                }
              }
            }
            out[o] = at;
          }
        }
      }
      return Tensor.fromData(out, [n, c, ho, wo]);
    },
    jvp: () => () => null,
    vjp: () => (_yBar, needs) => needs.map(() => null),
    batch: {
      how: "batch folded into N; each example's indices shifted back to its own images",
      apply: (o, op, [x], batched, p, size) => {
        const folded = foldedImages<WindowParams>('').apply(o, op, [x], batched, p, size);
        return o.sub(folded, exampleOffsets(o, size, sizeOf(exampleShape(o, x, true)), 4));
      },
    },
  }),
  (op) =>
    (c: MethodContext, x: Self, window: WindowOptions): Self =>
      c.apply(op, [x], windowParams('maxPool2d', c.shape(x), window, true)),
);
