/**
 * Compressed Jacobians equal the dense jacfwd and jacrev to 1e-12: the patterned families and
 * random sparse functions, at arrays of numbers and at tensors, forward, reverse and auto.
 */
import { ShapeError, Tensor, tensor } from '@ad/core';
import { type DualTensor, jacfwd } from '@ad/forward';
import { type TensorVar, jacrev } from '@ad/reverse';
import { SparsityPattern, prepareJacobian, sparseJacobian } from '@ad/sparse';
import { arrowhead, banded, blockDiagonal, bundleAdjustment, randomPattern, stencil } from '@ad/test-support/sparse-patterns';
import {
  type S,
  arrowheadMap,
  bundleAdjustmentMap,
  denseLastRow,
  maxDiff,
  pentadiagonal,
  point,
  randomSparseFunction,
  stencilMap,
  stencilTensor,
  tridiagonal,
  tridiagonalTensor,
} from '@ad/test-support/sparse-functions';

type F = (xs: readonly S[]) => (S | number)[];
const dense = (f: F, x: number[]) => jacfwd(f as never)(x) as number[][];
const denseRev = (f: F, x: number[]) => jacrev(f as never)(x) as number[][];

const families: [string, F, SparsityPattern, number[], number][] = [
  ['tridiagonal', tridiagonal, banded(30, 1), point(30), 3],
  ['pentadiagonal', pentadiagonal, banded(30, 2), point(30, 2), 5],
  ['arrowhead (dense row and column)', arrowheadMap, arrowhead(12), point(12, 3), 12],
  ['dense last row', denseLastRow, arrowhead(12, { row: false, column: false }), point(12, 4), 12],
  ['5-point stencil 6 × 6', stencilMap(6), stencil(6), point(36, 5), 5],
  ['bundle adjustment, 3 cameras, 5 points, 12 observations', bundleAdjustmentMap(3, 5, 12), bundleAdjustment(3, 5, 12), point(33 + 15 + 12, 6), 15],
];
// The dense last row: its pattern is the diagonal plus row n − 1.
families[3][2] = (() => {
  const n = 12;
  const rows = [...Array.from({ length: n }, (_, i) => i), ...Array.from({ length: n }, () => n - 1)];
  const cols = [...Array.from({ length: n }, (_, i) => i), ...Array.from({ length: n }, (_, j) => j)];
  return SparsityPattern.fromCoordinates([n, n], rows, cols);
})();

describe('sparseJacobian at arrays of numbers', () => {
  test.each(families)('%s: forward, reverse, bidirectional and auto equal jacfwd and jacrev to 1e-12; forward colors', (_, f, pattern, x, forwardColors) => {
    const J = dense(f, x);
    expect(maxDiff(denseRev(f, x), J)).toBeLessThan(1e-12);
    for (const mode of ['forward', 'reverse', 'bidirectional', 'auto'] as const) {
      const sparse = sparseJacobian(f as never, x, { pattern, mode });
      expect(sparse.shape).toEqual(pattern.shape);
      expect(maxDiff(sparse.toDense(), J)).toBeLessThan(1e-12);
    }
    expect(prepareJacobian(f as never, x, { pattern, mode: 'forward' }).seeds).toBe(forwardColors);
  });

  test('auto picks the direction with fewer colors (forward on ties)', () => {
    expect(prepareJacobian(tridiagonal as never, point(10), { pattern: banded(10, 1) }).mode).toBe('forward');
    const row = families[3][2];
    const p = prepareJacobian(denseLastRow as never, point(12), { pattern: row });
    expect([p.mode, p.seeds]).toEqual(['reverse', 2]);
    expect(prepareJacobian(denseLastRow as never, point(12), { pattern: row, mode: 'forward' }).seeds).toBe(12);
  });

  test('random sparse functions over random patterns (seeded): every mode (bidirectional too) equals jacfwd to 1e-12', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const m = 1 + (seed % 17);
      const n = 1 + ((seed * 5) % 19);
      const pattern = randomPattern(m, n, 0.05 + (seed % 6) * 0.07, seed);
      const f = randomSparseFunction(pattern, seed);
      const x = point(n, seed + 100);
      const J = dense(f, x);
      for (const mode of ['forward', 'reverse', 'bidirectional', 'auto'] as const) {
        const sparse = sparseJacobian(f as never, x, { pattern, mode });
        expect(maxDiff(sparse.toDense(), J)).toBeLessThan(1e-12);
      }
    }
  });

  test('random banded and block-diagonal patterns (seeded): every mode equals jacfwd; forward colors = bandwidth, widest block', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const half = seed % 4;
      const band = banded(10 + seed, half);
      const blocks = blockDiagonal(2 + (seed % 4), 4, seed);
      for (const [pattern, colors] of [
        [band, 2 * half + 1],
        [blocks, Math.max(...Array.from({ length: blocks.shape[0] }, (_, i) => blocks.row(i).length))],
      ] as const) {
        const f = randomSparseFunction(pattern, seed);
        const x = point(pattern.shape[1], seed + 200);
        const J = dense(f, x);
        for (const mode of ['forward', 'reverse', 'bidirectional', 'auto'] as const) {
          expect(maxDiff(sparseJacobian(f as never, x, { pattern, mode }).toDense(), J)).toBeLessThan(1e-12);
        }
        expect(prepareJacobian(f as never, x, { pattern, mode: 'forward' }).seeds).toBe(colors);
      }
    }
  });

  test('bidirectional: the arrowhead in 3 seeds (2 forward, 1 reverse), where forward or reverse alone needs n', () => {
    const x = point(12, 3);
    const p = prepareJacobian(arrowheadMap as never, x, { pattern: arrowhead(12), mode: 'bidirectional' });
    expect(p.seeds).toBe(3);
    expect(p.rowColors).not.toBeNull();
    expect(maxDiff(p.jacobian(x).toDense(), dense(arrowheadMap, x))).toBeLessThan(1e-12);
  });

  test('a pattern bigger than the true one (a dense pattern) works: n seeds, the dense answer', () => {
    const x = point(8);
    const all = SparsityPattern.fromDense(Array.from({ length: 8 }, () => new Array(8).fill(1)));
    const p = prepareJacobian(tridiagonal as never, x, { pattern: all });
    expect(p.seeds).toBe(8);
    expect(maxDiff(p.jacobian(x).toDense(), dense(tridiagonal, x))).toBeLessThan(1e-12);
  });

  test('prepared once, evaluated at many points; colors by hand are used as given', () => {
    const pattern = banded(20, 1);
    const p = prepareJacobian(tridiagonal as never, point(20), { pattern, mode: 'forward', coloring: { colors: Array.from({ length: 20 }, (_, j) => j % 4) } });
    expect(p.seeds).toBe(4);
    for (let seed = 1; seed <= 5; seed++) {
      const x = point(20, seed);
      expect(maxDiff(p.jacobian(x).toDense(), dense(tridiagonal, x))).toBeLessThan(1e-12);
      expect(Array.from(p.jacobian(x).values)).toEqual(p.values(x));
    }
  });

  test('an output that does not depend on x, and an empty pattern: zeros, in every mode', () => {
    const f = (xs: readonly S[]) => [xs[0].mul(2), 3, xs[1].sin()];
    const pattern = SparsityPattern.fromCoordinates([3, 2], [0, 2], [0, 1]);
    const empty = SparsityPattern.fromCoordinates([3, 2], [], []);
    for (const mode of ['forward', 'reverse', 'bidirectional', 'auto'] as const) {
      expect(sparseJacobian(f as never, [0.5, 0.25], { pattern, mode }).toDense()).toEqual([
        [2, 0],
        [0, 0],
        [0, Math.cos(0.25)],
      ]);
      const none = sparseJacobian(f as never, [0.5, 0.25], { pattern: empty, mode });
      expect([none.nnz, none.toDense()]).toEqual([
        0,
        [
          [0, 0],
          [0, 0],
          [0, 0],
        ],
      ]);
      expect(() => sparseJacobian(f as never, [0.5, 0.25], { pattern: SparsityPattern.fromCoordinates([2, 2], [], []), mode })).toThrow(ShapeError);
      expect(sparseJacobian(tridiagonalTensor as never, tensor([1, 2, 3]), { pattern: SparsityPattern.fromCoordinates([3, 3], [], []), mode }).nnz).toBe(0);
    }
  });

  test('no inputs: a 1 × 0 Jacobian, in every mode', () => {
    for (const mode of ['forward', 'reverse', 'bidirectional', 'auto'] as const) {
      const J = sparseJacobian((_xs: readonly S[]) => [1], [], { pattern: SparsityPattern.fromCoordinates([1, 0], [], []), mode });
      expect([J.shape, J.nnz]).toEqual([[1, 0], 0]);
    }
  });

  test('a scalar f is a 1 × n Jacobian', () => {
    const f = (xs: readonly S[]) => xs[0].mul(xs[2]).sin();
    const pattern = SparsityPattern.fromCoordinates([1, 4], [0, 0], [0, 2]);
    for (const mode of ['forward', 'reverse'] as const) {
      expect(sparseJacobian(f as never, [0.3, 1, 0.7, 2], { pattern, mode }).toDense()).toEqual(jacfwd(f as never)([0.3, 1, 0.7, 2]));
    }
  });
});

describe('sparseJacobian at tensors (row-major)', () => {
  test('tridiagonal [40]: forward, reverse and auto equal jacfwd (a [40, 40] tensor) to 1e-12', () => {
    const x = tensor(point(40, 7));
    const J = jacfwd(tridiagonalTensor as (x: DualTensor) => DualTensor)(x).toArray() as number[][];
    for (const mode of ['forward', 'reverse', 'bidirectional', 'auto'] as const) {
      const sparse = sparseJacobian(tridiagonalTensor as never, x, { pattern: banded(40, 1), mode });
      expect(maxDiff(sparse.toDense(), J)).toBeLessThan(1e-12);
    }
  });

  test('5-point stencil on a [5, 7] grid: 5 colors, equals jacrev reshaped to [35, 35]', () => {
    const x = Tensor.fromData(Float64Array.from(point(35, 8)), [5, 7]);
    const J = jacrev(stencilTensor as (x: TensorVar) => TensorVar)(x)
      .reshape([35, 35])
      .toArray() as number[][];
    const pattern = rectangularStencil(5, 7);
    const p = prepareJacobian(stencilTensor as never, x, { pattern });
    expect(p.seeds).toBe(5);
    expect(maxDiff(p.jacobian(x).toDense(), J)).toBeLessThan(1e-12);
    expect(maxDiff(sparseJacobian(stencilTensor as never, x, { pattern, mode: 'reverse' }).toDense(), J)).toBeLessThan(1e-12);
    expect(p.values(x)).toBeInstanceOf(Tensor);
  });
});

/** The 5-point stencil on an r × c grid. */
function rectangularStencil(r: number, c: number): SparsityPattern {
  const rows: number[] = [];
  const cols: number[] = [];
  for (let a = 0; a < r; a++) {
    for (let b = 0; b < c; b++) {
      for (const [da, db] of [
        [0, 0],
        [1, 0],
        [-1, 0],
        [0, 1],
        [0, -1],
      ]) {
        if (a + da >= 0 && a + da < r && b + db >= 0 && b + db < c) {
          rows.push(a * c + b);
          cols.push((a + da) * c + b + db);
        }
      }
    }
  }
  return SparsityPattern.fromCoordinates([r * c, r * c], rows, cols);
}
