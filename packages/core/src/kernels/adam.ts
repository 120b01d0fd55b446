/**
 * The Adam update as a kernel: one parameter vector θ with its gradient and moment buffers,
 * updated in place, on the kernel path chosen in paths.ts. PyTorch's formula and order of
 * operations (θ ← θ·decay for AdamW; g ← ∇ + l2·θ for Adam's weight decay; m, v the moments;
 * AMSGrad keeps vMax): θ ← θ − (stepSize·m) / (√s / √(1 − β₂ᵗ) + ε), stepSize = lr / (1 − β₁ᵗ).
 *
 * The WebAssembly loop (assembly/adam.ts) runs the same IEEE operations two lanes at a time,
 * so both paths give bit-identical results. It wins despite copying θ, ∇, m, v in and θ, m, v
 * out, because the two divisions and the square root per value are what f64x2 halves: the
 * four tensors of a 784-128-10 MLP (101,770 values) took 0.40 ms a step through it against
 * 0.60–0.84 ms in a JavaScript loop and 0.96 ms on this file's JavaScript path (medians, quiet
 * 2-core Zen 4, Node 20); the seven copies were 0.12 ms of the 0.40. They are gone where θ, m, v
 * and the gradient are resident (resident.ts: parameters, optimizer state and a compiled step's
 * gradients are), which the kernel then updates and reads in place. Under 'auto' it runs from
 * ADAM_MIN values up; below that (a bias of 10) the call costs about what it saves.
 */
import type { Gradient } from './gradient-view.js';
import { kernelMode, kernels } from './paths.js';
import { adamWasm, type AdamScalars } from './wasm.js';

/** Under 'auto', vectors shorter than this are updated in JavaScript (the call and copies dominate). */
const ADAM_MIN = 128;

/** Options of one update: β₁, β₂, stepSize = lr/(1 − β₁ᵗ), sqrtC2 = √(1 − β₂ᵗ), ε, decay (AdamW's 1 − lr·λ, else 1), l2 (Adam's λ, else 0). */
export type AdamUpdate = AdamScalars;

/**
 * Updates θ, m, v (and vMax, for AMSGrad) in place from the gradient, a contiguous array or a
 * 2-D view read in θ's row-major order (see gradient-view.ts). All have θ's length; the caller
 * checks that.
 */
export function adamUpdate(theta: Float64Array, grad: Gradient, m: Float64Array, v: Float64Array, vMax: Float64Array | undefined, s: AdamUpdate): void {
  const path = kernels();
  if (path !== 'js' && (kernelMode() !== 'auto' || theta.length >= ADAM_MIN)) {
    if (adamWasm(theta, grad, m, v, vMax, s)) return;
  }
  if (grad instanceof Float64Array) {
    adamRows(theta, grad, 0, 1, 0, 1, theta.length, m, v, vMax, s);
    return;
  }
  adamRows(theta, grad.data, grad.offset, grad.rows, grad.rs, grad.cs, grad.cols, m, v, vMax, s);
}

/** The JavaScript loop over a rows × cols gradient view (a contiguous one is one row). */
function adamRows(
  theta: Float64Array,
  data: Float64Array,
  offset: number,
  rows: number,
  rs: number,
  cs: number,
  cols: number,
  m: Float64Array,
  v: Float64Array,
  vMax: Float64Array | undefined,
  s: AdamUpdate,
): void {
  const { b1, b2, stepSize, sqrtC2, eps, decay, l2 } = s;
  for (let i = 0; i < rows; i++) {
    let src = offset + i * rs;
    for (let j = i * cols; j < (i + 1) * cols; j++) {
      theta[j] *= decay;
      const g = data[src] + l2 * theta[j];
      src += cs;
      m[j] = b1 * m[j] + (1 - b1) * g;
      v[j] = b2 * v[j] + (1 - b2) * g * g;
      let t = v[j];
      if (vMax !== undefined) t = vMax[j] = Math.max(vMax[j], t);
      theta[j] -= (stepSize * m[j]) / (Math.sqrt(t) / sqrtC2 + eps);
    }
  }
}
