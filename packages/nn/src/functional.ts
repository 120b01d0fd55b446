/**
 * Activation functions on any tensor kind, so they can sit in a Sequential as plain functions
 * (`new Sequential([new Linear(2, 8), relu, new Linear(8, 1)])`).
 */
import { DTypeError, ShapeError, ValueError, type Pair, type Tensor, type WindowOptions } from '@ad/core';
import { F, asCalledBy, checkInput, checkOptions, primalOf, type TensorLike } from './types.js';

/** max(x, 0); derivative 0 at 0, as PyTorch. */
export function relu<T extends TensorLike>(x: T): T {
  return F.relu(x) as T;
}

/** 1/(1 + e⁻ˣ), element by element. */
export function sigmoid<T extends TensorLike>(x: T): T {
  return F.sigmoid(x) as T;
}

/** tanh x, element by element. */
export function tanh<T extends TensorLike>(x: T): T {
  return F.tanh(x) as T;
}

/** exp(x − max) / Σ exp(x − max) along an axis (the last by default): finite for any logits. */
export function softmax<T extends TensorLike>(x: T, axis = -1): T {
  return F.softmax(x, axis) as T;
}

/** x − logsumexp(x) along an axis, fused so it stays finite where log(softmax(x)) would be −∞. */
export function logSoftmax<T extends TensorLike>(x: T, axis = -1): T {
  return F.logSoftmax(x, axis) as T;
}

/** x for x > 0, a·x otherwise (PyTorch's leaky_relu, default slope 0.01; derivative a at 0). */
export function leakyRelu<T extends TensorLike>(x: T, negativeSlope = 0.01): T {
  return F.leakyRelu(x, negativeSlope) as T;
}

/** x for x > 0, α(eˣ − 1) otherwise (PyTorch's elu; derivative α at 0). */
export function elu<T extends TensorLike>(x: T, alpha = 1): T {
  return F.elu(x, alpha) as T;
}

/** GELU's approximations, PyTorch's names: the exact x·Φ(x), or the tanh formula. */
export type GeluApproximation = 'none' | 'tanh';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * x·Φ(x) with Φ the standard normal distribution function (PyTorch's gelu), or with
 * approximate 'tanh': x/2·(1 + tanh(√(2/π)(x + 0.044715x³))).
 */
export function gelu<T extends TensorLike>(x: T, approximate: GeluApproximation = 'none'): T {
  if (approximate === 'none') return F.mul(x, F.normalCdf(x)) as T;
  if (approximate !== 'tanh') throw new ValueError('gelu', `approximate must be 'none' or 'tanh', got ${String(approximate)}`);
  const inner = F.mul(F.add(x, F.mul(F.mul(F.square(x), x), 0.044715)), SQRT_2_OVER_PI);
  return F.mul(F.mul(x, 0.5), F.add(F.tanh(inner), 1)) as T;
}

/**
 * (1/β)·ln(1 + e^(βx)), and x itself where βx > threshold (PyTorch's softplus, which switches
 * to the identity there for speed; the two agree to rounding).
 */
export function softplus<T extends TensorLike>(x: T, beta = 1, threshold = 20): T {
  const bx = beta === 1 ? x : F.mul(x, beta);
  const smooth = beta === 1 ? F.softplus(bx) : F.div(F.softplus(bx), beta);
  return F.where(F.gt(bx, threshold), x, smooth) as T;
}

/** Sizes of a 2-D window, PyTorch's names: one number for both axes or [h, w]. */
export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
}

/**
 * 2-D cross-correlation (PyTorch's conv2d, groups = 1) of x [N, C, H, W] with weight
 * [O, C, kh, kw] and bias [O]: every window becomes a column (im2col), and the flattened
 * weight times the columns gives every output, already laid out [N, O, Hₒ, Wₒ].
 */
export function conv2d<T extends TensorLike>(x: T, weight: TensorLike, bias: TensorLike | null = null, options: Conv2dOptions = {}): T {
  return convolve('conv2d', x, weight, bias, options);
}

/** conv2d on behalf of `name` (conv2d, or the Conv2d layer): every refusal carries that name. */
export function convolve<T extends TensorLike>(name: string, x: T, weight: TensorLike, bias: TensorLike | null, options: Conv2dOptions | undefined): T {
  checkInput(name, x);
  checkInput(name, weight, 'weight');
  if (bias !== null && bias !== undefined) checkInput(name, bias, 'bias (or null)');
  checkOptions(name, options);
  const o = options ?? {};
  const xs = F.shape(x);
  const ws = F.shape(weight);
  if (ws.length !== 4) throw new ShapeError(name, `weight must be [out, in, kh, kw], got [${ws.join(',')}]`);
  if (xs.length !== 4 || xs[1] !== ws[1]) {
    throw new ShapeError(name, `expects input [N, ${ws[1]}, H, W] for a weight of shape [${ws.join(',')}], got [${xs.join(',')}]`);
  }
  const [out, c, kh, kw] = ws;
  if (bias !== null && bias !== undefined && (F.shape(bias).length !== 1 || F.shape(bias)[0] !== out)) {
    throw new ShapeError(name, `bias must be [${out}] for ${out} output channel${out === 1 ? '' : 's'}, got [${F.shape(bias).join(',')}]`);
  }
  const window = { kernelSize: [kh, kw] as const, stride: o.stride, padding: o.padding, dilation: o.dilation };
  return asCalledBy(name, () => {
    const cols = F.im2col(x, window); // [N, C·kh·kw, Hₒ·Wₒ]
    let y = F.matmul(F.reshape(weight, [out, c * kh * kw]), cols); // [N, O, Hₒ·Wₒ]
    if (bias !== null && bias !== undefined) y = F.add(y, F.reshape(bias, [out, 1]));
    const [ho, wo] = outputSize(xs, window);
    return F.reshape(y, [xs[0], out, ho, wo]) as T; // [N, O, Hₒ, Wₒ]
  });
}

/** A pooling window: kernel size, stride (the kernel size by default), padding, dilation. */
export interface Pool2dOptions extends WindowOptions {}

/**
 * The maximum of each window of x [N, C, H, W] (PyTorch's max_pool2d): the gradient goes to
 * the one element PyTorch picks (the first maximum; a NaN if there is one).
 */
export function maxPool2d<T extends TensorLike>(x: T, options: Pool2dOptions): T {
  return maxPool('maxPool2d', x, options);
}

/** maxPool2d on behalf of `name` (maxPool2d or MaxPool2d). */
export function maxPool<T extends TensorLike>(name: string, x: T, options: Pool2dOptions): T {
  checkInput(name, x);
  checkPoolOptions(name, options);
  return asCalledBy(name, () => {
    // On the primal (no derivative flows through a choice of index), through any batching (vmap).
    const indices = F.maxPool2dIndices(primalOf(x) as Tensor, options); // [N, C, Hₒ, Wₒ]
    return F.take(x, indices) as T;
  });
}

/**
 * The mean of each window of x [N, C, H, W] (PyTorch's avg_pool2d with count_include_pad:
 * padding counts as zeros in the mean).
 */
export function avgPool2d<T extends TensorLike>(x: T, options: Pool2dOptions): T {
  return avgPool('avgPool2d', x, options);
}

/** avgPool2d on behalf of `name` (avgPool2d or AvgPool2d). */
export function avgPool<T extends TensorLike>(name: string, x: T, options: Pool2dOptions): T {
  checkInput(name, x);
  checkPoolOptions(name, options);
  const pair = (v: Pair | undefined, dflt: Pair): readonly [number, number] => {
    const p = v ?? dflt;
    return typeof p === 'number' ? [p, p] : p;
  };
  const kernel = pair(options.kernelSize, 1);
  const padding = pair(options.padding, 0);
  // Malformed sizes are left to im2col, whose refusal names them (under this function's name).
  if (Array.isArray(kernel) && Array.isArray(padding) && padding.some((p, a) => 2 * p > kernel[a])) {
    throw new ValueError(name, `padding ${padding.join('×')} must be at most half the kernel size ${kernel.join('×')}`);
  }
  const window = { ...options, stride: options.stride ?? options.kernelSize };
  return asCalledBy(name, () => {
    const cols = F.im2col(x, window); // [N, C·kh·kw, Hₒ·Wₒ]
    const [n, c] = F.shape(x);
    const [ho, wo] = outputSize(F.shape(x), window);
    return F.reshape(F.mean(F.reshape(cols, [n, c, kernel[0] * kernel[1], ho * wo]), 2), [n, c, ho, wo]) as T; // [N, C, Hₒ, Wₒ]
  });
}

/** Hₒ and Wₒ of a window over an image of shape [N, C, H, W]: ⌊(H + 2p − d(k − 1) − 1)/s⌋ + 1. */
function outputSize(shape: readonly number[], window: WindowOptions): [number, number] {
  const pair = (v: Pair | undefined, dflt: number): readonly [number, number] => (v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : v);
  const k = pair(window.kernelSize, 1);
  const s = pair(window.stride, 1);
  const p = pair(window.padding, 0);
  const d = pair(window.dilation, 1);
  return [0, 1].map((a) => Math.floor((shape[2 + a] + 2 * p[a] - d[a] * (k[a] - 1) - 1) / s[a]) + 1) as [number, number];
}

/** Pooling needs its options (at least the kernel size) as an object. */
function checkPoolOptions(op: string, options: unknown): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new DTypeError(op, `options must be an object with a kernelSize, got ${options === null ? 'null' : typeof options}`);
  }
}
