/**
 * The Adam update as a kernel: one parameter vector θ with its gradient and moment buffers,
 * updated in place, on the kernel path chosen in paths.ts. PyTorch's formula and order of
 * operations (θ ← θ·decay for AdamW; g ← ∇ + l2·θ for Adam's weight decay; m, v the moments;
 * AMSGrad keeps vMax): θ ← θ − (stepSize·m) / (√s / √(1 − β₂ᵗ) + ε), stepSize = lr / (1 − β₁ᵗ).
 *
 * The WebAssembly loop (assembly/adam.ts) runs the same IEEE operations two lanes at a time,
 * so both paths give bit-identical results. It wins despite copying θ, ∇, m, v in and θ, m, v
 * out, because the two divisions and the square root per value are what f64x2 halves. Per
 * call, JavaScript / WebAssembly (Node 20, 2-core Zen, heavily loaded machine): 128 values
 * 4.6 / 2.3 µs, 1024 values 34 / 12 µs, 4096 values 182 / 47 µs, a 784×128 weight (100,352
 * values) 3.8 / 1.4 ms (1.03 / 0.55 ms on a quieter run). Under 'auto' it runs from ADAM_MIN
 * values up; below that (a bias of 10) the call costs about what it saves.
 */
import { kernelMode, kernels } from './paths.js';
import { adamWasm, type AdamScalars } from './wasm.js';

/** Under 'auto', vectors shorter than this are updated in JavaScript (the call and copies dominate). */
const ADAM_MIN = 128;

/** Options of one update: β₁, β₂, stepSize = lr/(1 − β₁ᵗ), sqrtC2 = √(1 − β₂ᵗ), ε, decay (AdamW's 1 − lr·λ, else 1), l2 (Adam's λ, else 0). */
export type AdamUpdate = AdamScalars;

/**
 * Updates θ, m, v (and vMax, for AMSGrad) in place from the gradient. All arrays have θ's
 * length; the caller checks that.
 */
export function adamUpdate(theta: Float64Array, grad: Float64Array, m: Float64Array, v: Float64Array, vMax: Float64Array | undefined, s: AdamUpdate): void {
  const path = kernels();
  if (path !== 'js' && (kernelMode() !== 'auto' || theta.length >= ADAM_MIN)) {
    if (adamWasm(theta, grad, m, v, vMax, s)) return;
  }
  const { b1, b2, stepSize, sqrtC2, eps, decay, l2 } = s;
  for (let j = 0; j < theta.length; j++) {
    theta[j] *= decay;
    const g = grad[j] + l2 * theta[j];
    m[j] = b1 * m[j] + (1 - b1) * g;
    v[j] = b2 * v[j] + (1 - b2) * g * g;
    let t = v[j];
    if (vMax !== undefined) t = vMax[j] = Math.max(vMax[j], t);
    theta[j] -= (stepSize * m[j]) / (Math.sqrt(t) / sqrtC2 + eps);
  }
}
