/**
 * The forward-mode interpreter. One `apply` runs any op of the @ad/core table on any mix of
 * numbers, tensors, duals and dual tensors:
 *
 *   1. find the highest tag among the operands (the innermost derivative in progress);
 *   2. split operands of that tag into primal and tangents, others are constants at this level;
 *   3. the primal output is `apply` on the primals (recursion handles enclosing derivatives);
 *   4. the tangents come from the op's forward rule, ẏ = J(x)·ẋ, once per seed direction,
 *      with the rule itself evaluated by this interpreter (so it nests).
 *
 * First-order scalar ops take a fast path with no intermediate objects:
 * the partials ∂y/∂xᵢ are computed once as numbers and combined into the tangents.
 */
import { AdError, Tensor, anomalyDetection, scalar, zeros, type Algebra, type Op } from '@ad/core';
import { anyInterpreter, anyOps, checkAnomaly, nanSafeState, numberOps, ops, registerKind, tagOf, type Interpreter } from '@ad/core/engine';
import { Dual, DualTensor, type Scalar, type Value } from './dual.js';
import { matmulWithTangents, stackOf, stackable, stackedRule } from './stacked.js';

/** Raised when the forward engine's own invariants break (a tangent of the wrong shape, mixed widths). */
export class ForwardModeError extends AdError {}

function shapeOf(x: Value): readonly number[] {
  if (typeof x === 'number' || x instanceof Dual) return [];
  if (x instanceof DualTensor) return shapeOf(x.value);
  return anyInterpreter.shape(x);
}

/** The rules run on every kind, so nested modes differentiate through them. */
const o = anyOps as Algebra<Value>;

function widthOf(x: Dual | DualTensor): number {
  return x.width;
}

function tangentAt(x: Dual | DualTensor, j: number): Value {
  return x instanceof Dual ? (j === 0 ? x.first : x.rest![j - 1]) : x.tangents[j];
}

/** A zero tangent for a primal: 0 for scalars, a zero tensor of its shape for tensors. */
function zeroLike(y: Value): number | Tensor {
  return isScalarKind(y) ? 0 : zeros(shapeOf(y));
}

/** Numbers, duals, and scalar values of other modes (a reverse-mode Var has no shape). */
function isScalarKind(y: Value): boolean {
  return typeof y === 'number' || y instanceof Dual || !(y instanceof Tensor || 'shape' in (y as object));
}

/** Wraps a primal and its tangents at `tag` as the right kind of dual. */
function wrap(tag: number, y: Value, tangents: Value[]): Dual | DualTensor {
  if (isScalarKind(y)) return Dual.of(tag, y as Scalar, tangents as Scalar[]);
  const t = y as Tensor | DualTensor;
  const ts = tangents.map((d) => (typeof d === 'number' ? scalar(d).broadcastTo(t.shape) : (d as Tensor | DualTensor)));
  return new DualTensor(tag, t, ts);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Applies an op when a dual holds the highest tag among the operands (see core's dispatch.ts). */
export const forwardInterpreter: Interpreter<Value> = {
  apply<P>(op: Op<P>, xs: readonly Value[], params: P): Value {
    const numeric = numericDual(op as Op<unknown>, xs);
    if (numeric !== null) return numeric;
    let top = 0;
    for (const x of xs) {
      const t = tagOf(x);
      if (t > top) top = t;
    }

    let width = -1;
    const primals = new Array<Value>(xs.length);
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i];
      if (tagOf(x) === top) {
        const d = x as Dual | DualTensor;
        const w = widthOf(d);
        if (width !== -1 && w !== width) {
          throw new ForwardModeError(op.name, `operands carry seed vectors of different widths (${width} and ${w}) in the same derivative`);
        }
        width = w;
        primals[i] = d.value;
      } else primals[i] = x;
    }
    const checking = anomalyDetection();
    // x·w of a dual x and a constant matrix w, several directions: the primal rides in the
    // tangents' product (stacked.ts, matmulWithTangents), one pass over w for both.
    if (width > 1 && op === (ops.matmul as unknown) && !checking && tagOf(xs[0]) === top && tagOf(xs[1]) !== top && primals[1] instanceof Tensor) {
      const x = xs[0] as DualTensor;
      if (x.value instanceof Tensor && stackable(x)) {
        const both = matmulWithTangents(x.value, stackOf(x), primals[1], width);
        if (both !== undefined) return new DualTensor(top, both[0], null, both[1]);
      }
    }
    const y = anyInterpreter.apply(op, primals, params) as Value;
    if (checking) checkAnomaly(op.name, 'forward', primals, y);
    // A piecewise-constant op (sign, a comparison) still gives a dual, with zero tangents: a method
    // of a Dual returns a Dual, as its type says, and code can go on calling methods on it.
    if (!op.differentiable) return wrap(top, y, new Array<Value>(width).fill(zeroLike(y)));

    // First-order scalar fast path: ∂y/∂xᵢ as numbers, ẏⱼ = Σᵢ ∂y/∂xᵢ · ẋᵢⱼ.
    const ew = op.elementwise;
    if (ew !== undefined && ew.partials !== null && typeof y === 'number' && !checking) {
      let allNumbers = true;
      for (const p of primals) if (typeof p !== 'number') allNumbers = false;
      let firstOrder = true;
      for (const x of xs) if (tagOf(x) === top && !(x as Dual).numeric) firstOrder = false;
      if (allNumbers && firstOrder) {
        const out = new Array<number>(width).fill(0);
        for (let i = 0; i < xs.length; i++) {
          const x = xs[i];
          if (tagOf(x) !== top) continue;
          const d = ew.partials[i](numberOps, primals as number[], y) as number;
          for (let j = 0; j < width; j++) {
            const t = tangentAt(x as Dual, j) as number;
            // NaN-safe mode: a zero tangent contributes 0, even against an infinite partial.
            if (t !== 0 || !nanSafeState.on) out[j] += d * t;
          }
        }
        return Dual.of(top, y, out);
      }
    }

    // Several directions of first-order tensors: one stacked rule for all k where the op has one.
    if (width > 1 && y instanceof Tensor && !checking) {
      let plain = true;
      for (const x of xs) if (tagOf(x) === top && !(x instanceof DualTensor && stackable(x))) plain = false;
      if (plain) {
        const dots = xs.map((x) => (tagOf(x) === top ? stackOf(x as DualTensor) : null));
        const yDot = stackedRule(op as Op<unknown, unknown>, primals as (Tensor | number)[], y, params, dots, width);
        if (yDot !== undefined) {
          return new DualTensor(top, y, null, yDot);
        }
      }
    }

    const pushforward = op.jvp(o, primals, y, params);
    const yShape = shapeOf(y);
    const tangents = new Array<Value>(width);
    const dots = new Array<Value | null>(xs.length);
    for (let j = 0; j < width; j++) {
      for (let i = 0; i < xs.length; i++) dots[i] = tagOf(xs[i]) === top ? tangentAt(xs[i] as Dual | DualTensor, j) : null;
      const t = pushforward(dots);
      if (t === null) {
        tangents[j] = zeroLike(y);
        continue;
      }
      if (checking) checkAnomaly(op.name, 'tangent', [...primals, ...dots], t);
      if (!sameShape(shapeOf(t), yShape)) {
        throw new ForwardModeError(op.name, `forward rule gave a tangent of shape [${shapeOf(t).join(',')}] for an output of shape [${yShape.join(',')}]`);
      }
      tangents[j] = t;
    }
    return wrap(top, y, tangents);
  },
  constant: (c) => c,
  shape: shapeOf,
};

const ONE = [0];
const TWO = [0, 0];

/**
 * The commonest call from other modes' rules (a reverse-mode pullback over duals, as the sparse
 * Hessian's forward-over-reverse runs one per entry): an element-wise op with partials on one
 * or two operands, each a number or a first-order dual of one derivative, of one width. Then
 * ẏⱼ = Σᵢ ∂y/∂xᵢ · ẋᵢⱼ is computed here from the op's scalar primal and partials — the general
 * path's numbers, in its order (each sum from 0) — with no dispatch and no intermediate arrays.
 * Null for anything else (and under anomaly detection or NaN-safe mode, which the general path
 * handles).
 */
function numericDual(op: Op<unknown>, xs: readonly Value[]): Dual | null {
  const ew = op.elementwise;
  if (ew === undefined || ew.partials === null || !op.differentiable || xs.length > 2 || xs.length === 0) return null;
  const a = xs[0];
  const b = xs.length === 2 ? xs[1] : 0;
  let d: Dual;
  if (a instanceof Dual) {
    if (!a.numeric || (b instanceof Dual && (!b.numeric || b.tag !== a.tag || b.width !== a.width)) || (typeof b !== 'number' && !(b instanceof Dual)))
      return null;
    d = a;
  } else if (typeof a === 'number' && b instanceof Dual && b.numeric) d = b;
  else return null;
  if (nanSafeState.on || anomalyDetection()) return null;
  const va = a instanceof Dual ? (a.value as number) : a;
  const vb = b instanceof Dual ? (b.value as number) : b;
  // The partials read the primals from an array: one kept for each arity, as nothing they call
  // comes back here (they are the op's rules on plain numbers).
  const values = xs.length === 2 ? TWO : ONE;
  values[0] = va;
  if (xs.length === 2) values[1] = vb;
  const y = xs.length === 2 ? ew.scalar(va, vb) : ew.scalar(va);
  const da = a instanceof Dual ? (ew.partials[0](numberOps, values, y) as number) : 0;
  const db = b instanceof Dual ? (ew.partials[1](numberOps, values, y) as number) : 0;
  let first = 0;
  if (a instanceof Dual) first += da * (a.first as number);
  if (b instanceof Dual) first += db * (b.first as number);
  const width = d.width;
  if (width === 1) return new Dual(d.tag, y, first, null, true);
  const rest = new Array<number>(width - 1);
  const ra = a instanceof Dual ? (a.rest as readonly number[]) : null;
  const rb = b instanceof Dual ? (b.rest as readonly number[]) : null;
  for (let j = 0; j < width - 1; j++) {
    let t = 0;
    if (ra !== null) t += da * ra[j];
    if (rb !== null) t += db * rb[j];
    rest[j] = t;
  }
  return new Dual(d.tag, y, first, rest, true);
}

/** A plain value as a constant of a dual's derivative: zero tangents of its width. */
function lift(value: number | Tensor, like: unknown): unknown {
  const d = like as Dual | DualTensor;
  if (typeof value === 'number') return Dual.of(d.tag, value, new Array<number>(d.width).fill(0));
  return new DualTensor(
    d.tag,
    value,
    Array.from({ length: d.width }, () => zeros(value.shape)),
  );
}

registerKind(Dual.prototype, { interpreter: forwardInterpreter as Interpreter<unknown>, lift });
registerKind(DualTensor.prototype, { interpreter: forwardInterpreter as Interpreter<unknown>, lift });
