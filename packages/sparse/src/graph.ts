/**
 * The graphs that coloring works on, in adjacency (CSR) form, and the vertex orders greedy
 * coloring visits them in.
 *
 * - The column intersection graph of an m × n pattern: vertex j per column, an edge j — k when
 *   columns j and k share a row. A distance-1 coloring of it is a distance-2 coloring of the
 *   bipartite row/column graph: columns of one color never meet in a row (Curtis–Powell–Reid).
 * - The adjacency graph of a symmetric n × n pattern: vertex j per column, an edge j — k for
 *   each off-diagonal entry (j, k). Star coloring works on it.
 */
import type { SparsityPattern } from './pattern.js';

/** An undirected graph without self-loops: vertex v's neighbours are adj[ptr[v] .. ptr[v + 1]). */
export interface Graph {
  readonly vertices: number;
  readonly ptr: Int32Array;
  readonly adj: Int32Array;
}

/**
 * The order greedy coloring visits vertices in. 'natural' is 0, 1, …, n − 1 (best on banded
 * patterns); 'largest-first' by decreasing degree (Welsh–Powell); 'smallest-last' repeatedly
 * takes out a vertex of least degree in what remains and colors in the reverse order of removal
 * (Matula–Beck), which bounds the colors by the graph's degeneracy + 1; 'saturation' is
 * dynamic (DSATUR, Brélaz 1979): next the uncolored vertex whose neighbours already have the
 * most distinct colors, ties by degree — the one that finds 5 colors for the 5-point stencil,
 * where the static orders find 7.
 */
export type VertexOrder = 'natural' | 'largest-first' | 'smallest-last' | 'saturation';

/** Every order, in the order `best` tries them (the first of equal counts wins). */
export const VERTEX_ORDERS: readonly VertexOrder[] = ['natural', 'largest-first', 'smallest-last', 'saturation'];

/** The static orders: a permutation fixed before coloring starts. */
export type StaticOrder = Exclude<VertexOrder, 'saturation'>;

/** The graph whose edges join columns of `pattern` that share a row (distinct neighbours, no self-loops). */
export function columnIntersectionGraph(pattern: SparsityPattern): Graph {
  const [, n] = pattern.shape;
  const byColumn = pattern.transpose();
  const mark = new Int32Array(n).fill(-1);
  const ptr = new Int32Array(n + 1);
  let adj = new Int32Array(Math.max(16, pattern.nnz));
  let size = 0;
  for (let j = 0; j < n; j++) {
    mark[j] = j;
    for (const i of byColumn.row(j)) {
      for (const k of pattern.row(i)) {
        if (mark[k] === j) continue;
        mark[k] = j;
        if (size === adj.length) {
          const grown = new Int32Array(2 * adj.length);
          grown.set(adj);
          adj = grown;
        }
        adj[size++] = k;
      }
    }
    ptr[j + 1] = size;
  }
  return { vertices: n, ptr, adj: adj.slice(0, size) };
}

/** The adjacency graph of a symmetric n × n pattern: an edge per off-diagonal entry pair. */
export function adjacencyGraph(pattern: SparsityPattern): Graph {
  const [n] = pattern.shape;
  const ptr = new Int32Array(n + 1);
  const adj = new Int32Array(pattern.nnz);
  let size = 0;
  for (let j = 0; j < n; j++) {
    for (const k of pattern.row(j)) if (k !== j) adj[size++] = k;
    ptr[j + 1] = size;
  }
  return { vertices: n, ptr, adj: adj.slice(0, size) };
}

/** The vertices of `graph` in the given static order. */
export function vertexOrder(graph: Graph, order: StaticOrder): Int32Array {
  const n = graph.vertices;
  const degree = (v: number) => graph.ptr[v + 1] - graph.ptr[v];
  if (order === 'natural') return Int32Array.from({ length: n }, (_, v) => v);
  if (order === 'largest-first') {
    // Stable: equal degrees keep their natural order, so a banded pattern still sweeps along its band.
    return Int32Array.from({ length: n }, (_, v) => v).sort((a, b) => degree(b) - degree(a) || a - b);
  }
  return smallestLast(graph);
}

/**
 * Matula–Beck smallest-last order with a bucket queue: O(vertices + edges). Vertices of the
 * current least degree are kept in a bucket per degree (doubly linked), removed one at a time,
 * and their remaining neighbours move one bucket down.
 */
function smallestLast(graph: Graph): Int32Array {
  const n = graph.vertices;
  const { ptr, adj } = graph;
  const degree = new Int32Array(n);
  let maxDegree = 0;
  for (let v = 0; v < n; v++) {
    degree[v] = ptr[v + 1] - ptr[v];
    if (degree[v] > maxDegree) maxDegree = degree[v];
  }
  const head = new Int32Array(maxDegree + 1).fill(-1);
  const next = new Int32Array(n).fill(-1);
  const prev = new Int32Array(n).fill(-1);
  const insert = (v: number) => {
    const d = degree[v];
    prev[v] = -1;
    next[v] = head[d];
    if (head[d] >= 0) prev[head[d]] = v;
    head[d] = v;
  };
  const unlink = (v: number) => {
    if (prev[v] >= 0) next[prev[v]] = next[v];
    else head[degree[v]] = next[v];
    if (next[v] >= 0) prev[next[v]] = prev[v];
  };
  // Inserted from the last vertex down, so each bucket lists its vertices in natural order.
  for (let v = n - 1; v >= 0; v--) insert(v);
  const removed = new Uint8Array(n);
  const order = new Int32Array(n);
  let low = 0;
  for (let position = n - 1; position >= 0; position--) {
    while (head[low] < 0) low++;
    const v = head[low];
    unlink(v);
    removed[v] = 1;
    order[position] = v;
    for (let e = ptr[v]; e < ptr[v + 1]; e++) {
      const w = adj[e];
      if (removed[w]) continue;
      unlink(w);
      degree[w]--;
      insert(w);
    }
    if (low > 0) low--;
  }
  return order;
}

/**
 * Runs `color` (which colors one vertex and returns its color) on every vertex of `graph` in the
 * given order: a static order's permutation, or DSATUR's choice made as colors appear. DSATUR
 * keeps a lazy max-heap of (saturation, degree, −vertex): an entry is pushed each time a
 * vertex's saturation grows, and stale entries are skipped when popped.
 */
export function visit(graph: Graph, order: VertexOrder, color: (v: number) => number): void {
  if (order !== 'saturation') {
    for (const v of vertexOrder(graph, order)) color(v);
    return;
  }
  const n = graph.vertices;
  const { ptr, adj } = graph;
  const saturation = new Int32Array(n);
  const done = new Uint8Array(n);
  // Colors seen around each vertex; a vertex's set is dropped once it is colored.
  const seen: (Set<number> | undefined)[] = new Array(n);
  const heap = new MaxHeap();
  for (let v = 0; v < n; v++) heap.push(0, ptr[v + 1] - ptr[v], v);
  while (heap.size > 0) {
    const [sat, , v] = heap.pop();
    if (done[v] || sat !== saturation[v]) continue;
    done[v] = 1;
    seen[v] = undefined;
    const c = color(v);
    for (let e = ptr[v]; e < ptr[v + 1]; e++) {
      const w = adj[e];
      if (done[w]) continue;
      let colors = seen[w];
      if (colors === undefined) {
        colors = new Set();
        seen[w] = colors;
      }
      if (colors.has(c)) continue;
      colors.add(c);
      saturation[w]++;
      heap.push(saturation[w], ptr[w + 1] - ptr[w], w);
    }
  }
}

/** A binary max-heap of (key, tie, vertex) triples, larger key then larger tie then smaller vertex first. */
class MaxHeap {
  #keys: number[] = [];
  #ties: number[] = [];
  #vertices: number[] = [];

  get size(): number {
    return this.#vertices.length;
  }

  push(key: number, tie: number, vertex: number): void {
    this.#keys.push(key);
    this.#ties.push(tie);
    this.#vertices.push(vertex);
    let i = this.#vertices.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  pop(): [number, number, number] {
    const top: [number, number, number] = [this.#keys[0], this.#ties[0], this.#vertices[0]];
    const last = this.#vertices.length - 1;
    this.#swap(0, last);
    this.#keys.pop();
    this.#ties.pop();
    this.#vertices.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < last && this.#before(l, best)) best = l;
      if (r < last && this.#before(r, best)) best = r;
      if (best === i) break;
      this.#swap(i, best);
      i = best;
    }
    return top;
  }

  #before(a: number, b: number): boolean {
    const k = this.#keys;
    const t = this.#ties;
    if (k[a] !== k[b]) return k[a] > k[b];
    if (t[a] !== t[b]) return t[a] > t[b];
    return this.#vertices[a] < this.#vertices[b];
  }

  #swap(a: number, b: number): void {
    [this.#keys[a], this.#keys[b]] = [this.#keys[b], this.#keys[a]];
    [this.#ties[a], this.#ties[b]] = [this.#ties[b], this.#ties[a]];
    [this.#vertices[a], this.#vertices[b]] = [this.#vertices[b], this.#vertices[a]];
  }
}
