/**
 * Bicoloring (star bicoloring; Coleman & Verma 1998, Gebremedhin, Manne & Pothen 2005 §3.4):
 * some entries of J from forward seeds (groups of columns), the others from reverse seeds
 * (groups of rows), for Jacobians with both a dense row and a dense column, which need n colors
 * either way alone.
 *
 * It is the star coloring of the bipartite graph — the adjacency graph of the symmetric
 * (n + m) × (n + m) matrix [[0, Jᵀ], [J, 0]], vertex j per column and n + i per row. Then each
 * entry J[i][j] is read directly, as for a Hessian: from the forward product J·S at row i and
 * color(j) when j is row i's only column of that color, else from the reverse product Sᵀ·J at
 * color(i) and column j. Only the color classes some entry is read from get a seed: a class of
 * columns that no entry reads is left out of the forward pass (its columns' seeds are zero), and
 * likewise for rows.
 *
 * Greedy star coloring of the bipartite graph often does badly here (columns are never
 * adjacent, so it gives many of them one color and then needs a color per row), so splits are
 * tried too — forward only and reverse only among them, so a bicoloring never needs more seeds
 * than the better direction: the rows at least L long read in reverse (a row coloring of those rows alone) and
 * the others forward (a column coloring of the rest), or the columns at least L long forward and
 * the rest in reverse, for the longest few lengths L. The seeds of a split never mix: a forward
 * seed holds only columns colored for the forward rows, and only those rows are read from it.
 * For an arrowhead (a dense row 0 and column 0, and the diagonal) the split at row 0 gives 3
 * seeds: row 0 in reverse, column 0 and the other columns forward.
 */
import { type ColoringOptions, checkOrder, checkPatternArgument, columnColoring, longestRow, rowColoring } from './coloring.js';
import { greedyStarColoring } from './coloring-star.js';
import { type Graph, VERTEX_ORDERS, type VertexOrder } from './graph.js';
import { uniqueInRow } from './compressed.js';
import { SparsityPattern } from './pattern.js';

/** A bicoloring: forward seed of each column and reverse seed of each row (−1: none). */
export interface Bicoloring {
  /** `columns[j]` in [0, forward), or −1 when column j is in no forward seed. */
  readonly columns: Int32Array;
  /** `rows[i]` in [0, reverse), or −1 when row i is in no reverse seed. */
  readonly rows: Int32Array;
  /** Forward seeds: the width of the one forward pass. */
  readonly forward: number;
  /** Reverse seeds: the number of pullbacks. */
  readonly reverse: number;
  /** For each entry of the pattern (CSR order): 1 if it is read from the reverse products, 0 from the forward ones. */
  readonly fromReverse: Uint8Array;
  /** How it was made: the star coloring of the bipartite graph (and its order), or a split. */
  readonly method: string;
}

/** The bicoloring of `pattern` with the fewest seeds (forward + reverse) over the orders asked for. */
export function bicoloring(pattern: SparsityPattern, options: ColoringOptions = {}, caller = 'bicoloring'): Bicoloring {
  checkPatternArgument(pattern, caller);
  const chosen = checkOrder(options, caller);
  const transposed = pattern.transpose();
  const lineOptions = { order: chosen };
  let best: Bicoloring | undefined;
  const seeds = () => (best === undefined ? Number.POSITIVE_INFINITY : best.forward + best.reverse);
  const keep = (b: Bicoloring) => {
    if (b.forward + b.reverse < seeds()) best = b;
  };
  // One direction alone is a split too (no long rows: all forward; every row long: all reverse),
  // each tried only when its lower bound (the longest row, the longest column) can win.
  keep(rowSplit(pattern, Number.POSITIVE_INFINITY, lineOptions, caller));
  if (longestRow(transposed) < seeds()) keep(rowSplit(pattern, 0, lineOptions, caller));
  for (const threshold of longest(pattern)) keep(rowSplit(pattern, threshold, lineOptions, caller));
  for (const threshold of longest(transposed)) keep(columnSplit(pattern, transposed, threshold, lineOptions, caller));
  // The star coloring's rule looks two steps around every vertex: Σ deg(w)² · max deg work,
  // hopeless for bundle adjustment's cameras (a column meeting 1,300 rows); skipped past 10⁸.
  const graph = bipartiteGraph(pattern);
  let work = 0;
  let most = 0;
  for (let v = 0; v < graph.vertices; v++) {
    const d = graph.ptr[v + 1] - graph.ptr[v];
    work += d * d;
    most = Math.max(most, d);
  }
  if (work * most <= 1e8) {
    for (const order of chosen === 'best' ? VERTEX_ORDERS : [chosen]) keep(seedsOf(pattern, greedyStarColoring(graph, order), order));
  }
  return best as Bicoloring;
}

/** The few longest row lengths of a pattern (above its median), longest first: the split thresholds tried. */
function longest(pattern: SparsityPattern): number[] {
  const lengths = Array.from({ length: pattern.shape[0] }, (_, i) => pattern.rowPtr[i + 1] - pattern.rowPtr[i]).sort((a, b) => b - a);
  const median = lengths[Math.floor(lengths.length / 2)] ?? 0;
  return [...new Set(lengths)].filter((l) => l > median).slice(0, 4);
}

/** The pattern's entries that `keep(i, j)` keeps (the others dropped; the shape kept). */
function restrict(pattern: SparsityPattern, keep: (i: number, j: number) => boolean): SparsityPattern {
  const rowIndex = pattern.rowIndex();
  const rows: number[] = [];
  const cols: number[] = [];
  for (let e = 0; e < pattern.nnz; e++) {
    if (keep(rowIndex[e], pattern.colIndex[e])) {
      rows.push(rowIndex[e]);
      cols.push(pattern.colIndex[e]);
    }
  }
  return SparsityPattern.fromCoordinates(pattern.shape, rows, cols);
}

/** Colors of the lines (columns) that have entries in `part`, renumbered from 0; −1 for the others. */
function used(colors: Int32Array, part: SparsityPattern, byColumn: boolean): { colors: Int32Array; count: number } {
  const t = byColumn ? part.transpose() : part;
  const present = (v: number) => t.rowPtr[v + 1] > t.rowPtr[v];
  const classes = new Map<number, number>();
  const out = Int32Array.from(colors, (c, v) => {
    if (!present(v)) return -1;
    if (!classes.has(c)) classes.set(c, classes.size);
    return classes.get(c) as number;
  });
  return { colors: out, count: classes.size };
}

/** Rows at least `threshold` long in reverse, the rest forward. */
function rowSplit(pattern: SparsityPattern, threshold: number, options: ColoringOptions, caller: string): Bicoloring {
  const long = (i: number) => pattern.rowPtr[i + 1] - pattern.rowPtr[i] >= threshold;
  return split(pattern, long, options, caller, `rows with ≥ ${threshold} entries in reverse`);
}

/** Columns at least `threshold` long forward, the rest in reverse. */
function columnSplit(pattern: SparsityPattern, transposed: SparsityPattern, threshold: number, options: ColoringOptions, caller: string): Bicoloring {
  const long = (j: number) => transposed.rowPtr[j + 1] - transposed.rowPtr[j] >= threshold;
  return split(pattern, (_, j) => !long(j), options, caller, `columns with ≥ ${threshold} entries forward`);
}

/** The entries `reverse(i, j)` picks go to the rows' coloring (reverse), the others to the columns' (forward). */
function split(pattern: SparsityPattern, reverse: (i: number, j: number) => boolean, options: ColoringOptions, caller: string, method: string): Bicoloring {
  const reversePart = restrict(pattern, reverse);
  const forwardPart = restrict(pattern, (i, j) => !reverse(i, j));
  const rows = used(rowColoring(reversePart, options, caller).colors, reversePart, false);
  const columns = used(columnColoring(forwardPart, options, caller).colors, forwardPart, true);
  const rowIndex = pattern.rowIndex();
  const fromReverse = Uint8Array.from(rowIndex, (i, e) => (reverse(i, pattern.colIndex[e]) ? 1 : 0));
  return { columns: columns.colors, rows: rows.colors, forward: columns.count, reverse: rows.count, fromReverse, method };
}

/** Vertex j per column (0 … n − 1), n + i per row; an edge per entry. */
function bipartiteGraph(pattern: SparsityPattern): Graph {
  const [m, n] = pattern.shape;
  const byColumn = pattern.transpose();
  const ptr = new Int32Array(n + m + 1);
  const adj = new Int32Array(2 * pattern.nnz);
  let size = 0;
  for (let j = 0; j < n; j++) {
    for (const i of byColumn.row(j)) adj[size++] = n + i;
    ptr[j + 1] = size;
  }
  for (let i = 0; i < m; i++) {
    for (const j of pattern.row(i)) adj[size++] = j;
    ptr[n + i + 1] = size;
  }
  return { vertices: n + m, ptr, adj };
}

/** Where each entry is read, and the classes read, renumbered: forward seeds 0 … f − 1, reverse 0 … r − 1. */
function seedsOf(pattern: SparsityPattern, colors: Int32Array, order: VertexOrder): Bicoloring {
  const [m, n] = pattern.shape;
  const rowIndex = pattern.rowIndex();
  const fromReverse = new Uint8Array(pattern.nnz);
  const forwardUsed = new Set<number>();
  const reverseUsed = new Set<number>();
  const columnColors = colors.subarray(0, n);
  const unique = uniqueInRow(pattern, columnColors, false);
  for (let e = 0; e < pattern.nnz; e++) {
    if (unique[e]) {
      forwardUsed.add(columnColors[pattern.colIndex[e]]);
    } else {
      fromReverse[e] = 1;
      reverseUsed.add(colors[n + rowIndex[e]]);
    }
  }
  const renumber = (used: Set<number>) => new Map([...used].sort((a, b) => a - b).map((c, k) => [c, k]));
  const f = renumber(forwardUsed);
  const r = renumber(reverseUsed);
  const columns = Int32Array.from({ length: n }, (_, j) => f.get(colors[j]) ?? -1);
  const rows = Int32Array.from({ length: m }, (_, i) => r.get(colors[n + i]) ?? -1);
  return { columns, rows, forward: f.size, reverse: r.size, fromReverse, method: `star coloring of the bipartite graph (${order})` };
}
