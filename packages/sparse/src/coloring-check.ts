/**
 * Validity of a coloring, checked from the pattern (not from the graph the coloring was made
 * on): a coloring given by hand is checked before it is used, and the tests check every
 * coloring the greedy algorithms make. Each check returns null when the coloring is valid, or
 * a sentence naming the first conflict.
 */
import { uniqueInRow } from './compressed.js';
import type { SparsityPattern } from './pattern.js';

/** Null if no two columns of one color share a row; else the first such pair. */
export function columnConflict(pattern: SparsityPattern, colors: ArrayLike<number>): string | null {
  return sharedLine(pattern, colors, 'column', 'row');
}

/** Null if no two rows of one color share a column; else the first such pair. */
export function rowConflict(pattern: SparsityPattern, colors: ArrayLike<number>): string | null {
  return sharedLine(pattern.transpose(), colors, 'row', 'column');
}

/** The first two colored lines (columns of `pattern`) of one color that meet in a row of it. */
function sharedLine(pattern: SparsityPattern, colors: ArrayLike<number>, colored: string, across: string): string | null {
  const [m, n] = pattern.shape;
  if (colors.length !== n) return `it has ${colors.length} colors for ${n} ${colored}s`;
  const owner = new Map<number, number>();
  for (let i = 0; i < m; i++) {
    owner.clear();
    for (const j of pattern.row(i)) {
      const c = colors[j];
      if (!Number.isInteger(c) || c < 0) return `${colored} ${j} has color ${c}; colors are integers ≥ 0`;
      const k = owner.get(c);
      if (k !== undefined) return `${colored}s ${k} and ${j} share ${across} ${i} and color ${c}`;
      owner.set(c, j);
    }
  }
  return null;
}

/**
 * Null if `colors` is a star coloring of the symmetric pattern: adjacent vertices differ, and
 * for every edge i — j, j is i's only neighbour of color(j) or i is j's only neighbour of
 * color(i) (no path on four vertices in two colors; GMP 2005, Theorem 4.6). Else the first
 * entry that cannot be read off H·S.
 */
export function starConflict(pattern: SparsityPattern, colors: ArrayLike<number>): string | null {
  const [n] = pattern.shape;
  if (colors.length !== n) return `it has ${colors.length} colors for ${n} columns`;
  const unique = uniqueInRow(pattern, colors, true);
  const rowIndex = pattern.rowIndex();
  for (let e = 0; e < pattern.nnz; e++) {
    const i = rowIndex[e];
    const j = pattern.colIndex[e];
    if (j === i) continue;
    if (!Number.isInteger(colors[j]) || colors[j] < 0) return `column ${j} has color ${colors[j]}; colors are integers ≥ 0`;
    if (colors[i] === colors[j]) return `columns ${i} and ${j} are adjacent and share color ${colors[i]}`;
    if (!unique[e] && !unique[entryOf(pattern, j, i)]) {
      return `entry (${i}, ${j}) cannot be read directly: ${i} has several neighbours of color ${colors[j]} and ${j} several of color ${colors[i]}`;
    }
  }
  return null;
}

/** The CSR position of entry (i, j) of a symmetric pattern (binary search in row i). */
function entryOf(pattern: SparsityPattern, i: number, j: number): number {
  let lo = pattern.rowPtr[i];
  let hi = pattern.rowPtr[i + 1];
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pattern.colIndex[mid] < j) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Null if the bicoloring reads every entry directly: an entry read forward is its row's only
 * entry whose column has that forward seed; one read in reverse is its column's only entry whose
 * row has that reverse seed. Else the first entry that would come out mixed with another.
 */
export function bicolorConflict(pattern: SparsityPattern, columns: ArrayLike<number>, rows: ArrayLike<number>, fromReverse: ArrayLike<number>): string | null {
  const rowIndex = pattern.rowIndex();
  const byColumn = pattern.transpose();
  for (let e = 0; e < pattern.nnz; e++) {
    const i = rowIndex[e];
    const j = pattern.colIndex[e];
    if (fromReverse[e]) {
      const r = rows[i];
      const same = Array.from(byColumn.row(j)).filter((k) => rows[k] === r).length;
      if (r < 0 || same !== 1) return `entry (${i}, ${j}) is read in reverse with seed ${r}, which ${same} rows of column ${j} share`;
    } else {
      const c = columns[j];
      const same = Array.from(pattern.row(i)).filter((k) => columns[k] === c).length;
      if (c < 0 || same !== 1) return `entry (${i}, ${j}) is read forward with seed ${c}, which ${same} columns of row ${i} share`;
    }
  }
  return null;
}
