/**
 * Builds the typed `Algebra<T>` of a mode from its `Interpreter<T>`: lifts plain numbers to
 * constants, checks and normalises the arguments (axes, shapes, permutations) once, here, and
 * hands each op its parameters in canonical form. Numbers promote the NumPy way: 1-D matmul
 * operands become matrices and back.
 */
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { checkShape, normalizeAxes, normalizeAxis, shapesEqual, sizeOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import type { Algebra, Axis, Interpreter, Operand, Pair, SliceArg, WindowOptions } from './algebra.js';
import type { WindowParams } from './conv.js';
import type { AxisSlice } from './shape.js';
import type { Op } from './define.js';
import { ops, unaryNames, binaryNames } from './table.js';

/** The symbol under which value kinds keep their interpreter (dispatch.ts's KIND; not imported, to avoid a cycle). */
const VALUE_KIND = Symbol.for('@ad/kind');

/** The typed algebra of a mode, built from its interpreter (see the module comment). */
export function makeAlgebra<T>(I: Interpreter<T>): Algebra<T> {
  const lift = (op: string, x: Operand<T>): T => {
    if (typeof x === 'number') return I.constant(x);
    if (I.isValue?.(x)) return x;
    if (typeof x !== 'object' || x === null) {
      throw new DTypeError(op, `expected a tensor or a number, got ${x === null ? 'null' : typeof x} ${JSON.stringify(String(x))}`);
    }
    if (Array.isArray(x)) throw new DTypeError(op, 'expected a tensor or a number, got a plain array; wrap it with tensor([...])');
    // A Tensor, or a value of a differentiation mode (it carries a kind: see dispatch.ts).
    if (!(x instanceof Tensor) && !(VALUE_KIND in x)) {
      throw new DTypeError(op, `expected a tensor or a number, got an object of class ${(x as object).constructor?.name ?? 'null'}`);
    }
    return x;
  };
  const rankOf = (x: T): number => I.shape(x).length;
  const apply = <P>(op: Op<P>, xs: readonly T[], params: P): T => I.apply(op, xs, params);
  const reduction =
    (op: Op<{ axes: readonly number[]; keepdims: boolean }>) =>
    (x: T, axis?: Axis, keepdims = false): T =>
      apply(op, [x], { axes: normalizeAxes(op.name, axis, rankOf(x)), keepdims: Boolean(keepdims) });
  const arg =
    (op: Op<{ axis: number | null; keepdims: boolean }>) =>
    (x: T, axis?: number, keepdims = false): T =>
      apply(op, [x], {
        axis: axis === undefined ? null : normalizeAxis(op.name, axis, rankOf(x)),
        keepdims: Boolean(keepdims),
      });
  const reshape = (x: T, shape: Shape): T => {
    const target = inferShape(I.shape(x), shape);
    return shapesEqual(target, I.shape(x)) ? x : apply(ops.reshape, [x], { shape: target });
  };
  const permute = (x: T, perm: readonly number[]): T => {
    const p = checkPermutation('permute', perm, rankOf(x));
    return p.every((v, i) => v === i) ? x : apply(ops.permute, [x], { perm: p });
  };

  const algebra: Partial<Record<keyof Algebra<T>, unknown>> & { interpreter: Interpreter<T> } = {
    interpreter: I,
    shape: (x: T) => I.shape(x),
    constant: (c: number) => I.constant(c),
    where: (c: Operand<T>, x: Operand<T>, y: Operand<T>) => apply(ops.where, [lift('where', c), lift('where', x), lift('where', y)], undefined),
    sum: reduction(ops.sum),
    mean: reduction(ops.mean),
    max: reduction(ops.max),
    min: reduction(ops.min),
    logsumexp: reduction(ops.logsumexp),
    argmax: arg(ops.argmax),
    argmin: arg(ops.argmin),
    softmax: (x: T, axis = -1) => apply(ops.softmax, [x], { axis: normalizeAxis('softmax', axis, rankOf(x)) }),
    logSoftmax: (x: T, axis = -1) => apply(ops.logSoftmax, [x], { axis: normalizeAxis('logSoftmax', axis, rankOf(x)) }),
    reshape,
    permute,
    transpose: (x: T, perm?: readonly number[]) =>
      permute(x, perm ?? Array.from({ length: rankOf(x) }, (_, i) => rankOf(x) - 1 - i)),
    broadcastTo: (x: T, shape: Shape) => {
      const s = checkShape('broadcastTo', shape);
      return shapesEqual(s, I.shape(x)) ? x : apply(ops.broadcastTo, [x], { shape: s });
    },
    sumToShape: (x: T, shape: Shape) => {
      const s = checkShape('sumToShape', shape);
      return shapesEqual(s, I.shape(x)) ? x : apply(ops.sumToShape, [x], { shape: s });
    },
    expandDims: (x: T, axis: number) => {
      const shape = [...I.shape(x)];
      shape.splice(normalizeAxis('expandDims', axis, shape.length + 1), 0, 1);
      return reshape(x, shape);
    },
    squeeze: (x: T, axis?: Axis) => {
      const shape = I.shape(x);
      const axes =
        axis === undefined
          ? shape.flatMap((d, i) => (d === 1 ? [i] : []))
          : normalizeAxes('squeeze', axis, shape.length);
      for (const a of axes) {
        if (shape[a] !== 1) {
          throw new ShapeError('squeeze', `cannot squeeze axis ${a} of ${fmtShape(shape)}: its size is ${shape[a]}, not 1`);
        }
      }
      return reshape(x, shape.filter((_, i) => !axes.includes(i)));
    },
    slice: (x: T, ...ranges: SliceArg[]) => apply(ops.slice, [x], { axes: normalizeSlice(I.shape(x), ranges) }),
    matmul: (x0: T, y0: T) => {
      const x = lift('matmul', x0);
      const y = lift('matmul', y0);
      const xr = rankOf(x);
      const yr = rankOf(y);
      if (xr === 0 || yr === 0) {
        throw new ShapeError(
          'matmul',
          `operands must be at least 1-D, got ${fmtShape(I.shape(x))} and ${fmtShape(I.shape(y))}; use mul for scalars`,
        );
      }
      const x2 = xr === 1 ? reshape(x, [1, I.shape(x)[0]]) : x;
      const y2 = yr === 1 ? reshape(y, [I.shape(y)[0], 1]) : y;
      let z = apply(ops.matmul, [x2, y2], undefined);
      const zs = I.shape(z);
      if (yr === 1) z = reshape(z, zs.slice(0, -1));
      if (xr === 1) {
        const s = I.shape(z);
        z = reshape(z, yr === 1 ? s.slice(0, -1) : [...s.slice(0, -2), s[s.length - 1]]);
      }
      return z;
    },
    normalCdf: (x: T) => apply(ops.normalCdf, [lift('normalCdf', x)], undefined),
    im2col: (x: T, window: WindowOptions) => apply(ops.im2col, [x], windowParams('im2col', I.shape(x), window, false)),
    take: (x: T, indices: Operand<T>) => apply(ops.take, [lift('take', x), lift('take', indices)], undefined),
    scatterAdd: (x: T, indices: Operand<T>, shape: Shape) =>
      apply(ops.scatterAdd, [lift('scatterAdd', x), lift('scatterAdd', indices)], { shape: checkShape('scatterAdd', shape) }),
    maxPool2dIndices: (x: T, window: WindowOptions) =>
      apply(ops.maxPool2dIndices, [x], windowParams('maxPool2d', I.shape(x), window, true)),
  };
  for (const name of unaryNames) {
    const op = ops[name];
    algebra[name] = (x: T) => apply(op, [lift(name, x)], undefined);
  }
  for (const name of binaryNames) {
    const op = ops[name];
    algebra[name] = (x: Operand<T>, y: Operand<T>) => apply(op, [lift(name, x), lift(name, y)], undefined);
  }
  return algebra as Algebra<T>;
}

/**
 * A window's sizes as [h, w] pairs, checked: positive kernel, stride and dilation, padding
 * from 0 to half the kernel for a pool (PyTorch's limit, so that no window is all padding).
 * A pool's stride defaults to its kernel size, a convolution's to 1.
 */
function windowParams(op: string, shape: Shape, window: WindowOptions, pool: boolean): WindowParams {
  if (shape.length !== 4) throw new ShapeError(op, `expects an image batch [N, C, H, W], got ${fmtShape(shape)}`);
  if (typeof window !== 'object' || window === null) throw new ValueError(op, 'expects window options { kernelSize, stride?, padding?, dilation? }');
  const pair = (name: string, v: Pair | undefined, dflt: readonly [number, number], min: number): [number, number] => {
    const p = v === undefined ? dflt : typeof v === 'number' ? [v, v] : v;
    if (!Array.isArray(p) || p.length !== 2 || !p.every((d) => Number.isInteger(d) && d >= min)) {
      throw new ValueError(op, `${name} must be ${min === 0 ? 'a non-negative' : 'a positive'} integer or a pair of them, got ${JSON.stringify(v)}`);
    }
    return [p[0], p[1]];
  };
  if (window.kernelSize === undefined) throw new ValueError(op, 'needs a kernelSize');
  const kernel = pair('kernelSize', window.kernelSize, [1, 1], 1);
  const params: WindowParams = {
    kernel,
    stride: pair('stride', window.stride, pool ? kernel : [1, 1], 1),
    padding: pair('padding', window.padding, [0, 0], 0),
    dilation: pair('dilation', window.dilation, [1, 1], 1),
  };
  if (pool && params.padding.some((p, a) => 2 * p > kernel[a])) {
    throw new ValueError(op, `padding ${params.padding.join('×')} must be at most half the kernel size ${kernel.join('×')}`);
  }
  return params;
}

/** Resolves one −1 in a requested shape and checks the element count. */
function inferShape(from: Shape, shape: Shape): number[] {
  if (!Array.isArray(shape)) throw new ValueError('reshape', `shape must be an array, got ${String(shape)}`);
  const out = [...shape];
  const unknown = out.flatMap((d, i) => (d === -1 ? [i] : []));
  if (unknown.length > 1) throw new ShapeError('reshape', `only one dimension can be -1, got ${fmtShape(shape)}`);
  for (const d of out) {
    if (d !== -1 && (!Number.isInteger(d) || d < 0)) {
      throw new ValueError('reshape', `dimensions must be non-negative integers or -1, got ${fmtShape(shape)}`);
    }
  }
  const total = sizeOf(from);
  if (unknown.length === 1) {
    const known = sizeOf(out.filter((d) => d !== -1));
    if (known === 0 || total % known !== 0) {
      throw new ShapeError('reshape', `cannot reshape ${fmtShape(from)} (${total} elements) into ${fmtShape(shape)}`);
    }
    out[unknown[0]] = total / known;
  }
  if (sizeOf(out) !== total) {
    throw new ShapeError(
      'reshape',
      `cannot reshape ${fmtShape(from)} (${total} elements) into ${fmtShape(out)} (${sizeOf(out)} elements)`,
    );
  }
  return out;
}

function checkPermutation(op: string, perm: readonly number[], rank: number): number[] {
  if (!Array.isArray(perm) || perm.length !== rank) {
    throw new ShapeError(op, `permutation ${JSON.stringify(perm)} must list each of the ${rank} axes once`);
  }
  const p = perm.map((a) => normalizeAxis(op, a, rank));
  if (new Set(p).size !== rank) {
    throw new ShapeError(op, `permutation ${JSON.stringify(perm)} must list each of the ${rank} axes once`);
  }
  return p;
}

/** Python-style basic slicing: clamps bounds, supports negative indices and steps. */
function normalizeSlice(shape: Shape, ranges: readonly SliceArg[]): AxisSlice[] {
  if (ranges.length > shape.length) {
    throw new ShapeError('slice', `got ${ranges.length} ranges for a tensor of shape ${fmtShape(shape)}`);
  }
  return shape.map((size, axis) => {
    const r = ranges[axis];
    if (r === undefined || r === null) return { start: 0, step: 1, count: size, drop: false };
    if (typeof r === 'number') {
      const i = r < 0 ? r + size : r;
      if (!Number.isInteger(r) || i < 0 || i >= size) {
        throw new ShapeError('slice', `index ${r} is out of range for axis ${axis} of size ${size}`);
      }
      return { start: i, step: 1, count: 1, drop: true };
    }
    if (!Array.isArray(r)) throw new DTypeError('slice', `axis ${axis}: expected an index, [start, end, step] or null, got ${typeof r}`);
    const step = r[2] ?? 1;
    if (!Number.isInteger(step) || step === 0) throw new ValueError('slice', `step must be a non-zero integer, got ${step}`);
    for (const [what, v] of [['start', r[0]], ['end', r[1]]] as const) {
      if (v !== undefined && v !== null && !Number.isInteger(v)) {
        throw new ValueError('slice', `axis ${axis}: ${what} must be an integer (or null), got ${String(v)}`);
      }
    }
    const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
    const norm = (v: number | null | undefined, dflt: number, lo: number, hi: number) =>
      v === undefined || v === null ? dflt : clamp(v < 0 ? v + size : v, lo, hi);
    const start = step > 0 ? norm(r[0], 0, 0, size) : norm(r[0], size - 1, -1, size - 1);
    const end = step > 0 ? norm(r[1], size, 0, size) : norm(r[1], -1, -1, size - 1);
    const count = Math.max(0, Math.ceil((end - start) / step));
    return { start: count === 0 ? 0 : start, step, count, drop: false };
  });
}
