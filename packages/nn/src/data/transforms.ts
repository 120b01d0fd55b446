/** Turning labels and features into what a network trains well on: one-hot targets, standardised features. */
import { DTypeError, ShapeError, Tensor, ValueError, fromData } from '@ad/core';
import { classIndices, describe } from './dataset.js';

/**
 * One-hot encoding: labels [n] (integers 0 … classes−1, as float64) → [n, classes] with a 1 in
 * column labels[i] of row i and 0 elsewhere — the targets `bce` and `mse` compare a network's
 * [n, classes] output with. A label that is not an integer in range is refused by its index and value.
 */
export function oneHot(labels: Tensor, classes: number): Tensor {
  if (!(labels instanceof Tensor)) throw new DTypeError('oneHot', `labels must be a Tensor, got ${describe(labels)}`);
  if (labels.ndim !== 1) throw new ShapeError('oneHot', `labels must be 1-D [n], got shape [${labels.shape.join(',')}]`);
  if (!Number.isInteger(classes) || classes < 1) throw new ValueError('oneHot', `classes must be a positive integer, got ${describe(classes)}`);
  const index = classIndices('oneHot', labels, classes);
  const out = new Float64Array(index.length * classes);
  for (let i = 0; i < index.length; i++) out[i * classes + index[i]] = 1;
  return fromData(out, [index.length, classes]);
}

/** Options of `Standardizer.fit`. */
export interface StandardizerOptions {
  /**
   * A feature whose standard deviation is at most eps · max(1, |mean|) is taken as constant
   * (its spread is rounding error) and gets std 1 (default 1e-10).
   */
  eps?: number;
}

/**
 * Per-feature standardisation, scikit-learn's `StandardScaler`: z = (x − mean) / std, with the
 * mean and the population standard deviation std = √(Σ (x − mean)² / n) of each column of the
 * data it was fitted on. A constant feature would divide 0 by 0; its std is set to 1 instead, so
 * it maps to 0 (finite), as scikit-learn does.
 *
 * Fit on the training part only and transform both parts with it, so nothing about the test
 * rows leaks into training.
 */
export class Standardizer {
  /** Per-feature mean, [d]. */
  readonly mean: Tensor;
  /** Per-feature divisor, [d]: the population standard deviation, or 1 for a constant feature. */
  readonly std: Tensor;

  private constructor(mean: Float64Array, std: Float64Array) {
    if (!(mean instanceof Float64Array) || !(std instanceof Float64Array)) throw new DTypeError('Standardizer', 'make one with Standardizer.fit(x)');
    this.mean = fromData(mean, [mean.length]);
    this.std = fromData(std, [std.length]);
  }

  /** Learns each column's mean and std from x [n, d] (n ≥ 1, all values finite), in two passes for accuracy. */
  static fit(x: Tensor, options?: StandardizerOptions): Standardizer {
    const op = 'Standardizer.fit';
    checkMatrix(op, x);
    const eps = options?.eps ?? 1e-10;
    if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps)) throw new ValueError(op, `eps must be a finite number ≥ 0, got ${describe(eps)}`);
    const [n, d] = x.shape;
    if (n === 0) throw new ValueError(op, `x has no rows to learn a mean and std from (shape [0,${d}])`);
    const data = x.toFloat64Array();
    const mean = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const v = data[i * d + j];
        if (!Number.isFinite(v)) throw new ValueError(op, `x[${i}, ${j}] is ${v}; every value must be finite`);
        mean[j] += v;
      }
    }
    for (let j = 0; j < d; j++) mean[j] /= n;
    // Corrected two-pass (Chan, Golub & LeVeque): the deviations' own sum removes the rounding
    // error of the first mean, so a constant column gets its value back exactly as its mean
    // (and transforms to exactly 0): var = (Σ dev² − (Σ dev)² / n) / n, mean += Σ dev / n.
    const devSum = new Float64Array(d);
    const sqSum = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const dev = data[i * d + j] - mean[j];
        devSum[j] += dev;
        sqSum[j] += dev * dev;
      }
    }
    const std = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      mean[j] += devSum[j] / n;
      const s = Math.sqrt(Math.max(0, sqSum[j] - (devSum[j] * devSum[j]) / n) / n);
      std[j] = s > eps * Math.max(1, Math.abs(mean[j])) ? s : 1;
    }
    return new Standardizer(mean, std);
  }

  /** z = (x − mean) / std, column by column, for x [m, d]: a new tensor. */
  transform(x: Tensor): Tensor {
    const [out, mean, std, d] = this.prepare('Standardizer.transform', x);
    for (let i = 0; i < out.length; i += d) {
      for (let j = 0; j < d; j++) out[i + j] = (out[i + j] - mean[j]) / std[j];
    }
    return fromData(out, [x.shape[0], d]);
  }

  /** x = z · std + mean, undoing `transform` (up to rounding). */
  inverse(x: Tensor): Tensor {
    const [out, mean, std, d] = this.prepare('Standardizer.inverse', x);
    for (let i = 0; i < out.length; i += d) {
      for (let j = 0; j < d; j++) out[i + j] = out[i + j] * std[j] + mean[j];
    }
    return fromData(out, [x.shape[0], d]);
  }

  /** Checks x against the fitted width; returns a row-major copy of x to overwrite, and the statistics. */
  private prepare(op: string, x: Tensor): [Float64Array, Float64Array, Float64Array, number] {
    checkMatrix(op, x);
    const d = this.mean.size;
    if (x.shape[1] !== d) {
      throw new ShapeError(op, `x has ${x.shape[1]} features (shape [${x.shape.join(',')}]) but the standardizer was fitted on ${d}`);
    }
    return [x.toFloat64Array(), this.mean.data, this.std.data, d];
  }
}

function checkMatrix(op: string, x: Tensor): void {
  if (!(x instanceof Tensor)) throw new DTypeError(op, `x must be a Tensor, got ${describe(x)}`);
  if (x.ndim !== 2) throw new ShapeError(op, `x must be 2-D [n, features], got shape [${x.shape.join(',')}]`);
}
