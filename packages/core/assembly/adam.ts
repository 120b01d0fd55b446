/**
 * One Adam (or AdamW, or AMSGrad) update of a parameter vector, two lanes at a time, in the
 * order of operations of PyTorch's update (and of the JavaScript loop in src/kernels/adam.ts):
 *   θ ← θ·decay;  g ← ∇ + l2·θ;  m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g·g;
 *   s ← v (AMSGrad: vMax ← max(vMax, v), s ← vMax);  θ ← θ − (stepSize·m) / (√s / √c₂ + ε)
 * Every lane runs the same IEEE operations as the scalar loop, so the results are bit for bit
 * the same as JavaScript's. vMax = 0 means no AMSGrad.
 */

// The scalars of the update in force, splat into both lanes by setScalars.
let b1 = 0.0;
let b2 = 0.0;
let stepSize = 0.0;
let sqrtC2 = 0.0;
let eps = 0.0;
let decay = 0.0;
let l2 = 0.0;
let B1 = f64x2.splat(0);
let B2 = f64x2.splat(0);
let C1 = f64x2.splat(0);
let C2 = f64x2.splat(0);
let S = f64x2.splat(0);
let Q = f64x2.splat(0);
let E = f64x2.splat(0);
let D = f64x2.splat(0);
let L = f64x2.splat(0);

function setScalars(b1_: f64, b2_: f64, stepSize_: f64, sqrtC2_: f64, eps_: f64, decay_: f64, l2_: f64): void {
  b1 = b1_;
  b2 = b2_;
  stepSize = stepSize_;
  sqrtC2 = sqrtC2_;
  eps = eps_;
  decay = decay_;
  l2 = l2_;
  B1 = f64x2.splat(b1);
  B2 = f64x2.splat(b2);
  C1 = f64x2.splat(1 - b1);
  C2 = f64x2.splat(1 - b2);
  S = f64x2.splat(stepSize);
  Q = f64x2.splat(sqrtC2);
  E = f64x2.splat(eps);
  D = f64x2.splat(decay);
  L = f64x2.splat(l2);
}

/** The update of θ[i], θ[i + 1] (byte offset i) from the gradient pair ∇. */
// @ts-ignore: decorator
@inline
function pair(theta: usize, grad: v128, m: usize, v: usize, vMax: usize, i: usize): void {
  const t = f64x2.mul(v128.load(theta + i), D);
  const g = f64x2.add(grad, f64x2.mul(L, t));
  const mi = f64x2.add(f64x2.mul(B1, v128.load(m + i)), f64x2.mul(C1, g));
  const vi = f64x2.add(f64x2.mul(B2, v128.load(v + i)), f64x2.mul(f64x2.mul(C2, g), g));
  v128.store(m + i, mi);
  v128.store(v + i, vi);
  let s = vi;
  if (vMax != 0) {
    s = f64x2.max(v128.load(vMax + i), vi);
    v128.store(vMax + i, s);
  }
  const denom = f64x2.add(f64x2.div(f64x2.sqrt(s), Q), E);
  v128.store(theta + i, f64x2.sub(t, f64x2.div(f64x2.mul(S, mi), denom)));
}

/** The update of θ[i] alone (byte offset i) from the gradient value ∇. */
function one(theta: usize, grad: f64, m: usize, v: usize, vMax: usize, i: usize): void {
  const t = load<f64>(theta + i) * decay;
  const g = grad + l2 * t;
  const mi = b1 * load<f64>(m + i) + (1 - b1) * g;
  const vi = b2 * load<f64>(v + i) + (1 - b2) * g * g;
  store<f64>(m + i, mi);
  store<f64>(v + i, vi);
  let s = vi;
  if (vMax != 0) {
    s = max(load<f64>(vMax + i), vi);
    store<f64>(vMax + i, s);
  }
  store<f64>(theta + i, t - (stepSize * mi) / (Math.sqrt(s) / sqrtC2 + eps));
}

/** The update of n values from byte addresses (θ, ∇, m, v, vMax; vMax = 0: no AMSGrad). */
function span(theta: usize, grad: usize, m: usize, v: usize, vMax: usize, n: i32): void {
  const pairs = <usize>(n >> 1) << 4;
  for (let i: usize = 0; i < pairs; i += 16) pair(theta, v128.load(grad + i), m, v, vMax, i);
  if (n & 1) one(theta, load<f64>(grad + pairs), m, v, vMax, pairs);
}

/**
 * The update of rows first … end − 1 of a rows × cols θ whose gradient is stored transposed:
 * ∇(i, j) at gradT[j·rows + i] (Linear's weight gradient, the transpose of xᵀȳ). 2×2 tiles from
 * row `first`: the columns j, j + 1 of rows i, i + 1 of ∇ are two pairs of gradT, swapped into
 * the pairs of θ's two rows by two shuffles, so the gradient is read once, in place, with no
 * transposing pass before the update.
 */
function transposedRows(theta: usize, gradT: usize, m: usize, v: usize, vMax: usize, rows: i32, cols: i32, first: i32, end: i32): void {
  const rowBytes = <usize>cols << 3;
  const colBytes = <usize>rows << 3;
  const evenEnd = first + ((end - first) & ~1);
  const evenCols = cols & ~1;
  for (let i = first; i < evenEnd; i += 2) {
    const r0 = <usize>i * rowBytes;
    const r1 = r0 + rowBytes;
    let gAt = gradT + (<usize>i << 3);
    for (let j = 0; j < evenCols; j += 2) {
      const a = v128.load(gAt); // ∇(i, j), ∇(i + 1, j)
      const b = v128.load(gAt + colBytes); // ∇(i, j + 1), ∇(i + 1, j + 1)
      const at = <usize>j << 3;
      pair(theta, v128.shuffle<f64>(a, b, 0, 2), m, v, vMax, r0 + at);
      pair(theta, v128.shuffle<f64>(a, b, 1, 3), m, v, vMax, r1 + at);
      gAt += colBytes << 1;
    }
    if (cols & 1) {
      const at = <usize>evenCols << 3;
      one(theta, load<f64>(gAt), m, v, vMax, r0 + at);
      one(theta, load<f64>(gAt + 8), m, v, vMax, r1 + at);
    }
  }
  if (evenEnd < end) {
    const r = <usize>evenEnd * rowBytes;
    for (let j = 0; j < cols; j++) one(theta, load<f64>(gradT + ((<usize>j * <usize>rows + <usize>evenEnd) << 3)), m, v, vMax, r + (<usize>j << 3));
  }
}

/** The update of n values, the gradient contiguous beside them. */
export function adam(
  theta: usize, grad: usize, m: usize, v: usize, vMax: usize, n: i32,
  b1_: f64, b2_: f64, stepSize_: f64, sqrtC2_: f64, eps_: f64, decay_: f64, l2_: f64,
): void {
  setScalars(b1_, b2_, stepSize_, sqrtC2_, eps_, decay_, l2_);
  span(theta, grad, m, v, vMax, n);
}

/** The update of a rows × cols θ whose gradient is stored transposed (see transposedRows). */
export function adamTransposed(
  theta: usize, gradT: usize, m: usize, v: usize, vMax: usize, rows: i32, cols: i32,
  b1_: f64, b2_: f64, stepSize_: f64, sqrtC2_: f64, eps_: f64, decay_: f64, l2_: f64,
): void {
  setScalars(b1_, b2_, stepSize_, sqrtC2_, eps_, decay_, l2_);
  transposedRows(theta, gradT, m, v, vMax, rows, cols, 0, rows);
}

/**
 * Units first … end − 1 of an update shared among threads (wasm.ts writes the task; the
 * thread pool hands out the units). The task at byte `task`: the 7 scalars of setScalars as
 * f64 (b1, b2, stepSize, sqrtC2, eps, decay, l2), then i32 words: θ, ∇, m, v, vMax (byte
 * addresses, vMax = 0: no AMSGrad), rows, cols, unit, transposed. A contiguous gradient
 * (transposed = 0): θ has rows·cols values and unit u is values u·unit … (u + 1)·unit − 1.
 * A transposed one: unit u is rows u·unit … (u + 1)·unit − 1 of θ (contiguous in θ, m, v).
 * Each value is updated by the same operations whichever thread takes its unit, and `unit` is
 * even, so every pair of lanes is the one-thread update's: the same bits for any sharing.
 */
export function adamUnits(task: usize, first: i32, end: i32): void {
  setScalars(load<f64>(task), load<f64>(task, 8), load<f64>(task, 16), load<f64>(task, 24), load<f64>(task, 32), load<f64>(task, 40), load<f64>(task, 48));
  const theta = <usize>load<i32>(task, 56);
  const grad = <usize>load<i32>(task, 60);
  const m = <usize>load<i32>(task, 64);
  const v = <usize>load<i32>(task, 68);
  const vMax = <usize>load<i32>(task, 72);
  const rows = load<i32>(task, 76);
  const cols = load<i32>(task, 80);
  const unit = load<i32>(task, 84);
  if (load<i32>(task, 88) != 0) {
    transposedRows(theta, grad, m, v, vMax, rows, cols, first * unit, min(rows, end * unit));
    return;
  }
  const n = rows * cols;
  const lo = first * unit;
  const at = <usize>lo << 3;
  span(theta + at, grad + at, m + at, v + at, vMax == 0 ? 0 : vMax + at, min(n, end * unit) - lo);
}
