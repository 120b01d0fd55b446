/**
 * Forward over reverse in the tape's columns. When an element-wise op is recorded on Vars whose
 * values are first-order Duals of one derivative and width w (an HVP, a sparse Hessian's
 * compressed pass), this records it as a DUALS entry (tape.ts) computed on numbers alone:
 *
 *   y = op(a, b)                       the op's scalar kernel on the primals
 *   ẏⱼ = 0 + ∂y/∂a·ȧⱼ + ∂y/∂b·ḃⱼ       its scalar partials (forward mode's rule, summed from 0 as
 *                                      forward mode's numericDual sums it: the same bits)
 *
 * and the partials ∂y/∂a, ∂y/∂b at the dual point, which backward multiplies by ȳ. Operands
 * held in the columns are read there, and the new Var holds no Dual (its `.value` makes one when
 * read), so an op of the common kinds allocates its handle and nothing else. A partial that is a
 * constant (add's 1), an operand (mul's) or y itself (exp's) is copied from the numbers; any
 * other (sin's cos a) runs the op's partial on Duals made for it, as the general path does.
 *
 * Why: with one Dual object (and its tangent array and boxed numbers) per value and per partial,
 * what a recorded op cost was nearly independent of w, so a pass of 3 directions cost about what
 * a pass of 12 did; a sparse Hessian's one pass of 3 should cost a fraction of one of the dense
 * Hessian's passes of 12.
 */
import type { Algebra, Op } from '@ad/core';
import { anyOps, numberOps } from '@ad/core/engine';
import { Dual } from '@ad/forward';
import { Node, Var } from './node.js';
import { recordsFor } from './state.js';
import { DA_NUMBER, DB_NUMBER, DUALS, REQUIRES_GRAD, dualAt, dualsEntry, linkA, linkB, writeDual, type Primal } from './tape.js';

const o = anyOps as Algebra<Primal>;

/** How a partial ∂y/∂xᵢ is found: a constant, operand 0 or 1, the output y, or (any other) by running it. */
export type PartialKind = number | 'x0' | 'x1' | 'y' | 'run';

const kinds = new WeakMap<Op<never>, PartialKind[]>();

/**
 * What each of an op's partials returns, found once by calling it on probes with an algebra that
 * refuses every use: one that returns a number, an operand or y without computing is that; one
 * that computes (or looks at its values) is run on Duals each time.
 */
export function partialKinds(op: Op<never>): PartialKind[] {
  let found = kinds.get(op);
  if (found !== undefined) return found;
  const refuse = () => {
    throw new Error('probe');
  };
  const probe = () => Object.freeze({ valueOf: refuse, toString: refuse, [Symbol.toPrimitive]: refuse });
  const xs = [probe(), probe()];
  const y = probe();
  const algebra = new Proxy({}, { get: refuse }) as Algebra<unknown>;
  found = op.elementwise!.partials!.map((partial): PartialKind => {
    try {
      const r = partial(algebra, xs, y);
      if (typeof r === 'number') return r;
      return r === xs[0] ? 'x0' : r === xs[1] ? 'x1' : r === y ? 'y' : 'run';
    } catch {
      return 'run';
    }
  });
  kinds.set(op, found);
  return found;
}

/** The derivative tag and width of the Dual operands read so far (−1: none yet). */
let dtag = -1;
let width = 0;

/**
 * Reads operand i (a Var of graph `tag` or a constant) into A or B: true for a first-order Dual
 * (in the columns or held as a Dual) of the derivative and width of any read before, false for a
 * number, null for anything else.
 */
function readOperand(x: Primal, tag: number, i: number): boolean | null {
  let v: Primal;
  if (x instanceof Var) {
    const c = x.chunk;
    const k = x.index;
    if (c.tags[k] !== tag) return null;
    if (c.flags[k] & DUALS) {
      if (!fits(c.tags[k + 1], c.ia[k + 1])) return null;
      const to = i === 0 ? A : B;
      for (let j = 0; j <= width; j++) to[j] = c.val[k + j];
      return true;
    }
    v = x.value;
  } else if (x instanceof Node) return null;
  else v = x;
  if (typeof v === 'number') {
    (i === 0 ? A : B)[0] = v;
    return false;
  }
  // A constant Dual belongs to an enclosing derivative (a lower tag); one of a derivative inside
  // this graph's (higher) is dispatch's to send to forward mode.
  if (!(v instanceof Dual) || !v.numeric || v.tag >= tag || !fits(v.tag, v.width)) return null;
  // fits() may have grown the scratch: read it again.
  writeDual(i === 0 ? A : B, 0, v);
  return true;
}

/** Whether a Dual of (t, w) goes with those read before (the first sets them, and makes room in the scratch). */
function fits(t: number, w: number): boolean {
  if (dtag === -1) {
    dtag = t;
    width = w;
    if (A.length <= w) {
      A = new Float64Array(2 * (w + 1));
      B = new Float64Array(2 * (w + 1));
      Y = new Float64Array(2 * (w + 1));
    }
    return true;
  }
  return t === dtag && w === width;
}

/** The Dual (tag, width w) or the number an operand's numbers in `from` stand for. */
function dualOf(tag: number, from: Float64Array, w: number, isDual: boolean): Dual | number {
  return isDual ? dualAt(tag, from, 0, w) : from[0];
}

/** The scalar partials read the primals from an array: one kept for each arity (they are the op's rules on plain numbers and call nothing that comes back here). */
const ONE = [0];
const TWO = [0, 0];

/**
 * y = op(a, b) on duals held as numbers, by the op's scalar kernel and scalar partials summed as
 * forward mode's numericDual sums them (the same bits): y = op(a, b), ẏⱼ = 0 + ∂y/∂a·ȧⱼ + ∂y/∂b·ḃⱼ,
 * a number operand's term left out. a's primal and w tangents are a[aAt …] (a number: a[aAt]
 * alone, aDual false), likewise b (null for a unary op); y's go to out[outAt …], which may be a's
 * own place. Returns whether y is a dual (a number when neither operand is).
 */
export function dualOp(
  op: Op<never>,
  a: Float64Array,
  aAt: number,
  aDual: boolean,
  b: Float64Array | null,
  bAt: number,
  bDual: boolean,
  w: number,
  out: Float64Array,
  outAt: number,
): boolean {
  const ew = op.elementwise!;
  const values = b === null ? ONE : TWO;
  values[0] = a[aAt];
  if (b !== null) values[1] = b[bAt];
  const y = b === null ? ew.scalar(values[0]) : ew.scalar(values[0], values[1]);
  const pa = aDual ? (ew.partials![0](numberOps, values, y) as number) : 0;
  const pb = bDual ? (ew.partials![1](numberOps, values, y) as number) : 0;
  out[outAt] = y;
  if (!aDual && !bDual) return false;
  for (let j = 1; j <= w; j++) {
    let t = 0;
    if (aDual) t += pa * a[aAt + j];
    if (bDual) t += pb * (b as Float64Array)[bAt + j];
    out[outAt + j] = t;
  }
  return true;
}

/** Scratch for the operands' and y's primal and tangents, and nothing kept between calls. */
let A = new Float64Array(16);
let B = new Float64Array(16);
let Y = new Float64Array(16);

/**
 * Records `op(xs)` in the columns if its operands allow (see the header): one or two operands,
 * each a Var of the recording graph or a constant, values numbers or first-order Duals of one
 * derivative and width, at least one Dual. Null otherwise (nothing recorded): the general path
 * takes it. The caller has checked that the op is element-wise with partials and differentiable,
 * and that neither NaN-safe mode nor anomaly detection is on.
 */
export function recordInColumns(op: Op<never>, xs: readonly Primal[]): Var | null {
  const n = xs.length;
  const x0 = xs[0];
  const x1 = n === 2 ? xs[1] : 0;
  let tag = 0;
  if (x0 instanceof Node) tag = x0.tag;
  if (x1 instanceof Node && x1.tag > tag) tag = x1.tag;
  if (tag === 0 || !recordsFor(tag)) return null;
  const a = x0 instanceof Var && x0.chunk.flags[x0.index] & REQUIRES_GRAD ? x0 : null;
  const b = x1 instanceof Var && x1.chunk.flags[x1.index] & REQUIRES_GRAD ? x1 : null;
  if (a === null && b === null) return null;
  // Each operand's primal and tangents into A and B (a number: its primal alone).
  dtag = -1;
  width = 0;
  const aDual = readOperand(x0, tag, 0);
  if (aDual === null) return null;
  const bDual = n === 2 ? readOperand(x1, tag, 1) : false;
  if (bDual === null || dtag === -1) return null;
  const w = width;
  dualOp(op, A, 0, aDual, n === 2 ? B : null, 0, bDual, w, Y, 0);
  // The partials at the dual point: from the numbers where they are a constant, an operand or y; else run.
  const kind = partialKinds(op);
  // No parent, no partial: 0 stands in.
  const da = a === null ? 0 : partialAt(op, 0, kind[0], dtag, w, aDual, bDual, n);
  const db = b === null ? 0 : partialAt(op, 1, kind[1], dtag, w, aDual, bDual, n);
  if (da === undefined || db === undefined) return null;
  const c = dualsEntry(tag, op, dtag, w);
  const k = c.n - w - 1;
  linkA(c, k, a === null ? null : a.chunk, a === null ? 0 : a.index);
  linkB(c, k, b === null ? null : b.chunk, b === null ? 0 : b.index);
  for (let j = 0; j <= w; j++) c.val[k + j] = Y[j];
  c.flags[k + 1] = writePartial(c.da, k, da, w, kind[0], DA_NUMBER) | writePartial(c.db, k, db, w, kind[1], DB_NUMBER);
  return new Var(c, k);
}

/**
 * Partial i at the dual point: a number, a Dual (for 'run'), or null when it is to be copied from
 * the numbers (an operand or y that is a Dual); undefined when a run gives what the columns
 * cannot hold (then nothing is recorded).
 */
function partialAt(
  op: Op<never>,
  i: number,
  kind: PartialKind,
  dtag: number,
  w: number,
  aDual: boolean,
  bDual: boolean,
  n: number,
): Dual | number | null | undefined {
  if (typeof kind === 'number') return kind;
  if (kind === 'x0') return aDual ? null : A[0];
  if (kind === 'x1') return bDual ? null : B[0];
  if (kind === 'y') return null;
  const duals = n === 2 ? [dualOf(dtag, A, w, aDual), dualOf(dtag, B, w, bDual)] : [dualOf(dtag, A, w, aDual)];
  const r = op.elementwise!.partials![i](o, duals, dualOf(dtag, Y, w, true)) as Primal;
  if (typeof r === 'number') return r;
  return r instanceof Dual && r.numeric && r.tag === dtag && r.width === w ? r : undefined;
}

/** Writes partial p (see partialAt) into `column` from entry k on; returns `numberFlag` when it is a plain number. */
function writePartial(column: Float64Array, k: number, p: Dual | number | null, w: number, kind: PartialKind, numberFlag: number): number {
  if (typeof p === 'number') {
    column[k] = p;
    return numberFlag;
  }
  // Copied: an operand's numbers or y's (partialAt gives null only for a Dual operand or y).
  const from = p !== null ? null : kind === 'x0' ? A : kind === 'x1' ? B : Y;
  if (from !== null) {
    for (let j = 0; j <= w; j++) column[k + j] = from[j];
    return 0;
  }
  writeDual(column, k, p as Dual);
  return 0;
}
