/**
 * Methods. `TensorVar` gets every tensor method and `Var` every element-wise method, from the
 * same op table as Tensor's and Dual's, so user code runs unchanged under either mode.
 * `backward`, `zeroGrad` and friends are the PyTorch-style entry points.
 *
 * `Var`'s element-wise methods have a fast path compiled per op (as Dual's are): when the
 * operands are numbers and scalar nodes of one graph, the node records ∂y/∂a and ∂y/∂b as
 * numbers from source that core generates from the op's own rule — no closure, no arrays —
 * so recording and back-propagating a scalar op costs a few nanoseconds.
 */
import {
  anyOps,
  installTensorMethods,
  ops,
  scalarMethodNames,
  scalarRuleSource,
  type Algebra,
  type Op,
  type ScalarMethods,
  type Tensor,
  type TensorMethods,
} from '@ad/core';
import { Node, TensorVar, Var, type Primal } from './node.js';
import { backward, type BackwardOptions } from './backward.js';
import { state } from './state.js';
import './record.js';

declare module './node.js' {
  interface Var extends ScalarMethods<Var> {}
  interface TensorVar extends TensorMethods<TensorVar, Tensor> {}
  interface Node {
    /** Back-propagates from this node (seed 1 for a scalar) into every `.grad` of its graph. */
    backward(seed?: Primal, options?: BackwardOptions): void;
  }
}

const o = anyOps as Algebra<Primal>;
installTensorMethods(TensorVar.prototype, () => o);

Object.defineProperty(Node.prototype, 'backward', {
  value: function (this: Node, seed?: Primal, options?: BackwardOptions) {
    backward(this, seed, options);
  },
  writable: true,
  configurable: true,
});

type Method = (this: Var, ...args: unknown[]) => unknown;

function compileMethod(name: string, op: Op<undefined>): Method {
  const src = scalarRuleSource(op);
  const slow = (a: Var, ...rest: unknown[]) => (o as unknown as Record<string, (...v: unknown[]) => unknown>)[name](a, ...rest);
  if (src.partials === null) return slow as unknown as Method;
  const [p0, p1] = src.partials;
  const body =
    src.inputs.length === 1
      ? `${src.helpers}
const primal = (x) => ${src.primal};
const d0 = (x, out) => ${p0};
return function ${name}() {
  if (typeof this.value === 'number' && this.requiresGrad && state.recording && !state.anomaly) {
    const x = this.value;
    const out = primal(x);
    const y = new Var(this.tag, out, true);
    y.op = op;
    y.a = this;
    y.da = d0(x, out);
    return y;
  }
  return slow(this);
};`
      : `${src.helpers}
const primal = (x, y) => ${src.primal};
const d0 = (x, y, out) => ${p0};
const d1 = (x, y, out) => ${p1};
return function ${name}(b) {
  if (typeof this.value === 'number' && state.recording && !state.anomaly) {
    const x = this.value;
    if (typeof b === 'number') {
      if (this.requiresGrad) {
        const out = primal(x, b);
        const z = new Var(this.tag, out, true);
        z.op = op;
        z.a = this;
        z.da = d0(x, b, out);
        return z;
      }
    } else if (b instanceof Var && b.tag === this.tag && typeof b.value === 'number' && (this.requiresGrad || b.requiresGrad)) {
      const y = b.value;
      const out = primal(x, y);
      const z = new Var(this.tag, out, true);
      z.op = op;
      if (this.requiresGrad) {
        z.a = this;
        z.da = d0(x, y, out);
      }
      if (b.requiresGrad) {
        z.b = b;
        z.db = d1(x, y, out);
      }
      return z;
    }
  }
  return slow(this, b);
};`;
  return new Function('Var', 'state', 'op', 'slow', body)(Var, state, op, slow) as Method;
}

for (const name of scalarMethodNames) {
  Object.defineProperty(Var.prototype, name, {
    value: compileMethod(name, ops[name] as Op<undefined>),
    writable: true,
    configurable: true,
  });
}
