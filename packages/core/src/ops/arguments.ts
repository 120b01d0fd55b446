/**
 * The arguments users pass, checked and brought to canonical form once, here: window sizes,
 * shapes with a −1, permutations, Python-style slices. Each op's method calls these, so its
 * primal and rules receive clean parameters and never re-check them.
 */
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { normalizeAxis, sizeOf, type Shape } from '../shape.js';
import type { Pair, SliceArg, WindowOptions } from './algebra.js';
import type { WindowParams } from './conv.js';
import type { AxisSlice } from './shape.js';

/**
 * A window's sizes as [h, w] pairs, checked: positive kernel, stride and dilation, padding
 * from 0 to half the kernel for a pool (PyTorch's limit, so that no window is all padding).
 * A pool's stride defaults to its kernel size, a convolution's to 1.
 */
export function windowParams(op: string, shape: Shape, window: WindowOptions, pool: boolean): WindowParams {
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
export function inferShape(from: Shape, shape: Shape): number[] {
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
    throw new ShapeError('reshape', `cannot reshape ${fmtShape(from)} (${total} elements) into ${fmtShape(out)} (${sizeOf(out)} elements)`);
  }
  return out;
}

export function checkPermutation(op: string, perm: readonly number[], rank: number): number[] {
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
export function normalizeSlice(shape: Shape, ranges: readonly SliceArg[]): AxisSlice[] {
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
    if (r.length > 3) throw new ValueError('slice', `axis ${axis}: a range is [start, end, step], got ${r.length} entries`);
    const step = r[2] ?? 1;
    // Safe integers only: past 2⁵³ a double stands for many integers, and 1e300 is a typo, not a bound.
    if (!Number.isSafeInteger(step) || step === 0)
      throw new ValueError(
        'slice',
        `step must be a non-zero integer within ±(2⁵³ − 1), got ${typeof step === 'number' ? step : `${typeof step} ${JSON.stringify(step)}`}`,
      );
    for (const [what, v] of [
      ['start', r[0]],
      ['end', r[1]],
    ] as const) {
      if (v !== undefined && v !== null && !Number.isSafeInteger(v)) {
        throw new ValueError(
          'slice',
          `axis ${axis}: ${what} must be an integer within ±(2⁵³ − 1) (or null), got ${typeof v === 'number' ? v : `${typeof v} ${JSON.stringify(v)}`}`,
        );
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
