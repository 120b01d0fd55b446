/**
 * The shared gradient checker. Given a function of tensors and whatever a mode offers for its
 * derivative — a JVP (J·v), a VJP (Jᵀ·ȳ), or both — it checks, along random directions:
 *   1. J·v against the central difference (f(x + εv) − f(x − εv)) / 2ε;
 *   2. ⟨Jᵀȳ, v⟩ against ⟨ȳ, central difference⟩;
 *   3. ⟨Jᵀȳ, v⟩ = ⟨ȳ, J·v⟩, the identity tying the two modes (to rounding, no ε involved).
 * @ad/core checks each op's own rules with it (`opRules`); @ad/forward and @ad/reverse check
 * their engines with the same function.
 */
import { AdError, DTypeError, fmtShape } from './errors.js';
import { Generator } from './rng.js';
import { Tensor } from './tensor.js';
import { randn, zeros } from './create.js';
import { shapesEqual } from './shape.js';
import { tensorOps } from './engine/tensor-algebra.js';
import type { Op } from './ops/define.js';

/** A function of tensors and whatever a mode gives for its derivative: a JVP, a VJP, or both. */
export interface Differentiable {
  /** The primal. */
  f(xs: readonly Tensor[]): Tensor;
  /** J·v: the directional derivative along v (one tangent per input). */
  jvp?(xs: readonly Tensor[], vs: readonly Tensor[]): Tensor;
  /** Jᵀ·ȳ: one adjoint per input (null counts as zero). */
  vjp?(xs: readonly Tensor[], yBar: Tensor): readonly (Tensor | null)[];
}

/** Options of `checkGradients`. */
export interface CheckOptions {
  /** Seed of the random directions and cotangents. */
  seed?: number;
  /** How many random directions to try. */
  directions?: number;
  /** Finite-difference step (relative to 1; the inputs should be O(1)). */
  eps?: number;
  /** Tolerances of the finite-difference comparisons: |a − b| ≤ atol + rtol·max(|a|, |b|). */
  rtol?: number;
  atol?: number;
  /** Relative tolerance of the ⟨Jᵀȳ, v⟩ = ⟨ȳ, J v⟩ identity. */
  identityRtol?: number;
  /** Inputs to differentiate (default all); the others are held fixed (masks, indices). */
  wrt?: readonly number[];
}

/** The largest errors `checkGradients` saw (scaled so that 1 is the tolerance). */
export interface CheckReport {
  readonly name: string;
  readonly directions: number;
  /** Largest scaled error of J·v against finite differences. */
  readonly jvpError: number;
  /** Largest scaled error of ⟨Jᵀȳ, v⟩ against finite differences. */
  readonly vjpError: number;
  /** Largest relative error of the cross-mode identity. */
  readonly identityError: number;
}

export class GradCheckError extends AdError {}

/** Checks a function's derivatives; returns the errors seen, or throws a GradCheckError. */
export function checkGradients(name: string, target: Differentiable, xs: readonly Tensor[], options: CheckOptions = {}): CheckReport {
  if (typeof name !== 'string') throw new DTypeError('checkGradients', `name must be a string, got ${name === null ? 'null' : typeof name}`);
  if (target === null || typeof target !== 'object' || typeof target.f !== 'function') {
    throw new DTypeError('checkGradients', 'target must be { f, jvp?, vjp? } (see opRules(op, params))');
  }
  if (!Array.isArray(xs) || !xs.every((x) => x instanceof Tensor)) throw new DTypeError('checkGradients', 'xs must be an array of Tensors');
  if (options === null || typeof options !== 'object')
    throw new DTypeError('checkGradients', `options must be an object, got ${options === null ? 'null' : typeof options}`);
  const { seed = 0, directions = 3, eps = 1e-6, rtol = 1e-5, atol = 1e-6, identityRtol = 1e-9 } = options;
  const wrt = options.wrt ?? xs.map((_, i) => i);
  const g = new Generator(seed);
  const y = target.f(xs);
  let jvpError = 0;
  let vjpError = 0;
  let identityError = 0;

  for (let d = 0; d < directions; d++) {
    const vs = xs.map((x, i) => (wrt.includes(i) ? randn(x.shape, { generator: g }) : zeros(x.shape)));
    const yBar = randn(y.shape, { generator: g });
    const at = (s: number) => xs.map((x, i) => tensorOps.add(x, tensorOps.mul(vs[i], s)));
    const fd = tensorOps.div(tensorOps.sub(target.f(at(eps)), target.f(at(-eps))), 2 * eps);

    let jv: Tensor | undefined;
    if (target.jvp !== undefined) {
      jv = target.jvp(xs, vs);
      if (!shapesEqual(jv.shape, y.shape)) {
        throw new GradCheckError(name, `jvp returned shape ${fmtShape(jv.shape)}, the output has shape ${fmtShape(y.shape)}`);
      }
      const err = worst(jv, fd, rtol, atol);
      jvpError = Math.max(jvpError, err.scaled);
      if (err.scaled > 1) {
        throw new GradCheckError(
          name,
          `forward rule disagrees with finite differences along direction ${d} at element ${err.index}: ` + `J·v = ${err.got}, finite difference = ${err.want}`,
        );
      }
    }
    if (target.vjp !== undefined) {
      const xBars = target.vjp(xs, yBar);
      let lhs = 0;
      for (const i of wrt) {
        const xBar = xBars[i];
        if (xBar === null || xBar === undefined) continue;
        if (!shapesEqual(xBar.shape, xs[i].shape)) {
          throw new GradCheckError(
            name,
            `reverse rule gave input ${i} an adjoint of shape ${fmtShape(xBar.shape)}, the input has shape ${fmtShape(xs[i].shape)}`,
          );
        }
        lhs += dot(xBar, vs[i]);
      }
      const want = dot(yBar, fd);
      const scaled = Math.abs(lhs - want) / (atol * Math.sqrt(y.size + 1) + rtol * Math.max(Math.abs(lhs), Math.abs(want), 1));
      vjpError = Math.max(vjpError, scaled);
      if (scaled > 1) {
        throw new GradCheckError(
          name,
          `reverse rule disagrees with finite differences along direction ${d}: ⟨x̄, v⟩ = ${lhs}, ⟨ȳ, finite difference⟩ = ${want}`,
        );
      }
      if (jv !== undefined) {
        const rhs = dot(yBar, jv);
        const rel = Math.abs(lhs - rhs) / Math.max(Math.abs(lhs), Math.abs(rhs), 1e-300);
        identityError = Math.max(identityError, Math.abs(lhs - rhs) < 1e-12 ? 0 : rel);
        if (Math.abs(lhs - rhs) >= 1e-12 && rel > identityRtol) {
          throw new GradCheckError(name, `⟨x̄, v⟩ = ${lhs} but ⟨ȳ, J·v⟩ = ${rhs}: the two rules are not each other's transpose`);
        }
      }
    }
  }
  return { name, directions, jvpError, vjpError, identityError };
}

/** An op's own two rules, run on plain tensors, as a checker target. */
export function opRules<P>(op: Op<P>, params: P): Differentiable {
  const o = tensorOps;
  return {
    f: (xs) => op.primal(xs, params),
    jvp: (xs, vs) => {
      const y = op.primal(xs, params);
      return op.jvp(o, xs, y, params)(vs) ?? zeros(y.shape);
    },
    vjp: (xs, yBar) => {
      const y = op.primal(xs, params);
      return op.vjp(
        o,
        xs,
        y,
        params,
      )(
        yBar,
        xs.map(() => true),
      );
    },
  };
}

function dot(a: Tensor, b: Tensor): number {
  const x = a.toFloat64Array();
  const y = b.toFloat64Array();
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}

function worst(got: Tensor, want: Tensor, rtol: number, atol: number) {
  const a = got.toFloat64Array();
  const b = want.toFloat64Array();
  let scaled = 0;
  let index = -1;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]) / (atol + rtol * Math.max(Math.abs(a[i]), Math.abs(b[i])));
    const bad = Number.isNaN(a[i]) !== Number.isNaN(b[i]) ? Infinity : Number.isNaN(e) ? 0 : e;
    if (bad > scaled) {
      scaled = bad;
      index = i;
    }
  }
  return { scaled, index, got: a[index], want: b[index] };
}
