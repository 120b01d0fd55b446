/**
 * Recording. When a node holds the highest tag among an op's operands, this interpreter runs
 * the op on the unwrapped values (through core's dispatch, so enclosing derivatives see it) and
 * makes the result a node whose closure runs the op's reverse rule:
 *
 *   y = op(x₁, …, xₙ)          pull(ȳ) = op.vjp(x₁, …, xₙ, y)(ȳ)  → x̄ᵢ for each parent
 *
 * Operands of other tags are constants here; so are nodes that do not require grad.
 */
import { AdError, Tensor, anyInterpreter, anyOps, registerKind, type Algebra, type Interpreter, type Op } from '@ad/core';
import { Dual, DualTensor } from '@ad/forward';
import { Node, TensorVar, Var, type Primal } from './node.js';
import { AnomalyError, state } from './state.js';

const o = anyOps as Algebra<Primal>;

/** The shape of any value this package handles. */
export function shapeOf(x: Primal): readonly number[] {
  if (x instanceof Node) return shapeOf(x.value);
  return anyInterpreter.shape(x);
}

/** A node of the right kind (scalar or tensor) for a value. */
export function makeNode(tag: number, value: Primal, requiresGrad: boolean): Var | TensorVar {
  if (typeof value === 'number' || value instanceof Dual || value instanceof Var) {
    return new Var(tag, value as number | Dual, requiresGrad);
  }
  return new TensorVar(tag, value as Tensor | DualTensor, requiresGrad);
}

/** True if a value (or any element of it) is NaN or ±∞. */
export function hasNonFinite(x: Primal | null): boolean {
  if (x === null) return false;
  if (typeof x === 'number') return !Number.isFinite(x);
  if (x instanceof Tensor) {
    const d = x.toFloat64Array();
    for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return true;
    return false;
  }
  return hasNonFinite((x as { value: Primal }).value);
}

export const reverseInterpreter: Interpreter<Primal> = {
  apply<P>(op: Op<P>, xs: readonly Primal[], params: P): Primal {
    let top = 0;
    for (const x of xs) if (x instanceof Node && x.tag > top) top = x.tag;
    const n = xs.length;
    const primals = new Array<Primal>(n);
    const parents = new Array<Node | null>(n);
    const needs = new Array<boolean>(n);
    let anyParent = false;
    for (let i = 0; i < n; i++) {
      const x = xs[i];
      if (x instanceof Node && x.tag === top) {
        primals[i] = x.value;
        const p = x.requiresGrad && state.recording && op.differentiable ? x : null;
        parents[i] = p;
        needs[i] = p !== null;
        if (p !== null) anyParent = true;
      } else {
        primals[i] = x;
        parents[i] = null;
        needs[i] = false;
      }
    }
    const y = anyInterpreter.apply(op, primals, params) as Primal;
    if (state.anomaly && hasNonFinite(y) && !primals.some(hasNonFinite)) {
      throw new AnomalyError(op.name, `produced a non-finite value (NaN or ±∞) in the forward pass from finite inputs`);
    }
    const node = makeNode(top, y, anyParent);
    if (!anyParent) return node;
    node.op = op as Op<never>;
    node.a = parents[0];
    node.b = n > 1 ? parents[1] : null;
    node.others = n > 2 ? parents.slice(2) : null;
    node.pull = (yBar) => op.vjp(o, primals, y, params)(yBar, needs);
    return node;
  },
  constant: (c) => c,
  shape: shapeOf,
};

registerKind(Var.prototype, { interpreter: reverseInterpreter as Interpreter<unknown> });
registerKind(TensorVar.prototype, { interpreter: reverseInterpreter as Interpreter<unknown> });

/** An adjoint must have its input's shape; a rule that breaks this is named. */
export function checkAdjoint(op: Op<never>, slot: number, xBar: Primal, parent: Node): void {
  const got = shapeOf(xBar);
  const want = shapeOf(parent.value);
  if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
    throw new AdError(op.name, `reverse rule gave input ${slot} an adjoint of shape [${got.join(',')}], the input has shape [${want.join(',')}]`);
  }
}
