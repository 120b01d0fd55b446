/**
 * Methods. `DualTensor` gets every tensor method and `Dual` every element-wise method, from the
 * same op table as Tensor's, so a function written once runs on numbers, tensors and duals.
 *
 * `Dual`'s methods have a first-order fast path per op: when both operands are numeric duals of
 * one derivative (or one is a plain number), the primal and the partials run as plain
 * arithmetic — code written from the op's own rule by core's `scalarRuleSource` around
 * fast-path.ts's templates — and ẏⱼ = Σᵢ ∂y/∂xᵢ·ẋᵢⱼ fills the new seed vector. Everything else
 * (nesting, mixed tags, tensors) goes through the general interpreter.
 */
import type { Algebra, Tensor } from '@ad/core';
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
import { Dual, DualTensor, type Value } from './dual.js';
import { dualFastPath, type DualScope } from './fast-path.js';
import { fastMethods } from './fast-path.generated.js';
import './interpreter.js';

declare module './dual.js' {
  interface Dual extends ScalarMethods<Dual> {}
  interface DualTensor extends TensorMethods<DualTensor, Tensor> {}
}

const o = anyOps as Algebra<Value>;
installTensorMethods(DualTensor.prototype, () => o);

// Each element-wise op's fast method: generated at build time by `pnpm generate` from
// fast-path.ts's templates, or compiled from them for an op registered later (core's scalarMethod).
installScalarMethods(
  Dual.prototype,
  () => o,
  (name, op) => {
    const slow = (self: Dual, ...rest: unknown[]) => (o as unknown as Record<string, (...v: unknown[]) => Dual>)[name](self, ...rest);
    const scope: DualScope = { ...kernelScope, Dual, slow, anomaly: anomalyState, nanSafe: nanSafeState };
    return scalarMethod(name, op, dualFastPath, fastMethods, scope);
  },
);
