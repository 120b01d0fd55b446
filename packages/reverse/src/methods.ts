/**
 * Methods. `TensorVar` gets every tensor method and `Var` every element-wise method, from the
 * same op table as Tensor's and Dual's, so user code runs unchanged under either mode.
 * `backward`, `zeroGrad` and friends are the PyTorch-style entry points.
 *
 * `Var`'s element-wise methods have a fast path compiled per op (as Dual's are): when the
 * operands are numbers and scalar nodes of one graph, the node records ∂y/∂a and ∂y/∂b as
 * numbers from source that core generates from the op's own rule, straight into the tape —
 * no closure, no per-node object beyond the handle.
 */
import type { Algebra, Op, Tensor } from '@ad/core';
import {
  addGenerated,
  anomalyState,
  anyOps,
  compileFunction,
  installTensorMethods,
  installScalarMethods,
  scalarMethodSource,
  type ScalarFastPath,
  type ScalarMethods,
  type TensorMethods,
} from '@ad/core/engine';
import { Node, TensorVar, Var } from './node.js';
import { NUMERIC, REQUIRES_GRAD, chunkFor, slotOf, type Chunk, type Primal } from './tape.js';
import { backward, type BackwardOptions, type Gradients } from './backward.js';
import { state } from './state.js';
import { factories } from './generated.js';
import './interpreter.js';

declare module './node.js' {
  interface Var extends ScalarMethods<Var> {}
  interface TensorVar extends TensorMethods<TensorVar, Tensor> {}
  interface Node {
    /**
     * Back-propagates from this node (seed 1 for a scalar) into every `.grad` of its graph,
     * and returns this pass's gradients of the leaves.
     */
    backward(seed?: Primal, options?: BackwardOptions): Gradients;
  }
}

const o = anyOps as Algebra<Primal>;
installTensorMethods(TensorVar.prototype, () => o);

Object.defineProperty(Node.prototype, 'backward', {
  value: function (this: Node, seed?: Primal, options?: BackwardOptions) {
    return backward(this, seed, options);
  },
  writable: true,
  configurable: true,
});

type Method = (this: Var, ...args: unknown[]) => unknown;

/**
 * Records a scalar fast-path node: value `out`, parents (ca, ia) and (cb, ib) with local
 * partials da and db (a null chunk for no parent).
 */
function record(tag: number, op: Op<never>, out: number, ca: Chunk | null, ia: number, da: number, cb: Chunk | null, ib: number, db: number): Var {
  const c = chunkFor(tag);
  const k = c.n++;
  c.tags[k] = tag;
  c.flags[k] = NUMERIC | REQUIRES_GRAD;
  c.val[k] = out;
  c.op[k] = op;
  c.liveOps++;
  c.sa[k] = ca === null ? 0 : ca === c ? 1 : slotOf(c, ca);
  c.ia[k] = ia;
  c.da[k] = da;
  c.sb[k] = cb === null ? 0 : cb === c ? 1 : slotOf(c, cb);
  c.ib[k] = ib;
  c.db[k] = db;
  return new Var(c, k);
}

/** Var's fast path: numeric entries of one graph that records, and plain numbers. */
const fastPath: ScalarFastPath = {
  unary: `  const c = this.chunk;
  const i = this.index;
  if ((c.flags[i] & FAST) === FAST && c.tags[i] > state.frozen && !anomaly.on) {
    const x = c.val[i];
    const out = primal(x);
    return record(c.tags[i], op, out, c, i, d0(x, out), null, 0, 0);
  }`,
  binary: `  const c = this.chunk;
  const i = this.index;
  const tag = c.tags[i];
  if ((c.flags[i] & NUMERIC) !== 0 && tag > state.frozen && !anomaly.on) {
    const x = c.val[i];
    const ga = (c.flags[i] & REQUIRES_GRAD) !== 0;
    if (typeof b === 'number') {
      if (ga) {
        const out = primal(x, b);
        return record(tag, op, out, c, i, d0(x, b, out), null, 0, 0);
      }
    } else if (b instanceof Var && b.chunk.tags[b.index] === tag && (b.chunk.flags[b.index] & NUMERIC) !== 0) {
      const bc = b.chunk;
      const j = b.index;
      const gb = (bc.flags[j] & REQUIRES_GRAD) !== 0;
      if (ga || gb) {
        const y = bc.val[j];
        const out = primal(x, y);
        return record(tag, op, out, ga ? c : null, i, ga ? d0(x, y, out) : 0, gb ? bc : null, j, gb ? d1(x, y, out) : 0);
      }
    }
  }`,
};

/** Compiles the fast method of one element-wise op (see the module comment); undefined when the general path serves it. */
function compileMethod(name: string, op: Op<undefined>): Method | undefined {
  const body = scalarMethodSource(name, op, fastPath);
  if (body === null) return undefined;
  const slow = (a: Var, ...rest: unknown[]) => (o as unknown as Record<string, (...v: unknown[]) => unknown>)[name](a, ...rest);
  const scope = { Var, state, anomaly: anomalyState, op, slow, record, NUMERIC, REQUIRES_GRAD, FAST: NUMERIC | REQUIRES_GRAD };
  return (compileFunction([], body, scope, '@ad/reverse') as () => Method)();
}

// The methods' source, generated at build time by `pnpm generate` (see core's elementwise.ts).
addGenerated(factories);

installScalarMethods(
  Var.prototype,
  () => o,
  (name, op) => compileMethod(name, op),
);
