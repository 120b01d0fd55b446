/**
 * Methods. `TensorVar` gets every tensor method and `Var` every element-wise method, from the
 * same op table as Tensor's and Dual's, so user code runs unchanged under either mode.
 * `backward`, `zeroGrad` and friends are the PyTorch-style entry points.
 *
 * `Var`'s element-wise methods have a fast path per op (as Dual's have): when the operands are
 * numbers and scalar nodes of one graph, the node records ∂y/∂a and ∂y/∂b as numbers, computed
 * by code written from the op's own rule around fast-path.ts's templates, straight into the
 * tape — no closure, no per-node object beyond the handle.
 */
import { anomalyDetection, type Algebra, type Op, type Tensor } from '@ad/core';
import {
  anomalyState,
  nanSafeState,
  anyOps,
  installTensorMethods,
  installScalarMethods,
  kernelScope,
  scalarMethod,
  type ScalarMethods,
  type TensorMethods,
} from '@ad/core/engine';
import { Node, TensorVar, Var, recordScalar } from './node.js';
import { NUMERIC, REQUIRES_GRAD, type Primal } from './tape.js';
import { backward, type BackwardOptions, type Gradients } from './backward.js';
import { state } from './state.js';
import { varFastPath, type VarScope } from './fast-path.js';
import { fastMethods } from './fast-path.generated.js';
import './interpreter.js';
import { recordInColumns } from './dual-columns.js';

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

// Each element-wise op's fast method: generated at build time by `pnpm generate` from
// fast-path.ts's templates, or compiled from them for an op registered later (core's scalarMethod).
installScalarMethods(
  Var.prototype,
  () => o,
  (name, op) => {
    const general = (o as unknown as Record<string, (...v: unknown[]) => Var>)[name];
    // Forward over reverse: Vars holding first-order Duals record from numbers (dual-columns.ts)
    // before the algebra's lifting and dispatch, which would end there too.
    const columns = op.elementwise?.partials != null && op.differentiable;
    const slow = (self: Var, ...rest: unknown[]) => {
      if (columns && rest.length <= 1 && !nanSafeState.on && !anomalyDetection()) {
        const recorded = recordInColumns(op as Op<never>, rest.length === 0 ? [self] : [self, rest[0] as Primal]);
        if (recorded !== null) return recorded;
      }
      return general(self, ...rest);
    };
    const scope: VarScope = {
      ...kernelScope,
      Var,
      state,
      anomaly: anomalyState,
      op,
      slow,
      record: recordScalar,
      NUMERIC,
      REQUIRES_GRAD,
      FAST: NUMERIC | REQUIRES_GRAD,
    };
    return scalarMethod(name, op, varFastPath, fastMethods, scope);
  },
);
