/**
 * The optional check of a sparse result (`check: true`): the product with one direction v,
 * computed by a plain transform that knows nothing of the pattern, against the sparse matrix
 * times v. An entry the pattern misses shows as a row that differs.
 */
import { Generator, ValueError } from '@ad/core';
import type { SparseMatrix } from './matrix.js';

/** The direction of the check: fixed, pseudo-random, in (−1, 1) (a cancellation J·v = 0 by chance has probability 0). */
export function checkDirection(n: number): Float64Array {
  const g = new Generator(0x5eed);
  return Float64Array.from({ length: n }, () => g.uniform(-1, 1));
}

/** Compares matrix·v with a product computed without the pattern; names the first row that differs. */
export function compareProducts(caller: string, matrix: SparseMatrix, v: Float64Array, dense: Float64Array, what: string, how: string): void {
  const product = new Float64Array(matrix.shape[0]);
  const scale = new Float64Array(matrix.shape[0]);
  for (let e = 0; e < matrix.nnz; e++) {
    const term = matrix.values[e] * v[matrix.cols[e]];
    product[matrix.rows[e]] += term;
    scale[matrix.rows[e]] += Math.abs(term);
  }
  for (let i = 0; i < product.length; i++) {
    if (Math.abs(product[i] - dense[i]) > 1e-9 * (scale[i] + Math.abs(dense[i])) + 1e-300) {
      throw new ValueError(
        caller,
        `the pattern misses a nonzero in row ${i}: (${what})[${i}] is ${dense[i]} by ${how} but ${product[i]} from the pattern's entries; the pattern must hold every entry that can be nonzero`,
      );
    }
  }
}
