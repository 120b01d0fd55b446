/**
 * Backward: walk the graph from the newest entry to the oldest — creation order is a
 * topological order, so every node has received all of its consumers' contributions before it
 * sends its own on (which is why a reused node is counted right: a = 1, b = a + a, c = b + b
 * gives dc/da = 4). No recursion and no sort: a chain of a million nodes is one loop.
 *
 * Only chunks the roots depend on are visited, newest first; inside them, entries that the
 * pass did not reach are skipped by a stamp test.
 */
import { AdError, DTypeError, anomalyDetection, anyOps, checkAnomaly, ones, tensorOps, Tensor, type Algebra, type Op } from '@ad/core';
import { Node, Var } from './node.js';
import { HAS_GRAD, NUMERIC, RELEASED, REQUIRES_GRAD, nextPass, promote, reach, slotChunk, type Chunk, type Primal } from './tape.js';

const o = anyOps as Algebra<Primal>;

/** A backward through a part of the graph that an earlier backward released. */
export class ReleasedGraphError extends AdError {}

/** A backward through an entry an earlier backward released. */
function released(op: { readonly name: string }): ReleasedGraphError {
  return new ReleasedGraphError(
    'backward',
    `the graph through ${op.name} was released by an earlier backward; pass { retainGraph: true } to the earlier call to run backward through it twice`,
  );
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

/** Adds g to entry k's adjoint of pass p. */
function accumulate(c: Chunk, k: number, g: Primal, p: number): void {
  if (c.flags[k] & NUMERIC) {
    let v: number;
    if (typeof g === 'number') v = g;
    else if (g instanceof Tensor && g.size === 1) v = g.item();
    else {
      // An adjoint that is a node of an enclosing graph: keep it in general storage.
      const e = promote(c, k);
      if (c.pass[k] !== p) {
        c.pass[k] = p;
        reach(c, k, p);
        e.adjoint = g;
      } else e.adjoint = o.add(e.adjoint, g);
      return;
    }
    if (c.pass[k] === p) c.adj[k] += v;
    else {
      c.pass[k] = p;
      c.adj[k] = v;
      reach(c, k, p);
    }
    return;
  }
  const e = c.ext[k]!;
  if (c.pass[k] !== p) {
    c.pass[k] = p;
    reach(c, k, p);
    e.adjoint = g;
    return;
  }
  const a = e.adjoint;
  e.adjoint = typeof a === 'number' && typeof g === 'number' ? a + g : a instanceof Tensor && g instanceof Tensor ? tensorOps.add(a, g) : o.add(a, g);
}

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
    const { flags, pass, adj, da, db, sa, ia, sb, ib, deps } = c;
    // c.lo moves down as this loop reaches earlier entries of the same chunk.
    for (let k = c.hi; k >= c.lo; k--) {
      if (pass[k] !== p) continue;
      const op = c.op[k];
      if (op === null) continue;
      if (flags[k] & RELEASED) throw released(op);
      if (flags[k] & NUMERIC) {
        // Scalar fast path: x̄ += (∂y/∂x)·ȳ with the partials recorded as numbers.
        const g = adj[k];
        const s1 = sa[k];
        if (s1 !== 0) {
          const a = s1 === 1 ? c : deps[s1 - 2];
          const j = ia[k];
          if (a.flags[j] & NUMERIC) {
            if (a.pass[j] === p) a.adj[j] += da[k] * g;
            else {
              a.pass[j] = p;
              a.adj[j] = da[k] * g;
              if (a === c) {
                if (j < c.lo) c.lo = j;
              } else reach(a, j, p);
            }
          } else accumulate(a, j, da[k] * g, p);
        }
        const s2 = sb[k];
        if (s2 !== 0) {
          const b = s2 === 1 ? c : deps[s2 - 2];
          const j = ib[k];
          if (b.flags[j] & NUMERIC) {
            if (b.pass[j] === p) b.adj[j] += db[k] * g;
            else {
              b.pass[j] = p;
              b.adj[j] = db[k] * g;
              if (b === c) {
                if (j < c.lo) c.lo = j;
              } else reach(b, j, p);
            }
          } else accumulate(b, j, db[k] * g, p);
        }
        continue;
      }
      const e = c.ext[k]!;
      const g = e.adjoint;
      if (e.pull === null) {
        // A scalar fast-path node whose adjoint is not a number (promoted): its partials still
        // apply, x̄ += (∂y/∂x)·ȳ, in the algebra of the adjoint.
        if (sa[k] !== 0) accumulate(slotChunk(c, sa[k])!, ia[k], o.mul(da[k], g), p);
        if (sb[k] !== 0) accumulate(slotChunk(c, sb[k])!, ib[k], o.mul(db[k], g), p);
        continue;
      }
      const xBars = e.pull(g);
      for (let slot = 0; slot < xBars.length; slot++) {
        const xBar = xBars[slot];
        if (xBar === null) continue;
        const parent = slot === 0 ? slotChunk(c, sa[k]) : slot === 1 ? slotChunk(c, sb[k]) : e.others![slot - 2].chunk;
        const index = slot === 0 ? ia[k] : slot === 1 ? ib[k] : e.others![slot - 2].index;
        if (parent === null) continue;
        if (parent.flags[index] & RELEASED) throw released(parent.op[index]!);
        checkAdjoint(op, slot, xBar, parent, index);
        if (anomalyDetection()) checkAnomaly(op.name, 'backward', [g, ...slotValues(c, k, e)], xBar);
        accumulate(parent, index, xBar, p);
      }
    }
  }
  if (options.retainGraph !== true) release(chunks, p);
  return { id: p, chunks };
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
      const flags = c.flags[k];
      if (flags & REQUIRES_GRAD) {
        if (flags & NUMERIC) {
          const g = c.adj[k];
          c.grad[k] = flags & HAS_GRAD ? c.grad[k] + g : g;
          if (c.op[k] === null) gradients.set(c, k, g);
        } else {
          const e = c.ext[k]!;
          e.grad = flags & HAS_GRAD && e.grad !== null ? o.add(e.grad, e.adjoint) : e.adjoint;
          if (c.op[k] === null) gradients.set(c, k, e.adjoint);
        }
        c.flags[k] |= HAS_GRAD;
      }
      if (!retain) releaseEntry(c, k);
    }
    if (!retain) dropDependencies(c);
  }
  return gradients;
}

/** An adjoint must have its input's shape; a rule that breaks this is named. */
function checkAdjoint(op: Op<never>, slot: number, xBar: Primal, parent: Chunk, index: number): void {
  const got = o.shape(xBar);
  const want = o.shape(valueAt(parent, index));
  if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
    throw new AdError(op.name, `reverse rule gave input ${slot} an adjoint of shape [${got.join(',')}], the input has shape [${want.join(',')}]`);
  }
}

/** The value of entry k of chunk c. */
function valueAt(c: Chunk, k: number): Primal {
  return c.flags[k] & NUMERIC ? c.val[k] : c.ext[k]?.value;
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
