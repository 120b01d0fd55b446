/**
 * Activation functions on any tensor kind, so they can sit in a Sequential as plain functions
 * (`new Sequential([new Linear(2, 8), relu, new Linear(8, 1)])`).
 */
import { F, type TensorLike } from './types.js';

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
