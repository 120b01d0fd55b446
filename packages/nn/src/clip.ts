/**
 * Gradient clipping, as torch.nn.utils' clip_grad_norm_ and clip_grad_value_: applied to each
 * parameter's `.grad` after `backward()` and before `optimizer.step()`.
 */
import { Tensor, ValueError } from '@ad/core';
import { Parameter } from './parameter.js';

function gradients(name: string, parameters: Iterable<Parameter>): [Parameter, Tensor][] {
  const out: [Parameter, Tensor][] = [];
  for (const p of parameters) {
    if (!(p instanceof Parameter)) throw new ValueError(name, 'expects parameters (model.parameters())');
    const g = p.grad;
    if (g !== undefined) out.push([p, g]);
  }
  return out;
}

/**
 * Scales all gradients together so that their joint p-norm is at most maxNorm, and returns the
 * norm before clipping. As PyTorch: total = ‖(‖g₁‖, …, ‖gₖ‖)‖ₚ (the max of |g| for p = ∞), and
 * every gradient is multiplied by min(1, maxNorm/(total + 1e-6)). A non-finite total is
 * returned as it is, and the gradients are then scaled by NaN or 0 as PyTorch's are.
 */
export function clipGradNorm(parameters: Iterable<Parameter>, maxNorm: number, normType = 2): number {
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0)) throw new ValueError('clipGradNorm', `maxNorm must be a non-negative number, got ${String(maxNorm)}`);
  if (typeof normType !== 'number' || !(normType > 0))
    throw new ValueError('clipGradNorm', `normType must be a positive number or Infinity, got ${String(normType)}`);
  const grads = gradients('clipGradNorm', parameters);
  if (grads.length === 0) return 0;
  let total = 0;
  for (const [, g] of grads) {
    const data = g.toFloat64Array();
    if (normType === Infinity) {
      for (const v of data) total = Math.max(total, Math.abs(v));
    } else {
      // Σ over parameters of ‖gᵢ‖ₚᵖ equals ‖(‖g₁‖, …)‖ₚᵖ; p = 2 without Math.pow, the common case.
      if (normType === 2) for (const v of data) total += v * v;
      else for (const v of data) total += Math.pow(Math.abs(v), normType);
    }
  }
  if (normType !== Infinity) total = normType === 2 ? Math.sqrt(total) : Math.pow(total, 1 / normType);
  const coef = Math.min(maxNorm / (total + 1e-6), 1);
  for (const [p, g] of grads) {
    const data = g.toFloat64Array();
    for (let i = 0; i < data.length; i++) data[i] *= coef;
    p.grad = Tensor.fromData(data, g.shape);
  }
  return total;
}

/** Clamps every gradient element to [−clipValue, clipValue] (torch.nn.utils.clip_grad_value_). */
export function clipGradValue(parameters: Iterable<Parameter>, clipValue: number): void {
  if (typeof clipValue !== 'number' || !(clipValue >= 0))
    throw new ValueError('clipGradValue', `clipValue must be a non-negative number, got ${String(clipValue)}`);
  for (const [p, g] of gradients('clipGradValue', parameters)) {
    const data = g.toFloat64Array();
    for (let i = 0; i < data.length; i++) data[i] = Math.min(Math.max(data[i], -clipValue), clipValue);
    p.grad = Tensor.fromData(data, g.shape);
  }
}
