/**
 * Placements: a sum of unslices with disjoint windows, which is how `concat` and `stack` are
 * written in the table (each piece placed into zeros of the result's shape, the pieces added;
 * the tangents of a jvp through a concat are such sums too). Emitted as traced, a sum of k
 * pieces allocates k zeroed arrays of the result's size and runs k − 1 additions over it; a
 * placement allocates the result once (zeroed only where no piece lands) and writes each piece
 * into its window, one pass over the piece. The sum adds zeros to each element, which turns a
 * −0 into +0: the writes add 0 too, so the result is eager mode's bit for bit.
 */
import type { Shape, Tensor } from '@ad/core';
import { ops as coreOps } from '@ad/core/engine';
import type { Node } from './graph.js';

/** One axis of a slice's parameters. */
type AxisSlice = Parameters<typeof coreOps.slice.primal>[1]['axes'][number];

/** A placement: the unslice nodes whose sum it is, and the additions it replaces. */
export interface Placement {
  readonly pieces: readonly number[];
  readonly adds: readonly number[];
  /** True when the windows cover every element (no zeros left to write). */
  readonly covered: boolean;
}

/**
 * The placements of a graph, by the id of the addition that gives their result: each a tree of
 * additions (of the result's shape, no broadcasting) whose leaves are unslices to that shape,
 * every inner node and leaf read by its parent alone (and not an output), the leaves' windows
 * pairwise disjoint. Fewer than two pieces is no placement.
 */
export function findPlacements(
  nodes: readonly Node[],
  live: Uint8Array,
  consumers: readonly (readonly number[])[],
  isOutput: ReadonlySet<number>,
): Map<number, Placement> {
  const add = coreOps.add as unknown;
  const unslice = coreOps.unslice as unknown;
  const sameShape = (a: Shape, b: Shape) => a.length === b.length && a.every((d, i) => d === b[i]);
  const onlyFor = (id: number, parent: number) => !isOutput.has(id) && consumers[id].length === 1 && consumers[id][0] === parent;
  const isSum = (n: Node) => live[n.id] === 1 && n.kind === 'op' && n.op === add && n.shape !== null && n.inputs[0] !== n.inputs[1];
  /** The pieces under addition `id` (its inner additions into `adds`), or null when it is not a sum of unslices. */
  const piecesOf = (id: number, shape: Shape, adds: number[]): number[] | null => {
    const n = nodes[id];
    adds.push(id);
    const pieces: number[] = [];
    for (const i of n.inputs) {
      const x = nodes[i];
      if (x.shape === null || !sameShape(x.shape, shape) || !onlyFor(i, id)) return null;
      if (x.kind === 'op' && x.op === unslice) pieces.push(i);
      else if (isSum(x)) {
        const inner = piecesOf(i, shape, adds);
        if (inner === null) return null;
        pieces.push(...inner);
      } else return null;
    }
    return pieces;
  };
  const placements = new Map<number, Placement>();
  const inner = new Set<number>();
  // From the last node back: a root is found before the additions inside it.
  for (let id = nodes.length - 1; id >= 0; id--) {
    const n = nodes[id];
    if (inner.has(id) || !isSum(n)) continue;
    const shape = n.shape as Shape;
    const adds: number[] = [];
    const pieces = piecesOf(id, shape, adds);
    if (pieces === null || pieces.length < 2) continue;
    const marks = new Uint8Array(shape.reduce((a, b) => a * b, 1));
    let count = 0;
    let disjoint = true;
    for (const p of pieces) {
      windowOffsets((nodes[p].params as { axes: readonly AxisSlice[] }).axes, shape, (o) => {
        if (marks[o] === 1) disjoint = false;
        marks[o] = 1;
        count++;
      });
      if (!disjoint) break;
    }
    if (!disjoint) continue;
    for (const a of adds) inner.add(a);
    placements.set(id, { pieces, adds, covered: count === marks.length });
  }
  return placements;
}

/** Calls `visit` with the row-major offset of each element of a slice's window into `shape`. */
function windowOffsets(axes: readonly AxisSlice[], shape: Shape, visit: (offset: number) => void): void {
  const stride = new Array<number>(shape.length);
  for (let d = shape.length - 1, acc = 1; d >= 0; d--) {
    stride[d] = acc;
    acc *= shape[d];
  }
  const walk = (d: number, at: number): void => {
    if (d === shape.length) {
      visit(at);
      return;
    }
    const a = axes[d] ?? { start: 0, step: 1, count: shape[d], drop: false };
    const count = a.drop ? 1 : a.count;
    for (let k = 0; k < count; k++) walk(d + 1, at + (a.start + k * a.step) * stride[d]);
  };
  walk(0, 0);
}

/**
 * Writes piece y into its window of `out` (a row-major tensor), as unslice's window, each
 * element plus 0 (see the module comment).
 */
export function place(out: Tensor, y: Tensor, params: { axes: readonly AxisSlice[] }): void {
  const w = coreOps.slice.primal([out], params);
  const shape = w.shape;
  const rank = shape.length;
  const dst = w.data;
  const src = y.data;
  if (rank === 0) {
    dst[w.offset] = src[y.offset] + 0;
    return;
  }
  const last = rank - 1;
  const inner = shape[last];
  const dInner = w.stride[last];
  const sInner = y.stride[last];
  const total = w.size;
  const index = new Array<number>(rank).fill(0);
  let d = w.offset;
  let s = y.offset;
  for (let done = 0; done < total; done += inner) {
    for (let j = 0; j < inner; j++) dst[d + j * dInner] = src[s + j * sInner] + 0;
    for (let a = last - 1; a >= 0; a--) {
      index[a]++;
      d += w.stride[a];
      s += y.stride[a];
      if (index[a] < shape[a]) break;
      d -= w.stride[a] * shape[a];
      s -= y.stride[a] * shape[a];
      index[a] = 0;
    }
  }
}
