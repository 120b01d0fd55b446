/**
 * Shape arithmetic: sizes, row-major strides, NumPy broadcasting and axis normalisation.
 * Everything here runs before a kernel does, so kernels never check anything.
 */
import { DTypeError, ShapeError, ValueError, fmtShape } from './errors.js';

/** A tensor's dimensions, outermost first (`[]` for a scalar). */
export type Shape = readonly number[];

/** The most elements one tensor can hold: the longest typed array V8 accepts on 64-bit Node 20. */
export const MAX_ELEMENTS = 2 ** 32 - 1;

/** The most axes a tensor has, as NumPy 2 (64): the shape code loops and recurses over axes. */
export const MAX_RANK = 64;

/** Number of elements of a shape (1 for a scalar `[]`, 0 if any dimension is 0). */
export function sizeOf(shape: Shape): number {
  if (!Array.isArray(shape)) throw new DTypeError('sizeOf', `shape must be an array of sizes, got ${shape === null ? 'null' : typeof shape}`);
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

/** Row-major (C order) strides of a contiguous array of this shape. */
export function rowMajorStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * NumPy broadcasting: align shapes on the right; each pair of dimensions must be equal or 1.
 * `add: shapes [2,3] and [4] cannot broadcast (dimension 3 ≠ 4 at axis -1)`.
 */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  let rank = 0;
  for (const s of shapes) rank = Math.max(rank, s.length);
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const axis = rank - s.length + i;
      const d = s[i];
      if (d === out[axis] || d === 1) continue;
      if (out[axis] === 1) {
        out[axis] = d;
        continue;
      }
      throw new ShapeError(op, `shapes ${shapes.map(fmtShape).join(' and ')} cannot broadcast ` + `(dimension ${out[axis]} ≠ ${d} at axis ${axis - rank})`);
    }
  }
  return out;
}

/** Validates a user-given shape: non-negative integers. */
export function checkShape(op: string, shape: unknown): number[] {
  if (!Array.isArray(shape)) {
    throw new ValueError(op, `shape must be an array of non-negative integers, got ${String(shape)}`);
  }
  if (shape.length > MAX_RANK) throw new ShapeError(op, `a shape has at most ${MAX_RANK} axes, got ${shape.length}`);
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new ValueError(op, `shape must hold non-negative integers, got ${fmtShape(shape as number[])}`);
    }
  }
  const size = sizeOf(shape as number[]);
  if (size > MAX_ELEMENTS) {
    throw new ValueError(op, `shape ${fmtShape(shape as number[])} has ${size} elements, more than a Float64Array can hold (${MAX_ELEMENTS})`);
  }
  return shape.slice() as number[];
}

/** Maps a possibly negative axis into [0, rank), or throws naming the op and the rank. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (typeof axis !== 'number') throw new DTypeError(op, `axis must be an integer, got ${axis === null ? 'null' : typeof axis}`);
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new ShapeError(op, `axis ${axis} is out of range for a tensor of rank ${rank} (valid: ${rank === 0 ? 'none' : `${-rank}…${rank - 1}`})`);
  }
  return axis < 0 ? axis + rank : axis;
}

/**
 * Normalises an `axis` argument of a reduction: undefined means every axis; a number or list
 * of numbers is normalised, checked for duplicates and sorted.
 */
export function normalizeAxes(op: string, axis: number | readonly number[] | undefined, rank: number): number[] {
  if (axis === undefined) return Array.from({ length: rank }, (_, i) => i);
  if (typeof axis !== 'number' && !Array.isArray(axis)) {
    throw new DTypeError(op, `axis must be an integer, a list of integers or omitted (every axis), got ${axis === null ? 'null' : typeof axis}`);
  }
  const list = typeof axis === 'number' ? [axis] : [...axis];
  const out = list.map((a) => normalizeAxis(op, a, rank));
  const sorted = [...out].sort((a, b) => a - b);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i] === sorted[i - 1]) throw new ShapeError(op, `axis ${sorted[i]} appears twice in ${JSON.stringify(list)}`);
  }
  return sorted;
}

/** Shape after reducing `axes`: dropped, or kept as 1 when `keepdims`. */
export function reducedShape(shape: Shape, axes: readonly number[], keepdims: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (axes.includes(i)) {
      if (keepdims) out.push(1);
    } else out.push(shape[i]);
  }
  return out;
}
