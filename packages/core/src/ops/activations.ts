/**
 * The activations of PyTorch's nn beyond relu, sigmoid and tanh. At the kinks they follow
 * PyTorch's backward formulas, which take the left branch at 0: leakyRelu′(0) = a, elu′(0) = α.
 * The slope of leakyRelu and the α of elu are operands (as pow's exponent is), so they broadcast
 * and can be learnt (PReLU is leakyRelu with a parameter slope).
 */
import { Tensor } from '../tensor.js';
import type { Algebra } from './algebra.js';
import { custom, elementwise } from './define.js';
import { contiguous } from './materialize.js';

/**
 * x for x > 0, a·x otherwise.
 * ẏ = [x > 0]·ẋ + [x ≤ 0]·(a·ẋ + x·ȧ),  x̄ += (x > 0 ? 1 : a)·ȳ,  ā += (x > 0 ? 0 : x)·ȳ
 */
export const leakyRelu = elementwise({
  name: 'leakyRelu',
  inputs: ['x', 'a'],
  expr: 'x > 0 ? x : a * x',
  partials: [(o, [x, a]) => o.where(o.gt(x, 0), 1, a), (o, [x]) => o.where(o.gt(x, 0), 0, x)],
});

/**
 * x for x > 0, α(eˣ − 1) otherwise (expm1 keeps it exact near 0).
 * ẏ = (x > 0 ? 1 : y + α)·ẋ + (x > 0 ? 0 : eˣ − 1)·α̇, and x̄, ᾱ alike
 */
export const elu = elementwise({
  name: 'elu',
  inputs: ['x', 'alpha'],
  expr: 'x > 0 ? x : alpha * Math.expm1(x)',
  partials: [(o, [x, alpha], y) => o.where(o.gt(x, 0), 1, o.add(y, alpha)), (o, [x]) => o.where(o.gt(x, 0), 0, o.expm1(x))],
});

/**
 * ln(1 + eˣ), written max(x, 0) + ln(1 + e^−|x|) so it neither overflows for large x nor
 * loses digits for very negative x.  ẏ = σ(x)·ẋ,  x̄ += σ(x)·ȳ
 */
export const softplus = elementwise({
  name: 'softplus',
  inputs: ['x'],
  expr: '(x > 0 ? x : 0) + Math.log1p(Math.exp(-Math.abs(x)))',
  partials: [(o, [x]) => o.sigmoid(x)],
});

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * Φ(x), the standard normal distribution function (PyTorch's special.ndtr), to full double
 * precision: exact GELU is x·Φ(x).  ẏ = φ(x)·ẋ,  x̄ += φ(x)·ȳ  with φ(x) = e^(−x²/2)/√(2π)
 */
export const normalCdf = custom<undefined>({
  name: 'normalCdf',
  arity: 1,
  primal: ([x]) => {
    const c = contiguous(x);
    const out = new Float64Array(c.size);
    for (let i = 0; i < out.length; i++) out[i] = normalCdfScalar(c.data[c.offset + i]);
    return Tensor.fromData(out, c.shape);
  },
  jvp: (o, [x]) => ([xDot]) => (xDot === null ? null : o.mul(density(o, x), xDot)),
  vjp: (o, [x]) => (yBar, needs) => [needs[0] ? o.mul(density(o, x), yBar) : null],
});

function density<T>(o: Algebra<T>, x: T): T {
  return o.mul(o.exp(o.mul(o.square(x), -0.5)), INV_SQRT_2PI);
}

/** Φ(x) = erfc(−x/√2)/2 for one number. */
export function normalCdfScalar(x: number): number {
  return 0.5 * erfc(-x * Math.SQRT1_2);
}

/**
 * erfc(z) to about 1e-15 relative. For |z| < 2.5 from the series
 * erf z = (2/√π)·e^(−z²)·Σₙ (2z²)ⁿ z/(1·3·…·(2n+1)), whose terms are all positive (no
 * cancellation); beyond, from the continued fraction
 * erfc z = (e^(−z²)/√π) / (z + (1/2)/(z + 1/(z + (3/2)/(z + …)))), which converges fast there.
 */
export function erfc(z: number): number {
  if (Number.isNaN(z)) return NaN;
  const a = Math.abs(z);
  if (a < 2.5) {
    let term = z;
    let sum = z;
    const twoZ2 = 2 * z * z;
    for (let n = 1; Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= twoZ2 / (2 * n + 1);
      sum += term;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-z * z) * sum;
  }
  if (a > 27) return z > 0 ? 0 : 2;
  let f = a;
  for (let k = 60; k >= 1; k--) f = a + k / 2 / f;
  const tail = Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
  return z > 0 ? tail : 2 - tail;
}
