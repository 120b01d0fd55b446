/**
 * Normalisation layers, as torch.nn's LayerNorm and BatchNorm1d: the statistics are computed
 * with table ops (so gradients flow through the mean and variance), the variance is the biased
 * one, and ε sits inside the square root, as PyTorch's.
 */
import { DTypeError, Tensor, ValueError, ShapeError, ones, zeros, scalar } from '@ad/core';
import { tensorOps } from '@ad/core/engine';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { F, checkFlag, checkInput, checkOptions, primalOf, type Out, type TensorLike } from './types.js';

/**
 * ε as PyTorch takes it (a number ≥ 0, default 1e-5): a negative ε makes √(var + ε) NaN for
 * every feature of small variance, and NaN poisons every output, so both are refused.
 */
function epsilon(name: string, v: unknown): number {
  if (v === undefined) return 1e-5;
  if (typeof v !== 'number') throw new DTypeError(name, `eps must be a number, got ${typeof v}`);
  if (!(v >= 0) || !Number.isFinite(v)) throw new ValueError(name, `eps must be a finite number ≥ 0, got ${v}`);
  return v;
}

/** (x − mean)/√(var + ε) over `axes`, with the biased variance; keeps the reduced axes. */
function normalize(x: TensorLike, axes: readonly number[], eps: number): TensorLike {
  const centred = F.sub(x, F.mean(x, axes, true));
  const variance = F.mean(F.square(centred), axes, true);
  return F.div(centred, F.sqrt(F.add(variance, eps)));
}

/** LayerNorm's options, PyTorch's names. */
export interface LayerNormOptions {
  /** Added to the variance inside the square root (default 1e-5). */
  eps?: number;
  /** A learnt scale γ (ones) and shift β (zeros) of the normalised shape (default true). */
  elementwiseAffine?: boolean;
  /** Whether the affine part has β (default true). */
  bias?: boolean;
}

/**
 * y = (x − E[x])/√(Var[x] + ε)·γ + β over the last axes (those of `normalizedShape`), each
 * sample on its own, as torch.nn.LayerNorm. γ starts at 1 and β at 0.
 */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    checkOptions('LayerNorm', options);
    if (typeof normalizedShape !== 'number' && !Array.isArray(normalizedShape)) {
      throw new DTypeError('LayerNorm', `normalizedShape must be a size or a list of sizes, got ${normalizedShape === null ? 'null' : typeof normalizedShape}`);
    }
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new ValueError('LayerNorm', `normalizedShape must be positive integers, got ${JSON.stringify(normalizedShape)}`);
    }
    this.normalizedShape = shape;
    this.eps = epsilon('LayerNorm', options.eps);
    checkFlag('LayerNorm', 'elementwiseAffine', options.elementwiseAffine);
    checkFlag('LayerNorm', 'bias', options.bias);
    const affine = options.elementwiseAffine ?? true;
    this.weight = affine ? new Parameter(ones(shape)) : null;
    this.bias = affine && options.bias !== false ? new Parameter(zeros(shape)) : null;
  }

  /** Normalises each sample over the last axes. */
  forward<X extends TensorLike>(x: X): Out<X> {
    checkInput('LayerNorm', x);
    const shape = F.shape(x);
    const k = this.normalizedShape.length;
    const tail = shape.slice(shape.length - k);
    if (shape.length < k || tail.some((d, i) => d !== this.normalizedShape[i])) {
      throw new ShapeError('LayerNorm', `expects inputs ending in [${this.normalizedShape.join(',')}], got [${shape.join(',')}]`);
    }
    const axes = Array.from({ length: k }, (_, i) => shape.length - k + i);
    let y = normalize(x, axes, this.eps);
    if (this.weight !== null) y = F.mul(y, this.weight);
    if (this.bias !== null) y = F.add(y, this.bias);
    return y as Out<X>;
  }
}

/** BatchNorm1d's options, PyTorch's names. */
export interface BatchNormOptions {
  /** Added to the variance inside the square root (default 1e-5). */
  eps?: number;
  /**
   * Weight of the new batch in the running statistics, PyTorch's convention:
   * running = (1 − momentum)·running + momentum·batch (default 0.1); null for a cumulative
   * average over all batches seen.
   */
  momentum?: number | null;
  /** A learnt scale γ (ones) and shift β (zeros) per feature (default true). */
  affine?: boolean;
  /** Keep running statistics for eval mode (default true); without them eval uses the batch's. */
  trackRunningStats?: boolean;
}

/**
 * Batch normalisation over [N, C] or [N, C, L], as torch.nn.BatchNorm1d. In training mode each
 * feature is normalised with the batch's mean and biased variance, and the running statistics
 * move towards the batch's (the running variance takes the unbiased variance, as PyTorch's);
 * in eval mode the running statistics are used. Buffers: running_mean, running_var,
 * num_batches_tracked, saved in the state dict under PyTorch's names.
 */
export class BatchNorm1d extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly trackRunningStats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super();
    checkOptions('BatchNorm1d', options);
    if (!Number.isInteger(numFeatures) || numFeatures < 1) throw new ValueError('BatchNorm1d', `numFeatures must be a positive integer, got ${numFeatures}`);
    this.numFeatures = numFeatures;
    this.eps = epsilon('BatchNorm1d', options.eps);
    checkFlag('BatchNorm1d', 'affine', options.affine);
    checkFlag('BatchNorm1d', 'trackRunningStats', options.trackRunningStats);
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    if (this.momentum !== null && !(this.momentum >= 0 && this.momentum <= 1)) {
      throw new ValueError('BatchNorm1d', `momentum must be in [0, 1] or null, got ${this.momentum}`);
    }
    this.trackRunningStats = options.trackRunningStats ?? true;
    const affine = options.affine ?? true;
    this.weight = affine ? new Parameter(ones([numFeatures])) : null;
    this.bias = affine ? new Parameter(zeros([numFeatures])) : null;
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', zeros([numFeatures]));
      this.registerBuffer('running_var', ones([numFeatures]));
      this.registerBuffer('num_batches_tracked', scalar(0));
    }
  }

  /** [N, C] or [N, C, L] normalised per feature C. */
  forward<X extends TensorLike>(x: X): Out<X> {
    checkInput('BatchNorm1d', x);
    const shape = F.shape(x);
    if ((shape.length !== 2 && shape.length !== 3) || shape[1] !== this.numFeatures) {
      throw new ShapeError('BatchNorm1d', `expects [N, ${this.numFeatures}] or [N, ${this.numFeatures}, L], got [${shape.join(',')}]`);
    }
    const axes = shape.length === 2 ? [0] : [0, 2];
    // Per-feature values broadcast against [N, C] as [C], against [N, C, L] as [C, 1].
    const perFeature = shape.length === 2 ? [this.numFeatures] : [this.numFeatures, 1];
    let y: TensorLike;
    if (this.training || !this.trackRunningStats) {
      const count = axes.reduce((n, a) => n * shape[a], 1);
      if (this.training && count < 2) {
        throw new ValueError('BatchNorm1d', `needs more than 1 value per feature in training mode, got input [${shape.join(',')}]`);
      }
      if (this.training && this.trackRunningStats) {
        const primal = primalOf(x);
        // Under vmap every example would update the one running statistic: refused, as JAX refuses it without an axis name.
        if (!(primal instanceof Tensor)) {
          throw new DTypeError(
            'BatchNorm1d',
            'cannot update its running statistics from a batched value (under vmap); call eval() first, or construct it with trackRunningStats: false',
          );
        }
        this.updateRunningStats(primal, axes, count);
      }
      y = normalize(x, axes, this.eps);
    } else {
      const mean = this.buffer('running_mean').reshape(perFeature);
      const std = tensorOps.sqrt(tensorOps.add(this.buffer('running_var'), this.eps)).reshape(perFeature);
      y = F.div(F.sub(x, mean), std);
    }
    if (this.weight !== null) y = F.mul(y, F.reshape(this.weight, perFeature));
    if (this.bias !== null) y = F.add(y, F.reshape(this.bias, perFeature));
    return y as Out<X>;
  }

  /**
   * running ← (1 − m)·running + m·batch, with the unbiased variance n/(n − 1)·var. A batch with
   * a NaN or an infinity is refused before anything changes: PyTorch would fold it into the
   * running statistics, where it stays (and is saved) and turns every later eval output to NaN.
   */
  private updateRunningStats(x: Tensor, axes: readonly number[], count: number): void {
    const mean = tensorOps.mean(x, axes, true);
    const variance = tensorOps.mean(tensorOps.square(tensorOps.sub(x, mean)), axes).toFloat64Array();
    const means = mean.toFloat64Array();
    const bad = variance.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      throw new ValueError(
        'BatchNorm1d',
        `the batch's statistics of feature ${bad} are not finite (mean ${means[bad]}, variance ${variance[bad]}: a NaN or an infinity in the input); refused in training mode, so the running statistics stay finite`,
      );
    }
    const tracked = this.buffer('num_batches_tracked');
    tracked.data[0] += 1;
    const m = this.momentum ?? 1 / tracked.data[0];
    const runningMean = this.buffer('running_mean').data;
    const runningVar = this.buffer('running_var').data;
    for (let c = 0; c < this.numFeatures; c++) {
      runningMean[c] = (1 - m) * runningMean[c] + m * means[c];
      runningVar[c] = (1 - m) * runningVar[c] + (m * variance[c] * count) / (count - 1);
    }
  }
}
