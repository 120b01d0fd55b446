/**
 * Colorings of a sparsity pattern, greedy with a chosen vertex order (as ColPack and
 * SparseMatrixColorings.jl color; Gebremedhin, Manne & Pothen, "What Color Is Your Jacobian?",
 * SIAM Review 47(4), 2005).
 *
 * - Column coloring (forward mode): columns that share a row get different colors — a
 *   distance-2 coloring of the bipartite row/column graph. Then the columns of one color can
 *   share one forward seed: with S (n × c) the seed matrix, S[j][color(j)] = 1, every entry of
 *   J is an entry of J·S: J[i][j] = (J·S)[i][color(j)] (Curtis–Powell–Reid).
 * - Row coloring (reverse mode): the same on the transpose; J[i][j] = (Sᵀ·J)[color(i)][j].
 * - Star coloring (symmetric Hessians): a distance-1 coloring of the adjacency graph in which
 *   every path on four vertices uses at least three colors. Each off-diagonal H[i][j] can then
 *   be read directly from H·S, in row i or in row j (coloring-star.ts).
 */
import { DTypeError, ValueError } from '@ad/core';
import { type Graph, VERTEX_ORDERS, type VertexOrder, columnIntersectionGraph, visit } from './graph.js';
import { SparsityPattern } from './pattern.js';

export type { VertexOrder } from './graph.js';

/** A coloring: `colors[v]` in [0, count) for each column (or row) v, and the order that made it. */
export interface Coloring {
  readonly colors: Int32Array;
  readonly count: number;
  /** The vertex order greedy coloring visited the vertices in. */
  readonly order: VertexOrder;
}

/** Options of the colorings: the vertex order, or 'best' (default) to try each and keep the fewest colors. */
export interface ColoringOptions {
  order?: VertexOrder | 'best';
}

/** The column coloring of `pattern` for forward mode: columns that share a row differ in color. */
export function columnColoring(pattern: SparsityPattern, options: ColoringOptions = {}, caller = 'columnColoring'): Coloring {
  checkPatternArgument(pattern, caller);
  return bestOf(() => columnIntersectionGraph(pattern), options, caller, greedyColoring, longestRow(pattern), pattern.shape[1]);
}

/** The row coloring of `pattern` for reverse mode: rows that share a column differ in color. */
export function rowColoring(pattern: SparsityPattern, options: ColoringOptions = {}, caller = 'rowColoring'): Coloring {
  checkPatternArgument(pattern, caller);
  const transposed = pattern.transpose();
  return bestOf(() => columnIntersectionGraph(transposed), options, caller, greedyColoring, longestRow(transposed), pattern.shape[0]);
}

/**
 * Greedy distance-1 coloring: each vertex in turn takes the smallest color none of its colored
 * neighbours has. `forbidden[c] === v` marks color c as taken while coloring v (no clearing).
 */
export function greedyColoring(graph: Graph, order: VertexOrder): Int32Array {
  const { ptr, adj } = graph;
  const colors = new Int32Array(graph.vertices).fill(-1);
  const forbidden = new Int32Array(graph.vertices + 1).fill(-1);
  visit(graph, order, (v) => {
    for (let e = ptr[v]; e < ptr[v + 1]; e++) {
      const c = colors[adj[e]];
      if (c >= 0) forbidden[c] = v;
    }
    let c = 0;
    while (forbidden[c] === v) c++;
    colors[v] = c;
    return c;
  });
  return colors;
}

/**
 * The coloring by one order, or (`best`) by each order in turn, keeping the fewest colors and
 * stopping early at `lowest`, a count no coloring can beat (the longest row, for columns); the
 * graph is made only when there is something to choose.
 */
export function bestOf(
  makeGraph: () => Graph,
  options: ColoringOptions,
  caller: string,
  color: (graph: Graph, order: VertexOrder) => Int32Array,
  lowest: number,
  vertices: number,
): Coloring {
  const chosen = checkOrder(options, caller);
  // A row that meets every column: each column its own color, whatever the order (and no need
  // to build or walk a graph of n² edges to learn it).
  if (vertices > 0 && lowest >= vertices) return { colors: Int32Array.from({ length: vertices }, (_, v) => v), count: vertices, order: 'natural' };
  const graph = makeGraph();
  let best: Coloring | undefined;
  for (const order of chosen === 'best' ? VERTEX_ORDERS : [chosen]) {
    const colors = color(graph, order);
    const count = colors.reduce((max, c) => Math.max(max, c + 1), 0);
    if (best === undefined || count < best.count) best = { colors, count, order };
    if (best.count <= lowest) break;
  }
  return best as Coloring;
}

/** The most entries in one row: columns meeting in a row all differ, so at least this many colors. */
export function longestRow(pattern: SparsityPattern): number {
  let most = 0;
  for (let i = 0; i < pattern.shape[0]; i++) most = Math.max(most, pattern.rowPtr[i + 1] - pattern.rowPtr[i]);
  return most;
}

/** A pattern and options of the right kinds. */
export function checkPatternArgument(pattern: unknown, caller: string): void {
  if (!(pattern instanceof SparsityPattern)) {
    throw new DTypeError(caller, `pattern must be a SparsityPattern, got ${pattern === null ? 'null' : Array.isArray(pattern) ? 'an array' : typeof pattern}`);
  }
}

/** The order asked for, checked ('best' when none). */
export function checkOrder(options: ColoringOptions, caller: string): VertexOrder | 'best' {
  if (options === null || typeof options !== 'object')
    throw new DTypeError(caller, `options must be an object ({ order }), got ${options === null ? 'null' : typeof options}`);
  const order = options.order ?? 'best';
  if (order !== 'best' && !VERTEX_ORDERS.includes(order)) {
    throw new ValueError(caller, `coloring order must be 'best' or one of ${VERTEX_ORDERS.map((o) => `'${o}'`).join(', ')}, got ${String(order)}`);
  }
  return order;
}
