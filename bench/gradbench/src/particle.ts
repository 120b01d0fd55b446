/**
 * particle (Siskind & Pearlmutter's charged particle): choose w so that a particle fired from
 * x(0) = (0, 8) with ẋ(0) = (0.75, 0) through the field of two unit charges at (10, 10 − w) and
 * (10, 0) crosses the x-axis at the origin. The potential is p(x; w) = Σ_c 1/‖x − c‖ and the
 * force −∇ₓp; naive Euler steps (Δt = 0.1) x ← x + Δt·ẋ, ẋ ← ẋ − Δt·∇ₓp(x) run while the next
 * x stays above the axis, then linear interpolation along ẋ finds the crossing x(t_f); the
 * objective is x₀(t_f)², minimised over w by descent.ts's gradient descent from w = 0.
 *
 * Nested AD, as the eval asks: every Euler step takes an inner gradient ∇ₓp (the second letter
 * of the function: `grad` in reverse mode, `jacfwd` in forward mode, one pass of width 2), and
 * the argmin takes the outer derivative d/dw of the whole Euler loop (the first letter:
 * `valueAndGrad` or `jvp`), through the inner derivatives: rr is reverse over reverse, rf reverse
 * over forward, fr forward over reverse, ff forward over forward. The inner function closes over
 * the charge (10, 10 − w), a value of the outer derivative: the perturbation-confusion case
 * that tags keep apart. The loop stops on the number behind x₁ (`.primal`); no derivative flows
 * through the test, only through the steps taken. Scalar code: 2-vectors gain nothing from
 * tensors, and the loop's length depends on w, so there is nothing for `jit` to trace once.
 */
import type { ScalarMethods } from '@ad/core/engine';
import { type Dual, jacfwd } from '@ad/forward';
import { type Var, grad } from '@ad/reverse';
import { type Mode, type Scalar, add, argmin, div, mul, neg, primal, square, sub, valueAndGradient } from './descent.js';
import { type EvalModule, type Runs, multipleRuns } from './runs.js';

type Point = readonly [Scalar, Scalar];

/** p(x) = Σ_c 1/‖x − c‖ at x = (x0, x1), of the kind of x (the inner derivative's). */
function potential<X extends ScalarMethods<X>>([x0, x1]: readonly X[], charges: readonly Point[]): X {
  const [first, ...rest] = charges.map(([c0, c1]) => x0.sub(c0).square().add(x1.sub(c1).square()).sqrt().reciprocal());
  return rest.reduce((p, r) => p.add(r), first);
}

/** ∇ₓp at x by the inner mode: one backward pass, or one forward pass seeded with e₀ and e₁. */
function gradientOfPotential(mode: Mode, charges: readonly Point[], x: Point): Point {
  const [g0, g1] = mode === 'r' ? grad((xs: Var[]) => potential(xs, charges))(x) : jacfwd((xs: Dual[]) => potential(xs, charges))(x)[0];
  return [g0, g1];
}

const DT = 0.1;

/** x₀(t_f)² for the charge at (10, 10 − w), by naive Euler with the inner mode's ∇ₓp. */
export function missDistance(w: Scalar, inner: Mode): Scalar {
  const charges: Point[] = [
    [10, sub(10, w)],
    [10, 0],
  ];
  let x: Point = [0, 8];
  let xDot: Point = [0.75, 0];
  for (;;) {
    const [a0, a1] = gradientOfPotential(inner, charges, x);
    const xNew: Point = [add(x[0], mul(DT, xDot[0])), add(x[1], mul(DT, xDot[1]))];
    if (!(primal(xNew[1]) > 0)) break;
    x = xNew;
    xDot = [sub(xDot[0], mul(DT, a0)), sub(xDot[1], mul(DT, a1))];
  }
  // The crossing by linear interpolation along ẋ from the last point above the axis.
  const dtF = neg(div(x[1], xDot[1]));
  return square(add(x[0], mul(dtF, xDot[0])));
}

/** The w that minimises the miss distance, from w₀: outer mode for d/dw, inner for ∇ₓp. */
export function argminW(w0: number, outer: Mode, inner: Mode): number {
  const f = valueAndGradient(outer, ([w]) => missDistance(w, inner));
  return primal(argmin(f, [w0]).x[0]);
}

interface Input extends Runs {
  w: number;
}

const variant = (outer: Mode, inner: Mode) =>
  multipleRuns(
    ({ w }: Input) =>
      () =>
        argminW(w, outer, inner),
    (w) => w,
  );

export const particle: EvalModule = {
  rr: variant('r', 'r'),
  ff: variant('f', 'f'),
  fr: variant('f', 'r'),
  rf: variant('r', 'f'),
};
