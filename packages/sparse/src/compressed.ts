/**
 * What the compressed transforms share: the point x (an array of numbers or a tensor, read in
 * row-major order), seeds built from a coloring, and decompression — reading each entry of the
 * pattern from the compressed matrix C, one row per color:
 *
 *   forward (columns colored):  C = (J·S)ᵀ,   J[i][j] = C[color(j)][i]
 *   reverse (rows colored):     C = Sᵀ·J,     J[i][j] = C[color(i)][j]
 *   Hessian (star coloring):    C = (H·S)ᵀ,   H[i][j] = C[color(j)][i] or C[color(i)][j]
 *
 * A plan says, for each entry e of the pattern in CSR order, which row of C (`color[e]`) and
 * which place in it (`at[e]`) holds it; it is made once per pattern and coloring.
 */
import { DTypeError, ShapeError, Tensor, ValueError, concat, stack, take } from '@ad/core';
import { isScalarLike, isTensorLike } from '@ad/core/engine';
import type { SparsityPattern } from './pattern.js';

/** A point: an array of numbers (f takes an array of scalars) or a tensor (f takes a tensor). */
export type SparseInput = readonly number[] | Tensor;

/** Values in the pattern's CSR order: numbers for an array point, a tensor [nnz] for a tensor point. */
export type SparseValues<X> = X extends Tensor ? Tensor : number[];

/**
 * Where each entry of the pattern is read in the compressed matrix C: row color[e], place at[e];
 * with two compressed matrices (bicoloring: forward products and reverse products), block[e]
 * says which (0 or 1).
 */
export interface Plan {
  readonly color: Int32Array;
  readonly at: Int32Array;
  readonly block?: Uint8Array;
}

/** One compressed matrix: its rows, one per color, each of `length` elements. */
export interface Block<R> {
  readonly rows: readonly R[];
  readonly length: number;
}

/** A point's size and kind, checked: numbers (or values of an enclosing transform) or a tensor. */
export interface Point {
  readonly size: number;
  readonly tensor: boolean;
  /** The tensor's shape (numbers: [size]). */
  readonly shape: readonly number[];
}

/** The point's kind and size; non-finite numbers are refused (they would spread through every entry of their color). */
export function readPoint(caller: string, x: unknown): Point {
  if (isTensorLike(x)) {
    const shape = x.shape;
    if (x instanceof Tensor) checkFinite(caller, x.toFloat64Array(), shape);
    return { size: shape.reduce((a, b) => a * b, 1), tensor: true, shape };
  }
  if (!Array.isArray(x)) throw new DTypeError(caller, `x must be an array of numbers or a Tensor, got ${describe(x)}`);
  x.forEach((v, i) => {
    if (!isScalarLike(v)) throw new DTypeError(caller, `x[${i}] must be a number, got ${describe(v)}`);
  });
  checkFinite(caller, x, [x.length]);
  return { size: x.length, tensor: false, shape: [x.length] };
}

function checkFinite(caller: string, xs: ArrayLike<unknown>, shape: readonly number[]): void {
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i];
    if (typeof v === 'number' && !Number.isFinite(v)) {
      const where = shape.length === 1 ? `x[${i}]` : `x.flat[${i}] (x of shape [${shape.join(',')}])`;
      throw new ValueError(
        caller,
        `${where} is ${v}; sparse derivatives need finite inputs: a compressed seed carries several inputs' directions, and 0·${v} = NaN would spread into every entry of its color`,
      );
    }
  }
}

/** The same kind and size as the point the transform was prepared for. */
export function checkSamePoint(caller: string, prepared: Point, x: unknown): void {
  const p = readPoint(caller, x);
  if (p.tensor !== prepared.tensor || p.shape.join() !== prepared.shape.join()) {
    const show = (q: Point) => (q.tensor ? `a tensor of shape [${q.shape.join(',')}]` : `an array of ${q.size} numbers`);
    throw new ShapeError(caller, `x is ${show(p)}, but this was prepared for ${show(prepared)}; prepare again for another shape`);
  }
}

/** Place v's seed vector (row v of S): 1 at its color, zeros elsewhere (all zeros for color −1: in no seed). */
export function seedRows(colors: Int32Array, count: number): number[][] {
  return Array.from(colors, (c) => {
    const row = new Array<number>(count).fill(0);
    if (c >= 0) row[c] = 1;
    return row;
  });
}

/** The columns of S: seed c is 1 on the places of color c (color −1: in none). */
export function seedColumns(colors: Int32Array, count: number): Float64Array[] {
  const out = Array.from({ length: count }, () => new Float64Array(colors.length));
  colors.forEach((c, v) => {
    if (c >= 0) out[c][v] = 1;
  });
  return out;
}

/** The same seeds as `count` tensors of the given shape. */
export function seedTensors(colors: Int32Array, count: number, shape: readonly number[]): Tensor[] {
  return seedColumns(colors, count).map((d) => Tensor.fromData(d, shape));
}

/** The values of the pattern read from the compressed matrices, each given as `entry(color, at)` (an array point). */
export function gatherNumbers(plan: Plan, ...blocks: ((color: number, at: number) => unknown)[]): number[] {
  const values = new Array<number>(plan.color.length);
  for (let e = 0; e < values.length; e++) values[e] = blocks[plan.block?.[e] ?? 0](plan.color[e], plan.at[e]) as number;
  return values;
}

/**
 * The values of the pattern read from the compressed matrices given as their rows (tensors):
 * one `take` from their rows stacked and joined, so a traced (jit) or nested call records a few
 * ops (the flat index made once per plan and lengths); plain tensors are read in place.
 */
export function gatherTensor(plan: Plan, ...blocks: Block<Tensor>[]): Tensor {
  if (plan.color.length === 0) return Tensor.fromData(new Float64Array(0), [0]);
  if (blocks.every((b) => b.rows.every((r) => r instanceof Tensor))) {
    const data = blocks.map((b) => b.rows.map((r) => (r.isContiguous ? r.data.subarray(r.offset, r.offset + r.size) : r.toFloat64Array())));
    const values = new Float64Array(plan.color.length);
    const { color, at, block } = plan;
    if (block === undefined) {
      const rows = data[0];
      for (let e = 0; e < values.length; e++) values[e] = rows[color[e]][at[e]];
    } else for (let e = 0; e < values.length; e++) values[e] = data[block[e]][color[e]][at[e]];
    return Tensor.fromData(values, [values.length]);
  }
  const lengths = blocks.map((b) => b.length).join();
  let index = flatIndex.get(plan);
  if (index === undefined || index.lengths !== lengths) {
    const starts = blocks.map((_, k) => blocks.slice(0, k).reduce((sum, b) => sum + b.rows.length * b.length, 0));
    const flat = new Float64Array(plan.color.length);
    for (let e = 0; e < flat.length; e++) {
      const k = plan.block?.[e] ?? 0;
      flat[e] = starts[k] + plan.color[e] * blocks[k].length + plan.at[e];
    }
    index = { lengths, tensor: Tensor.fromData(flat, [flat.length]) };
    flatIndex.set(plan, index);
  }
  const stacked = blocks.filter((b) => b.rows.length > 0).map((b) => stack(b.rows as Tensor[]).reshape([b.rows.length * b.length]));
  return take(stacked.length === 1 ? stacked[0] : concat(stacked, 0), index.tensor);
}

const flatIndex = new WeakMap<Plan, { lengths: string; tensor: Tensor }>();

/** The plan of a forward (columns colored) or reverse (rows colored) compressed Jacobian. */
export function jacobianPlan(pattern: SparsityPattern, colors: Int32Array, mode: 'forward' | 'reverse'): Plan {
  const rows = pattern.rowIndex();
  const cols = pattern.colIndex;
  const color = new Int32Array(pattern.nnz);
  const at = new Int32Array(pattern.nnz);
  for (let e = 0; e < color.length; e++) {
    color[e] = mode === 'forward' ? colors[cols[e]] : colors[rows[e]];
    at[e] = mode === 'forward' ? rows[e] : cols[e];
  }
  return { color, at };
}

/** The plan of a bicoloring: entry e from the forward products (block 0) or, where fromReverse[e], the reverse ones (block 1). */
export function bidirectionalPlan(pattern: SparsityPattern, columns: Int32Array, rows: Int32Array, fromReverse: Uint8Array): Plan {
  const rowIndex = pattern.rowIndex();
  const color = new Int32Array(pattern.nnz);
  const at = new Int32Array(pattern.nnz);
  for (let e = 0; e < color.length; e++) {
    color[e] = fromReverse[e] ? rows[rowIndex[e]] : columns[pattern.colIndex[e]];
    at[e] = fromReverse[e] ? pattern.colIndex[e] : rowIndex[e];
  }
  return { color, at, block: fromReverse };
}

/**
 * The plan of a star-colored Hessian: H[i][j] from row i at color(j) when j is i's only
 * neighbour of that color, else from row j at color(i) (the star coloring makes one of them so).
 */
export function hessianPlan(pattern: SparsityPattern, colors: Int32Array): Plan {
  const rows = pattern.rowIndex();
  const cols = pattern.colIndex;
  const color = new Int32Array(pattern.nnz);
  const at = new Int32Array(pattern.nnz);
  const unique = uniqueInRow(pattern, colors, true);
  for (let e = 0; e < color.length; e++) {
    const i = rows[e];
    const j = cols[e];
    if (i === j || unique[e]) {
      color[e] = colors[j];
      at[e] = i;
    } else {
      color[e] = colors[i];
      at[e] = j;
    }
  }
  return { color, at };
}

/**
 * For each entry (i, j) of the pattern (CSR order), whether j is the only column of row i with
 * color(j) (the diagonal column i left out when `offDiagonal`): one pass per row with a count
 * per color, O(nnz) in all.
 */
export function uniqueInRow(pattern: SparsityPattern, colors: ArrayLike<number>, offDiagonal: boolean): Uint8Array {
  const unique = new Uint8Array(pattern.nnz);
  const count = new Map<number, number>();
  for (let i = 0; i < pattern.shape[0]; i++) {
    count.clear();
    for (let e = pattern.rowPtr[i]; e < pattern.rowPtr[i + 1]; e++) {
      const j = pattern.colIndex[e];
      if (!offDiagonal || j !== i) count.set(colors[j], (count.get(colors[j]) ?? 0) + 1);
    }
    for (let e = pattern.rowPtr[i]; e < pattern.rowPtr[i + 1]; e++) unique[e] = count.get(colors[pattern.colIndex[e]]) === 1 ? 1 : 0;
  }
  return unique;
}

/** Short description of a value for messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (isTensorLike(v)) return `a tensor of shape [${v.shape.join(',')}]`;
  return typeof v;
}
