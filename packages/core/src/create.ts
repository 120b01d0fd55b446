/** Creating tensors: from nested arrays, constant fills, ranges, and seeded random draws. */
import { allocate } from './kernels/alloc.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from './errors.js';
import { MAX_ELEMENTS, MAX_RANK, checkShape, sizeOf, type Shape } from './shape.js';
import { Tensor, type NestedArray } from './tensor.js';
import { resolveGenerator, type RandomOptions } from './rng.js';

/**
 * A tensor from nested arrays of numbers (or a number, for a 0-d tensor), copied.
 * Ragged nesting and non-numbers are refused with the path of the first offender.
 */
export function tensor(values: NestedArray | Float64Array | readonly number[]): Tensor {
  if (values instanceof Float64Array) return Tensor.fromData(values.slice(), [values.length]);
  const shape: number[] = [];
  for (let v: unknown = values; Array.isArray(v); v = v[0]) {
    shape.push(v.length);
    // Checked before filling, which recurses once per axis.
    if (shape.length > MAX_RANK) throw new ShapeError('tensor', `nested more than ${MAX_RANK} arrays deep; a tensor has at most ${MAX_RANK} axes`);
    if (v.length === 0) break;
  }
  const out = new Float64Array(sizeOf(shape));
  let o = 0;
  const fill = (v: unknown, axis: number, path: number[]): void => {
    if (axis === shape.length) {
      if (typeof v !== 'number') {
        const what = Array.isArray(v)
          ? 'a nested array (ragged: deeper than its siblings)'
          : `${typeof v} ${typeof v === 'bigint' ? `${v}n` : JSON.stringify(v)}`;
        throw new DTypeError('tensor', `expected a number at ${fmtShape(path)}, got ${what}`);
      }
      out[o++] = v;
      return;
    }
    if (!Array.isArray(v)) {
      throw new ShapeError(
        'tensor',
        `ragged nested array: expected an array of length ${shape[axis]} at ${fmtShape(path)}, got ${typeof v === 'number' ? `the number ${v}` : typeof v}`,
      );
    }
    if (v.length !== shape[axis]) {
      throw new ShapeError('tensor', `ragged nested array: length ${v.length} at ${fmtShape(path)}, expected ${shape[axis]} like its first sibling`);
    }
    for (let i = 0; i < v.length; i++) fill(v[i], axis + 1, [...path, i]);
  };
  fill(values, 0, []);
  return Tensor.fromData(out, shape);
}

/** A 0-d tensor holding `value`. */
export function scalar(value: number): Tensor {
  if (typeof value !== 'number') throw new DTypeError('scalar', `expected a number, got ${typeof value}`);
  return Tensor.fromData(new Float64Array([value]), []);
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: Shape, value: number): Tensor {
  const s = checkShape('full', shape);
  if (typeof value !== 'number') throw new DTypeError('full', `fill value must be a number, got ${typeof value}`);
  return Tensor.fromData(fresh('full', sizeOf(s)).fill(value), s);
}

/** A tensor of zeros. */
export function zeros(shape: Shape): Tensor {
  const s = checkShape('zeros', shape);
  return Tensor.fromData(fresh('zeros', sizeOf(s)), s);
}

/** A tensor of ones. */
export function ones(shape: Shape): Tensor {
  const s = checkShape('ones', shape);
  return Tensor.fromData(fresh('ones', sizeOf(s)).fill(1), s);
}

/** Zeros or ones shaped like another tensor. */
export function zerosLike(x: { readonly shape: Shape }): Tensor {
  const s = checkShape('zerosLike', shapeOfLike('zerosLike', x));
  return Tensor.fromData(fresh('zerosLike', sizeOf(s)), s);
}

/** The shape of `like` for the *Like creators: anything with a shape (a tensor of any kind). */
function shapeOfLike(op: string, x: unknown): Shape {
  const shape = (x as { shape?: unknown } | null)?.shape;
  if (typeof x !== 'object' || x === null || !Array.isArray(shape)) {
    throw new DTypeError(op, `expected a tensor (anything with a shape), got ${x === null ? 'null' : typeof x}`);
  }
  return shape as Shape;
}

/** Ones of another tensor's shape. */
export function onesLike(x: { readonly shape: Shape }): Tensor {
  const s = checkShape('onesLike', shapeOfLike('onesLike', x));
  return Tensor.fromData(fresh('onesLike', sizeOf(s)).fill(1), s);
}

/** Values from start (inclusive) to stop (exclusive) by step, as NumPy's arange; `arange(n)` is 0 … n−1. */
export function arange(start: number, stop?: number, step = 1): Tensor {
  const [a, b] = stop === undefined ? [0, start] : [start, stop];
  for (const v of [a, b, step]) {
    if (!Number.isFinite(v)) throw new ValueError('arange', `start, stop and step must be finite numbers, got ${a}, ${b}, ${step}`);
  }
  if (step === 0) throw new ValueError('arange', 'step must not be 0');
  const n = Math.max(0, Math.ceil((b - a) / step));
  if (n > MAX_ELEMENTS) throw new ValueError('arange', `${n} values are more than a tensor can hold (${MAX_ELEMENTS})`);
  const out = fresh('arange', n);
  for (let i = 0; i < n; i++) out[i] = a + i * step;
  return Tensor.fromData(out, [n]);
}

/** `num` evenly spaced values from start to stop, both included. */
export function linspace(start: number, stop: number, num = 50): Tensor {
  if (!Number.isInteger(num) || num < 0 || num > MAX_ELEMENTS) {
    throw new ValueError('linspace', `num must be an integer in [0, ${MAX_ELEMENTS}], got ${num}`);
  }
  if (typeof start !== 'number' || typeof stop !== 'number') {
    throw new DTypeError('linspace', `start and stop must be numbers, got ${typeof start} and ${typeof stop}`);
  }
  const out = fresh('linspace', num);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) out[i] = start + i * step;
  if (num > 1) out[num - 1] = stop;
  return Tensor.fromData(out, [num]);
}

/** The n×m identity (m = n by default). */
export function eye(n: number, m = n): Tensor {
  const s = checkShape('eye', [n, m]);
  const out = fresh('eye', s[0] * s[1]);
  for (let i = 0; i < Math.min(n, m); i++) out[i * m + i] = 1;
  return Tensor.fromData(out, s);
}

/**
 * A zeroed array of n elements for `op`'s result. Below MAX_ELEMENTS the runtime may still be
 * unable to reserve the memory (2³² − 1 doubles are 34 GB); its bare RangeError ("Array buffer
 * allocation failed") is turned into an error naming the function, the size and the limit.
 */
function fresh(op: string, n: number): Float64Array {
  try {
    return allocate(n);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new ValueError(
      op,
      `cannot allocate ${n} elements (${((n * 8) / 1e9).toFixed(1)} GB): the memory is not available (a tensor holds at most ${MAX_ELEMENTS} elements, and only as many as memory allows)`,
    );
  }
}

/** A parameter that must be a finite number (a NaN or ∞ there would fill the tensor with NaN). */
function finiteNumber(op: string, what: string, v: unknown): number {
  if (typeof v !== 'number') throw new DTypeError(op, `${what} must be a number, got ${typeof v} ${String(v)}`);
  if (!Number.isFinite(v)) throw new ValueError(op, `${what} must be finite, got ${v}`);
  return v;
}

/** Uniform on [0, 1). */
export function rand(shape: Shape, options?: RandomOptions): Tensor {
  return uniformAs('rand', shape, 0, 1, options);
}

/** Uniform on [low, high). */
export function uniform(shape: Shape, low = 0, high = 1, options?: RandomOptions): Tensor {
  return uniformAs('uniform', shape, low, high, options);
}

/** Uniform on [low, high), refusing bad arguments in the name of the function called. */
function uniformAs(op: string, shape: Shape, low: number, high: number, options: RandomOptions | undefined): Tensor {
  const s = checkShape(op, shape);
  finiteNumber(op, 'low', low);
  finiteNumber(op, 'high', high);
  if (!(low <= high)) throw new ValueError(op, `needs low ≤ high, got low = ${low}, high = ${high}`);
  if (!Number.isFinite(high - low)) throw new ValueError(op, `high − low must be finite (draws would be ±∞), got low = ${low}, high = ${high}`);
  const g = resolveGenerator(options, op);
  const out = fresh(op, sizeOf(s));
  for (let i = 0; i < out.length; i++) out[i] = low + (high - low) * g.random();
  return Tensor.fromData(out, s);
}

/** Normal with the given mean and standard deviation (standard normal by default). */
export function randn(shape: Shape, options?: RandomOptions & { mean?: number; std?: number }): Tensor {
  const s = checkShape('randn', shape);
  const mean = finiteNumber('randn', 'mean', options?.mean ?? 0);
  const std = finiteNumber('randn', 'std', options?.std ?? 1);
  if (!(std >= 0)) throw new ValueError('randn', `std must be ≥ 0, got ${std}`);
  const g = resolveGenerator(options, 'randn');
  const out = fresh('randn', sizeOf(s));
  for (let i = 0; i < out.length; i++) out[i] = mean + std * g.normal();
  return Tensor.fromData(out, s);
}

/** A tensor over existing row-major data (no copy); the length must match the shape. */
export function fromData(data: Float64Array, shape: Shape): Tensor {
  const s = checkShape('fromData', shape);
  if (!(data instanceof Float64Array)) throw new DTypeError('fromData', 'data must be a Float64Array');
  if (data.length !== sizeOf(s)) {
    throw new ShapeError('fromData', `${data.length} values cannot fill shape ${fmtShape(s)} (${sizeOf(s)} elements)`);
  }
  return Tensor.fromData(data, s);
}
