/**
 * Element-wise ops of one input. Each is its primal expression and f′, stated in terms of the
 * input x and the output y when that is cheaper (exp, tanh, sigmoid, sqrt reuse y).
 * Forward: ẏ = f′(x)·ẋ. Reverse: x̄ += f′(x)·ȳ.
 */
import { elementwise, type Unary } from './define.js';

/** −x.  ẏ = −ẋ,  x̄ += −ȳ */
export const neg: Unary = elementwise({ name: 'neg', inputs: ['x'], expr: '-x', partials: [() => -1] });

/** eˣ.  ẏ = y·ẋ,  x̄ += y·ȳ */
export const exp: Unary = elementwise({ name: 'exp', inputs: ['x'], expr: 'Special.exp(x)', partials: [(_o, _xs, y) => y] });

/** ln x (NaN below 0, −∞ at 0, as IEEE and PyTorch).  ẏ = ẋ/x,  x̄ += ȳ/x */
export const log: Unary = elementwise({ name: 'log', inputs: ['x'], expr: 'Math.log(x)', partials: [(o, xs) => o.div(1, xs[0])] });

/** ln(1 + x), exact near 0.  ẏ = ẋ/(1 + x),  x̄ += ȳ/(1 + x) */
export const log1p: Unary = elementwise({
  name: 'log1p',
  inputs: ['x'],
  expr: 'Math.log1p(x)',
  partials: [(o, xs) => o.div(1, o.add(xs[0], 1))],
});

/** eˣ − 1, exact near 0.  ẏ = (y + 1)·ẋ,  x̄ += (y + 1)·ȳ */
export const expm1: Unary = elementwise({
  name: 'expm1',
  inputs: ['x'],
  expr: 'Math.expm1(x)',
  partials: [(o, _xs, y) => o.add(y, 1)],
});

/** sin x.  ẏ = cos(x)·ẋ,  x̄ += cos(x)·ȳ */
export const sin: Unary = elementwise({ name: 'sin', inputs: ['x'], expr: 'Math.sin(x)', partials: [(o, xs) => o.cos(xs[0])] });

/** cos x.  ẏ = −sin(x)·ẋ,  x̄ += −sin(x)·ȳ */
export const cos: Unary = elementwise({
  name: 'cos',
  inputs: ['x'],
  expr: 'Math.cos(x)',
  partials: [(o, xs) => o.neg(o.sin(xs[0]))],
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
  partials: [(o, xs) => o.gt(xs[0], 0)],
});

/** √x.  ẏ = ẋ/(2y),  x̄ += ȳ/(2y)  (∞ at 0, where √ has a vertical tangent) */
export const sqrt: Unary = elementwise({
  name: 'sqrt',
  inputs: ['x'],
  expr: 'Math.sqrt(x)',
  partials: [(o, _xs, y) => o.div(0.5, y)],
});

/** x².  ẏ = 2x·ẋ,  x̄ += 2x·ȳ */
export const square: Unary = elementwise({ name: 'square', inputs: ['x'], expr: 'x * x', partials: [(o, xs) => o.mul(xs[0], 2)] });

/** |x|. At 0 the derivative is sign(0) = 0, as PyTorch and JAX.  ẏ = sign(x)·ẋ,  x̄ += sign(x)·ȳ */
export const abs: Unary = elementwise({ name: 'abs', inputs: ['x'], expr: 'Math.abs(x)', partials: [(o, xs) => o.sign(xs[0])] });

/**
 * sign x ∈ {−1, 0, 1}; sign(NaN) = 0 and sign(−0) = 0, as PyTorch (Math.sign would give NaN
 * and −0). Piecewise constant: zero derivative.
 */
export const sign: Unary = elementwise({ name: 'sign', inputs: ['x'], expr: '(x > 0 ? 1 : x < 0 ? -1 : 0)' });

/** asin x, NaN outside [−1, 1].  ẏ = ẋ/√(1 − x²),  x̄ += ȳ/√(1 − x²)  (±∞ at ±1, as PyTorch) */
export const asin: Unary = elementwise({
  name: 'asin',
  inputs: ['x'],
  expr: 'Math.asin(x)',
  partials: [(o, xs) => o.rsqrt(o.sub(1, o.square(xs[0])))],
});

/** acos x, NaN outside [−1, 1].  ẏ = −ẋ/√(1 − x²),  x̄ += −ȳ/√(1 − x²) */
export const acos: Unary = elementwise({
  name: 'acos',
  inputs: ['x'],
  expr: 'Math.acos(x)',
  partials: [(o, xs) => o.neg(o.rsqrt(o.sub(1, o.square(xs[0]))))],
});

/** atan x.  ẏ = ẋ/(1 + x²),  x̄ += ȳ/(1 + x²) */
export const atan: Unary = elementwise({
  name: 'atan',
  inputs: ['x'],
  expr: 'Math.atan(x)',
  partials: [(o, xs) => o.reciprocal(o.add(o.square(xs[0]), 1))],
});

/** sinh x.  ẏ = cosh(x)·ẋ,  x̄ += cosh(x)·ȳ */
export const sinh: Unary = elementwise({ name: 'sinh', inputs: ['x'], expr: 'Math.sinh(x)', partials: [(o, xs) => o.cosh(xs[0])] });

/** cosh x.  ẏ = sinh(x)·ẋ,  x̄ += sinh(x)·ȳ */
export const cosh: Unary = elementwise({ name: 'cosh', inputs: ['x'], expr: 'Math.cosh(x)', partials: [(o, xs) => o.sinh(xs[0])] });

/** asinh x.  ẏ = ẋ/√(x² + 1),  x̄ += ȳ/√(x² + 1) */
export const asinh: Unary = elementwise({
  name: 'asinh',
  inputs: ['x'],
  expr: 'Math.asinh(x)',
  partials: [(o, xs) => o.rsqrt(o.add(o.square(xs[0]), 1))],
});

/** acosh x, NaN below 1.  ẏ = ẋ/√(x² − 1),  x̄ += ȳ/√(x² − 1)  (∞ at 1, as PyTorch) */
export const acosh: Unary = elementwise({
  name: 'acosh',
  inputs: ['x'],
  expr: 'Math.acosh(x)',
  partials: [(o, xs) => o.rsqrt(o.sub(o.square(xs[0]), 1))],
});

/** atanh x, NaN outside [−1, 1], ±∞ at ±1.  ẏ = ẋ/(1 − x²),  x̄ += ȳ/(1 − x²) */
export const atanh: Unary = elementwise({
  name: 'atanh',
  inputs: ['x'],
  expr: 'Math.atanh(x)',
  partials: [(o, xs) => o.reciprocal(o.sub(1, o.square(xs[0])))],
});

/** erf x, the error function, to about 1e-15.  ẏ = (2/√π)·e^(−x²)·ẋ,  x̄ += (2/√π)·e^(−x²)·ȳ */
export const erf: Unary = elementwise({
  name: 'erf',
  inputs: ['x'],
  expr: 'Special.erf(x)',
  partials: [(o, xs) => o.mul(o.exp(o.neg(o.square(xs[0]))), 2 / Math.sqrt(Math.PI))],
});

/** 1/√x (∞ at 0, NaN below).  ẏ = −½y³·ẋ,  x̄ += −½y³·ȳ */
export const rsqrt: Unary = elementwise({
  name: 'rsqrt',
  inputs: ['x'],
  expr: '1 / Math.sqrt(x)',
  partials: [(o, _xs, y) => o.mul(o.mul(o.square(y), y), -0.5)],
});

/** 1/x (±∞ at ±0).  ẏ = −y²·ẋ,  x̄ += −y²·ȳ */
export const reciprocal: Unary = elementwise({
  name: 'reciprocal',
  inputs: ['x'],
  expr: '1 / x',
  partials: [(o, _xs, y) => o.neg(o.square(y))],
});

/** ⌊x⌋. Piecewise constant: a zero gradient everywhere, as PyTorch gives. */
export const floor: Unary = elementwise({ name: 'floor', inputs: ['x'], expr: 'Math.floor(x)' });

/** ⌈x⌉. Piecewise constant: a zero gradient. */
export const ceil: Unary = elementwise({ name: 'ceil', inputs: ['x'], expr: 'Math.ceil(x)' });

/**
 * x rounded to the nearest integer, halves to even (PyTorch's and NumPy's round: round(2.5) = 2,
 * round(−0.5) = −0; JavaScript's Math.round would give 3). Piecewise constant: a zero gradient.
 */
export const round: Unary = elementwise({
  name: 'round',
  inputs: ['x'],
  expr: '(Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : Math.round(x))',
});

/** [x is NaN] as 1/0. No derivative. */
// biome-ignore lint/suspicious/noShadowRestrictedNames: TF.js's name for the op; as a method (x.isNaN()) it shadows nothing, and this module never calls the global
export const isNaN: Unary = elementwise({ name: 'isNaN', inputs: ['x'], expr: '(x !== x ? 1 : 0)' });

/** [x is finite] as 1/0 (0 for ±∞ and NaN). No derivative. */
// biome-ignore lint/suspicious/noShadowRestrictedNames: TF.js's name for the op, as isNaN above
export const isFinite: Unary = elementwise({ name: 'isFinite', inputs: ['x'], expr: '(x - x === 0 ? 1 : 0)' });

/** [x is ±∞] as 1/0. No derivative. */
export const isInf: Unary = elementwise({ name: 'isInf', inputs: ['x'], expr: '(x === Infinity || x === -Infinity ? 1 : 0)' });
