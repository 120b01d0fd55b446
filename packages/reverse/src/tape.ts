/**
 * Where the graph lives. Nodes are recorded, in creation order, into chunks: typed arrays for
 * the numbers of scalar nodes (value, local partials ∂y/∂a and ∂y/∂b, adjoint, grad, the tag of
 * the graph each belongs to) and plain arrays for parent links and for everything that is not a
 * number (tensor values, the closures of tensor ops). Graphs of all tags share the chunks of
 * numeric entries, so a transform call costs no allocation of its own. A `Var` or `TensorVar`
 * is a two-field handle, (chunk, index), onto one entry.
 *
 * Why not one object per node: a recorded graph is long-lived, and every object in it is
 * copied by the young-generation collector before it is promoted. Measured here, a 1,000,000
 * node chain of node objects spent ~45 % of its time in GC and recorded ≈1–2 million nodes/s;
 * the same graph in typed arrays, with handles that die young, records and back-propagates
 * 14–17 million nodes/s here (bench/reverse.ts). A chunk stays alive while a handle points into it or a later
 * chunk's node has a parent in it, so the garbage collector still decides lifetimes; release
 * (after backward) cuts those links. Entries that hold tensors or closures get a chunk of their
 * own (`soloChunk`), so a graph that is never back-propagated — or a dropped model's
 * parameters — is freed with its last handle, as in PyTorch (bench/memory.ts); only numeric
 * scalar entries share chunks.
 *
 * Creation order is a topological order (a parent is always recorded before its children),
 * so backward simply walks entries from the newest to the oldest.
 */
import type { Op, Tensor } from '@ad/core';
import type { TaggedOperand } from '@ad/core/engine';
import { Dual } from '@ad/forward';

/** Entry flags. */
export const REQUIRES_GRAD = 1;
/** Value, partials and adjoint are plain numbers in the typed arrays (the scalar fast path). */
export const NUMERIC = 2;
export const RELEASED = 4;
export const HAS_GRAD = 8;
/**
 * A scalar element-wise entry whose values are not numbers (Duals, when reverse mode runs over
 * forward mode): its local partials ∂y/∂x₀ and ∂y/∂x₁ were computed when it was recorded and are
 * kept in its `Ext` (`da`, `db`); backward multiplies them by ȳ, with no closure (backward.ts).
 */
export const PARTIALS = 16;
/**
 * A scalar element-wise entry over first-order Duals of one width w (forward-over-reverse: an
 * HVP, a sparse Hessian's compressed pass), or a leaf holding such a Dual: its value, partials
 * and adjoint are kept as numbers in the typed columns, each Dual spread over w + 1 consecutive
 * entries — the primal in entry k, tangent j in entry k + j — with the Duals' tag in
 * `tags[k + 1]`, w in `ia[k + 1]`, and in `flags[k + 1]` which of the partials and the adjoint
 * are plain numbers (DA_NUMBER, DB_NUMBER, ADJ_NUMBER: add's partial 1, a constant factor, the
 * ȳ = 1 a sum passes down). Entries k + 1 … k + w are lanes, never entries of their own (no op,
 * never stamped by a pass). dual-columns.ts records such ops from numbers alone.
 *
 * Why: as objects, each such op left an Ext, its value Dual and its partials' Duals (each with an
 * array of tangents and boxed numbers) on the tape, all copied by the young-generation collector
 * and promoted, and every share of an adjoint made two more; what an op cost hardly depended on
 * w, so the sparse Hessian's one pass of 3 directions cost about what one of the dense Hessian's
 * passes of 12 did. In the columns the tape holds no object per op, and backward multiplies and
 * adds tangents in place. Anything the numbers cannot express (an adjoint that is not such a
 * Dual, NaN-safe mode, anomaly detection, a gradient written by hand or by `backward`) first
 * turns the entry back into Duals (`demote`) and takes the general path, with the same bits.
 */
export const DUALS = 32;
/** Lane flags (in `flags[k + 1]` of a DUALS entry): ∂y/∂x₀, ∂y/∂x₁, ȳ is a plain number (in the entry k alone). */
export const DA_NUMBER = 1;
export const DB_NUMBER = 2;
export const ADJ_NUMBER = 4;

/**
 * The values reverse mode computes on: numbers, tensors, and values of enclosing modes (a Dual
 * or DualTensor when nested in forward mode, a node of an outer graph, a jit tracer), which
 * carry their derivative's tag. An entry's value and adjoint are Primals.
 */
export type Primal = number | Tensor | TaggedOperand;

/** The pullback of a generic entry: ȳ ↦ the adjoint of each operand slot (null for none). */
export type Pull = (yBar: Primal) => readonly (Primal | null)[];

/** What a non-numeric entry keeps: its value, its closure, extra parents, adjoint and grad. */
export interface Ext {
  /** The entry's value; undefined once backward has released the entry. */
  value: Primal | undefined;
  pull: Pull | null;
  /** ∂y/∂x₀ and ∂y/∂x₁ of an entry flagged PARTIALS (a number where constant: add's 1, sub's −1); null on others. */
  da: Primal | null;
  db: Primal | null;
  /** Parents beyond the first two (the third operand of `where`). */
  others: { chunk: Chunk | null; index: number }[] | null;
  adjoint: Primal | null;
  grad: Primal | null;
}

let serials = 0;

export class Chunk {
  /** The graph (derivative tag) of each entry: graphs of every tag share chunks. */
  readonly tags: Int32Array;
  /** Creation order of chunks: a later serial never holds a parent of an earlier one. */
  readonly serial: number;
  readonly capacity: number;
  /** Entries used. */
  n = 0;
  readonly flags: Uint8Array;
  readonly val: Float64Array;
  readonly da: Float64Array;
  readonly db: Float64Array;
  readonly adj: Float64Array;
  readonly grad: Float64Array;
  /** The backward pass that last gave the entry an adjoint. */
  readonly pass: Int32Array;
  /**
   * Parents a and b as (slot, index): slot 0 is no parent, 1 this chunk, s ≥ 2 the chunk
   * `deps[s − 2]`. Numbers rather than pointers, so the collector has less to trace and copy.
   */
  readonly sa: Uint16Array;
  readonly ia: Int32Array;
  readonly sb: Uint16Array;
  readonly ib: Int32Array;
  /** The op that made each entry (null for a leaf). */
  readonly op: (Op<never> | null)[];
  readonly ext: (Ext | undefined)[];
  /** Earlier chunks holding parents of this chunk's entries (slot s ≥ 2 is deps[s − 2]). */
  deps: Chunk[] = [];
  /** The dependency looked up last and its slot: most ops reuse it (a parameter, the previous chunk). */
  lastDep: Chunk | null = null;
  lastSlot = 0;
  /**
   * Op entries not yet released. When it drops to 0 nothing here can be back-propagated any
   * more, so the links to earlier chunks are dropped: a training loop, whose every step is
   * released by its backward, never chains its chunks together.
   */
  liveOps = 0;
  /** The range of entries the pass `rangePass` reached: backward scans only that. */
  lo = 0;
  hi = -1;
  rangePass = 0;

  constructor(capacity: number) {
    this.serial = ++serials;
    this.capacity = capacity;
    // One allocation for all numeric columns (61 bytes an entry), widest first for alignment:
    // twelve typed arrays of their own cost twelve backing stores and showed as 16 % of a chain.
    const buffer = new ArrayBuffer(capacity * 61);
    let at = 0; // the byte offset of the next column
    const take = (bytes: number): number => {
      const offset = at;
      at += capacity * bytes;
      return offset;
    };
    const f64 = () => new Float64Array(buffer, take(8), capacity);
    this.val = f64();
    this.da = f64();
    this.db = f64();
    this.adj = f64();
    this.grad = f64();
    const i32 = () => new Int32Array(buffer, take(4), capacity);
    this.pass = i32();
    this.tags = i32();
    this.ia = i32();
    this.ib = i32();
    const u16 = () => new Uint16Array(buffer, take(2), capacity);
    this.sa = u16();
    this.sb = u16();
    this.flags = new Uint8Array(buffer, at, capacity);
    // Filled as entries are made (every entry sets its op; only tensor entries an ext).
    this.op = [];
    this.ext = [];
  }
}

/**
 * The one entry every constant result points to: an op whose operands need no gradient, or any
 * op under noGrad, makes only a handle holding its value — nothing is written to a tape, so
 * evaluation loops leave nothing behind.
 */
export const INERT = new Chunk(1);
INERT.op[0] = null;

const FIRST_CAPACITY = 1024;
/**
 * 8192 entries: the pointer arrays stay at 64 KiB. At 16384 they passed V8's 128 KiB limit for
 * regular objects and went to the large-object space, three to five times slower to create.
 */
const MAX_CAPACITY = 8192;

/**
 * The chunk numeric entries of every graph record into, growing 1024, 2048, … 8192 entries
 * (61 KiB first). Graphs of all tags share it — each entry keeps its tag — so a transform call
 * (`grad(f)(x)`, a fresh tag each time) allocates no chunk of its own: that cost 1–9 µs a call.
 */
let shared: Chunk | null = null;

/**
 * Graphs that record into chunks of their own: a `vjp`, whose graph lives as long as its
 * pullback function and is never released (its live entries would pin the shared chunks).
 * The value is the graph's current chunk (null before its first entry).
 */
const own = new Map<number, Chunk | null>();

/** A chunk with room for `slots` more consecutive entries (a DUALS entry and its lanes) of graph `tag`. */
export function chunkFor(tag: number, slots = 1): Chunk {
  if (own.size !== 0 && own.has(tag)) {
    const c = own.get(tag)!;
    if (c !== null && c.n + slots <= c.capacity) return c;
    const next = new Chunk(grown(c, slots));
    own.set(tag, next);
    return next;
  }
  if (shared !== null && shared.n + slots <= shared.capacity) return shared;
  shared = new Chunk(grown(shared, slots));
  return shared;
}

/** The next chunk's capacity after c: doubling up to MAX_CAPACITY, and at least `slots`. */
function grown(c: Chunk | null, slots: number): number {
  return Math.max(c === null ? FIRST_CAPACITY : Math.min(c.capacity * 2, MAX_CAPACITY), slots);
}

/**
 * A chunk of its own for one non-numeric entry: a tensor op, a leaf holding a tensor, a node of a
 * nested mode. Memory then follows reachability, as in PyTorch: such an entry is held only by
 * its handle and by its children's chunks (their `deps`), so the graph of a validation loss that
 * is never back-propagated, or the parameters of a dropped model, are garbage as soon as their
 * last handle is — a shared chunk would keep every entry in it alive as long as any one of them.
 * Numeric entries (the scalar fast path, 61 bytes each, no closures) keep sharing chunks.
 */
export function soloChunk(): Chunk {
  return new Chunk(1);
}

/** Graph `tag` records into chunks of its own until `endGraph(tag)` (see `own`). */
export function ownChunks(tag: number): void {
  own.set(tag, null);
}

/** Stops recording graph `tag` into chunks of its own; they live on while referenced. */
export function endGraph(tag: number): void {
  own.delete(tag);
}

/** Links entry k of `c` to a parent (null for none). */
export function linkA(c: Chunk, k: number, parent: Chunk | null, index: number): void {
  c.sa[k] = parent === null ? 0 : slotOf(c, parent);
  c.ia[k] = index;
}

export function linkB(c: Chunk, k: number, parent: Chunk | null, index: number): void {
  c.sb[k] = parent === null ? 0 : slotOf(c, parent);
  c.ib[k] = index;
}

/** The chunk a parent slot names (null for slot 0). */
export function slotChunk(c: Chunk, slot: number): Chunk | null {
  return slot === 0 ? null : slot === 1 ? c : c.deps[slot - 2];
}

/**
 * The number of the last backward pass started. An entry whose `pass` stamp equals a pass's
 * number has an adjoint of that pass; an older stamp marks its adjoint stale, so no pass
 * clears adjoints.
 */
let pass = 0;
/**
 * The pass whose adjoints `Node.adjoint` reads: the one that finished last. Not simply the
 * last one started: a pullback may run a whole pass of its own (a custom op whose reverse
 * rule calls vjp), which starts and finishes inside the enclosing pass; once the enclosing
 * pass finishes, its adjoints are the current ones again.
 */
let finished = 0;

export function currentPass(): number {
  return finished;
}

/** Starts a backward pass: every adjoint of the earlier passes is stale from now on. */
export function nextPass(): number {
  return ++pass;
}

/** Ends pass p: its adjoints are the ones `Node.adjoint` reads until another pass ends. */
export function finishPass(p: number): void {
  finished = p;
}

/** Widens chunk c's reached range of pass p to include entry k. */
export function reach(c: Chunk, k: number, p: number): void {
  if (c.rangePass !== p) {
    c.rangePass = p;
    c.lo = k;
    c.hi = k;
  } else if (k < c.lo) c.lo = k;
  else if (k > c.hi) c.hi = k;
}

/**
 * Moves a numeric entry's value, adjoint and grad into general storage, for the rare adjoint
 * that is not a number (a node of an enclosing graph, when f closes over an outer variable).
 */
export function promote(c: Chunk, k: number): Ext {
  const e: Ext = {
    value: c.val[k],
    pull: null,
    da: null,
    db: null,
    others: null,
    adjoint: c.adj[k],
    grad: c.flags[k] & HAS_GRAD ? c.grad[k] : null,
  };
  c.ext[k] = e;
  c.flags[k] &= ~NUMERIC;
  return e;
}

/**
 * A new DUALS entry of graph `tag` for Duals of tag `dtag` and width w, made by `op` (null: a
 * leaf), its numbers still to be written from entry c.n − w − 1 on; the chunk it is in.
 */
export function dualsEntry(tag: number, op: Op<never> | null, dtag: number, w: number): Chunk {
  const c = chunkFor(tag, w + 1);
  const k = c.n;
  c.n += w + 1;
  c.tags[k] = tag;
  c.flags[k] = DUALS | REQUIRES_GRAD;
  c.op[k] = op;
  for (let j = 1; j <= w; j++) c.op[k + j] = null;
  if (op !== null) c.liveOps++;
  c.tags[k + 1] = dtag;
  c.ia[k + 1] = w;
  return c;
}

/** The first-order Dual of tag `tag` and width w whose primal and tangents are column[at … at + w]. */
export function dualAt(tag: number, column: Float64Array, at: number, w: number): Dual {
  let rest: number[] | null = null;
  if (w > 1) {
    rest = new Array<number>(w - 1);
    for (let j = 2; j <= w; j++) rest[j - 2] = column[at + j];
  }
  return new Dual(tag, column[at], column[at + 1], rest, true);
}

/** Writes a first-order Dual's primal and tangents into column[at …]. */
export function writeDual(column: Float64Array, at: number, d: Dual): void {
  column[at] = d.value as number;
  column[at + 1] = d.first as number;
  const rest = d.rest as readonly number[] | null;
  if (rest !== null) for (let j = 0; j < rest.length; j++) column[at + 2 + j] = rest[j];
}

/** The Dual a DUALS entry keeps in `column` (val, da, db or adj) from entry k on. */
export function laneDual(c: Chunk, column: Float64Array, k: number): Dual {
  return dualAt(c.tags[k + 1], column, k, c.ia[k + 1]);
}

/** A DUALS entry's adjoint: a number or a Dual. */
export function laneAdjoint(c: Chunk, k: number): number | Dual {
  return c.flags[k + 1] & ADJ_NUMBER ? c.adj[k] : laneDual(c, c.adj, k);
}

/** The value of entry k of c, whatever its storage (undefined once released). */
export function entryValue(c: Chunk, k: number): Primal | undefined {
  const f = c.flags[k];
  if (f & NUMERIC) return c.val[k];
  // Release keeps a DUALS entry's numbers (they are no objects): a handle reads its value after backward.
  if (f & DUALS) return laneDual(c, c.val, k);
  return c.ext[k]?.value;
}

/**
 * Turns a DUALS entry back into a PARTIALS entry whose value, partials and adjoint are Duals in
 * its Ext, the same numbers: for what the columns cannot hold (see DUALS).
 */
export function demote(c: Chunk, k: number): Ext {
  const lanes = c.flags[k + 1];
  const e: Ext = {
    value: laneDual(c, c.val, k),
    pull: null,
    da: lanes & DA_NUMBER ? c.da[k] : laneDual(c, c.da, k),
    db: lanes & DB_NUMBER ? c.db[k] : laneDual(c, c.db, k),
    others: null,
    adjoint: c.pass[k] === 0 ? null : laneAdjoint(c, k),
    grad: null,
  };
  c.ext[k] = e;
  c.flags[k] = (c.flags[k] & ~DUALS) | PARTIALS;
  return e;
}

/** The slot by which chunk c refers to `parent`, adding it to c's dependencies if new. */
export function slotOf(c: Chunk, parent: Chunk): number {
  if (parent === c) return 1;
  if (parent === c.lastDep) return c.lastSlot;
  let i = c.deps.indexOf(parent);
  if (i < 0) {
    i = c.deps.length;
    c.deps.push(parent);
  }
  c.lastDep = parent;
  c.lastSlot = i + 2;
  return c.lastSlot;
}
