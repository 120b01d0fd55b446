/**
 * Colorings: every one the greedy algorithms make is valid (checked from the pattern), and the
 * color counts of the targets.
 */
import { ValueError } from '@ad/core';
import { type SparsityPattern, columnColoring, rowColoring, starColoring } from '@ad/sparse';
import { bicolorConflict, columnConflict, rowConflict, starConflict } from '../src/coloring-check.js';
import { bicoloring } from '../src/coloring-bi.js';
import { VERTEX_ORDERS } from '../src/graph.js';
import { arrowhead, banded, bundleAdjustment, randomPattern, randomSymmetric, stencil } from '@ad/test-support/sparse-patterns';

const ORDERS = [...VERTEX_ORDERS, 'best'] as const;

/** Every path on four vertices a — b — c — d (distinct, consecutive adjacent) uses ≥ 3 colors: the definition, by brute force. */
function isStarByDefinition(p: SparsityPattern, colors: Int32Array): boolean {
  const nb = (v: number) => Array.from(p.row(v)).filter((w) => w !== v);
  for (let a = 0; a < p.shape[0]; a++) {
    for (const b of nb(a)) {
      if (colors[a] === colors[b]) return false;
      for (const c of nb(b)) {
        if (c === a) continue;
        for (const d of nb(c)) {
          if (d === b || d === a) continue;
          if (new Set([colors[a], colors[b], colors[c], colors[d]]).size < 3) return false;
        }
      }
    }
  }
  return true;
}

describe('column and row coloring (distance-2 on the bipartite graph)', () => {
  test.each([
    ['tridiagonal', 3, banded(200, 1)],
    ['pentadiagonal', 5, banded(200, 2)],
    ['5-point stencil 20 × 20', 5, stencil(20)],
  ])('%s: %d colors (best of the orders), valid in every order', (_, colors, p) => {
    for (const order of ORDERS) {
      const c = columnColoring(p, { order });
      expect(columnConflict(p, c.colors)).toBeNull();
      expect(rowConflict(p, rowColoring(p, { order }).colors)).toBeNull();
      if (order === 'best') expect(c.count).toBe(colors);
    }
  });

  test('arrowhead: a dense row needs n colors by columns and 2 by rows; a dense column the reverse', () => {
    const n = 40;
    const denseRow = arrowhead(n, { row: true, column: false });
    expect(columnColoring(denseRow).count).toBe(n);
    expect(rowColoring(denseRow).count).toBe(2);
    const denseColumn = arrowhead(n, { row: false, column: true });
    expect(columnColoring(denseColumn).count).toBe(2);
    expect(rowColoring(denseColumn).count).toBe(n);
    // Both: n either way (bicoloring, not built, would need 3); as a Hessian, star coloring needs 2.
    const both = arrowhead(n);
    expect([columnColoring(both).count, rowColoring(both).count]).toEqual([n, n]);
    expect(starColoring(both).count).toBe(2);
  });

  test("bundle adjustment (GradBench ba's structure): 15 colors by columns — one observation's 15 parameters", () => {
    const p = bundleAdjustment(7, 60, 300);
    const c = columnColoring(p);
    expect(columnConflict(p, c.colors)).toBeNull();
    expect(c.count).toBe(15);
    for (const order of VERTEX_ORDERS) expect(columnConflict(p, columnColoring(p, { order }).colors)).toBeNull();
  });

  test('random patterns: every order gives a valid coloring, within max row length … max degree + 1', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const m = 5 + (seed % 23);
      const n = 3 + ((seed * 7) % 29);
      const p = randomPattern(m, n, 0.05 + (seed % 5) * 0.08, seed);
      const longest = Math.max(0, ...Array.from({ length: m }, (_, i) => p.row(i).length));
      for (const order of ORDERS) {
        const c = columnColoring(p, { order });
        expect(columnConflict(p, c.colors)).toBeNull();
        expect(c.count).toBeGreaterThanOrEqual(longest);
        expect(rowConflict(p, rowColoring(p, { order }).colors)).toBeNull();
      }
    }
  });

  test('the checkers find conflicts', () => {
    const p = banded(5, 1);
    expect(columnConflict(p, [0, 1, 0, 1, 0])).toBe('columns 0 and 2 share row 1 and color 0');
    expect(rowConflict(p, [0, 1, 2, 0, 1])).toBeNull();
    expect(rowConflict(p, [0, 0, 1, 2, 0])).toBe('rows 0 and 1 share column 0 and color 0');
    expect(columnConflict(p, [0, 1])).toBe('it has 2 colors for 5 columns');
  });

  test('an unknown order is refused by name', () => {
    expect(() => columnColoring(banded(3, 1), { order: 'random' as 'natural' })).toThrow(ValueError);
    expect(() => columnColoring(banded(3, 1), { order: 'random' as 'natural' })).toThrow(/^columnColoring: coloring order must be/);
  });
});

describe('star coloring (symmetric Hessians)', () => {
  test.each([
    ['tridiagonal', 3, banded(100, 1)],
    ['arrowhead', 2, arrowhead(50)],
  ])('%s: %d colors', (_, colors, p) => {
    const c = starColoring(p);
    expect(c.count).toBe(colors);
    expect(starConflict(p, c.colors)).toBeNull();
    expect(isStarByDefinition(p, c.colors)).toBe(true);
  });

  test('banded, stencil and random symmetric patterns: valid star colorings in every order (checked two ways)', () => {
    const patterns = [
      banded(60, 2),
      banded(60, 3),
      stencil(8),
      ...Array.from({ length: 30 }, (_, s) => randomSymmetric(4 + (s % 20), 0.1 + (s % 4) * 0.1, s + 1)),
    ];
    for (const p of patterns) {
      for (const order of ORDERS) {
        const c = starColoring(p, { order });
        expect(starConflict(p, c.colors)).toBeNull();
        expect(isStarByDefinition(p, c.colors)).toBe(true);
      }
    }
  });

  test('a distance-1 coloring that is not a star coloring is refused by the checker', () => {
    // A path 0 — 1 — 2 — 3 colored 0, 1, 0, 1: two colors on four vertices.
    const p = banded(4, 1);
    expect(starConflict(p, [0, 1, 0, 1])).toMatch(/^entry \(1, 2\) cannot be read directly/);
    expect(isStarByDefinition(p, Int32Array.of(0, 1, 0, 1))).toBe(false);
  });
});

describe('bicoloring (star coloring of the bipartite graph)', () => {
  test('arrowhead (dense row and column): 3 seeds — 2 forward, 1 reverse — where either direction alone needs n', () => {
    const p = arrowhead(40);
    const b = bicoloring(p);
    expect([b.forward, b.reverse]).toEqual([2, 1]);
    expect(bicolorConflict(p, b.columns, b.rows, b.fromReverse)).toBeNull();
  });

  test.each([
    ['tridiagonal', 3, banded(40, 1)],
    ['pentadiagonal', 5, banded(40, 2)],
    ['5-point stencil 10 × 10', 5, stencil(10)],
    ['arrowhead, dense last row only', 2, arrowhead(30, { row: false, column: true }).transpose()],
    ['bundle adjustment', 15, bundleAdjustment(5, 30, 120)],
  ])('%s: %d seeds (forward + reverse)', (_, seeds, p) => {
    const b = bicoloring(p);
    expect(b.forward + b.reverse).toBe(seeds);
    expect(bicolorConflict(p, b.columns, b.rows, b.fromReverse)).toBeNull();
  });

  test('banded, stencil, BA and random patterns: every entry read directly, in every order; never more seeds than the better single direction + 1', () => {
    const patterns = [
      banded(30, 1),
      banded(30, 2),
      stencil(6),
      bundleAdjustment(3, 7, 20),
      ...Array.from({ length: 30 }, (_, s) => randomPattern(3 + (s % 13), 2 + ((s * 3) % 17), 0.1 + (s % 4) * 0.1, s + 7)),
    ];
    for (const p of patterns) {
      for (const order of ORDERS) {
        const b = bicoloring(p, { order });
        expect(bicolorConflict(p, b.columns, b.rows, b.fromReverse)).toBeNull();
      }
    }
  });

  test('the checker finds an entry that would be mixed', () => {
    const p = banded(3, 1);
    // Forward seed 0 for every column: row 1 reads columns 0, 1, 2 through one seed.
    expect(bicolorConflict(p, [0, 0, 0], [-1, -1, -1], new Uint8Array(p.nnz))).toMatch(
      /^entry \(0, 0\) is read forward with seed 0, which 2 columns of row 0 share/,
    );
  });
});
