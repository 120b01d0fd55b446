/**
 * Convolution, pooling, Flatten and Unflatten, as torch.nn's Conv2d, MaxPool2d, AvgPool2d and Flatten, on
 * images laid out [N, C, H, W]. Each forward is built from table ops (im2col, matmul, take),
 * so it differentiates in both modes.
 */
import { DTypeError, Generator, ShapeError, ValueError, uniform, type Pair, type RandomOptions } from '@ad/core';
import { avgPool, convolve, maxPool, type Conv2dOptions, type Pool2dOptions } from './functional.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { F, checkFlag, checkInput, checkOptions, type Out, type TensorLike } from './types.js';

/** Conv2d's options: the window's sizes, the bias, the seed of the initial weights. */
export interface Conv2dLayerOptions extends Conv2dOptions, RandomOptions {
  /** Whether to add a bias (default true). */
  bias?: boolean;
  /** Only 1 (an ordinary convolution) is supported. */
  groups?: number;
}

function pair(name: string, key: string, v: Pair, min: number): [number, number] {
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((d) => Number.isInteger(d) && d >= min)) {
    throw new ValueError(name, `${key} must be ${min === 0 ? 'a non-negative' : 'a positive'} integer or a pair of them, got ${JSON.stringify(v)}`);
  }
  return [p[0], p[1]];
}

/**
 * 2-D convolution (cross-correlation, as PyTorch's) with weight [out, in, kh, kw] and bias
 * [out], initialised as torch.nn.Conv2d: W and b ~ U(−1/√fanIn, 1/√fanIn) with
 * fanIn = in·kh·kw (kaiming_uniform with a = √5 reduces to this).
 */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  weight: Parameter;
  bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options: Conv2dLayerOptions = {}) {
    super();
    checkOptions('Conv2d', options);
    checkFlag('Conv2d', 'bias', options.bias);
    for (const [name, v] of [
      ['inChannels', inChannels],
      ['outChannels', outChannels],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new ValueError('Conv2d', `${name} must be a positive integer, got ${v}`);
    }
    if ((options.groups ?? 1) !== 1) throw new ValueError('Conv2d', `only groups = 1 is supported, got ${options.groups}`);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pair('Conv2d', 'kernelSize', kernelSize, 1);
    this.stride = pair('Conv2d', 'stride', options.stride ?? 1, 1);
    this.padding = pair('Conv2d', 'padding', options.padding ?? 0, 0);
    this.dilation = pair('Conv2d', 'dilation', options.dilation ?? 1, 1);
    const generator = options.generator ?? (options.seed !== undefined ? new Generator(options.seed) : undefined);
    const bound = 1 / Math.sqrt(inChannels * this.kernelSize[0] * this.kernelSize[1]);
    this.weight = new Parameter(uniform([outChannels, inChannels, ...this.kernelSize], -bound, bound, { generator }));
    this.bias = options.bias === false ? null : new Parameter(uniform([outChannels], -bound, bound, { generator }));
  }

  /** [N, in, H, W] → [N, out, Hₒ, Wₒ]. */
  forward<X extends TensorLike>(x: X): Out<X> {
    return convolve('Conv2d', x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation }) as unknown as Out<X>;
  }
}

/** The maximum of each window (stride = kernel size by default), as torch.nn.MaxPool2d. */
export class MaxPool2d extends Module {
  readonly options: Pool2dOptions;

  constructor(kernelSize: Pair, options: Omit<Pool2dOptions, 'kernelSize'> = {}) {
    super();
    checkOptions('MaxPool2d', options);
    this.options = { ...options, kernelSize };
  }

  /** [N, C, H, W] → [N, C, Hₒ, Wₒ]. */
  forward<X extends TensorLike>(x: X): Out<X> {
    return maxPool('MaxPool2d', x, this.options) as unknown as Out<X>;
  }
}

/** The mean of each window, padding counted as zeros, as torch.nn.AvgPool2d. */
export class AvgPool2d extends Module {
  readonly options: Pool2dOptions;

  constructor(kernelSize: Pair, options: Omit<Pool2dOptions, 'kernelSize' | 'dilation'> = {}) {
    super();
    checkOptions('AvgPool2d', options);
    this.options = { ...options, kernelSize };
  }

  /** [N, C, H, W] → [N, C, Hₒ, Wₒ]. */
  forward<X extends TensorLike>(x: X): Out<X> {
    return avgPool('AvgPool2d', x, this.options) as unknown as Out<X>;
  }
}

/** Axes startDim…endDim merged into one (default 1…−1: everything but the batch axis), as torch.nn.Flatten. */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
    for (const [key, v] of [
      ['startDim', startDim],
      ['endDim', endDim],
    ] as const) {
      if (typeof v !== 'number') throw new DTypeError('Flatten', `${key} must be an integer, got ${typeof v}`);
      if (!Number.isInteger(v)) throw new ValueError('Flatten', `${key} must be an integer, got ${v}`);
    }
  }

  /** [N, C, H, W] → [N, C·H·W] with the defaults. */
  forward<X extends TensorLike>(x: X): Out<X> {
    checkInput('Flatten', x);
    const shape = F.shape(x);
    const norm = (d: number) => (d < 0 ? d + shape.length : d);
    const start = norm(this.startDim);
    const end = norm(this.endDim);
    if (!(start >= 0 && end < shape.length && start <= end)) {
      throw new ShapeError('Flatten', `cannot flatten axes ${this.startDim}…${this.endDim} of shape [${shape.join(',')}]`);
    }
    const merged = shape.slice(start, end + 1).reduce((a, b) => a * b, 1);
    return F.reshape(x, [...shape.slice(0, start), merged, ...shape.slice(end + 1)]) as Out<X>;
  }
}

/** One axis split into several (the inverse of Flatten), as torch.nn.Unflatten: [N, 784] → [N, 1, 28, 28]. */
export class Unflatten extends Module {
  readonly sizes: readonly number[];

  constructor(
    readonly dim: number,
    sizes: readonly number[],
  ) {
    super();
    if (!Number.isInteger(dim)) throw new DTypeError('Unflatten', `dim must be an integer, got ${String(dim)}`);
    if (!Array.isArray(sizes) || sizes.length === 0 || !sizes.every((d) => Number.isInteger(d) && d > 0)) {
      throw new ValueError('Unflatten', `sizes must be positive integers, got ${JSON.stringify(sizes)}`);
    }
    this.sizes = [...sizes];
  }

  /** Axis dim, of size Π sizes, becomes the axes `sizes`. */
  forward<X extends TensorLike>(x: X): Out<X> {
    checkInput('Unflatten', x);
    const shape = F.shape(x);
    const d = this.dim < 0 ? this.dim + shape.length : this.dim;
    const n = this.sizes.reduce((a, b) => a * b, 1);
    if (!(d >= 0 && d < shape.length) || shape[d] !== n) {
      throw new ShapeError('Unflatten', `cannot split axis ${this.dim} of [${shape.join(',')}] into [${this.sizes.join(',')}]`);
    }
    return F.reshape(x, [...shape.slice(0, d), ...this.sizes, ...shape.slice(d + 1)]) as Out<X>;
  }
}
