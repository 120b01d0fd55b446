/**
 * One Adam (or AdamW, or AMSGrad) update of a parameter vector, two lanes at a time, in the
 * order of operations of PyTorch's update (and of the JavaScript loop in src/kernels/adam.ts):
 *   θ ← θ·decay;  g ← ∇ + l2·θ;  m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g·g;
 *   s ← v (AMSGrad: vMax ← max(vMax, v), s ← vMax);  θ ← θ − (stepSize·m) / (√s / √c₂ + ε)
 * Every lane runs the same IEEE operations as the scalar loop, so the results are bit for bit
 * the same as JavaScript's. vMax = 0 means no AMSGrad.
 */
export function adam(
  theta: usize, grad: usize, m: usize, v: usize, vMax: usize, n: i32,
  b1: f64, b2: f64, stepSize: f64, sqrtC2: f64, eps: f64, decay: f64, l2: f64,
): void {
  const B1 = f64x2.splat(b1);
  const B2 = f64x2.splat(b2);
  const C1 = f64x2.splat(1 - b1);
  const C2 = f64x2.splat(1 - b2);
  const S = f64x2.splat(stepSize);
  const Q = f64x2.splat(sqrtC2);
  const E = f64x2.splat(eps);
  const D = f64x2.splat(decay);
  const L = f64x2.splat(l2);
  const pairs = <usize>(n >> 1) << 4;
  for (let i: usize = 0; i < pairs; i += 16) {
    const t = f64x2.mul(v128.load(theta + i), D);
    const g = f64x2.add(v128.load(grad + i), f64x2.mul(L, t));
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
  if (n & 1) {
    const i = pairs;
    const t = load<f64>(theta + i) * decay;
    const g = load<f64>(grad + i) + l2 * t;
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
}
