/**
 * `where` inside a fused loop, evaluated lazily. Eager mode computes both branches of
 * where(c, x, y) over the whole tensor and picks per element; in a fused loop the members that
 * only the x branch reads (its exclusive subtree: read by nothing else in the loop, not stored)
 * need computing only where c ≠ 0, and the y branch's only where c = 0. So the loop body holds
 *
 *   let z;  if (c !== 0) { …x's subtree…; z = x; } else { …y's subtree…; z = y; }
 *
 * The picked value is the same expression of the same operands, so the result is eager mode's
 * bit for bit; the branch not taken is not computed. (A jvp through a where with a cheap
 * fallback — Rodrigues' first-order rotation in bundle adjustment — carries the fallback's
 * tangents in every direction: 17 % of that loop.)
 */
import { ops as coreOps } from '@ad/core/engine';
import type { Node } from './graph.js';

/** The members each where of a loop computes in its branches: [x's, y's], in member order. */
export interface Branches {
  /** By where member: the members of its x and y branch blocks (wheres among them carry their own). */
  readonly blocks: ReadonlyMap<number, readonly [readonly number[], readonly number[]]>;
  /** Every member written inside some block (not at its own place in the loop). */
  readonly moved: ReadonlySet<number>;
}

/**
 * The branch blocks of a fused loop's members (in program order): for each where, the members
 * read only inside one of its branches, innermost where first (a member belongs to one block).
 * `stored` members (results, read outside the loop) are never moved.
 */
export function lazyBranches(
  nodes: readonly Node[],
  members: readonly number[],
  consumers: readonly (readonly number[])[],
  stored: ReadonlySet<number>,
): Branches {
  const none: Branches = { blocks: new Map(), moved: new Set() };
  // The blocks test c as where's own expression does.
  if ((coreOps.where as { elementwise?: { expr: string } }).elementwise?.expr !== 'c !== 0 ? x : y') return none;
  const inLoop = new Set(members);
  const owner = new Map<number, number>();
  const blocks = new Map<number, readonly [readonly number[], readonly number[]]>();
  for (const w of members) {
    const n = nodes[w];
    if (n.op !== (coreOps.where as unknown)) continue;
    const [c, x, y] = n.inputs;
    const branch = (root: number): number[] => {
      if (!inLoop.has(root) || stored.has(root) || root === c || x === y || owner.has(root)) return [];
      if (consumers[root].some((r) => r !== w)) return [];
      const set = new Set([root]);
      // A member an inner where owns is inside this block when that where is.
      const inside = (r: number): boolean => set.has(r) || (owner.has(r) && inside(owner.get(r)!));
      for (let k = members.indexOf(root) - 1; k >= 0; k--) {
        const m = members[k];
        if (stored.has(m) || owner.has(m) || m === c) continue;
        const readers = consumers[m];
        if (readers.length > 0 && readers.every(inside)) set.add(m);
      }
      return members.filter((m) => set.has(m));
    };
    const xs = branch(x);
    const ys = branch(y);
    if (xs.length === 0 && ys.length === 0) continue;
    for (const m of [...xs, ...ys]) owner.set(m, w);
    blocks.set(w, [xs, ys]);
  }
  return { blocks, moved: new Set(owner.keys()) };
}

/**
 * The loop body's lines: each member's statement (`line(m)`) at its place, except the moved
 * ones, which go into their where's blocks. `name(m)` is the member's local, `operand(i)` what
 * the where reads for its input i, `declared` whether a where's local must be declared (`let`).
 */
export function bodyLines(
  members: readonly number[],
  branches: Branches,
  nodes: readonly Node[],
  line: (m: number) => string,
  name: (m: number) => string,
  operand: (i: number) => string,
  declared: boolean,
): string[] {
  const write = (m: number): string[] => {
    const block = branches.blocks.get(m);
    if (block === undefined) return [line(m)];
    const [c, x, y] = nodes[m].inputs;
    const inside = (ms: readonly number[]) => ms.flatMap(write).map((l) => `  ${l}`);
    return [
      ...(declared ? [`let ${name(m)};`] : []),
      `if (${operand(c)} !== 0) { // where`,
      ...inside(block[0]),
      `  ${name(m)} = ${operand(x)};`,
      '} else {',
      ...inside(block[1]),
      `  ${name(m)} = ${operand(y)};`,
      '}',
    ];
  };
  return members.filter((m) => !branches.moved.has(m)).flatMap(write);
}
