/**
 * Sparse Jacobians by compressed seeds (Curtis, Powell & Reid 1974). With the columns colored
 * so that no two of one color share a row, the seed matrix S (n × c, S[j][color(j)] = 1) pushed
 * through ONE forward pass of width c gives J·S, and every entry of the pattern is an entry of
 * it: J[i][j] = (J·S)[i][color(j)] — c directions instead of n. Reverse mode colors the rows
 * instead: one pullback per row color r with the cotangent ȳ = indicator of r's rows gives row
 * r of Sᵀ·J, and J[i][j] = (Sᵀ·J)[color(i)][j].
 *
 * The pattern must hold every entry that can be nonzero at x: an entry it misses is added into
 * an entry of the same row (forward) or column (reverse) and of the same color, silently. That
 * cannot be seen from J·S alone; `check: true` compares one extra J·v with the result.
 */
import { DTypeError, ShapeError, Tensor, ValueError } from '@ad/core';
import { type DualTensor, type VectorFunction, jvp } from '@ad/forward';
import { vjp } from '@ad/reverse';
import { type Coloring, columnColoring, rowColoring } from './coloring.js';
import { columnConflict, rowConflict } from './coloring-check.js';
import {
  type Plan,
  type Point,
  type SparseInput,
  type SparseValues,
  checkSamePoint,
  describe,
  gatherNumbers,
  gatherTensor,
  jacobianPlan,
  readPoint,
  seedRows,
  seedTensors,
} from './compressed.js';
import { checkDirection, compareProducts } from './check.js';
import { SparseMatrix } from './matrix.js';
import { type SparseJacobianOptions, checkOptions, checkPattern, noDetection } from './options.js';
import type { SparsityPattern } from './pattern.js';

/**
 * A sparse Jacobian prepared once — pattern, coloring, seeds and decompression plan — and
 * evaluated at many points of the same shape.
 */
export interface PreparedJacobian<X extends SparseInput> {
  /** The m × n pattern. */
  readonly pattern: SparsityPattern;
  /** The direction chosen: 'forward' (columns colored) or 'reverse' (rows colored). */
  readonly mode: 'forward' | 'reverse';
  /** The color of each column (forward) or row (reverse). */
  readonly colors: Int32Array;
  /** How many colors: the width of the one forward pass, or the number of pullbacks. */
  readonly seeds: number;
  /** J at x, as a sparse matrix with the pattern's entries in CSR order. */
  jacobian(x: X): SparseMatrix;
  /**
   * J's entries at x in the pattern's CSR order: numbers (a tensor point: a tensor [nnz]). Made of
   * the transforms and table ops only, so `jit(prepared.values)` compiles it; no checks of x.
   */
  values(x: X): SparseValues<X>;
}

/**
 * The Jacobian of f at x as a sparse matrix, from one forward pass of width c (columns colored)
 * or c pullbacks (rows colored) instead of n or m. f takes an array of scalars (x: number[]) or
 * a tensor (x: Tensor, read row-major) and returns a scalar, an array of scalars or a tensor.
 */
export function sparseJacobian<X extends SparseInput>(f: (x: never) => unknown, x: X, options?: SparseJacobianOptions): SparseMatrix {
  return prepare('sparseJacobian', f, x, options).jacobian(x);
}

/** Pattern, coloring and seeds for f at points shaped as x, computed once: `.jacobian(x)` for each point. */
export function prepareJacobian<X extends SparseInput>(f: (x: never) => unknown, x: X, options?: SparseJacobianOptions): PreparedJacobian<X> {
  return prepare('prepareJacobian', f, x, options);
}

function prepare<X extends SparseInput>(caller: string, f: (x: never) => unknown, x: X, rawOptions: unknown): PreparedJacobian<X> {
  if (typeof f !== 'function') throw new DTypeError(caller, `f must be a function, got ${describe(f)}`);
  const options = checkOptions<SparseJacobianOptions>(caller, rawOptions, false);
  const point = readPoint(caller, x);
  const pattern = checkPattern(caller, options.pattern ?? noDetection(caller), point.size, false);
  const { mode, coloring } = chooseColoring(caller, pattern, options);
  const plan = jacobianPlan(pattern, coloring.colors, mode);
  const evaluate = mode === 'forward' ? forward(caller, f, point, pattern, coloring, plan) : reverse(caller, f, point, pattern, coloring, plan);
  const values = evaluate as (x: X) => SparseValues<X>;
  const jacobian = (at: X) => {
    checkSamePoint(caller === 'sparseJacobian' ? caller : 'PreparedJacobian.jacobian', point, at);
    const v = values(at);
    const matrix = SparseMatrix.fromPattern(pattern, v instanceof Tensor ? v.toFloat64Array() : Float64Array.from(v as number[]));
    if (options.check) checkAgainstJvp(caller, f, at, point, matrix);
    return matrix;
  };
  return { pattern, mode, colors: coloring.colors, seeds: coloring.count, jacobian, values };
}

/** The direction and its coloring: as asked, or (auto) the one with fewer colors, forward on ties. */
function chooseColoring(caller: string, pattern: SparsityPattern, options: SparseJacobianOptions): { mode: 'forward' | 'reverse'; coloring: Coloring } {
  const asked = options.mode ?? 'auto';
  const choice = options.coloring ?? {};
  if ('colors' in choice) {
    const mode = asked as 'forward' | 'reverse';
    const colors = Int32Array.from(choice.colors as ArrayLike<number>);
    const conflict = (mode === 'forward' ? columnConflict : rowConflict)(pattern, choice.colors);
    if (conflict !== null) throw new ValueError(caller, `the coloring given is not valid for mode '${mode}': ${conflict}`);
    return { mode, coloring: { colors, count: colors.reduce((max, c) => Math.max(max, c + 1), 0), order: 'natural' } };
  }
  const byColumns = asked === 'reverse' ? undefined : columnColoring(pattern, choice, caller);
  const byRows = asked === 'forward' ? undefined : rowColoring(pattern, choice, caller);
  if (byRows === undefined || (byColumns !== undefined && byColumns.count <= byRows.count)) return { mode: 'forward', coloring: byColumns as Coloring };
  return { mode: 'reverse', coloring: byRows };
}

function checkRows(caller: string, pattern: SparsityPattern, m: number): void {
  if (m !== pattern.shape[0]) {
    throw new ShapeError(caller, `f returned ${m} outputs but the pattern has ${pattern.shape[0]} rows; it needs one row per output (row-major)`);
  }
}

/** J·S in one forward pass of width c, read out by the plan. */
function forward(caller: string, f: (x: never) => unknown, point: Point, pattern: SparsityPattern, coloring: Coloring, plan: Plan): (x: unknown) => unknown {
  const { colors, count } = coloring;
  if (point.tensor) {
    const seeds = seedTensors(colors, count, point.shape);
    const g = (xs: DualTensor[]) => (f as (x: DualTensor) => Tensor)(xs[0]);
    return (x) => {
      if (count === 0) return emptyTensor(caller, f, x, pattern);
      const { value, tangent } = jvp(g, [x as Tensor], { seeds: [seeds] });
      checkRows(caller, pattern, value.size);
      return gatherTensor(plan, tangent, value.size);
    };
  }
  const seeds = seedRows(colors, count);
  return (x) => {
    if (count === 0) return emptyNumbers(caller, f, x, pattern);
    const { value, tangent } = jvp(f as VectorFunction, x as number[], { seeds });
    const rows = Array.isArray(value) ? (tangent as unknown[][]) : [tangent as unknown[]];
    checkRows(caller, pattern, rows.length);
    return gatherNumbers(plan, (c, i) => rows[i][c]);
  };
}

/** Sᵀ·J by one recording and c pullbacks (cotangent: the indicator of a color's rows), read out by the plan. */
function reverse(caller: string, f: (x: never) => unknown, point: Point, pattern: SparsityPattern, coloring: Coloring, plan: Plan): (x: unknown) => unknown {
  const { colors, count } = coloring;
  if (point.tensor) {
    return (x) => {
      if (count === 0) return emptyTensor(caller, f, x, pattern);
      const { value, vjp: pull } = record(f, x) as { value: Tensor; vjp: (c: Tensor) => Tensor };
      checkRows(caller, pattern, value.size);
      const rows = seedTensors(colors, count, value.shape).map((seed) => pull(seed));
      return gatherTensor(plan, rows, point.size);
    };
  }
  const seeds = Array.from({ length: count }, (_, c) => Array.from(colors, (r) => (r === c ? 1 : 0)));
  return (x) => {
    if (count === 0) return emptyNumbers(caller, f, x, pattern);
    const { value, vjp: pull } = record(f, x) as { value: unknown; vjp: (c: unknown) => unknown[] };
    checkRows(caller, pattern, Array.isArray(value) ? value.length : 1);
    const rows = seeds.map((seed) => (Array.isArray(value) ? pull(seed) : pull(seed[0])));
    return gatherNumbers(plan, (c, j) => rows[c][j]);
  };
}

/** f recorded once by reverse mode at any kind of input: its value and its pullback. */
function record(f: (x: never) => unknown, x: unknown): unknown {
  return (vjp as unknown as (f: unknown, x: unknown) => unknown)(f, x);
}

/** An empty pattern: no seeds, no entries; f still runs once so its output size is checked. */
function emptyNumbers(caller: string, f: (x: never) => unknown, x: unknown, pattern: SparsityPattern): number[] {
  const y = (f as (x: unknown) => unknown)(x);
  checkRows(caller, pattern, Array.isArray(y) ? y.length : 1);
  return [];
}

function emptyTensor(caller: string, f: (x: never) => unknown, x: unknown, pattern: SparsityPattern): Tensor {
  const y = (f as (x: unknown) => unknown)(x);
  checkRows(caller, pattern, y instanceof Tensor ? y.size : 1);
  return Tensor.fromData(new Float64Array(0), [0]);
}

/** J·v by a plain jvp against the sparse matrix times v: a pattern that misses a nonzero is refused. */
function checkAgainstJvp(caller: string, f: (x: never) => unknown, x: unknown, point: Point, matrix: SparseMatrix): void {
  const v = checkDirection(point.size);
  let dense: Float64Array;
  if (point.tensor) {
    const { tangent } = jvp((xs: DualTensor[]) => (f as (x: DualTensor) => Tensor)(xs[0]), [x as Tensor], [Tensor.fromData(v, point.shape)]);
    dense = tangent.toFloat64Array();
  } else {
    const { tangent } = jvp(f as VectorFunction, x as number[], Array.from(v));
    dense = Float64Array.from(Array.isArray(tangent) ? tangent : [tangent]);
  }
  compareProducts(caller, matrix, v, dense, 'J·v', 'a plain jvp');
}
