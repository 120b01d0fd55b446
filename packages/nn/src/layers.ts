/** Layers: Linear, the activation modules, Dropout. Each forward is built from table ops. */
import { DTypeError, Generator, Tensor, ValueError, uniform, type RandomOptions } from '@ad/core';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { F, checkInput, checkOptions, type Out, type TensorLike } from './types.js';
import { elu, gelu, leakyRelu, softplus, type GeluApproximation } from './functional.js';

export interface LinearOptions extends RandomOptions {
  /** Whether to add a bias (default true). */
  bias?: boolean;
}

/**
 * y = x Wᵀ + b with W of shape [out, in] and b of shape [out], as torch.nn.Linear, initialised
 * as PyTorch does: W and b ~ U(−1/√in, 1/√in) (kaiming_uniform with a = √5 reduces to this).
 * x may have any number of leading batch axes.
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    for (const [name, v] of [
      ['inFeatures', inFeatures],
      ['outFeatures', outFeatures],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new ValueError('Linear', `${name} must be a positive integer, got ${v}`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const generator = options.generator ?? (options.seed !== undefined ? new Generator(options.seed) : undefined);
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = new Parameter(uniform([outFeatures, inFeatures], -bound, bound, { generator }));
    if (options.bias !== undefined && typeof options.bias !== 'boolean')
      throw new DTypeError('Linear', `bias must be true or false, got ${typeof options.bias}`);
    this.bias = options.bias === false ? null : new Parameter(uniform([outFeatures], -bound, bound, { generator }));
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }

  /** y = x Wᵀ + b over the last axis of x. */
  forward<X extends TensorLike>(x: X): Out<X> {
    checkInput('Linear', x);
    const shape = F.shape(x);
    if (shape[shape.length - 1] !== this.inFeatures) {
      throw new ValueError('Linear', `expects inputs with ${this.inFeatures} features in the last axis, got shape [${shape.join(',')}]`);
    }
    const y = F.matmul(x, F.transpose(this.weight)); // [batch, out]
    return (this.bias === null ? y : F.add(y, this.bias)) as Out<X>;
  }
}

/** max(x, 0) as a module. */
export class ReLU extends Module {
  /** max(x, 0). */
  forward<X extends TensorLike>(x: X): Out<X> {
    checkInput('ReLU', x);
    return F.relu(x) as Out<X>;
  }
}

/** σ(x) as a module. */
export class Sigmoid extends Module {
  /** 1/(1 + e⁻ˣ). */
  forward<X extends TensorLike>(x: X): Out<X> {
    checkInput('Sigmoid', x);
    return F.sigmoid(x) as Out<X>;
  }
}

/** tanh x as a module. */
export class Tanh extends Module {
  /** tanh x. */
  forward<X extends TensorLike>(x: X): Out<X> {
    checkInput('Tanh', x);
    return F.tanh(x) as Out<X>;
  }
}

/**
 * Zeroes each element with probability p in training mode and scales the rest by 1/(1 − p), so
 * the expected value is unchanged (inverted dropout, as PyTorch); the identity in eval mode.
 * The masks come from its own seeded generator.
 */
export class Dropout extends Module {
  readonly p: number;
  private readonly generator: Generator;

  constructor(p = 0.5, options: RandomOptions = {}) {
    super();
    if (typeof p !== 'number') throw new DTypeError('Dropout', `p must be a number, got ${typeof p} ${JSON.stringify(String(p))}`);
    if (!(p >= 0 && p < 1)) throw new ValueError('Dropout', `p must be in [0, 1), got ${p}`);
    this.p = p;
    this.generator = options.generator ?? new Generator(options.seed ?? 0);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }

  /** x with a fresh random mask in training mode; x itself in eval mode. */
  forward<X extends TensorLike>(x: X): Out<X> {
    checkInput('Dropout', x);
    if (!this.training || this.p === 0) return x as unknown as Out<X>;
    const shape = F.shape(x);
    const given = dropoutMasks.get(this);
    if (given !== undefined) return given(shape, (mask) => F.mul(x, mask)) as Out<X>;
    const mask = new Float64Array(shape.reduce((a, b) => a * b, 1));
    this.drawMask(mask);
    return F.mul(x, Tensor.fromData(mask, shape)) as Out<X>;
  }

  /** Fills `mask` with the next mask of this layer's generator: 0 with probability p, else 1/(1 − p). */
  drawMask(mask: Float64Array): void {
    const keep = 1 / (1 - this.p);
    const p = this.p;
    // One uniform per element, in order: the masks of drawing random() element by element.
    this.generator.fillUniform(mask);
    for (let i = 0; i < mask.length; i++) mask[i] = mask[i] < p ? 0 : keep;
  }
}

/**
 * Masks given to Dropout layers from outside, by layer: while a compiled step traces the model,
 * each Dropout in training mode multiplies by a mask the step passes in (drawn before every run
 * by drawMask, the eager layer's numbers) instead of drawing one the program would keep. The
 * function gets the input's shape and the multiplication to apply to the mask.
 */
export const dropoutMasks = new WeakMap<Dropout, (shape: readonly number[], apply: (mask: TensorLike) => TensorLike) => TensorLike>();

/** leakyRelu as a module: x for x > 0, negativeSlope·x otherwise (default 0.01). */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }

  /** x for x > 0, a·x otherwise. */
  forward<X extends TensorLike>(x: X): Out<X> {
    checkInput('LeakyReLU', x);
    return leakyRelu(x, this.negativeSlope) as unknown as Out<X>;
  }
}

/** elu as a module: x for x > 0, α(eˣ − 1) otherwise (default α = 1). */
export class ELU extends Module {
  constructor(readonly alpha = 1) {
    super();
  }

  /** x for x > 0, α(eˣ − 1) otherwise. */
  forward<X extends TensorLike>(x: X): Out<X> {
    checkInput('ELU', x);
    return elu(x, this.alpha) as unknown as Out<X>;
  }
}

/** gelu as a module: x·Φ(x), or its tanh approximation (`{ approximate: 'tanh' }`). */
export class GELU extends Module {
  readonly approximate: GeluApproximation;

  constructor(options: { approximate?: GeluApproximation } = {}) {
    super();
    checkOptions('GELU', options);
    this.approximate = options.approximate ?? 'none';
    if (this.approximate !== 'none' && this.approximate !== 'tanh') {
      throw new ValueError('GELU', `approximate must be 'none' or 'tanh', got ${String(this.approximate)}`);
    }
  }

  /** x·Φ(x). */
  forward<X extends TensorLike>(x: X): Out<X> {
    checkInput('GELU', x);
    return gelu(x, this.approximate) as unknown as Out<X>;
  }
}

/** softplus as a module: (1/β)·ln(1 + e^(βx)), the identity where βx > threshold (defaults 1 and 20). */
export class Softplus extends Module {
  readonly beta: number;
  readonly threshold: number;

  constructor(options: { beta?: number; threshold?: number } = {}) {
    super();
    checkOptions('Softplus', options);
    this.beta = options.beta ?? 1;
    this.threshold = options.threshold ?? 20;
    if (!(this.beta > 0)) throw new ValueError('Softplus', `beta must be positive, got ${this.beta}`);
  }

  /** (1/β)·ln(1 + e^(βx)). */
  forward<X extends TensorLike>(x: X): Out<X> {
    checkInput('Softplus', x);
    return softplus(x, this.beta, this.threshold) as unknown as Out<X>;
  }
}

/** softmax along `dim` (the last by default) as a module. */
export class Softmax extends Module {
  constructor(readonly dim = -1) {
    super();
  }

  /** exp(x − max)/Σ exp(x − max) along dim. */
  forward<X extends TensorLike>(x: X): Out<X> {
    checkInput('Softmax', x);
    return F.softmax(x, this.dim) as Out<X>;
  }
}

/** logSoftmax along `dim` (the last by default) as a module. */
export class LogSoftmax extends Module {
  constructor(readonly dim = -1) {
    super();
  }

  /** x − logsumexp(x) along dim. */
  forward<X extends TensorLike>(x: X): Out<X> {
    checkInput('LogSoftmax', x);
    return F.logSoftmax(x, this.dim) as Out<X>;
  }
}
