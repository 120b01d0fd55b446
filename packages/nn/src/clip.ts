/**
 * Gradient clipping, as torch.nn.utils' clip_grad_norm_ and clip_grad_value_: applied to each
 * parameter's `.grad` after `backward()` and before `optimizer.step()`.
 */
import { DTypeError, Tensor, ValueError } from '@ad/core';
import { Parameter } from './parameter.js';
import { checkFlag, checkOptions } from './types.js';

function gradients(name: string, parameters: Iterable<Parameter> | Parameter): [Parameter, Tensor][] {
  // One parameter is taken as a list of one, as PyTorch takes one tensor.
  const list = parameters instanceof Parameter ? [parameters] : parameters;
  if (list === null || typeof list !== 'object' || typeof (list as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function') {
    throw new DTypeError(name, `parameters must be an iterable of Parameters (model.parameters()), got ${list === null ? 'null' : typeof list}`);
  }
  const out: [Parameter, Tensor][] = [];
  let i = 0;
  for (const p of list) {
    if (!(p instanceof Parameter)) throw new DTypeError(name, `parameters[${i}] is not a Parameter, got ${p === null ? 'null' : typeof p}`);
    const g = p.grad;
    if (g !== undefined && g !== null) out.push([p, g]);
    i++;
  }
  return out;
}

/** clipGradNorm's options, PyTorch's names. */
export interface ClipGradNormOptions {
  /**
   * Refuse (a ValueError, gradients untouched) when the total norm is NaN or infinite, instead
   * of scaling every gradient by it. Default false, as PyTorch's error_if_nonfinite.
   */
  errorIfNonfinite?: boolean;
}

/**
 * Scales all gradients together so that their joint p-norm is at most maxNorm, and returns the
 * norm before clipping. As PyTorch: total = ‖(‖g₁‖, …, ‖gₖ‖)‖ₚ = (Σ |g|ᵖ)^(1/p) (the max of |g|
 * for p = ∞), and every gradient is multiplied by min(1, maxNorm/(total + 1e-6)).
 *
 * A gradient with a NaN or an infinity makes the total non-finite: by default (PyTorch's
 * errorIfNonfinite = false) it is returned as it is and the gradients are scaled by NaN or 0 as
 * PyTorch's are; with `{ errorIfNonfinite: true }` it is refused. A total that overflows from
 * finite gradients (normType 1e-300: (Σ |g|ᵖ)^(1/p) = n^(10³⁰⁰)) is always refused: that would
 * be our arithmetic zeroing every gradient, not a property of the gradients.
 */
export function clipGradNorm(parameters: Iterable<Parameter> | Parameter, maxNorm: number, normType = 2, options: ClipGradNormOptions = {}): number {
  const name = 'clipGradNorm';
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0)) throw new ValueError(name, `maxNorm must be a non-negative number, got ${String(maxNorm)}`);
  if (typeof normType !== 'number' || !(normType > 0)) throw new ValueError(name, `normType must be a positive number or Infinity, got ${String(normType)}`);
  checkOptions(name, options);
  checkFlag(name, 'errorIfNonfinite', options?.errorIfNonfinite);
  const grads = gradients(name, parameters);
  if (grads.length === 0) return 0;
  let total = 0;
  let finite = true;
  for (const [, g] of grads) {
    const data = g.toFloat64Array();
    for (const v of data) if (!Number.isFinite(v)) finite = false;
    if (normType === Infinity) {
      for (const v of data) total = Math.max(total, Math.abs(v));
    } else {
      // Σ over parameters of ‖gᵢ‖ₚᵖ equals ‖(‖g₁‖, …)‖ₚᵖ; p = 2 without Math.pow, the common case.
      if (normType === 2) for (const v of data) total += v * v;
      else for (const v of data) total += Math.pow(Math.abs(v), normType);
    }
  }
  if (normType !== Infinity) total = normType === 2 ? Math.sqrt(total) : Math.pow(total, 1 / normType);
  if (!Number.isFinite(total)) {
    if (finite) {
      throw new ValueError(
        name,
        `the ${normType}-norm of these finite gradients overflows to ${total}; ${
          normType < 1
            ? `with normType ${normType} < 1 the power 1/p of Σ |g|ᵖ overflows: use a normType ≥ 1 (1, 2, Infinity)`
            : 'their powers exceed the float range: scale the loss down'
        }`,
      );
    }
    if (options?.errorIfNonfinite === true) {
      throw new ValueError(
        name,
        `the total norm of order ${normType} of the gradients is ${total}, so they cannot be clipped (a NaN or an infinity in a gradient); the gradients were left unchanged. Set errorIfNonfinite: false to scale them by it anyway`,
      );
    }
  }
  const coef = Math.min(maxNorm / (total + 1e-6), 1);
  for (const [p, g] of grads) {
    const data = g.toFloat64Array();
    for (let i = 0; i < data.length; i++) data[i] *= coef;
    p.grad = Tensor.fromData(data, g.shape);
  }
  return total;
}

/** Clamps every gradient element to [−clipValue, clipValue] (torch.nn.utils.clip_grad_value_). */
export function clipGradValue(parameters: Iterable<Parameter> | Parameter, clipValue: number): void {
  if (typeof clipValue !== 'number' || !(clipValue >= 0))
    throw new ValueError('clipGradValue', `clipValue must be a non-negative number, got ${String(clipValue)}`);
  for (const [p, g] of gradients('clipGradValue', parameters)) {
    const data = g.toFloat64Array();
    for (let i = 0; i < data.length; i++) data[i] = Math.min(Math.max(data[i], -clipValue), clipValue);
    p.grad = Tensor.fromData(data, g.shape);
  }
}
