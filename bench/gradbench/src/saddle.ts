/**
 * saddle (Siskind & Pearlmutter): the saddle point of f(p₁, p₂) = (p₁₀² + p₁₁²) − (p₂₀² + p₂₁²)
 * as min over p₁ of max over p₂, both by descent.ts's gradient descent from the given start.
 * Step 1: r₁ = argmin over p₁ of F(p₁) = max over p₂ of f(p₁, p₂), where each evaluation of F
 * runs an inner ascent over p₂ (inner mode) and the outer descent differentiates F — through
 * that whole inner solve — in the outer mode. Step 2: r₂ = argmax over p₂ of f(r₁, p₂), in the
 * outer mode, not nested. The output is r₁ then r₂.
 *
 * Nested AD, as the eval asks: the first letter of the function is the outer mode (the argmin
 * of step 1 and the argmax of step 2), the second the inner one (the argmax inside F); each is
 * `valueAndGrad` (reverse) or `jvp` along both unit directions (forward, one pass of width 2).
 * The inner function closes over p₁, a value of the outer derivative, and the inner ascent's
 * iterates and value are values of that outer derivative too, so the outer gradient is the
 * derivative of the ascent as it ran. Scalar code, as particle's.
 */
import { type Mode, type Scalar, argmax, argmin, primal, square, sub, add, valueAndGradient } from './descent.js';
import { type EvalModule, type Runs, multipleRuns } from './runs.js';

/** f(p₁, p₂) = |p₁|² − |p₂|². */
export function objective(p1: readonly Scalar[], p2: readonly Scalar[]): Scalar {
  return sub(add(square(p1[0]), square(p1[1])), add(square(p2[0]), square(p2[1])));
}

/** [r₁, r₂] flattened: the saddle point found from `start` with the outer and inner modes. */
export function saddlePoint(start: readonly number[], outer: Mode, inner: Mode): number[] {
  // F(p₁) = max over p₂ of f(p₁, p₂), by an ascent whose gradients are the inner mode's.
  const maxOverP2 = (p1: Scalar[]) =>
    argmax(
      valueAndGradient(inner, (p2) => objective(p1, p2)),
      start,
    ).value;
  const r1 = argmin(valueAndGradient(outer, maxOverP2), start).x;
  const r2 = argmax(
    valueAndGradient(outer, (p2) => objective(r1, p2)),
    start,
  ).x;
  return [...r1, ...r2].map(primal);
}

interface Input extends Runs {
  start: number[];
}

const variant = (outer: Mode, inner: Mode) =>
  multipleRuns(
    ({ start }: Input) =>
      () =>
        saddlePoint(start, outer, inner),
    (r) => r,
  );

export const saddle: EvalModule = {
  rr: variant('r', 'r'),
  ff: variant('f', 'f'),
  fr: variant('f', 'r'),
  rf: variant('r', 'f'),
};
