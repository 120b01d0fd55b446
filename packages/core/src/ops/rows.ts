/**
 * Puts the given axes of a tensor last and lays it out as contiguous rows, so the softmax
 * family and argmax run one tight loop per row. A view when the axes are already last and the
 * data contiguous (the common case: the class axis of logits), one copy otherwise.
 */
import { Tensor } from '../tensor.js';
import { contiguous } from './materialize.js';

export interface Rows {
  readonly data: Float64Array;
  readonly offset: number;
  readonly rows: number;
  /** Length of each row: the product of the moved axes. */
  readonly n: number;
  /** The shape with the moved axes last (the layout of `data`). */
  readonly movedShape: readonly number[];
  /** The permutation that moved them. */
  readonly perm: readonly number[];
}

export function toRows(x: Tensor, axes: readonly number[]): Rows {
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...kept, ...axes];
  const moved = perm.every((p, i) => p === i) ? x : new Tensor(x.nd.transpose(...perm));
  const c = contiguous(moved);
  let n = 1;
  for (const a of axes) n *= x.shape[a];
  return { data: c.data, offset: c.offset, rows: n === 0 ? 0 : c.size / n, n, movedShape: c.shape, perm };
}

/** Reads rows back into x's own axis order (a view; contiguous when nothing was moved). */
export function fromRows(data: Float64Array, rows: Rows): Tensor {
  const t = Tensor.fromData(data, rows.movedShape);
  if (rows.perm.every((p, i) => p === i)) return t;
  const inverse = new Array<number>(rows.perm.length);
  rows.perm.forEach((p, i) => (inverse[p] = i));
  return new Tensor(t.nd.transpose(...inverse));
}

/** The rows' data starting at 0 (a copy only when the view starts at an offset). */
export function rowData(rows: Rows): Float64Array {
  return rows.offset === 0 ? rows.data : rows.data.subarray(rows.offset, rows.offset + rows.rows * rows.n);
}
