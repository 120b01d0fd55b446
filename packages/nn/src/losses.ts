/**
 * Losses, each with PyTorch's `reduction`: 'mean' (default), 'sum' or 'none'.
 *
 * bce and bceWithLogits are ops of their own (defined once with both rules, like the core
 * table), because the composition of their pieces has the wrong derivative exactly where it
 * matters: clamping log p at −100 by `maximum` would give 0·∞ = NaN at p = 0, and
 * max(z, 0) − z·t + log(1 + e^−|z|) has the subgradient −t at z = 0 instead of σ(0) − t.
 */
import { ShapeError, Tensor, ValueError, elementwise } from '@ad/core';
import { F, primalOf, type TensorLike } from './types.js';

/** How a loss reduces over elements: their mean, their sum, or none (one loss per element). */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options of every loss. */
export interface LossOptions {
  reduction?: Reduction;
}

function reduce<T extends TensorLike>(name: string, x: TensorLike, reduction: Reduction = 'mean'): T {
  switch (reduction) {
    case 'mean':
      return F.mean(x) as T;
    case 'sum':
      return F.sum(x) as T;
    case 'none':
      return x as T;
    default:
      throw new ValueError(name, `reduction must be 'mean', 'sum' or 'none', got ${String(reduction)}`);
  }
}

function sameShape(name: string, a: TensorLike, b: TensorLike | Tensor): void {
  const sa = F.shape(a);
  const sb = F.shape(b as TensorLike);
  if (sa.length !== sb.length || sa.some((d, i) => d !== sb[i])) {
    throw new ShapeError(name, `input has shape [${sa.join(',')}] but target has shape [${sb.join(',')}]; they must match`);
  }
}

/**
 * ℓ(p, t) = −[t·max(log p, −100) + (1 − t)·max(log(1 − p), −100)], PyTorch's clamped form.
 * ∂ℓ/∂p = (p − t) / max(p(1 − p), 10⁻¹²) (PyTorch's backward, finite at p = 0 and 1);
 * ∂ℓ/∂t = max(log(1 − p), −100) − max(log p, −100).
 */
export const bceOp = elementwise({
  name: 'bce',
  inputs: ['p', 't'],
  // 0 − (…) rather than −(…): a perfect prediction scores +0, not −0.
  expr: '0 - (t * Math.max(Math.log(p), -100) + (1 - t) * Math.max(Math.log(1 - p), -100))',
  partials: [
    (o, [p, t]) => o.div(o.sub(p, t), o.maximum(o.mul(p, o.sub(1, p)), 1e-12)),
    (o, [p]) => o.sub(o.maximum(o.log(o.sub(1, p)), -100), o.maximum(o.log(p), -100)),
  ],
});

/**
 * ℓ(z, t) = max(z, 0) − z·t + log(1 + e^−|z|): BCE of σ(z), computed without forming σ(z), so
 * finite for z = ±1000. ∂ℓ/∂z = σ(z) − t, ∂ℓ/∂t = −z.
 */
export const bceWithLogitsOp = elementwise({
  name: 'bceWithLogits',
  inputs: ['z', 't'],
  expr: 'Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z)))',
  partials: [(o, [z, t]) => o.sub(o.sigmoid(z), t), (o, [z]) => o.neg(z)],
});

/** Binary cross-entropy of probabilities p ∈ [0, 1] against targets of the same shape. */
export function bce<T extends TensorLike>(p: T, target: TensorLike | Tensor, options: LossOptions = {}): T {
  sameShape('bce', p, target);
  const values = primalOf(p);
  const data = values instanceof Tensor ? values.toFloat64Array() : Float64Array.of(values);
  for (let i = 0; i < data.length; i++) {
    if (!(data[i] >= 0 && data[i] <= 1)) {
      throw new ValueError('bce', `every input must be a probability in [0, 1], got ${data[i]} at index ${i}; for logits use bceWithLogits`);
    }
  }
  return reduce('bce', F.interpreter.apply(bceOp, [p, target as TensorLike], undefined), options.reduction);
}

/** Binary cross-entropy on logits z (σ applied inside, stably). */
export function bceWithLogits<T extends TensorLike>(logits: T, target: TensorLike | Tensor, options: LossOptions = {}): T {
  sameShape('bceWithLogits', logits, target);
  return reduce('bceWithLogits', F.interpreter.apply(bceWithLogitsOp, [logits, target as TensorLike], undefined), options.reduction);
}

/**
 * Cross-entropy of logits [n, C] against class indices [n]: −log softmax(z)[i, yᵢ], through the
 * fused logSoftmax (finite for any logits). The indices select entries by a one-hot mask.
 */
export function crossEntropy<T extends TensorLike>(logits: T, labels: Tensor | readonly number[], options: LossOptions = {}): T {
  const shape = F.shape(logits);
  if (shape.length !== 2) throw new ShapeError('crossEntropy', `logits must be [n, classes], got shape [${shape.join(',')}]`);
  const [n, classes] = shape;
  const y = labels instanceof Tensor ? labels.toFloat64Array() : Float64Array.from(labels);
  if (y.length !== n) throw new ShapeError('crossEntropy', `got ${n} rows of logits but ${y.length} labels`);
  const mask = new Float64Array(n * classes);
  for (let i = 0; i < n; i++) {
    const c = y[i];
    if (!Number.isInteger(c) || c < 0 || c >= classes) {
      throw new ValueError('crossEntropy', `label ${i} is ${c}; labels must be class indices in 0…${classes - 1}`);
    }
    mask[i * classes + c] = 1;
  }
  // Select, not multiply by the one-hot mask: a −∞ logit elsewhere in the row has log-softmax
  // −∞, and −∞·0 would be NaN (PyTorch: crossEntropy([[−∞, 0, 1]], [2]) = 0.3133).
  const selected = F.where(Tensor.fromData(mask, [n, classes]), F.logSoftmax(logits, 1), 0);
  const picked = F.sub(0, F.sum(selected, 1)); // [n]
  return reduce('crossEntropy', picked, options.reduction);
}

/** Mean squared error (x − y)². */
export function mse<T extends TensorLike>(x: T, target: TensorLike | Tensor, options: LossOptions = {}): T {
  sameShape('mse', x, target);
  return reduce('mse', F.square(F.sub(x, target as TensorLike)), options.reduction);
}
