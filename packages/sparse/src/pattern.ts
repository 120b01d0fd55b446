/**
 * A sparsity pattern: which entries of an m × n matrix may be nonzero. Stored in compressed
 * sparse row form (CSR): row i's columns are `colIndex[rowPtr[i] .. rowPtr[i+1])`, sorted and
 * without repeats. Detection (tracing) produces patterns, coloring reads them, and a pattern
 * given by hand skips detection.
 */
import { DTypeError, ShapeError, ValueError } from '@ad/core';

/** Which entries of an m × n matrix may be nonzero (compressed sparse row form). */
export class SparsityPattern {
  /** `[m, n]`: rows (outputs) and columns (inputs). */
  readonly shape: readonly [number, number];
  /** Length m + 1: row i's entries are colIndex[rowPtr[i] .. rowPtr[i + 1]). */
  readonly rowPtr: Int32Array;
  /** The column of each entry, sorted within each row, no repeats. */
  readonly colIndex: Int32Array;

  private constructor(shape: readonly [number, number], rowPtr: Int32Array, colIndex: Int32Array) {
    this.shape = shape;
    this.rowPtr = rowPtr;
    this.colIndex = colIndex;
  }

  /**
   * The pattern with an entry at each (rows[e], cols[e]); repeats are merged and the order
   * does not matter. `caller` names the public function in errors.
   */
  static fromCoordinates(
    shape: readonly [number, number],
    rows: ArrayLike<number>,
    cols: ArrayLike<number>,
    caller = 'SparsityPattern.fromCoordinates',
  ): SparsityPattern {
    const [m, n] = checkShape(shape, caller);
    if (rows.length !== cols.length) {
      throw new ShapeError(caller, `rows has ${rows.length} entries and cols ${cols.length}; they need the same length`);
    }
    const counts = new Int32Array(m + 1);
    for (let e = 0; e < rows.length; e++) {
      const i = rows[e];
      const j = cols[e];
      if (!Number.isInteger(i) || i < 0 || i >= m || !Number.isInteger(j) || j < 0 || j >= n) {
        throw new ValueError(caller, `entry ${e} is (${i}, ${j}), outside the ${m} × ${n} shape; indices need to be integers in [0, ${m}) × [0, ${n})`);
      }
      counts[i + 1]++;
    }
    for (let i = 0; i < m; i++) counts[i + 1] += counts[i];
    const fill = counts.slice(0, m);
    const unsorted = new Int32Array(rows.length);
    for (let e = 0; e < rows.length; e++) unsorted[fill[rows[e]]++] = cols[e];
    const rowPtr = new Int32Array(m + 1);
    const colIndex: number[] = [];
    for (let i = 0; i < m; i++) {
      const row = unsorted.subarray(counts[i], counts[i + 1]).sort();
      for (let e = 0; e < row.length; e++) if (e === 0 || row[e] !== row[e - 1]) colIndex.push(row[e]);
      rowPtr[i + 1] = colIndex.length;
    }
    return new SparsityPattern([m, n], rowPtr, Int32Array.from(colIndex));
  }

  /**
   * The pattern with row i's columns colIndex[rowPtr[i] .. rowPtr[i + 1]), given in CSR form
   * already (each row sorted, no repeats: checked, not sorted again). Detection builds its
   * patterns this way.
   */
  static fromCompressedRows(
    shape: readonly [number, number],
    rowPtr: Int32Array,
    colIndex: Int32Array,
    caller = 'SparsityPattern.fromCompressedRows',
  ): SparsityPattern {
    const [m, n] = checkShape(shape, caller);
    if (!(rowPtr instanceof Int32Array) || !(colIndex instanceof Int32Array)) {
      throw new DTypeError(
        caller,
        `rowPtr and colIndex must be Int32Arrays, got ${rowPtr?.constructor?.name ?? typeof rowPtr} and ${colIndex?.constructor?.name ?? typeof colIndex}`,
      );
    }
    if (rowPtr.length !== m + 1 || rowPtr[0] !== 0 || rowPtr[m] !== colIndex.length) {
      throw new ShapeError(
        caller,
        `rowPtr has ${rowPtr.length} entries from ${rowPtr[0]} to ${rowPtr[rowPtr.length - 1]}; it needs ${m + 1}, from 0 to colIndex's length ${colIndex.length}`,
      );
    }
    for (let i = 0; i < m; i++) {
      if (rowPtr[i + 1] < rowPtr[i]) throw new ValueError(caller, `rowPtr decreases at row ${i}; it needs to be non-decreasing`);
      for (let e = rowPtr[i]; e < rowPtr[i + 1]; e++) {
        const j = colIndex[e];
        if (j < 0 || j >= n || (e > rowPtr[i] && j <= colIndex[e - 1])) {
          throw new ValueError(
            caller,
            `row ${i} has columns out of order, repeated or outside [0, ${n}) (column ${j}); each row needs sorted, distinct columns`,
          );
        }
      }
    }
    return new SparsityPattern([m, n], rowPtr, colIndex);
  }

  /** The pattern of a dense m × n matrix: an entry wherever it is nonzero (or true). */
  static fromDense(matrix: readonly (readonly (number | boolean)[])[], caller = 'SparsityPattern.fromDense'): SparsityPattern {
    const m = matrix.length;
    const n = m === 0 ? 0 : matrix[0].length;
    const rows: number[] = [];
    const cols: number[] = [];
    for (let i = 0; i < m; i++) {
      if (matrix[i].length !== n)
        throw new ShapeError(caller, `row ${i} has ${matrix[i].length} entries and row 0 has ${n}; a matrix needs rows of one length`);
      for (let j = 0; j < n; j++) {
        if (matrix[i][j] !== 0 && matrix[i][j] !== false) {
          rows.push(i);
          cols.push(j);
        }
      }
    }
    return SparsityPattern.fromCoordinates([m, n], rows, cols, caller);
  }

  /** Number of entries that may be nonzero. */
  get nnz(): number {
    return this.colIndex.length;
  }

  /** Whether entry (i, j) may be nonzero. */
  has(i: number, j: number): boolean {
    let lo = this.rowPtr[i];
    let hi = this.rowPtr[i + 1];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.colIndex[mid] < j) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.rowPtr[i + 1] && this.colIndex[lo] === j;
  }

  /** The columns of row i (a view, sorted). */
  row(i: number): Int32Array {
    return this.colIndex.subarray(this.rowPtr[i], this.rowPtr[i + 1]);
  }

  /** The row of each entry, in CSR order: with colIndex, the pattern's coordinates. */
  rowIndex(): Int32Array {
    const rows = new Int32Array(this.nnz);
    // A loop per entry, not rows.fill per row: rows of a few entries (95,529 rows of ba1) pay a call each.
    for (let i = 0, e = 0; i < this.shape[0]; i++) for (const end = this.rowPtr[i + 1]; e < end; e++) rows[e] = i;
    return rows;
  }

  /** The n × m pattern of the transpose (columns become rows). */
  transpose(): SparsityPattern {
    return SparsityPattern.fromCoordinates([this.shape[1], this.shape[0]], this.colIndex, this.rowIndex());
  }

  /** The pattern as an m × n array of booleans. */
  toDense(): boolean[][] {
    const [m, n] = this.shape;
    const dense = Array.from({ length: m }, () => new Array<boolean>(n).fill(false));
    for (let i = 0; i < m; i++) for (const j of this.row(i)) dense[i][j] = true;
    return dense;
  }
}

function checkShape(shape: readonly [number, number], caller: string): [number, number] {
  const [m, n] = shape;
  if (shape.length !== 2 || !Number.isInteger(m) || !Number.isInteger(n) || m < 0 || n < 0) {
    throw new ShapeError(caller, `shape is [${shape.join(', ')}]; it needs two non-negative integers [rows, cols]`);
  }
  return [m, n];
}
