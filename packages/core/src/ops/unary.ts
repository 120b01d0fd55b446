/**
 * Element-wise ops of one input. Each is its primal expression and f′, stated in terms of the
 * input x and the output y when that is cheaper (exp, tanh, sigmoid, sqrt reuse y).
 * Forward: ẏ = f′(x)·ẋ. Reverse: x̄ += f′(x)·ȳ.
 */
import { elementwise, type Unary } from './define.js';

/** −x.  ẏ = −ẋ,  x̄ += −ȳ */
export const neg: Unary = elementwise({ name: 'neg', inputs: ['x'], expr: '-x', partials: [() => -1] });

/** eˣ.  ẏ = y·ẋ,  x̄ += y·ȳ */
export const exp: Unary = elementwise({ name: 'exp', inputs: ['x'], expr: 'Math.exp(x)', partials: [(_o, _xs, y) => y] });

/** ln x (NaN below 0, −∞ at 0, as IEEE and PyTorch).  ẏ = ẋ/x,  x̄ += ȳ/x */
export const log: Unary = elementwise({ name: 'log', inputs: ['x'], expr: 'Math.log(x)', partials: [(o, [a]) => o.div(1, a)] });

/** ln(1 + x), exact near 0.  ẏ = ẋ/(1 + x),  x̄ += ȳ/(1 + x) */
export const log1p: Unary = elementwise({
  name: 'log1p',
  inputs: ['x'],
  expr: 'Math.log1p(x)',
  partials: [(o, [a]) => o.div(1, o.add(a, 1))],
});

/** eˣ − 1, exact near 0.  ẏ = (y + 1)·ẋ,  x̄ += (y + 1)·ȳ */
export const expm1: Unary = elementwise({
  name: 'expm1',
  inputs: ['x'],
  expr: 'Math.expm1(x)',
  partials: [(o, _xs, y) => o.add(y, 1)],
});

/** sin x.  ẏ = cos(x)·ẋ,  x̄ += cos(x)·ȳ */
export const sin: Unary = elementwise({ name: 'sin', inputs: ['x'], expr: 'Math.sin(x)', partials: [(o, [a]) => o.cos(a)] });

/** cos x.  ẏ = −sin(x)·ẋ,  x̄ += −sin(x)·ȳ */
export const cos: Unary = elementwise({
  name: 'cos',
  inputs: ['x'],
  expr: 'Math.cos(x)',
  partials: [(o, [a]) => o.neg(o.sin(a))],
});

/** tan x.  ẏ = (1 + y²)·ẋ,  x̄ += (1 + y²)·ȳ */
export const tan: Unary = elementwise({
  name: 'tan',
  inputs: ['x'],
  expr: 'Math.tan(x)',
  partials: [(o, _xs, y) => o.add(o.square(y), 1)],
});

/** tanh x.  ẏ = (1 − y²)·ẋ,  x̄ += (1 − y²)·ȳ */
export const tanh: Unary = elementwise({
  name: 'tanh',
  inputs: ['x'],
  expr: 'Math.tanh(x)',
  partials: [(o, _xs, y) => o.sub(1, o.square(y))],
});

/**
 * σ(x) = 1/(1 + e⁻ˣ); for x ≪ 0, e⁻ˣ overflows to ∞ and σ rounds to 0, never NaN.
 * ẏ = y(1 − y)·ẋ,  x̄ += y(1 − y)·ȳ
 */
export const sigmoid: Unary = elementwise({
  name: 'sigmoid',
  inputs: ['x'],
  expr: '1 / (1 + Math.exp(-x))',
  partials: [(o, _xs, y) => o.mul(y, o.sub(1, y))],
});

/**
 * max(x, 0). At x = 0 the derivative is taken as 0, as PyTorch and JAX do; NaN passes through.
 * ẏ = [x > 0]·ẋ,  x̄ += [x > 0]·ȳ
 */
export const relu: Unary = elementwise({
  name: 'relu',
  inputs: ['x'],
  expr: 'x < 0 ? 0 : x',
  partials: [(o, [a]) => o.gt(a, 0)],
});

/** √x.  ẏ = ẋ/(2y),  x̄ += ȳ/(2y)  (∞ at 0, where √ has a vertical tangent) */
export const sqrt: Unary = elementwise({
  name: 'sqrt',
  inputs: ['x'],
  expr: 'Math.sqrt(x)',
  partials: [(o, _xs, y) => o.div(0.5, y)],
});

/** x².  ẏ = 2x·ẋ,  x̄ += 2x·ȳ */
export const square: Unary = elementwise({ name: 'square', inputs: ['x'], expr: 'x * x', partials: [(o, [a]) => o.mul(a, 2)] });

/** |x|. At 0 the derivative is sign(0) = 0, as PyTorch and JAX.  ẏ = sign(x)·ẋ,  x̄ += sign(x)·ȳ */
export const abs: Unary = elementwise({ name: 'abs', inputs: ['x'], expr: 'Math.abs(x)', partials: [(o, [a]) => o.sign(a)] });

/**
 * sign x ∈ {−1, 0, 1}; sign(NaN) = 0 and sign(−0) = 0, as PyTorch (Math.sign would give NaN
 * and −0). Piecewise constant: zero derivative.
 */
export const sign: Unary = elementwise({ name: 'sign', inputs: ['x'], expr: '(x > 0 ? 1 : x < 0 ? -1 : 0)' });
