/**
 * The activations of PyTorch's nn beyond relu, sigmoid and tanh. At the kinks they follow
 * PyTorch's backward formulas, which take the left branch at 0: leakyRelu′(0) = a, elu′(0) = α.
 * The slope of leakyRelu and the α of elu are operands (as pow's exponent is), so they broadcast
 * and can be learnt (PReLU is leakyRelu with a parameter slope).
 */
import { elementwise, type Unary, type Binary } from './define.js';

/**
 * x for x > 0, a·x otherwise.
 * ẏ = [x > 0]·ẋ + [x ≤ 0]·(a·ẋ + x·ȧ),  x̄ += (x > 0 ? 1 : a)·ȳ,  ā += (x > 0 ? 0 : x)·ȳ
 */
export const leakyRelu: Binary = elementwise({
  name: 'leakyRelu',
  inputs: ['x', 'a'],
  expr: 'x > 0 ? x : a * x',
  partials: [(o, xs) => o.where(o.gt(xs[0], 0), 1, xs[1]), (o, xs) => o.where(o.gt(xs[0], 0), 0, xs[0])],
});

/**
 * x for x > 0, α(eˣ − 1) otherwise (expm1 keeps it exact near 0).
 * ẏ = (x > 0 ? 1 : y + α)·ẋ + (x > 0 ? 0 : eˣ − 1)·α̇, and x̄, ᾱ alike
 */
export const elu: Binary = elementwise({
  name: 'elu',
  inputs: ['x', 'alpha'],
  expr: 'x > 0 ? x : alpha * Math.expm1(x)',
  // ∂y/∂α reads eˣ − 1 only where x ≤ 0: the where inside keeps the untaken branch finite, so its
  // derivative is 0·eˣ with eˣ = e⁰, not 0·∞ = NaN for a large x (rev∘rev Hessians met that).
  partials: [(o, xs, y) => o.where(o.gt(xs[0], 0), 1, o.add(y, xs[1])), (o, xs) => o.where(o.gt(xs[0], 0), 0, o.expm1(o.where(o.gt(xs[0], 0), 0, xs[0])))],
});

/**
 * ln(1 + eˣ), written max(x, 0) + ln(1 + e^−|x|) so it neither overflows for large x nor
 * loses digits for very negative x.  ẏ = σ(x)·ẋ,  x̄ += σ(x)·ȳ
 */
export const softplus: Unary = elementwise({
  name: 'softplus',
  inputs: ['x'],
  expr: '(x > 0 ? x : 0) + Math.log1p(Math.exp(-Math.abs(x)))',
  partials: [(o, xs) => o.sigmoid(xs[0])],
});

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * Φ(x), the standard normal distribution function (PyTorch's special.ndtr), to full double
 * precision: exact GELU is x·Φ(x).  ẏ = φ(x)·ẋ,  x̄ += φ(x)·ȳ  with φ(x) = e^(−x²/2)/√(2π)
 */
export const normalCdf: Unary = elementwise({
  name: 'normalCdf',
  inputs: ['x'],
  expr: 'Special.normalCdf(x)',
  partials: [(o, xs) => o.mul(o.exp(o.mul(o.square(xs[0]), -0.5)), INV_SQRT_2PI)],
});

/**
 * min(max(x, 0), 6). The derivative is 1 strictly inside (0, 6) and 0 at both kinks, as
 * PyTorch's hardtanh backward; NaN passes through.  ẏ = [0 < x < 6]·ẋ
 */
export const relu6: Unary = elementwise({
  name: 'relu6',
  inputs: ['x'],
  expr: 'x <= 0 ? 0 : x >= 6 ? 6 : x',
  partials: [(o, xs) => o.mul(o.gt(xs[0], 0), o.lt(xs[0], 6))],
});
