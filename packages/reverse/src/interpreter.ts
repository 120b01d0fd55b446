/**
 * The reverse-mode interpreter: recording. When a node holds the highest tag among an op's
 * operands, this interpreter runs the op on the unwrapped values (through core's dispatch, so
 * enclosing derivatives see it) and records the result with a closure that runs the op's
 * reverse rule:
 *
 *   y = op(x₁, …, xₙ)          pull(ȳ) = op.vjp(x₁, …, xₙ, y)(ȳ)  → x̄ᵢ for each parent
 *
 * Operands of other tags are constants here; so are nodes that do not require grad.
 */
import { DTypeError, anomalyDetection, type Algebra, type Op, type Tensor } from '@ad/core';
import { anyInterpreter, anyOps, checkAnomaly, nanSafeState, numberOps, registerKind, type Interpreter } from '@ad/core/engine';
import { Dual } from '@ad/forward';
import { Node, TensorVar, Var, handle, inertHandle, isScalarValue, recordScalar } from './node.js';
import { type Chunk, NUMERIC, PARTIALS, REQUIRES_GRAD, chunkFor, soloChunk, linkA, linkB, slotOf, type Primal } from './tape.js';
import { recordsFor } from './state.js';
import { recordInColumns } from './dual-columns.js';

const o = anyOps as Algebra<Primal>;

/** The shape of any value this package handles. */
function shapeOf(x: Primal): readonly number[] {
  if (x instanceof Node) return shapeOf(x.value);
  return anyInterpreter.shape(x);
}

/** Reverse mode's interpreter: records an op when a graph node holds the highest tag among its operands. */
export const reverseInterpreter: Interpreter<Primal> = {
  apply<P>(op: Op<P>, xs: readonly Primal[], params: P): Primal {
    // Forward over reverse's element-wise ops, on numbers in the tape's columns (dual-columns.ts).
    if (xs.length <= 2 && op.elementwise?.partials != null && op.differentiable && !nanSafeState.on && !anomalyDetection()) {
      const recorded = recordInColumns(op as Op<never>, xs);
      if (recorded !== null) return recorded;
    }
    let top = 0;
    for (const x of xs) if (x instanceof Node && x.tag > top) top = x.tag;
    const n = xs.length;
    const records = recordsFor(top) && op.differentiable;
    const primals = new Array<Primal>(n);
    const parents = new Array<Node | null>(n);
    const needs = new Array<boolean>(n);
    let anyParent = false;
    for (let i = 0; i < n; i++) {
      const x = xs[i];
      if (x instanceof Node && x.tag === top) {
        primals[i] = x.value;
        const p = records && x.requiresGrad ? x : null;
        parents[i] = p;
        needs[i] = p !== null;
        if (p !== null) anyParent = true;
      } else {
        primals[i] = x;
        parents[i] = null;
        needs[i] = false;
      }
    }
    if (anyParent && n <= 2 && op.elementwise?.partials && !anomalyDetection()) {
      const fast = recordNumeric(op as Op<never>, top, xs, primals, parents);
      if (fast !== null) return fast;
    }
    const y = anyInterpreter.apply(op, primals, params) as Primal;
    if (anomalyDetection()) checkAnomaly(op.name, 'forward', primals, y);
    if (!anyParent) return inertHandle(y);
    const partials = op.elementwise?.partials;
    if (n <= 2 && partials != null && primals.every(firstOrder) && !nanSafeState.on && !anomalyDetection()) {
      // A scalar element-wise op on first-order Duals of several derivatives or widths (one
      // derivative and width never gets here: recordInColumns, above, keeps those in the tape's
      // columns): its partials ∂y/∂xᵢ now, in forward mode, instead of a closure that would
      // compute them at backward time. The same calls on the same values, so the same bits
      // (backward.ts multiplies as the op's vjp does). Under NaN-safe mode or anomaly detection
      // the partials wait for backward, as before, and see the modes then in force.
      const da = needs[0] ? partials[0](o, primals, y) : null;
      const db = n > 1 && needs[1] ? partials[1](o, primals, y) : null;
      const [c, k] = entry(chunkFor(top), top, op as Op<never>, y, parents);
      c.flags[k] |= PARTIALS;
      c.ext[k]!.da = da;
      c.ext[k]!.db = db;
      return handle(c, k, y);
    }
    const [c, k] = entry(isScalarValue(y) ? chunkFor(top) : soloChunk(), top, op as Op<never>, y, parents);
    c.ext[k]!.pull = (yBar) => op.vjp(o, primals, y, params)(yBar, needs);
    return handle(c, k, y);
  },
  constant: (c) => c,
  shape: shapeOf,
};

/** A new entry of graph `tag` in c for y = op(…) with `parents` (null for an operand that takes no adjoint), its Ext still without a rule. */
function entry(c: Chunk, tag: number, op: Op<never>, y: Primal, parents: readonly (Node | null)[]): [Chunk, number] {
  const k = c.n++;
  c.tags[k] = tag;
  c.flags[k] = REQUIRES_GRAD;
  c.ext[k] = { value: y, pull: null, da: null, db: null, others: null, adjoint: null, grad: null };
  c.op[k] = op;
  c.liveOps++;
  linkA(c, k, parents[0]?.chunk ?? null, parents[0]?.index ?? 0);
  if (parents.length > 1) linkB(c, k, parents[1]?.chunk ?? null, parents[1]?.index ?? 0);
  if (parents.length > 2) {
    const others = parents.slice(2).map((p) => (p === null ? { chunk: null, index: 0 } : { chunk: p.chunk, index: p.index }));
    for (const s of others) if (s.chunk !== null) slotOf(c, s.chunk);
    c.ext[k]!.others = others;
  }
  return [c, k];
}

/**
 * A number, or a Dual whose value and tangents are numbers: values on which an op's partials
 * are plain forward-mode arithmetic, the same whenever they run. (On a node of an enclosing
 * graph they would record into it, and whether that graph records can differ between the
 * forward pass and backward.)
 */
function firstOrder(v: Primal): boolean {
  return typeof v === 'number' || (v instanceof Dual && v.numeric);
}

/**
 * The scalar fast path of Var's methods, for an element-wise op that reaches the interpreter
 * through dispatch: the rules of an inner derivative (a Dual's tangent, an inner graph's
 * pullback) applied to Vars of this graph that hold numbers. When every operand is a number or
 * such a Var, the node records ∂y/∂a and ∂y/∂b as numbers, as the methods do, instead of a
 * closure; null otherwise. On GradBench's particle, reverse over forward and reverse over
 * reverse issue most of their outer ops this way.
 */
function recordNumeric(op: Op<never>, top: number, xs: readonly Primal[], primals: Primal[], parents: (Node | null)[]): Var | null {
  for (const x of xs) {
    if (typeof x === 'number') continue;
    if (!(x instanceof Var) || x.chunk.tags[x.index] !== top || !(x.chunk.flags[x.index] & NUMERIC)) return null;
  }
  const ew = op.elementwise!;
  const values = primals as number[];
  const y = ew.scalar(...values);
  const [a, b] = parents;
  return recordScalar(
    top,
    op,
    y,
    a?.chunk ?? null,
    a?.index ?? 0,
    a == null ? 0 : (ew.partials![0](numberOps, values, y) as number),
    b?.chunk ?? null,
    b?.index ?? 0,
    b == null ? 0 : (ew.partials![1](numberOps, values, y) as number),
  );
}

/** A node is a constant while its graph is frozen (noGrad) or when it does not require grad. */
function inert(x: unknown): unknown {
  const n = x as Node;
  return n.requiresGrad && recordsFor(n.tag) ? undefined : n.value;
}

/** A plain value as a constant node: an inert handle records nothing and takes no adjoint. */
function lift(value: number | Tensor): unknown {
  return inertHandle(value);
}

registerKind(Var.prototype, { interpreter: reverseInterpreter as Interpreter<unknown>, inert, lift });
registerKind(TensorVar.prototype, { interpreter: reverseInterpreter as Interpreter<unknown>, inert, lift });

/** The op recorded for a primitive of many outputs (`recordMany`): only its name is read, for messages. */
function primitiveOp(name: string): Op<never> {
  return { name, differentiable: true } as unknown as Op<never>;
}

/**
 * Records a primitive that is not an op of the table and has many inputs and outputs (@ad/jit's
 * `scan`): its outputs `values`, computed by the caller one level down, become nodes of graph
 * `tag` whose parents are `parents` (null for an input that takes no adjoint). In a backward
 * pass each reached output keeps its adjoint ȳⱼ, and once all are in — the outputs hang from one
 * hidden node, recorded before them, so the sweep reaches it after every output — `pull` gets
 * them all at once (null for an output the pass did not reach) and returns x̄ for each parent:
 * one reverse sweep of the primitive however many of its outputs are used.
 *
 * The outputs must be tensors: every entry here has a chunk of its own, created after its
 * parents' and before its children's, which is the order the sweep walks chunks in. (A scalar
 * entry lives in a shared chunk that may be older than the hidden node.)
 */
export function recordMany(
  tag: number,
  name: string,
  parents: readonly (Node | null)[],
  values: readonly Primal[],
  pull: (yBars: readonly (Primal | null)[]) => readonly (Primal | null)[],
): (Var | TensorVar)[] {
  const op = primitiveOp(name);
  for (const y of values) if (isScalarValue(y)) throw new DTypeError(name, 'recordMany records tensor outputs only, got a scalar');
  let yBars: (Primal | null)[] = values.map(() => null);
  const [hidden, h] = entry(soloChunk(), tag, op, 0, parents);
  hidden.ext[h]!.pull = () => {
    const got = yBars;
    yBars = values.map(() => null);
    return pull(got);
  };
  return values.map((y, j) => {
    const [c, k] = entry(soloChunk(), tag, op, y, []);
    linkA(c, k, hidden, h);
    // ȳⱼ is kept for the hidden node's pull; the hidden node gets a zero share, so it is reached.
    c.ext[k]!.pull = (yBar) => {
      yBars[j] = yBar;
      return [0];
    };
    return handle(c, k, y) as Var | TensorVar;
  });
}
