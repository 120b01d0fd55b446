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
import { DTypeError, ShapeError, Tensor, ValueError, zeros } from '@ad/core';
import { type DualTensor, type VectorFunction, jvp } from '@ad/forward';
import { vjp } from '@ad/reverse';
import { type Coloring, columnColoring, longestRow, rowColoring } from './coloring.js';
import { bicoloring } from './coloring-bi.js';
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
  bidirectionalPlan,
  jacobianPlan,
  readPoint,
  seedColumns,
  seedTensors,
} from './compressed.js';
import { checkDirection, compareProducts } from './check.js';
import { type SparseMatrix, assemble } from './matrix.js';
import { planned } from './planned.js';
import { jacobianPattern } from './detect.js';
import { type SparseJacobianOptions, checkOptions, checkPattern } from './options.js';
import type { SparsityPattern } from './pattern.js';

/**
 * A sparse Jacobian prepared once — pattern, coloring, seeds and decompression plan — and
 * evaluated at many points of the same shape.
 */
export interface PreparedJacobian<X extends SparseInput> {
  /** The m × n pattern. */
  readonly pattern: SparsityPattern;
  /** The direction chosen: 'forward' (columns colored), 'reverse' (rows colored) or 'bidirectional' (both, bicoloring). */
  readonly mode: 'forward' | 'reverse' | 'bidirectional';
  /** The color of each column (forward), of each row (reverse), or each column's forward seed (bidirectional; −1: none). */
  readonly colors: Int32Array;
  /** Bidirectional: each row's reverse seed (−1: none); null otherwise. */
  readonly rowColors: Int32Array | null;
  /** How many seeds: the width of the forward pass plus the number of pullbacks. */
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

/**
 * The seeds: `columns[j]` is column j's forward seed (−1: none), `rows[i]` row i's reverse
 * seed; `forward` seeds go through one jvp, `reverse` cotangents through one recording.
 */
interface Seeding {
  readonly mode: 'forward' | 'reverse' | 'bidirectional';
  readonly columns: Int32Array | null;
  readonly rows: Int32Array | null;
  readonly forward: number;
  readonly reverse: number;
  readonly plan: Plan;
}

function prepare<X extends SparseInput>(caller: string, f: (x: never) => unknown, x: X, rawOptions: unknown): PreparedJacobian<X> {
  if (typeof f !== 'function') throw new DTypeError(caller, `f must be a function, got ${describe(f)}`);
  const options = checkOptions<SparseJacobianOptions>(caller, rawOptions, false);
  const point = readPoint(caller, x);
  const pattern = checkPattern(caller, options.pattern ?? jacobianPattern(f, x, caller), point.size, false);
  const seeding = chooseSeeding(caller, pattern, options);
  const compressed = point.tensor ? tensorCompressed(caller, f, point, pattern, seeding) : arrayCompressed(caller, f, pattern, seeding);
  const read = readOut(point, pattern, seeding.plan);
  const values = ((at: X) => read(compressed(at))) as (x: X) => SparseValues<X>;
  const compiled = options.compile === undefined ? compressed : planned(options.compile(compressed));
  const rows = pattern.rowIndex();
  const jacobian = (at: X) => {
    checkSamePoint(caller === 'sparseJacobian' ? caller : 'PreparedJacobian.jacobian', point, at);
    const v = read(compiled(at));
    const matrix = assemble(pattern, rows, v as Tensor | number[]);
    if (options.check) checkAgainstJvp(caller, f, at, point, matrix);
    return matrix;
  };
  const colors = (seeding.mode === 'reverse' ? seeding.rows : seeding.columns) as Int32Array;
  const rowColors = seeding.mode === 'bidirectional' ? seeding.rows : null;
  return { pattern, mode: seeding.mode, colors, rowColors, seeds: seeding.forward + seeding.reverse, jacobian, values };
}

/** The direction and its seeds: as asked, or (auto) the one direction with fewer colors, forward on ties. */
function chooseSeeding(caller: string, pattern: SparsityPattern, options: SparseJacobianOptions): Seeding {
  const asked = options.mode ?? 'auto';
  const choice = options.coloring ?? {};
  if (asked === 'bidirectional') {
    if ('colors' in choice) throw new ValueError(caller, "a coloring by hand is for mode 'forward' or 'reverse'; bidirectional seeds are always computed");
    const b = bicoloring(pattern, choice, caller);
    return {
      mode: asked,
      columns: b.columns,
      rows: b.rows,
      forward: b.forward,
      reverse: b.reverse,
      plan: bidirectionalPlan(pattern, b.columns, b.rows, b.fromReverse),
    };
  }
  let coloring: Coloring;
  let mode: 'forward' | 'reverse';
  if ('colors' in choice) {
    mode = asked as 'forward' | 'reverse';
    const colors = Int32Array.from(choice.colors as ArrayLike<number>);
    const conflict = (mode === 'forward' ? columnConflict : rowConflict)(pattern, choice.colors);
    if (conflict !== null) throw new ValueError(caller, `the coloring given is not valid for mode '${mode}': ${conflict}`);
    coloring = { colors, count: colors.reduce((max, c) => Math.max(max, c + 1), 0), order: 'natural' };
  } else {
    // Auto: a direction is colored only if it can win. A column coloring needs at least the
    // longest row's length in colors, a row coloring the longest column's; coloring the rows of
    // bundle adjustment (a camera's 1,300 rows all meet) would build a graph of 10⁸ edges to
    // learn what that bound says at once.
    const [lowForward, lowReverse] = [longestRow(pattern), longestRow(pattern.transpose())];
    const forwardFirst = lowForward <= lowReverse;
    let byColumns: Coloring | undefined;
    let byRows: Coloring | undefined;
    if (asked === 'forward' || (asked === 'auto' && forwardFirst)) byColumns = columnColoring(pattern, choice, caller);
    if (asked === 'reverse' || (asked === 'auto' && (byColumns === undefined || lowReverse < byColumns.count))) byRows = rowColoring(pattern, choice, caller);
    if (asked === 'auto' && byColumns === undefined && lowForward <= (byRows as Coloring).count) byColumns = columnColoring(pattern, choice, caller);
    const forward = byRows === undefined || (byColumns !== undefined && byColumns.count <= byRows.count);
    mode = forward ? 'forward' : 'reverse';
    coloring = (forward ? byColumns : byRows) as Coloring;
  }
  const plan = jacobianPlan(pattern, coloring.colors, mode);
  return mode === 'forward'
    ? { mode, columns: coloring.colors, rows: null, forward: coloring.count, reverse: 0, plan }
    : { mode, columns: null, rows: coloring.colors, forward: 0, reverse: coloring.count, plan: { ...plan, block: new Uint8Array(plan.color.length).fill(1) } };
}

function checkRows(caller: string, pattern: SparsityPattern, m: number): void {
  if (m !== pattern.shape[0]) {
    throw new ShapeError(caller, `f returned ${m} outputs but the pattern has ${pattern.shape[0]} rows; it needs one row per output (row-major)`);
  }
}

/** The compressed products at x: J·S (forward; m × c at an array point, c tensors of f's shape at a tensor) and Sᵀ·J (reverse). */
type Compressed = (x: unknown) => [unknown, unknown];

/**
 * At an array point: J·S from one jvp of width `forward` (in JAX's layout, one direction per
 * color: the tangent is c × m, J[i][j] = T[color(j)][i]) and Sᵀ·J from one recording and
 * `reverse` pullbacks (R[c][j]).
 */
function arrayCompressed(caller: string, f: (x: never) => unknown, pattern: SparsityPattern, s: Seeding): Compressed {
  const directions = s.forward > 0 ? seedColumns(s.columns as Int32Array, s.forward).map((d) => Array.from(d)) : null;
  const cotangents = s.reverse > 0 ? seedColumns(s.rows as Int32Array, s.reverse).map((c) => Array.from(c)) : null;
  const n = pattern.shape[1];
  return (x) => {
    let forward: unknown[][] = [];
    let reverse: unknown[][] = [];
    // An empty pattern has no seeds; f still runs once (on duals of one zero direction, so it
    // gets the kind it is written for) so that its output size is checked.
    const probe = directions ?? (cotangents === null ? [new Array<number>(n).fill(0)] : null);
    if (probe !== null) {
      const { value, tangent } = jvp(f as VectorFunction, x as number[], { directions: probe });
      checkRows(caller, pattern, Array.isArray(value) ? value.length : 1);
      if (directions !== null) forward = Array.isArray(value) ? (tangent as unknown[][]) : (tangent as unknown[]).map((t) => [t]);
    }
    if (cotangents !== null) {
      const { value, vjp: pull } = record(f, x) as { value: unknown; vjp: (c: unknown) => unknown[] };
      checkRows(caller, pattern, Array.isArray(value) ? value.length : 1);
      reverse = cotangents.map((c) => (Array.isArray(value) ? pull(c) : pull(c[0])));
    }
    return [forward, reverse];
  };
}

/** At a tensor point: the same with tensors — c tangents of f's shape, and pullbacks of x's shape. */
function tensorCompressed(caller: string, f: (x: never) => unknown, point: Point, pattern: SparsityPattern, s: Seeding): Compressed {
  const seeds = s.forward > 0 ? seedTensors(s.columns as Int32Array, s.forward, point.shape) : null;
  let cotangents: { shape: string; seeds: Tensor[] } | undefined;
  const g = (xs: DualTensor[]) => (f as (x: DualTensor) => Tensor)(xs[0]);
  return (x) => {
    let forward: Tensor[] = [];
    let reverse: Tensor[] = [];
    if (seeds === null && s.reverse === 0) {
      const { value } = jvp(g, [x as Tensor], [zeros(point.shape)]);
      checkRows(caller, pattern, value.size);
    }
    if (seeds !== null) {
      const { value, tangent } = jvp(g, [x as Tensor], { seeds: [seeds] });
      checkRows(caller, pattern, value.size);
      forward = tangent;
    }
    if (s.reverse > 0) {
      const { value, vjp: pull } = record(f, x) as { value: Tensor; vjp: (c: Tensor) => Tensor };
      checkRows(caller, pattern, value.size);
      const shape = value.shape.join();
      if (cotangents?.shape !== shape) cotangents = { shape, seeds: seedTensors(s.rows as Int32Array, s.reverse, value.shape) };
      reverse = cotangents.seeds.map((c) => pull(c));
    }
    return [forward, reverse];
  };
}

/** Decompression: the pattern's entries read from the compressed products by the plan. */
function readOut(point: Point, pattern: SparsityPattern, plan: Plan): (products: [unknown, unknown]) => unknown {
  if (point.tensor) {
    return ([forward, reverse]) =>
      gatherTensor(plan, { rows: forward as Tensor[], length: pattern.shape[0] }, { rows: reverse as Tensor[], length: point.size });
  }
  return ([forward, reverse]) =>
    gatherNumbers(
      plan,
      (c, i) => (forward as unknown[][])[c][i],
      (c, j) => (reverse as unknown[][])[c][j],
    );
}

/** f recorded once by reverse mode at any kind of input: its value and its pullback. */
function record(f: (x: never) => unknown, x: unknown): unknown {
  return (vjp as unknown as (f: unknown, x: unknown) => unknown)(f, x);
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
