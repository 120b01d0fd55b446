/**
 * Guide 13: sparse Jacobians and Hessians from compressed seeds. A tridiagonal map of 8 inputs
 * (page 6's columns, 8 seeds) differentiated with 3 seeds: the pattern found by tracing, the
 * columns colored so that no two of one color meet in a row, one forward pass of width 3, and
 * the Jacobian read back out of it; then the same at n = 2,000, and a banded Hessian.
 */
import { tensor, type Tensor } from '@ad/core';
import { jacfwd, jvp, type Dual } from '@ad/forward';
import { hessian, type Var } from '@ad/reverse';
import {
  SparsityDetectionError,
  columnColoring,
  hessianPattern,
  jacobianPattern,
  prepareJacobian,
  rowColoring,
  sparseHessian,
  sparseJacobian,
  starColoring,
} from '@ad/sparse';

type Num = Dual | Var;

// #region function
/** yᵢ = xᵢ₋₁ − 2 sin xᵢ + xᵢ₊₁² (terms beyond the ends left out): row i of J reads columns i−1, i, i+1. */
const f = (xs: Num[]): Num[] =>
  xs.map((x, i) => {
    let y = x.sin().mul(-2);
    if (i > 0) y = y.add(xs[i - 1]);
    if (i < xs.length - 1) y = y.add(xs[i + 1].mul(xs[i + 1]));
    return y;
  });
const x = [0.5, -1, 2, 0.25, 1.5, -0.75, 1, 3];
// #endregion function

/** A pattern or a matrix as rows of × and · (a stored entry, and a zero). */
function picture(rows: readonly (readonly (number | boolean)[])[]): string[] {
  return rows.map((r) => r.map((v) => (v === 0 || v === false ? '·' : '×')).join(' '));
}

// #region dense
/** The dense Jacobian: 8 seeds e₁ … e₈, 64 entries of which 22 can be nonzero. */
export function denseJacobian(): { picture: string[]; seeds: number; nonzeros: number } {
  const J = jacfwd(f as (xs: Dual[]) => Dual[])(x);
  return { picture: picture(J), seeds: x.length, nonzeros: J.flat().filter((v) => v !== 0).length };
}
// #endregion dense

// #region by-hand
/**
 * Columns 0, 3 and 6 never meet in a row, so one seed can move them together: ẋ = e₀ + e₃ + e₆.
 * Each row reads at most one of them, so each entry of ẏ = J·ẋ is one entry of J, not a sum.
 */
export function oneSeedThreeColumns(): { seed: number[]; tangent: number[]; fromDense: number[] } {
  const seed = x.map((_, j) => (j % 3 === 0 ? 1 : 0)); // [1, 0, 0, 1, 0, 0, 1, 0]
  const tangent = jvp(f as (xs: Dual[]) => Dual[], x, seed).tangent as number[];
  const J = jacfwd(f as (xs: Dual[]) => Dual[])(x);
  // Row i's entry in the column of this color: column i−1, i or i+1, whichever is ≡ 0 mod 3.
  const fromDense = J.map((row, i) => [i - 1, i, i + 1].filter((j) => j >= 0 && j < x.length && j % 3 === 0).reduce((s, j) => s + row[j], 0));
  return { seed, tangent, fromDense };
}
// #endregion by-hand

// #region pattern
/** The pattern, traced once: each value carries the set of inputs it depends on, no numbers. */
export function detectedPattern(): { picture: string[]; nonzeros: number; refused: string } {
  const pattern = jacobianPattern(f as (xs: Num[]) => Num[], x);
  // A branch on a value cannot be traced: a pattern must hold at every x.
  let refused = '';
  try {
    jacobianPattern((xs: Num[]) => (xs[0].valueOf() > 0 ? [xs[0]] : [xs[1]]), [1, 2]);
  } catch (e) {
    if (e instanceof SparsityDetectionError) refused = e.message;
  }
  return { picture: picture(pattern.toDense()), nonzeros: pattern.nnz, refused };
}
// #endregion pattern

// #region coloring
/** Columns colored so that two columns sharing a row differ: 3 colors, the seed matrix S (8 × 3). */
export function coloring(): { colors: number[]; count: number; seeds: number[][]; rowColors: number } {
  const pattern = jacobianPattern(f as (xs: Num[]) => Num[], x);
  const { colors, count } = columnColoring(pattern);
  const seeds = Array.from({ length: count }, (_, c) => Array.from(colors, (k) => (k === c ? 1 : 0))); // the columns of S
  return { colors: Array.from(colors), count, seeds, rowColors: rowColoring(pattern).count };
}
// #endregion coloring

// #region compressed
/** One forward pass of width 3 carries J·S; every entry of the pattern is an entry of it. */
export function compressed(): { seeds: number; nonzeros: number; againstDense: number } {
  const prepared = prepareJacobian(f as (xs: Num[]) => Num[], x); // pattern + coloring, once
  const J = prepared.jacobian(x); // a SparseMatrix: rows, cols, values, shape
  const dense = jacfwd(f as (xs: Dual[]) => Dual[])(x);
  const againstDense = Math.max(...J.toDense().flatMap((row, i) => row.map((v, j) => Math.abs(v - dense[i][j]))));
  return { seeds: prepared.seeds, nonzeros: J.nnz, againstDense };
}
// #endregion compressed

// #region large
/** The same map on tensors at n = 2,000: still 3 seeds; jacfwd would push 2,000. */
export function large(): { n: number; seeds: number; nonzeros: number; entry: number; expected: number } {
  const n = 2000;
  const g = (v: Tensor): Tensor => {
    const left = v.slice([0, n - 1]).pad([[1, 0]]); // xᵢ₋₁, 0 at the start
    const right = v.slice([1, n]).pad([[0, 1]]); // xᵢ₊₁, 0 at the end
    return left.sub(v.sin().mul(2)).add(right.square());
  };
  const point = tensor(Array.from({ length: n }, (_, i) => Math.sin(i)));
  const J = sparseJacobian(g, point);
  // ∂yᵢ/∂xᵢ₊₁ = 2xᵢ₊₁ at i = 1000.
  const at = Array.from(J.rows).findIndex((r, e) => r === 1000 && J.cols[e] === 1001);
  return { n, seeds: prepareJacobian(g, point).seeds, nonzeros: J.nnz, entry: J.values[at], expected: 2 * Math.sin(1001) };
}
// #endregion large

// #region hessian
/** A sum of local terms: each term couples xᵢ and xᵢ₊₁, so H is tridiagonal; star coloring: 3 seeds. */
export function banded(): { pattern: string[]; colors: number; againstDense: number } {
  const h = (xs: Num[]): Num => {
    let s: Num = xs[0].mul(0);
    for (let i = 0; i + 1 < xs.length; i++) s = s.add(xs[i].mul(xs[i + 1]).sin()).add(xs[i].mul(xs[i]));
    return s;
  };
  const pattern = hessianPattern(h as (xs: Num[]) => Num, x);
  const H = sparseHessian(h as (xs: Num[]) => Num, x);
  const dense = hessian(h as (xs: Var[]) => Var)(x);
  const againstDense = Math.max(...H.toDense().flatMap((row, i) => row.map((v, j) => Math.abs(v - dense[i][j]))));
  return { pattern: picture(pattern.toDense()), colors: starColoring(pattern).count, againstDense };
}
// #endregion hessian

// #region arrowhead
/** An arrowhead: y₀ = Σ xⱼ², yᵢ = x₀·xᵢ + sin xᵢ. n colors either way alone; a bicoloring: 3 seeds. */
export function arrowhead(): { columns: number; rows: number; bidirectional: number; againstDense: number } {
  const g = (xs: Num[]): Num[] => [xs.reduce((s: Num, v) => s.add(v.mul(v)), xs[0].mul(0)), ...xs.slice(1).map((v) => xs[0].mul(v).add(v.sin()))];
  const pattern = jacobianPattern(g as (xs: Num[]) => Num[], x);
  const prepared = prepareJacobian(g as (xs: Num[]) => Num[], x, { mode: 'bidirectional' });
  const dense = jacfwd(g as (xs: Dual[]) => Dual[])(x);
  const againstDense = Math.max(
    ...prepared
      .jacobian(x)
      .toDense()
      .flatMap((row, i) => row.map((v, j) => Math.abs(v - dense[i][j]))),
  );
  return { columns: columnColoring(pattern).count, rows: rowColoring(pattern).count, bidirectional: prepared.seeds, againstDense };
}
// #endregion arrowhead
