/**
 * Star coloring of a symmetric pattern, for Hessians (Gebremedhin, Manne & Pothen 2005, §4):
 * a distance-1 coloring of the adjacency graph in which no path on four vertices is colored
 * with two colors only — the vertices of any two colors induce stars. Equivalently (their
 * Theorem 4.6) every off-diagonal entry can be read off H·S directly: for an edge i — j, either
 * j is i's only neighbour of color(j), and H[i][j] = (H·S)[i][color(j)], or i is j's only
 * neighbour of color(i), and H[i][j] = (H·S)[j][color(i)]. A diagonal entry H[i][i] is
 * (H·S)[i][color(i)], as no neighbour of i shares its color.
 *
 * Symmetry is what makes it cheaper than a column coloring: an arrowhead Hessian (a dense first
 * row and column and a diagonal) needs n colors column by column but 2 as a star coloring —
 * the hub one color, every leaf the other, each leaf entry read in the leaf's own row.
 */
import { ShapeError } from '@ad/core';
import { type Coloring, type ColoringOptions, bestOf, checkPatternArgument } from './coloring.js';
import { type Graph, type VertexOrder, adjacencyGraph, visit } from './graph.js';
import type { SparsityPattern } from './pattern.js';

/** The star coloring of a symmetric n × n pattern (its diagonal plays no part). */
export function starColoring(pattern: SparsityPattern, options: ColoringOptions = {}, caller = 'starColoring'): Coloring {
  checkPatternArgument(pattern, caller);
  if (pattern.shape[0] !== pattern.shape[1])
    throw new ShapeError(caller, `a star coloring needs a square (symmetric) pattern, got ${pattern.shape[0]} × ${pattern.shape[1]}`);
  return bestOf(() => adjacencyGraph(pattern), options, caller, greedyStarColoring, 1, pattern.shape[0]);
}

/**
 * Greedy star coloring. A two-colored path on four vertices is caught when its last vertex v is
 * colored, with v either at an end or inside the path; so v may not take color b when
 *
 * - a neighbour w has color b (distance-1);
 * - v — w — x — y with color(w) = color(y) = a, color(x) = b (v at an end);
 * - u — v — w — x with color(u) = color(w) = a, color(x) = b (v inside: v would be the hub of
 *   a star whose leaf w has a second neighbour x of v's color).
 *
 * `forbidden[c] === v` marks color c as taken for v; `seen[a]` counts v's neighbours of color a.
 */
export function greedyStarColoring(graph: Graph, order: VertexOrder): Int32Array {
  const { ptr, adj } = graph;
  const n = graph.vertices;
  const colors = new Int32Array(n).fill(-1);
  const forbidden = new Int32Array(n + 1).fill(-1);
  const seen = new Int32Array(n + 1);
  const seenAt = new Int32Array(n + 1).fill(-1);
  visit(graph, order, (v) => {
    for (let e = ptr[v]; e < ptr[v + 1]; e++) {
      const a = colors[adj[e]];
      if (a < 0) continue;
      forbidden[a] = v;
      if (seenAt[a] !== v) {
        seenAt[a] = v;
        seen[a] = 0;
      }
      seen[a]++;
    }
    for (let e = ptr[v]; e < ptr[v + 1]; e++) {
      const w = adj[e];
      const a = colors[w];
      if (a < 0) continue;
      const twin = seen[a] >= 2;
      for (let f = ptr[w]; f < ptr[w + 1]; f++) {
        const x = adj[f];
        const b = colors[x];
        if (x === v || b < 0 || forbidden[b] === v) continue;
        if (twin || hasNeighbourColored(graph, colors, x, a, w)) forbidden[b] = v;
      }
    }
    let c = 0;
    while (forbidden[c] === v) c++;
    colors[v] = c;
    return c;
  });
  return colors;
}

/** Whether x has a neighbour other than `except` of color a. */
function hasNeighbourColored(graph: Graph, colors: Int32Array, x: number, a: number, except: number): boolean {
  for (let e = graph.ptr[x]; e < graph.ptr[x + 1]; e++) {
    const y = graph.adj[e];
    if (y !== except && colors[y] === a) return true;
  }
  return false;
}
