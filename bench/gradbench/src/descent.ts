/**
 * What particle and saddle share: scalars of any nesting, value-and-gradient by either mode, and
 * the gradient-descent solver of upstream's `cpp/gradbench/gd.hpp`, written once for numbers and
 * for the values of an enclosing transform, so it runs inside a derivative and is differentiated
 * through (both evals take the argmin of a function that itself calls a solver or a gradient).
 *
 * The solver, from x with step η = 10⁻⁵: stop when ‖∇f(x)‖ ≤ 10⁻⁵; after 10 accepted steps in
 * a row double η; else try x′ = x − η∇f(x), stop when ‖x′ − x‖ ≤ 10⁻⁵, accept x′ if
 * f(x′) < f(x), else halve η. The tests read numbers (`.primal`): no derivative flows through a
 * comparison, only through the steps x − η∇f(x) taken.
 *
 * Each trial point gets its value and gradient from one transform call (`valueAndGrad`: one
 * forward and one backward pass; `jvp` with n unit directions: one forward pass of width n),
 * as an optimiser written with JAX's `value_and_grad` does: an accepted point needs both, and a
 * rejected one (a few in ten) wastes only its gradient. The iterates are gd.hpp's.
 */
import { primalOf } from '@ad/core/engine';
import { type Dual, jvp } from '@ad/forward';
import { type Var, valueAndGrad } from '@ad/reverse';

/** A scalar: a number, or a value of an enclosing transform (a Dual, a Var, nested any depth). */
export type Scalar = number | Var | Dual;

/** Which AD mode a derivative uses: the letters of the eval functions (`rf`: reverse over forward). */
export type Mode = 'f' | 'r';

// Numbers have no methods: each operation below calls the method of whichever operand is a
// value of a transform (its fast path when both are of one derivative), and plain arithmetic
// on two numbers. The free functions of @ad/core (`add(a, b)`) accept any mix too, but go
// through dispatch: 2–8 times a method's time on a Var, measured here.
export function add(a: Scalar, b: Scalar): Scalar {
  if (typeof a !== 'number') return a.add(b);
  return typeof b !== 'number' ? b.add(a) : a + b;
}

export function sub(a: Scalar, b: Scalar): Scalar {
  if (typeof a !== 'number') return a.sub(b);
  return typeof b !== 'number' ? b.neg().add(a) : a - b;
}

export function mul(a: Scalar, b: Scalar): Scalar {
  if (typeof a !== 'number') return a.mul(b);
  return typeof b !== 'number' ? b.mul(a) : a * b;
}

export function div(a: Scalar, b: Scalar): Scalar {
  if (typeof a !== 'number') return a.div(b);
  return typeof b !== 'number' ? b.reciprocal().mul(a) : a / b;
}

export function neg(a: Scalar): Scalar {
  return typeof a !== 'number' ? a.neg() : -a;
}

export function square(a: Scalar): Scalar {
  return typeof a !== 'number' ? a.square() : a * a;
}

/** The number behind a scalar of any nesting, for the solver's tests. */
export function primal(a: Scalar): number {
  return typeof a === 'number' ? a : primalOf(a);
}

/** f's value and gradient at one point. */
export interface ValueAndGradient {
  value: Scalar;
  gradient: Scalar[];
}

/** A scalar function of n scalars, written once for every kind it is called with. */
export type ScalarFunction = (x: Scalar[]) => Scalar;

/**
 * x ↦ f(x) and ∇f(x) by one transform call: reverse mode's `valueAndGrad`, or forward mode's
 * `jvp` along the n unit directions (one pass of width n). At values of an enclosing transform
 * both come back as values of its kind, so the caller is differentiated through them.
 */
export function valueAndGradient(mode: Mode, f: ScalarFunction): (x: Scalar[]) => ValueAndGradient {
  if (mode === 'r') {
    const vg = valueAndGrad((xs: Var[]) => f(xs));
    return (x) => {
      const { value, grad } = vg(x);
      return { value, gradient: grad };
    };
  }
  return (x) => {
    const directions = x.map((_, j) => x.map((__, i) => (i === j ? 1 : 0)));
    const { value, tangent } = jvp((xs: Dual[]) => f(xs) as Dual, x, { directions });
    return { value, gradient: tangent };
  };
}

const TOLERANCE = 1e-5;

/** ‖v‖ of the numbers behind v. */
function norm(v: readonly number[]): number {
  let s = 0;
  for (const vi of v) s += vi * vi;
  return Math.sqrt(s);
}

/** The argmin of f from `start` by gd.hpp's gradient descent, and f there. */
export function argmin(f: (x: Scalar[]) => ValueAndGradient, start: readonly Scalar[]): { x: Scalar[]; value: Scalar } {
  let x = [...start];
  let { value: fx, gradient: gx } = f(x);
  let eta = 1e-5;
  let accepted = 0;
  for (;;) {
    if (norm(gx.map(primal)) <= TOLERANCE) return { x, value: fx };
    if (accepted === 10) {
      eta *= 2;
      accepted = 0;
      continue;
    }
    const xNew = x.map((xi, j) => sub(xi, mul(eta, gx[j])));
    if (norm(x.map((xi, j) => primal(xi) - primal(xNew[j]))) <= TOLERANCE) return { x, value: fx };
    const trial = f(xNew);
    if (primal(trial.value) < primal(fx)) {
      x = xNew;
      fx = trial.value;
      gx = trial.gradient;
      accepted++;
    } else {
      eta /= 2;
      accepted = 0;
    }
  }
}

/** The argmax of f from `start` (the argmin of −f), and f there. */
export function argmax(f: (x: Scalar[]) => ValueAndGradient, start: readonly Scalar[]): { x: Scalar[]; value: Scalar } {
  const { x, value } = argmin((y) => {
    const { value: v, gradient } = f(y);
    return { value: neg(v), gradient: gradient.map(neg) };
  }, start);
  return { x, value: neg(value) };
}
