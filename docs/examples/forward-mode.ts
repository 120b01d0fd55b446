/**
 * Guide 3: forward mode. A dual number written from scratch, then @ad's duals with seed vectors,
 * then the tangent of the least-squares cost J and where it comes from.
 */
import { derivative, dual, jvp, newTag, type Dual } from '@ad/forward';

// #region tiny-dual
/** A dual number a + ȧε with ε² = 0: a value and its tangent, carried side by side. */
class TinyDual {
  constructor(
    readonly value: number,
    readonly dot: number,
  ) {}
  add(o: TinyDual): TinyDual {
    return new TinyDual(this.value + o.value, this.dot + o.dot); // (a + b)˙ = ȧ + ḃ
  }
  sub(o: TinyDual): TinyDual {
    return new TinyDual(this.value - o.value, this.dot - o.dot); // (a − b)˙ = ȧ − ḃ
  }
  mul(o: TinyDual): TinyDual {
    return new TinyDual(this.value * o.value, this.dot * o.value + this.value * o.dot); // (ab)˙ = ȧb + aḃ
  }
}

/** f(x, y) = (x + y)(x − y) on tiny duals, with the seed ẋ = 1, ẏ = 0: the tangent is ∂f/∂x. */
export function tinyDual(): { value: number; dot: number } {
  const x = new TinyDual(3, 1); // x moves at speed 1
  const y = new TinyDual(2, 0); // y stays put
  const f = x.add(y).mul(x.sub(y));
  return { value: f.value, dot: f.dot }; // 5 and 6 = 2x
}
// #endregion tiny-dual

// #region seed-vector
/** @ad's Dual carries a seed vector: here two directions, e₁ and e₂, in one evaluation. */
export function seedVector(): { value: number; tangent: number[] } {
  const tag = newTag(); // duals combined by hand must belong to the same derivative
  const x = dual(3, [1, 0], tag); // ẋ = (1, 0)
  const y = dual(2, [0, 1], tag); // ẏ = (0, 1)
  const f = x.add(y).mul(x.sub(y));
  return { value: f.value as number, tangent: Array.from(f.tangent) }; // 5 and (∂f/∂x, ∂f/∂y) = (6, −4)
}
// #endregion seed-vector

// #region cost-tangent
const xs = [1, 2, 3, 4, 5, 6];
const ys = [2.9, 5.1, 7.2, 8.8, 11.1, 13.0];

/** J(θ) = Σₙ (yₙ − θ₀ − θ₁xₙ)², written with scalar methods so that it runs on duals. */
const J = ([t0, t1]: Dual[]) => {
  let sum: Dual = t0.mul(0);
  for (let n = 0; n < xs.length; n++) {
    const r = t0.add(t1.mul(xs[n])).neg().add(ys[n]); // rₙ = yₙ − (θ₀ + θ₁xₙ)
    sum = sum.add(r.square());
  }
  return sum;
};

/** J̇ at θ = (1, 1) along θ̇, by @ad, and by the rule J̇ = Σₙ 2rₙṙₙ with ṙₙ = −(θ̇₀ + θ̇₁xₙ). */
export function costTangent(thetaDot: [number, number] = [1, 0]): { J: number; JDot: number; JDotByRule: number } {
  const theta = [1, 1];
  const { value, tangent } = jvp(J, theta, thetaDot);
  // Only J's inputs (θ) and their tangents (θ̇) go into J̇: nothing about what J is used for.
  let JDotByRule = 0;
  for (let n = 0; n < xs.length; n++) {
    const r = ys[n] - (theta[0] + theta[1] * xs[n]);
    const rDot = -(thetaDot[0] + thetaDot[1] * xs[n]);
    JDotByRule += 2 * r * rDot;
  }
  return { J: value as number, JDot: tangent as number, JDotByRule };
}

/** Both partials of J in one pass: the seed vectors θ̇₀ = (1, 0), θ̇₁ = (0, 1), one row per input. */
export function costGradientInOnePass(): number[] {
  return jvp(J, [1, 1], {
    seeds: [
      [1, 0], // θ₀'s seed vector
      [0, 1], // θ₁'s seed vector
    ],
  }).tangent; // (∂J/∂θ₀, ∂J/∂θ₁)
}
// #endregion cost-tangent

// #region derivative
/** `derivative(f)(x)` seeds ẋ = 1 for a function of one number: d/dx [x sin x] at x = 2. */
export function scalarDerivative(): { ad: number; exact: number } {
  const ad = derivative((x) => x.mul(x.sin()))(2);
  return { ad, exact: Math.sin(2) + 2 * Math.cos(2) }; // sin x + x cos x
}
// #endregion derivative
