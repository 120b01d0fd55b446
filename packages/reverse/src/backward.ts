/**
 * Backward: the reverse sweep. Entry k of the tape is y = op(x₀, x₁, …); once ȳ, its adjoint,
 * is complete, each operand xᵢ that is a node receives its share of it:
 *
 *   x̄ᵢ += (∂y/∂xᵢ)ᵀ·ȳ
 *
 * `propagate` seeds the roots (ȳ = 1 for a scalar loss) and walks the entries from the newest to
 * the oldest. Creation order is a topological order, so every node has received all of its
 * consumers' shares before it sends its own on (which is why a reused node is counted right:
 * a = 1, b = a + a, c = b + b gives dc/da = 4). No recursion and no sort: a chain of a million
 * nodes is one loop. Only chunks the roots depend on are visited, newest first; inside them,
 * entries the pass did not reach are skipped by a stamp test (tape.ts).
 *
 * Every share is added by one function, `accumulate`. `backward` is propagate followed by a
 * sweep that adds each adjoint into `.grad`, as PyTorch's `loss.backward()` does.
 */
import { AdError, DTypeError, anomalyDetection, ones, Tensor, type Algebra, type Op } from '@ad/core';
import { anyOps, checkAnomaly, nanSafeState, ops, partialShare, tensorOps } from '@ad/core/engine';
import { Dual } from '@ad/forward';
import { Node, Var } from './node.js';
import { dualOp } from './dual-columns.js';
import {
  ADJ_NUMBER,
  DA_NUMBER,
  DB_NUMBER,
  DUALS,
  HAS_GRAD,
  NUMERIC,
  PARTIALS,
  RELEASED,
  REQUIRES_GRAD,
  demote,
  dualAt,
  entryValue,
  finishPass,
  nextPass,
  promote,
  reach,
  slotChunk,
  type Chunk,
  type Ext,
  type Primal,
  writeDual,
} from './tape.js';

const o = anyOps as Algebra<Primal>;

/** A backward through a part of the graph that an earlier backward released. */
export class ReleasedGraphError extends AdError {}

/** Options of one backward pass. */
export interface PropagateOptions {
  /** Keep the graph so backward can run through it again (PyTorch's retain_graph). */
  retainGraph?: boolean;
}

export interface Pass {
  readonly id: number;
  readonly chunks: readonly Chunk[];
}

/**
 * One backward pass: seeds the roots' adjoints and sends every reached node's adjoint to its
 * parents once. Afterwards `node.adjoint` holds each reached node's adjoint of this pass.
 */
export function propagate(roots: readonly Node[], seeds: readonly Primal[], options: PropagateOptions = {}): Pass {
  roots.forEach((r, i) => checkSeed(r, seeds[i]));
  const chunks = chunksOf(roots);
  const p = nextPass();
  roots.forEach((r, i) => accumulate(r.chunk, r.index, seeds[i], p));
  for (const c of chunks) {
    if (c.rangePass !== p) continue;
    const { flags, pass, adj, da, db, sa, ia, sb, ib } = c;
    // c.lo moves down as this loop reaches earlier entries of the same chunk.
    for (let k = c.hi; k >= c.lo; k--) {
      if (pass[k] !== p) continue;
      const op = c.op[k];
      if (op === null) continue; // a leaf: its adjoint is a gradient, with no parents to send it to
      if (flags[k] & RELEASED) throw released(op);
      if (flags[k] & NUMERIC) {
        // The scalar fast path: the partials were recorded as numbers, ∂y/∂x₀ in da and ∂y/∂x₁
        // in db, with the parents (slot, index) in sa/ia and sb/ib, so each share is a product.
        // Slots 0 and 1 are written out, not looped over: a loop over the two slots made this
        // sweep 15–30 % slower on bench/reverse.ts's scalar graphs.
        const yBar = adj[k];
        const s0 = sa[k];
        if (s0 !== 0) accumulate(s0 === 1 ? c : c.deps[s0 - 2], ia[k], da[k] * yBar, p);
        const s1 = sb[k];
        if (s1 !== 0) accumulate(s1 === 1 ? c : c.deps[s1 - 2], ib[k], db[k] * yBar, p);
        continue;
      }
      if (flags[k] & DUALS) {
        if (!nanSafeState.on && !anomalyDetection()) {
          sendDuals(c, k, p);
          continue;
        }
        demote(c, k);
      }
      // Any other entry: its pullback gives each slot's share whole (null where none is needed).
      const e = c.ext[k]!;
      const xBars = pullback(c, k, e);
      for (let slot = 0; slot < xBars.length; slot++) {
        const xBar = xBars[slot];
        if (xBar === null) continue;
        const parent = slot === 0 ? slotChunk(c, sa[k]) : slot === 1 ? slotChunk(c, sb[k]) : e.others![slot - 2].chunk;
        if (parent === null) continue;
        const j = slot === 0 ? ia[k] : slot === 1 ? ib[k] : e.others![slot - 2].index;
        if (parent.flags[j] & RELEASED) throw released(parent.op[j]!);
        // A recorded partial times ȳ is a scalar share by construction (`scale`); only a rule's share is checked.
        if (!(flags[k] & PARTIALS)) checkAdjoint(op, slot, xBar, parent, j);
        if (anomalyDetection()) checkAnomaly(op.name, 'backward', [e.adjoint!, ...slotValues(c, k, e)], xBar);
        accumulate(parent, j, xBar, p);
      }
    }
  }
  finishPass(p);
  if (options.retainGraph !== true) release(chunks, p);
  return { id: p, chunks };
}

/**
 * x̄ += share: adds one share to the adjoint of entry j of chunk a in pass p; the first share
 * of a pass sets it (an adjoint stamped with an older pass is stale) and widens the chunk's
 * reached range. Every adjoint of a pass is added here, the seeds included. A number into a
 * numeric entry takes the few lines below, which V8 inlines into the sweep; anything else
 * (a tensor, a node of an enclosing graph, an entry that keeps its adjoint in `ext`) goes on to
 * `accumulateValue`.
 */
function accumulate(a: Chunk, j: number, share: Primal, p: number): void {
  if (typeof share === 'number' && a.flags[j] & NUMERIC) {
    if (a.pass[j] === p) a.adj[j] += share;
    else {
      a.pass[j] = p;
      a.adj[j] = share;
      reach(a, j, p);
    }
  } else accumulateValue(a, j, share, p);
}

/** `accumulate` for a share that is not a number, or an entry that keeps its adjoint in `ext`. */
function accumulateValue(a: Chunk, j: number, share: Primal, p: number): void {
  if (a.flags[j] & DUALS) {
    if (!nanSafeState.on && !anomalyDetection()) {
      if (typeof share === 'number') {
        const s = scratchFor(0);
        s[0] = share;
        addLanes(a, j, s, false, p);
        return;
      }
      if (share instanceof Dual && share.numeric && share.tag === a.tags[j + 1] && share.width === a.ia[j + 1]) {
        const s = scratchFor(share.width);
        writeDual(s, 0, share);
        addLanes(a, j, s, true, p);
        return;
      }
    }
    demote(a, j);
  }
  if (a.flags[j] & NUMERIC) {
    if (share instanceof Tensor && share.size === 1) {
      accumulate(a, j, share.item(), p);
      return;
    }
    // A share that is a node of an enclosing graph: the entry keeps its adjoint in general storage.
    promote(a, j);
  }
  const e = a.ext[j]!;
  if (a.pass[j] !== p) {
    a.pass[j] = p;
    reach(a, j, p);
    e.adjoint = share;
    return;
  }
  const b = e.adjoint!;
  e.adjoint =
    typeof b === 'number' && typeof share === 'number' ? b + share : b instanceof Tensor && share instanceof Tensor ? tensorOps.add(b, share) : o.add(b, share);
}

/**
 * The share x̄ of each operand slot of a non-numeric entry (null where none is needed): its
 * op's pullback at ȳ, or, for a scalar fast-path entry whose adjoint is not a number (promoted:
 * a node of an enclosing graph), its recorded partials times ȳ, x̄ = (∂y/∂x)·ȳ in the
 * adjoint's algebra.
 */
function pullback(c: Chunk, k: number, e: Ext): readonly (Primal | null)[] {
  const yBar = e.adjoint!;
  if (e.pull !== null) return e.pull(yBar);
  // Partials recorded at the op (scalar operands, see interpreter.ts): the op's vjp on them.
  if (c.flags[k] & PARTIALS) return [c.sa[k] === 0 ? null : partialShare(o, e.da!, yBar, []), c.sb[k] === 0 ? null : partialShare(o, e.db!, yBar, [])];
  return [c.sa[k] === 0 ? null : o.mul(c.da[k], yBar), c.sb[k] === 0 ? null : o.mul(c.db[k], yBar)];
}

/** A seed must have its output's shape (a one-element tensor may seed a scalar). */
function checkSeed(root: Node, seed: Primal): void {
  const want = o.shape(root.value);
  const got = o.shape(seed);
  const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  const same = got.length === want.length && got.every((d, i) => d === want[i]);
  if (!same && !(want.length === 0 && size(got) === 1)) {
    throw new AdError('backward', `the seed has shape [${got.join(',')}], the output has shape [${want.join(',')}]; they must match`);
  }
}

/** The chunks reachable from the roots' chunks, newest first. */
export function chunksOf(roots: readonly Node[]): Chunk[] {
  // The common small graph: one root in a chunk that depends on no other (no set, no sort).
  if (roots.length === 1 && roots[0].chunk.deps.length === 0) return [roots[0].chunk];
  const seen = new Set<Chunk>();
  const stack = roots.map((r) => r.chunk);
  while (stack.length > 0) {
    const c = stack.pop()!;
    if (seen.has(c)) continue;
    seen.add(c);
    for (const d of c.deps) if (!seen.has(d)) stack.push(d);
  }
  return [...seen].sort((a, b) => b.serial - a.serial);
}

/** An adjoint must have its input's shape; a rule that breaks this is named. */
function checkAdjoint(op: Op<never>, slot: number, xBar: Primal, parent: Chunk, index: number): void {
  const got = o.shape(xBar);
  const want = o.shape(valueAt(parent, index));
  if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
    throw new AdError(op.name, `reverse rule gave input ${slot} an adjoint of shape [${got.join(',')}], the input has shape [${want.join(',')}]`);
  }
}

/** The value of entry k of chunk c (not released: backward drops the values it releases). */
function valueAt(c: Chunk, k: number): Primal {
  return entryValue(c, k) as Primal;
}

/**
 * Sends the adjoint ȳ of DUALS entry k (tape.ts) to its parents: x̄ᵢ += ∂y/∂xᵢ·ȳ on the numbers
 * of the columns, as the op's vjp does on the Duals — core's scale() (a partial of 1 passes ȳ
 * on, −1 negates it, any other multiplies), then the sum — with the table's neg, mul and add on
 * duals held as numbers (dualOp): the same bits.
 */
function sendDuals(c: Chunk, k: number, p: number): void {
  const lanes = c.flags[k + 1];
  if (c.sa[k] !== 0) sendShare(c, k, slotChunk(c, c.sa[k])!, c.ia[k], c.da, (lanes & DA_NUMBER) === 0, p);
  if (c.sb[k] !== 0) sendShare(c, k, slotChunk(c, c.sb[k])!, c.ib[k], c.db, (lanes & DB_NUMBER) === 0, p);
}

/** One parent's share of a DUALS entry's adjoint, from its partial in `column` at k (a dual, or a plain number when not `partialDual`). */
function sendShare(c: Chunk, k: number, parent: Chunk, j: number, column: Float64Array, partialDual: boolean, p: number): void {
  if (parent.flags[j] & RELEASED) throw released(parent.op[j]!);
  const w = c.ia[k + 1];
  const adj = c.adj;
  const yDual = (c.flags[k + 1] & ADJ_NUMBER) === 0;
  const s = scratchFor(w);
  const q = column[k];
  let shareDual: boolean;
  if (!partialDual && q === 1) {
    for (let t = 0; t <= (yDual ? w : 0); t++) s[t] = adj[k + t];
    shareDual = yDual;
  } else if (!partialDual && q === -1) shareDual = dualOp(ops.neg as Op<never>, adj, k, yDual, null, 0, false, w, s, 0);
  else shareDual = dualOp(ops.mul as Op<never>, column, k, partialDual, adj, k, yDual, w, s, 0);
  if (parent.flags[j] & DUALS && parent.tags[j + 1] === c.tags[k + 1] && parent.ia[j + 1] === w) addLanes(parent, j, s, shareDual, p);
  else accumulate(parent, j, shareDual ? dualAt(c.tags[k + 1], s, 0, w) : s[0], p);
}

/**
 * x̄ += share on a DUALS entry's adjoint columns (s[0] alone when the share is a plain number):
 * the first share of pass p sets it, later ones add as the general path does (the table's add).
 */
function addLanes(a: Chunk, j: number, s: Float64Array, shareDual: boolean, p: number): void {
  const w = a.ia[j + 1];
  const lanes = a.flags[j + 1];
  let sumDual = shareDual;
  if (a.pass[j] !== p) {
    a.pass[j] = p;
    for (let t = 0; t <= (shareDual ? w : 0); t++) a.adj[j + t] = s[t];
    reach(a, j, p);
  } else sumDual = dualOp(ops.add as Op<never>, a.adj, j, (lanes & ADJ_NUMBER) === 0, s, 0, shareDual, w, a.adj, j);
  a.flags[j + 1] = sumDual ? lanes & ~ADJ_NUMBER : lanes | ADJ_NUMBER;
}

/** A reused array for one share's primal and tangents. */
let scratch = new Float64Array(16);
function scratchFor(w: number): Float64Array {
  if (scratch.length < w + 1) scratch = new Float64Array(2 * (w + 1));
  return scratch;
}

/** The values of an entry's operands that are nodes (for anomaly checks: bad data is not the op's fault). */
function slotValues(c: Chunk, k: number, e: { others: { chunk: Chunk | null; index: number }[] | null }): Primal[] {
  const out: Primal[] = [];
  const add = (chunk: Chunk | null, index: number) => {
    if (chunk !== null) out.push(valueAt(chunk, index));
  };
  add(slotChunk(c, c.sa[k]), c.ia[k]);
  add(slotChunk(c, c.sb[k]), c.ib[k]);
  for (const o2 of e.others ?? []) add(o2.chunk, o2.index);
  return out;
}

/** A backward through an entry an earlier backward released. */
function released(op: { readonly name: string }): ReleasedGraphError {
  return new ReleasedGraphError(
    'backward',
    `the graph through ${op.name} was released by an earlier backward; pass { retainGraph: true } to the earlier call to run backward through it twice`,
  );
}

/**
 * Marks the reached non-leaf entries released and drops what only backward needed: closures,
 * parent links, and for tensor nodes their value, adjoint and grad (the handles keep values;
 * intermediate grads are gone, as in PyTorch, unless the graph is retained).
 */
function release(chunks: readonly Chunk[], p: number): void {
  for (const c of chunks) {
    if (c.rangePass !== p) continue;
    for (let k = c.lo; k <= c.hi; k++) if (c.pass[k] === p) releaseEntry(c, k);
    dropDependencies(c);
  }
}

function releaseEntry(c: Chunk, k: number): void {
  if (c.op[k] === null || c.flags[k] & RELEASED) return;
  c.flags[k] |= RELEASED;
  c.sa[k] = 0;
  c.sb[k] = 0;
  const e = c.ext[k];
  if (e !== undefined) {
    e.pull = null;
    e.da = null;
    e.db = null;
    e.others = null;
    e.value = undefined;
    e.adjoint = null;
    e.grad = null;
    c.flags[k] &= ~HAS_GRAD;
  }
  c.liveOps--;
}

/** With no live op left in c, nothing in it can be back-propagated: drop its links to earlier chunks. */
function dropDependencies(c: Chunk): void {
  if (c.liveOps === 0) {
    c.deps = [];
    c.lastDep = null;
  }
}

/** Options of `backward`. */
export interface BackwardOptions extends PropagateOptions {}

/** The gradients one backward pass gave the leaves it reached, looked up by node. */
export class Gradients {
  private readonly byChunk = new Map<Chunk, Map<number, Primal>>();

  /** @internal */
  set(c: Chunk, k: number, g: Primal): void {
    let m = this.byChunk.get(c);
    if (m === undefined) {
      m = new Map();
      this.byChunk.set(c, m);
    }
    m.set(k, g);
  }

  /** The gradient this pass gave `node` (undefined if the pass did not reach it). */
  get(node: Node): Primal | undefined {
    return this.byChunk.get(node.chunk)?.get(node.index);
  }

  /** How many leaves received a gradient. */
  get size(): number {
    let n = 0;
    for (const m of this.byChunk.values()) n += m.size;
    return n;
  }
}

/**
 * Back-propagates from `root` with adjoint `seed` (1 by default, for a scalar) and adds each
 * reached node's adjoint to its `.grad`, as PyTorch does for leaves (here every node keeps its
 * grad, as micrograd does, so the whole graph can be inspected). Returns the gradients of this
 * pass for the leaves it reached, so `optimizer.step(loss.backward())` works too.
 */
export function backward(root: Node, seed?: Primal, options: BackwardOptions = {}): Gradients {
  if (!(root instanceof Node)) throw new DTypeError('backward', `expected a Var or TensorVar, got ${root === null ? 'null' : typeof root}`);
  if (!root.requiresGrad) {
    throw new AdError(
      'backward',
      'this value does not require grad: it was computed under noGrad, from constants or from detached values, so no graph leads back from it (PyTorch: "does not require grad and does not have a grad_fn")',
    );
  }
  if (options === null || typeof options !== 'object')
    throw new DTypeError('backward', `options must be an object, got ${options === null ? 'null' : typeof options}`);
  const s = seed ?? defaultSeed(root);
  const { id, chunks } = propagate([root], [s], { retainGraph: true });
  const retain = options.retainGraph === true;
  const gradients = new Gradients();
  // One sweep: each reached node's adjoint into its .grad, leaves' into the result, and (unless
  // retained) the release that propagate was asked to leave to us.
  for (const c of chunks) {
    if (c.rangePass !== id) continue;
    for (let k = c.lo; k <= c.hi; k++) {
      if (c.pass[k] !== id) continue;
      // A node's .grad is a value of its own: an entry in the columns moves its numbers to an Ext.
      if (c.flags[k] & DUALS && c.flags[k] & REQUIRES_GRAD) demote(c, k);
      const flags = c.flags[k];
      if (flags & REQUIRES_GRAD) {
        if (flags & NUMERIC) {
          const g = c.adj[k];
          c.grad[k] = flags & HAS_GRAD ? c.grad[k] + g : g;
          if (c.op[k] === null) gradients.set(c, k, g);
        } else {
          const e = c.ext[k]!;
          const g = e.adjoint!;
          e.grad = flags & HAS_GRAD && e.grad !== null ? o.add(e.grad, g) : g;
          if (c.op[k] === null) gradients.set(c, k, g);
        }
        c.flags[k] |= HAS_GRAD;
      }
      if (!retain) releaseEntry(c, k);
    }
    if (!retain) dropDependencies(c);
  }
  return gradients;
}

function defaultSeed(root: Node): Primal {
  if (root instanceof Var) return 1;
  const shape = o.shape(root.value);
  if (shape.reduce((a, b) => a * b, 1) !== 1) {
    throw new AdError(
      'backward',
      `a seed can be implied only for a scalar output, got shape [${shape.join(',')}]; pass a seed of that shape (or reduce to a scalar first)`,
    );
  }
  return ones(shape);
}
