/**
 * The result of a sparse derivative: a matrix in coordinate form (COO), `values[e]` at
 * (`rows[e]`, `cols[e]`), entries in row-major order. Only the entries of the pattern are
 * stored; every other entry is zero.
 */
import { DTypeError, ShapeError } from '@ad/core';
import { Tensor } from '@ad/core';
import type { SparsityPattern } from './pattern.js';

/** A sparse m × n matrix in coordinate form: values[e] at (rows[e], cols[e]), row-major order. */
export class SparseMatrix {
  /** The shape `[m, n]`. */
  readonly shape: readonly [number, number];
  /** The row of each stored entry. */
  readonly rows: Int32Array;
  /** The column of each stored entry. */
  readonly cols: Int32Array;
  /** The value of each stored entry. */
  readonly values: Float64Array;

  constructor(shape: readonly [number, number], rows: Int32Array, cols: Int32Array, values: Float64Array) {
    if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new ShapeError('SparseMatrix', `shape must be [rows, cols], two non-negative integers, got ${JSON.stringify(shape) ?? String(shape)}`);
    }
    if (!(rows instanceof Int32Array) || !(cols instanceof Int32Array) || !(values instanceof Float64Array)) {
      throw new DTypeError('SparseMatrix', 'rows and cols must be Int32Arrays and values a Float64Array');
    }
    if (rows.length !== cols.length || rows.length !== values.length) {
      throw new ShapeError('SparseMatrix', `rows, cols and values have ${rows.length}, ${cols.length} and ${values.length} entries; they need one length`);
    }
    this.shape = shape;
    this.rows = rows;
    this.cols = cols;
    this.values = values;
  }

  /** The matrix with the entries of `pattern` (in its CSR order) set to `values`. */
  static fromPattern(pattern: SparsityPattern, values: Float64Array): SparseMatrix {
    return new SparseMatrix(pattern.shape, pattern.rowIndex(), pattern.colIndex.slice(), values);
  }

  /** Number of stored entries. */
  get nnz(): number {
    return this.values.length;
  }

  /** The dense m × n matrix, zeros outside the stored entries. */
  toDense(): number[][] {
    const [m, n] = this.shape;
    const dense = Array.from({ length: m }, () => new Array<number>(n).fill(0));
    for (let e = 0; e < this.values.length; e++) dense[this.rows[e]][this.cols[e]] += this.values[e];
    return dense;
  }
}

/**
 * The matrix a prepared transform returns at each point: the pattern's entries with `rows` (the
 * pattern's row index, made once when preparing) and its columns copied, so a caller who edits
 * one result does not edit the next; the values' own array when the decompression made exactly
 * them (a tensor over its whole buffer), else a copy.
 */
export function assemble(pattern: SparsityPattern, rows: Int32Array, values: Tensor | readonly number[]): SparseMatrix {
  let v: Float64Array;
  if (!(values instanceof Tensor)) v = Float64Array.from(values);
  else if (values.isContiguous && values.offset === 0 && values.data.length === values.size) v = values.data;
  else v = values.toFloat64Array();
  return new SparseMatrix(pattern.shape, rows.slice(), pattern.colIndex.slice(), v);
}
