/**
 * Dependency sets: for each element of a traced value, the sorted set of inputs it depends on,
 * stored as one compressed sparse row structure over the elements (element e's set is
 * idx[ptr[e] .. ptr[e + 1])). Unions run through a stamp array the size of the input, so a
 * union costs the sizes of its sets, not the number of inputs: a tridiagonal map on 10⁴
 * inputs moves sets of three.
 */
import type { Dependence, ElementGroups } from '@ad/core';

/** One sorted set of input indices per element (compressed sparse row form). */
export interface Sets {
  /** Length size + 1: element e's set is idx[ptr[e] .. ptr[e + 1]). */
  readonly ptr: Int32Array;
  /** The input indices, sorted within each element, no repeats. */
  readonly idx: Int32Array;
}

/** The empty set of every element of a value of `size` elements (a constant). */
export function emptySets(size: number): Sets {
  return { ptr: new Int32Array(size + 1), idx: new Int32Array(0) };
}

/** Element e depends on input offset + e: the sets of the inputs themselves. */
export function inputSets(size: number, offset = 0): Sets {
  const ptr = new Int32Array(size + 1);
  const idx = new Int32Array(size);
  for (let e = 0; e < size; e++) {
    ptr[e + 1] = e + 1;
    idx[e] = offset + e;
  }
  return { ptr, idx };
}

/** The total number of entries: how many (element, input) pairs depend. */
export function entries(sets: Sets): number {
  return sets.idx.length;
}

/**
 * Where unions are built: a stamp per input (the union an input last joined), shared by every
 * union of one trace, and a growing buffer of indices.
 */
export class Unions {
  private readonly stamp: Int32Array;
  private mark = 0;
  private idx = new Int32Array(64);
  private length = 0;
  private sources = 0;
  private start = 0;

  constructor(inputs: number) {
    this.stamp = new Int32Array(inputs);
  }

  /** Starts the sets of a new value. */
  reset(): void {
    this.length = 0;
  }

  /** Starts one element's union. */
  begin(): void {
    this.mark++;
    this.sources = 0;
    this.start = this.length;
  }

  /** Adds source[from .. to) (a sorted set) to the element's union. */
  add(source: Int32Array, from: number, to: number): void {
    if (from === to) return;
    this.sources++;
    if (this.length + (to - from) > this.idx.length) {
      const grown = new Int32Array(Math.max(2 * this.idx.length, this.length + (to - from)));
      grown.set(this.idx.subarray(0, this.length));
      this.idx = grown;
    }
    const { stamp, mark, idx } = this;
    let length = this.length;
    for (let k = from; k < to; k++) {
      const j = source[k];
      if (stamp[j] !== mark) {
        stamp[j] = mark;
        idx[length++] = j;
      }
    }
    this.length = length;
  }

  /** Ends the element's union; returns the end of its entries. */
  end(): number {
    // One source is sorted already; the merge of several is sorted here, in place (the sets
    // of a sparse function are short: an insertion sort beats a subarray and its sort).
    if (this.sources > 1) {
      const { idx, start, length } = this;
      if (length - start > 32) idx.subarray(start, length).sort();
      else {
        for (let i = start + 1; i < length; i++) {
          const v = idx[i];
          let k = i - 1;
          while (k >= start && idx[k] > v) {
            idx[k + 1] = idx[k];
            k--;
          }
          idx[k + 1] = v;
        }
      }
    }
    return this.length;
  }

  /** The indices of the value built since reset(), copied out. */
  take(): Int32Array {
    return this.idx.slice(0, this.length);
  }
}

/** The union over each group of the sets of its elements: the sets of the groups. */
export function groupSets(u: Unions, sets: Sets, groups: ElementGroups): Sets {
  const count = groups.rowPtr.length - 1;
  const ptr = new Int32Array(count + 1);
  u.reset();
  for (let g = 0; g < count; g++) {
    u.begin();
    for (let k = groups.rowPtr[g]; k < groups.rowPtr[g + 1]; k++) {
      const e = groups.colIndex[k];
      u.add(sets.idx, sets.ptr[e], sets.ptr[e + 1]);
    }
    ptr[g + 1] = u.end();
  }
  return { ptr, idx: u.take() };
}

/** One operand's part in an op: its sets, and how the output depends on it. */
export interface Part {
  readonly sets: Sets;
  readonly dependence: Dependence;
}

/** The output's sets: output element e depends on the union over the parts of their group groupOf[e]. */
export function flowSets(u: Unions, outSize: number, parts: readonly Part[]): Sets {
  if (parts.length === 0) return emptySets(outSize);
  if (parts.length === 1 && parts[0].dependence.groups === null) return moved(parts[0].sets, parts[0].dependence.groupOf);
  // Each part's groups first (one union per row of a softmax or a matmul), then the outputs.
  const grouped = parts.map(({ sets, dependence }) => ({
    sets: dependence.groups === null ? sets : groupSets(u, sets, dependence.groups),
    groupOf: dependence.groupOf,
  }));
  if (grouped.length === 2) return merged(grouped[0].sets, grouped[0].groupOf, grouped[1].sets, grouped[1].groupOf, outSize);
  const ptr = new Int32Array(outSize + 1);
  u.reset();
  for (let e = 0; e < outSize; e++) {
    u.begin();
    for (const { sets, groupOf } of grouped) {
      const g = groupOf[e];
      if (g >= 0) u.add(sets.idx, sets.ptr[g], sets.ptr[g + 1]);
    }
    ptr[e + 1] = u.end();
  }
  return { ptr, idx: u.take() };
}

/**
 * One operand whose elements move (a view, a gather, an element-wise op of one traced operand):
 * output e has the set of element groupOf[e], copied, or shared whole when nothing moved.
 */
function moved(sets: Sets, groupOf: Int32Array): Sets {
  const size = sets.ptr.length - 1;
  let same = groupOf.length === size;
  for (let e = 0; same && e < groupOf.length; e++) same = groupOf[e] === e;
  if (same) return sets;
  const ptr = new Int32Array(groupOf.length + 1);
  let total = 0;
  for (let e = 0; e < groupOf.length; e++) {
    const g = groupOf[e];
    if (g >= 0) total += sets.ptr[g + 1] - sets.ptr[g];
    ptr[e + 1] = total;
  }
  const idx = new Int32Array(total);
  const { ptr: from, idx: source } = sets;
  let w = 0;
  for (let e = 0; e < groupOf.length; e++) {
    const g = groupOf[e];
    if (g < 0) continue;
    for (let k = from[g]; k < from[g + 1]; k++) idx[w++] = source[k];
  }
  return { ptr, idx };
}

/** Two operands (a binary element-wise op, matmul): each output's union by one merge of two sorted sets. */
function merged(a: Sets, aOf: Int32Array, b: Sets, bOf: Int32Array, outSize: number): Sets {
  const { ptr: ap, idx: ai } = a;
  const { ptr: bp, idx: bi } = b;
  let capacity = 0;
  for (let e = 0; e < outSize; e++) {
    const ga = aOf[e];
    const gb = bOf[e];
    if (ga >= 0) capacity += ap[ga + 1] - ap[ga];
    if (gb >= 0) capacity += bp[gb + 1] - bp[gb];
  }
  const ptr = new Int32Array(outSize + 1);
  const idx = new Int32Array(capacity);
  let w = 0;
  for (let e = 0; e < outSize; e++) {
    const ga = aOf[e];
    const gb = bOf[e];
    let i = ga >= 0 ? ap[ga] : 0;
    const iEnd = ga >= 0 ? ap[ga + 1] : 0;
    let j = gb >= 0 ? bp[gb] : 0;
    const jEnd = gb >= 0 ? bp[gb + 1] : 0;
    while (i < iEnd && j < jEnd) {
      const x = ai[i];
      const y = bi[j];
      if (x < y) {
        idx[w++] = x;
        i++;
      } else if (y < x) {
        idx[w++] = y;
        j++;
      } else {
        idx[w++] = x;
        i++;
        j++;
      }
    }
    while (i < iEnd) idx[w++] = ai[i++];
    while (j < jEnd) idx[w++] = bi[j++];
    ptr[e + 1] = w;
  }
  return { ptr, idx: w === capacity ? idx : idx.subarray(0, w) };
}

/** The union of whole sets (scalar operands). */
export function unionOf(u: Unions, sets: readonly Int32Array[]): Int32Array {
  if (sets.length === 1) return sets[0];
  u.reset();
  u.begin();
  for (const s of sets) u.add(s, 0, s.length);
  u.end();
  return u.take();
}
