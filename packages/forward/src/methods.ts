/**
 * Methods. `DualTensor` gets every tensor method and `Dual` every element-wise method, from the
 * same op table as Tensor's, so a function written once runs on numbers, tensors and duals.
 *
 * `Dual`'s methods have a first-order fast path compiled per op: when both operands are numeric
 * duals of one derivative (or one is a plain number), the primal and the partials run as plain
 * arithmetic — source generated from the op's own rule by core's `scalarRuleSource` — and
 * ẏⱼ = Σᵢ ∂y/∂xᵢ·ẋᵢⱼ fills the new seed vector. Everything else (nesting, mixed tags, tensors)
 * goes through the general interpreter.
 */
import type { Algebra, Op, Tensor } from '@ad/core';
import {
  addGenerated,
  anomalyState,
  nanSafeState,
  anyOps,
  compileFunction,
  installTensorMethods,
  installScalarMethods,
  scalarMethodSource,
  type ScalarFastPath,
  type ScalarMethods,
  type TensorMethods,
} from '@ad/core/engine';
import { Dual, DualTensor, type Value } from './dual.js';
import './interpreter.js';
import { factories } from './generated.js';

declare module './dual.js' {
  interface Dual extends ScalarMethods<Dual> {}
  interface DualTensor extends TensorMethods<DualTensor, Tensor> {}
}

const o = anyOps as Algebra<Value>;
installTensorMethods(DualTensor.prototype, () => o);

type Method = (this: Dual, ...args: unknown[]) => unknown;

// ẏ = d·ẋ over the seed vector: the first tangent in its field, the rest (if any) in an array.
const scaleRest = (d: string, t: string) => `${t}.rest === null ? null : scale(${d}, ${t}.rest)`;

/**
 * Dual's fast path: numeric duals of one derivative (or a plain number), first order. The
 * commonest case — two width-1 duals of one derivative — is the whole method, so V8 inlines it
 * into the caller and can drop the intermediate duals of an expression (f(x, y) = (x + y)(x − y)
 * at width 1: 27–48 ns before, 17–30 ns after, one process each on a quiet machine); the other
 * cases are a call away.
 */
const fastPath: ScalarFastPath = {
  hotUnary: `  if (this.rest === null && this.numeric && !anomaly.on && !nanSafe.on) {
    const x = this.value;
    const out = primal(x);
    return new Dual(this.tag, out, d0(x, out) * this.first, null, true);
  }`,
  hotBinary: `  if (b instanceof Dual && this.rest === null && b.rest === null && this.numeric && b.numeric && b.tag === this.tag && !anomaly.on && !nanSafe.on) {
    const x = this.value;
    const y = b.value;
    const out = primal(x, y);
    return new Dual(this.tag, out, d0(x, y, out) * this.first + d1(x, y, out) * b.first, null, true);
  }`,
  helpers: `function scale(d, s) {
  const r = new Array(s.length);
  for (let j = 0; j < s.length; j++) r[j] = d * s[j];
  return r;
}
function combine(dx, s, dy, t) {
  const r = new Array(s.length);
  for (let j = 0; j < s.length; j++) r[j] = dx * s[j] + dy * t[j];
  return r;
}`,
  unary: `  if (this.numeric && !anomaly.on && !nanSafe.on) {
    const x = this.value;
    const out = primal(x);
    const d = d0(x, out);
    return new Dual(this.tag, out, d * this.first, ${scaleRest('d', 'this')}, true);
  }`,
  binary: `  if (this.numeric && !anomaly.on && !nanSafe.on) {
    if (typeof b === 'number') {
      const x = this.value;
      const out = primal(x, b);
      const d = d0(x, b, out);
      return new Dual(this.tag, out, d * this.first, ${scaleRest('d', 'this')}, true);
    }
    if (b instanceof Dual && b.numeric && b.tag === this.tag && (b.rest === null) === (this.rest === null)) {
      const x = this.value;
      const y = b.value;
      const out = primal(x, y);
      const dx = d0(x, y, out);
      const dy = d1(x, y, out);
      if (this.rest === null) return new Dual(this.tag, out, dx * this.first + dy * b.first, null, true);
      if (this.rest.length === b.rest.length) {
        return new Dual(this.tag, out, dx * this.first + dy * b.first, combine(dx, this.rest, dy, b.rest), true);
      }
    }
  }`,
};

/** Compiles the fast method of one element-wise op (see the module comment); undefined when the general path serves it. */
function compileMethod(name: string, op: Op<undefined>): Method | undefined {
  const body = scalarMethodSource(name, op, fastPath);
  if (body === null) return undefined;
  const slow = (a: Dual, ...rest: unknown[]) => (o as unknown as Record<string, (...v: unknown[]) => unknown>)[name](a, ...rest);
  return (compileFunction([], body, { Dual, slow, anomaly: anomalyState, nanSafe: nanSafeState }, '@ad/forward') as () => Method)();
}

// The methods' source, generated at build time by `pnpm generate` (see core's elementwise.ts).
addGenerated(factories);

installScalarMethods(
  Dual.prototype,
  () => o,
  (name, op) => compileMethod(name, op),
);
