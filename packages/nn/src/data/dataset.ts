/**
 * The shape of every data set in @ad/nn, and the row gather that splits and loaders are built on.
 *
 * A data set is two tensors that share their first axis: features `x` [n, d] and class indices
 * `y` [n], stored as float64 values 0 … classes−1 (one number type everywhere, as PyTorch keeps
 * `long` labels next to float features only because it has both). Labels are plain numbers so
 * `crossEntropy(logits, y)` and `oneHot(y, classes)` read them directly.
 */
import { DTypeError, Generator, ShapeError, Tensor, ValueError, fromData, getDefaultGenerator } from '@ad/core';

/** A labelled data set: features [n, d] (float64) and class indices [n] (as float64 values 0…classes−1). */
export interface Dataset {
  readonly name: string;
  /** Features, [n, d]. */
  readonly x: Tensor;
  /** Class indices, [n], integers 0 … classes−1 stored as float64. */
  readonly y: Tensor;
  /** Number of classes (labels lie in 0 … classes−1; a class may have no rows in a subset). */
  readonly classes: number;
  /** One name per feature column, when the source gives them. */
  readonly featureNames?: readonly string[];
  /** One name per class index, when the source gives them. */
  readonly classNames?: readonly string[];
}

/** Where a random function draws from: a seed (a fresh generator) or a generator to advance. */
export interface SeedOptions {
  /** Seeds a fresh `Generator`: the same seed gives bit-identical results. */
  seed?: number;
  /** Draws from (and advances) this generator instead. */
  generator?: Generator;
}

/**
 * The generator a seeded function draws from: a fresh one from `seed`, the one given, or core's
 * default generator (seeded 0 at start-up, reseeded by `manualSeed`) — the rule core's `randn` follows.
 */
export function resolveGenerator(op: string, options: SeedOptions | undefined): Generator {
  const seed = options?.seed;
  const generator = options?.generator;
  if (seed !== undefined && generator !== undefined) {
    throw new ValueError(op, 'give either seed or generator, not both');
  }
  if (generator !== undefined) {
    if (!(generator instanceof Generator)) throw new DTypeError(op, `generator must be a Generator from @ad/core, got ${describe(generator)}`);
    return generator;
  }
  if (seed !== undefined) {
    if (!Number.isInteger(seed)) throw new ValueError(op, `seed must be an integer, got ${describe(seed)}`);
    return new Generator(seed);
  }
  return getDefaultGenerator();
}

/**
 * Gathers rows of a [n, …] tensor into a new contiguous tensor [indices.length, …]: one copy of
 * each row (a `set` of a subarray when `x` is contiguous, a strided walk when it is a view).
 * Indices may repeat; each must be an integer in [0, n).
 */
export function takeRows(x: Tensor, indices: ArrayLike<number>): Tensor {
  if (!(x instanceof Tensor)) throw new DTypeError('takeRows', `x must be a Tensor, got ${describe(x)}`);
  if (typeof indices !== 'object' || indices === null || typeof indices.length !== 'number') {
    throw new DTypeError('takeRows', `indices must be an array of row numbers, got ${describe(indices)}`);
  }
  if (x.ndim === 0) throw new ShapeError('takeRows', 'x must have at least one axis (rows), got a 0-d tensor');
  const n = x.shape[0];
  const m = indices.length;
  for (let i = 0; i < m; i++) {
    const r = indices[i];
    if (!Number.isInteger(r) || r < 0 || r >= n) {
      throw new ValueError('takeRows', `indices[${i}] is ${r}, but x has ${n} rows (indices must be integers in [0, ${n}))`);
    }
  }
  const rowShape = x.shape.slice(1);
  let rowSize = 1;
  for (const s of rowShape) rowSize *= s;
  const out = new Float64Array(m * rowSize);
  const data = x.data;
  const stride0 = x.stride[0];
  const offset = x.offset;
  if (rowSize === 0) return fromData(out, [m, ...rowShape]);

  if (isRowContiguous(x)) {
    for (let i = 0; i < m; i++) {
      const start = offset + indices[i] * stride0;
      out.set(data.subarray(start, start + rowSize), i * rowSize);
    }
  } else if (x.ndim === 2) {
    const stride1 = x.stride[1];
    for (let i = 0, o = 0; i < m; i++) {
      let p = offset + indices[i] * stride0;
      for (let j = 0; j < rowSize; j++, p += stride1) out[o++] = data[p];
    }
  } else {
    // A view of rank ≥ 3: walk each row with an odometer over the trailing axes.
    const shape = rowShape;
    const stride = x.stride.slice(1);
    const k = shape.length;
    const counter = new Array<number>(k).fill(0);
    for (let i = 0, o = 0; i < m; i++) {
      let p = offset + indices[i] * stride0;
      counter.fill(0);
      for (let j = 0; j < rowSize; j++) {
        out[o++] = data[p];
        for (let a = k - 1; a >= 0; a--) {
          p += stride[a];
          if (++counter[a] < shape[a]) break;
          p -= stride[a] * shape[a];
          counter[a] = 0;
        }
      }
    }
  }
  return fromData(out, [m, ...rowShape]);
}

/** True when every row lies densely in row-major order (the row stride itself may be anything). */
function isRowContiguous(x: Tensor): boolean {
  const { shape, stride } = x;
  let expected = 1;
  for (let a = shape.length - 1; a >= 1; a--) {
    if (shape[a] !== 1 && stride[a] !== expected) return false;
    expected *= shape[a];
  }
  return true;
}

/** Checks that `ds` is a well-formed Dataset (x [n, d], y [n], a positive integer class count). */
export function checkDataset(op: string, ds: Dataset): void {
  if (typeof ds !== 'object' || ds === null) throw new DTypeError(op, `expected a Dataset, got ${describe(ds)}`);
  checkPair(op, ds.x, ds.y);
  if (ds.x.ndim !== 2) throw new ShapeError(op, `dataset x must be 2-D [n, d], got shape [${ds.x.shape.join(',')}]`);
  if (ds.y.ndim !== 1) throw new ShapeError(op, `dataset y must be 1-D [n] (class indices), got shape [${ds.y.shape.join(',')}]`);
  if (!Number.isInteger(ds.classes) || ds.classes < 1) {
    throw new ValueError(op, `dataset classes must be a positive integer, got ${describe(ds.classes)}`);
  }
}

/** Checks that x and y are tensors with the same number of rows. */
export function checkPair(op: string, x: Tensor, y: Tensor): void {
  if (!(x instanceof Tensor)) throw new DTypeError(op, `x must be a Tensor, got ${describe(x)}`);
  if (!(y instanceof Tensor)) throw new DTypeError(op, `y must be a Tensor, got ${describe(y)}`);
  if (x.ndim === 0 || y.ndim === 0) {
    throw new ShapeError(op, `x and y need a first (row) axis, got shapes [${x.shape.join(',')}] and [${y.shape.join(',')}]`);
  }
  if (x.shape[0] !== y.shape[0]) {
    throw new ShapeError(op, `x has ${x.shape[0]} rows but y has ${y.shape[0]} (shapes [${x.shape.join(',')}] and [${y.shape.join(',')}])`);
  }
}

/**
 * The labels of `y` [n] as integers, checked to lie in 0 … classes−1; the first offender is named
 * by its index and value.
 */
export function classIndices(op: string, y: Tensor, classes: number): Int32Array {
  const values = y.toFloat64Array();
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0 || v >= classes) {
      throw new ValueError(op, `label at index ${i} is ${v}, but labels must be integers in [0, ${classes})`);
    }
    out[i] = v;
  }
  return out;
}

/** The rows `indices` of a data set, as a new data set with the same names. */
export function subset(ds: Dataset, indices: ArrayLike<number>, name = ds.name): Dataset {
  return makeDataset({ ...ds, name, x: takeRows(ds.x, indices), y: takeRows(ds.y, indices) });
}

/** A frozen Dataset, without the optional fields that are absent. */
export function makeDataset(ds: Dataset): Dataset {
  const out: { -readonly [K in keyof Dataset]: Dataset[K] } = { name: ds.name, x: ds.x, y: ds.y, classes: ds.classes };
  if (ds.featureNames !== undefined) out.featureNames = Object.freeze(ds.featureNames.slice());
  if (ds.classNames !== undefined) out.classNames = Object.freeze(ds.classNames.slice());
  return Object.freeze(out);
}

/** A value as a message shows it: numbers and strings as written, objects by their kind. */
export function describe(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean' || v === undefined || v === null) return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'object') return `a ${(v as object).constructor?.name ?? 'object'}`;
  return typeof v;
}
