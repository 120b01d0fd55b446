/**
 * Sparse Hessians by star-colored seeds (Gebremedhin, Manne & Pothen 2005; Coleman & Moré
 * 1984). The seed matrix S (n × c, S[j][color(j)] = 1) of a star coloring goes through ONE
 * forward-over-reverse pass: the reverse-mode gradient of f evaluated at duals x + Σₖ εₖ S[:, k]
 * carries the c Hessian-vector products H·S in its tangents (ġ = H·ẋ). Every entry of the
 * pattern is then read directly: H[i][i] = (H·S)[i][color(i)], and an off-diagonal H[i][j] is
 * (H·S)[i][color(j)] when j is i's only neighbour of that color, else (H·S)[j][color(i)].
 *
 * As for Jacobians, the pattern must hold every entry that can be nonzero; `check: true` compares
 * one plain Hessian-vector product with the result.
 */
import { AdError, DTypeError, Tensor, ValueError } from '@ad/core';
import { type DualTensor, type VectorFunction, jvp } from '@ad/forward';
import { grad, hvp } from '@ad/reverse';
import type { Coloring } from './coloring.js';
import { starConflict } from './coloring-check.js';
import { starColoring } from './coloring-star.js';
import {
  type Point,
  type SparseInput,
  type SparseValues,
  checkSamePoint,
  describe,
  gatherNumbers,
  gatherTensor,
  hessianPlan,
  readPoint,
  seedRows,
  seedTensors,
} from './compressed.js';
import { checkDirection, compareProducts } from './check.js';
import { type SparseMatrix, assemble } from './matrix.js';
import { planned } from './planned.js';
import { hessianPattern } from './detect.js';
import { type SparseHessianOptions, checkOptions, checkPattern } from './options.js';
import { SparsityPattern } from './pattern.js';

/** A sparse Hessian prepared once — symmetric pattern, star coloring, seeds, plan — and evaluated at many points. */
export interface PreparedHessian<X extends SparseInput> {
  /** The n × n symmetric pattern. */
  readonly pattern: SparsityPattern;
  /** The star coloring's color of each column. */
  readonly colors: Int32Array;
  /** How many colors: the width of the one forward-over-reverse pass. */
  readonly seeds: number;
  /** H at x, as a sparse matrix with the pattern's entries in CSR order. */
  hessian(x: X): SparseMatrix;
  /** H's entries at x in the pattern's CSR order (a tensor point: a tensor [nnz]); `jit(prepared.values)` compiles it. */
  values(x: X): SparseValues<X>;
}

/**
 * The Hessian of a scalar f at x as a sparse matrix, from one forward-over-reverse pass of
 * width c (the star coloring's colors) instead of n. f takes an array of scalars or a tensor.
 */
export function sparseHessian<X extends SparseInput>(f: (x: never) => unknown, x: X, options?: SparseHessianOptions): SparseMatrix {
  return prepare('sparseHessian', f, x, options).hessian(x);
}

/** Pattern, star coloring and seeds for f at points shaped as x, computed once: `.hessian(x)` for each point. */
export function prepareHessian<X extends SparseInput>(f: (x: never) => unknown, x: X, options?: SparseHessianOptions): PreparedHessian<X> {
  return prepare('prepareHessian', f, x, options);
}

function prepare<X extends SparseInput>(caller: string, f: (x: never) => unknown, x: X, rawOptions: unknown): PreparedHessian<X> {
  if (typeof f !== 'function') throw new DTypeError(caller, `f must be a function, got ${describe(f)}`);
  const options = checkOptions<SparseHessianOptions>(caller, rawOptions, true);
  const point = readPoint(caller, x);
  const pattern = symmetric(checkPattern(caller, options.pattern ?? hessianPattern(f, x, caller), point.size, true));
  const coloring = colorStar(caller, pattern, options);
  const plan = hessianPlan(pattern, coloring.colors);
  const { colors, count } = coloring;
  // The compressed pass: H·S as the tangents of the gradient at x + Σₖ εₖ S[:, k] (n × c
  // numbers at an array point, c tensors of x's shape at a tensor point).
  let compressed: (x: unknown) => unknown;
  if (count === 0) {
    compressed = () => [];
  } else if (point.tensor) {
    const seeds = seedTensors(colors, count, point.shape);
    const gradient = gradientOf(f) as (x: DualTensor) => DualTensor;
    compressed = (at) => jvp((xs: DualTensor[]) => gradient(xs[0]), [at as Tensor], { seeds: [seeds] }).tangent;
  } else {
    const seeds = seedRows(colors, count);
    const gradient = gradientOf(f) as VectorFunction;
    compressed = (at) => jvp(gradient, at as number[], { seeds }).tangent;
  }
  const read = point.tensor
    ? (products: unknown) => gatherTensor(plan, { rows: products as Tensor[], length: point.size })
    : (products: unknown) => gatherNumbers(plan, (c, i) => (products as unknown[][])[i][c]);
  const named = (pass: (x: unknown) => unknown) => (at: unknown) => {
    try {
      return pass(at);
    } catch (e) {
      // The gradient's refusal of a non-scalar f, said for the function the user called.
      if (e instanceof AdError && e.op === 'grad') {
        const got = /got (.*?)(;|$)/.exec(e.message)?.[1] ?? 'something else';
        throw new DTypeError(caller, `f must return a scalar (a Hessian is of a scalar function), got ${got}; for a vector f use sparseJacobian`);
      }
      throw e;
    }
  };
  const values = ((at: X) => read(named(compressed)(at))) as (x: X) => SparseValues<X>;
  const compiled = named(options.compile === undefined ? compressed : planned(options.compile(compressed)));
  const rows = pattern.rowIndex();
  const hessian = (at: X) => {
    checkSamePoint(caller === 'sparseHessian' ? caller : 'PreparedHessian.hessian', point, at);
    const v = read(compiled(at));
    const matrix = assemble(pattern, rows, v as Tensor | number[]);
    if (options.check) checkAgainstHvp(caller, f, at, point, matrix);
    return matrix;
  };
  return { pattern, colors, seeds: count, hessian, values };
}

/** Reverse mode's gradient of f, for any kind of input (the forward pass passes duals). */
function gradientOf(f: (x: never) => unknown): (x: unknown) => unknown {
  return (grad as unknown as (f: unknown) => (x: unknown) => unknown)(f);
}

/** The pattern with every entry's mirror: a Hessian is symmetric, so (i, j) implies (j, i). */
function symmetric(p: SparsityPattern): SparsityPattern {
  const rows = p.rowIndex();
  for (let e = 0; e < p.nnz; e++) {
    if (!p.has(p.colIndex[e], rows[e])) {
      return SparsityPattern.fromCoordinates(p.shape, [...rows, ...p.colIndex], [...p.colIndex, ...rows]);
    }
  }
  return p;
}

function colorStar(caller: string, pattern: SparsityPattern, options: SparseHessianOptions): Coloring {
  const choice = options.coloring ?? {};
  if (!('colors' in choice)) return starColoring(pattern, choice, caller);
  const colors = Int32Array.from(choice.colors as ArrayLike<number>);
  const conflict = starConflict(pattern, choice.colors);
  if (conflict !== null) throw new ValueError(caller, `the coloring given is not a star coloring of the pattern: ${conflict}`);
  return { colors, count: colors.reduce((max, c) => Math.max(max, c + 1), 0), order: 'natural' };
}

/** H·v by a plain Hessian-vector product (@ad/reverse's hvp) against the sparse H times v. */
function checkAgainstHvp(caller: string, f: (x: never) => unknown, x: unknown, point: Point, matrix: SparseMatrix): void {
  const v = checkDirection(point.size);
  const product = (hvp as unknown as (f: unknown) => (x: unknown, v: unknown) => Tensor | number[])(f);
  const dense = point.tensor
    ? (product(x, Tensor.fromData(v, point.shape)) as Tensor).toFloat64Array()
    : Float64Array.from(product(x, Array.from(v)) as number[]);
  compareProducts(caller, matrix, v, dense, 'H·v', 'a plain hvp');
}
