/**
 * The patterns of the targets, built by hand: banded, arrowhead, the 2-D 5-point stencil,
 * bundle adjustment's, and random ones from a seeded generator.
 */
import { Generator, type Tensor } from '@ad/core';
import { SparsityPattern } from '@ad/sparse';

/** An n × n band: entries (i, j) with |i − j| ≤ halfWidth (tridiagonal: 1, pentadiagonal: 2). */
export function banded(n: number, halfWidth: number): SparsityPattern {
  const rows: number[] = [];
  const cols: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = Math.max(0, i - halfWidth); j <= Math.min(n - 1, i + halfWidth); j++) {
      rows.push(i);
      cols.push(j);
    }
  }
  return SparsityPattern.fromCoordinates([n, n], rows, cols);
}

/** An n × n arrowhead: the diagonal, and (dense) row 0 and/or column 0. */
export function arrowhead(n: number, { row = true, column = true } = {}): SparsityPattern {
  const rows: number[] = [];
  const cols: number[] = [];
  for (let i = 0; i < n; i++) {
    rows.push(i);
    cols.push(i);
    if (row) {
      rows.push(0);
      cols.push(i);
    }
    if (column) {
      rows.push(i);
      cols.push(0);
    }
  }
  return SparsityPattern.fromCoordinates([n, n], rows, cols);
}

/** The 5-point stencil on a side × side grid (row-major): each point with its 4 neighbours. */
export function stencil(side: number): SparsityPattern {
  const rows: number[] = [];
  const cols: number[] = [];
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      const i = r * side + c;
      for (const [dr, dc] of [
        [0, 0],
        [1, 0],
        [-1, 0],
        [0, 1],
        [0, -1],
      ]) {
        const rr = r + dr;
        const cc = c + dc;
        if (rr >= 0 && rr < side && cc >= 0 && cc < side) {
          rows.push(i);
          cols.push(rr * side + cc);
        }
      }
    }
  }
  return SparsityPattern.fromCoordinates([side * side, side * side], rows, cols);
}

/**
 * Bundle adjustment's Jacobian pattern (GradBench's ba): n cameras of 11 parameters, m points of
 * 3, p observations, observation i of camera i mod n and point i mod m (as upstream's from_json).
 * Rows 2i, 2i + 1 hold observation i's 15 entries (camera, point, weight), row 2p + i its weight.
 */
export function bundleAdjustment(n: number, m: number, p: number): SparsityPattern {
  const rows: number[] = [];
  const cols: number[] = [];
  const weightBase = 11 * n + 3 * m;
  for (let i = 0; i < p; i++) {
    const local = [...Array.from({ length: 11 }, (_, j) => 11 * (i % n) + j), ...Array.from({ length: 3 }, (_, j) => 11 * n + 3 * (i % m) + j), weightBase + i];
    for (const r of [2 * i, 2 * i + 1]) {
      for (const j of local) {
        rows.push(r);
        cols.push(j);
      }
    }
    rows.push(2 * p + i);
    cols.push(weightBase + i);
  }
  return SparsityPattern.fromCoordinates([3 * p, weightBase + p], rows, cols);
}

/** A random m × n pattern with each entry present with probability `density`. */
export function randomPattern(m: number, n: number, density: number, seed: number): SparsityPattern {
  const g = new Generator(seed);
  const rows: number[] = [];
  const cols: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      if (g.random() < density) {
        rows.push(i);
        cols.push(j);
      }
    }
  }
  return SparsityPattern.fromCoordinates([m, n], rows, cols);
}

/** A random symmetric n × n pattern (with its diagonal). */
export function randomSymmetric(n: number, density: number, seed: number): SparsityPattern {
  const p = randomPattern(n, n, density / 2, seed);
  const rows = [...p.rowIndex(), ...p.colIndex, ...Array.from({ length: n }, (_, i) => i)];
  const cols = [...p.colIndex, ...p.rowIndex(), ...Array.from({ length: n }, (_, i) => i)];
  return SparsityPattern.fromCoordinates([n, n], rows, cols);
}

/** A block-diagonal m × n pattern of dense blocks with sizes drawn by a seeded generator (1 … maxBlock each side). */
export function blockDiagonal(blocks: number, maxBlock: number, seed: number): SparsityPattern {
  const g = new Generator(seed);
  const rows: number[] = [];
  const cols: number[] = [];
  let r0 = 0;
  let c0 = 0;
  let widest = 0;
  for (let b = 0; b < blocks; b++) {
    const h = 1 + g.int(maxBlock);
    const w = 1 + g.int(maxBlock);
    widest = Math.max(widest, w);
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        rows.push(r0 + i);
        cols.push(c0 + j);
      }
    }
    r0 += h;
    c0 += w;
  }
  return SparsityPattern.fromCoordinates([r0, c0], rows, cols);
}

/** A dense derivative [...out, n] as m × n rows, its nonzeros (NaN included: never skipped) as a pattern. */
export function denseNonzeros(j: Tensor, n: number): SparsityPattern {
  const flat = j.toFloat64Array();
  const rows: number[][] = [];
  for (let i = 0; i < flat.length; i += n) rows.push(Array.from(flat.subarray(i, i + n)));
  return SparsityPattern.fromDense(rows);
}

/** The entries of `want` missing from `got`, as "(i, j)". */
export function missedEntries(got: SparsityPattern, want: SparsityPattern): string[] {
  const out: string[] = [];
  for (let i = 0; i < want.shape[0]; i++) for (const j of want.row(i)) if (!got.has(i, j)) out.push(`(${i}, ${j})`);
  return out;
}
