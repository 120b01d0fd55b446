/**
 * The 784-128-10 MLP training step in jax-js, the way a jax-js user writes it: the loss as a
 * function of a parameter tree, `valueAndGrad` for the gradients and Adam (PyTorch's update,
 * lr 1e-3, β 0.9/0.999, ε 1e-8) written out, the whole step under `jit`, so jax-js fuses it
 * into its own WebAssembly kernels. Arrays follow jax-js's ownership rules (every argument is
 * consumed; `.ref` / `tree.ref` keep one alive).
 */
import type { Array as JaxArray } from '@jax-js/jax';
import { jax, np } from './_jax.js';

/** A type alias, not an interface, so that it is a jax-js tree (aliases have index signatures). */
type Params = {
  w1: JaxArray;
  b1: JaxArray;
  w2: JaxArray;
  b2: JaxArray;
};

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPS = 1e-8;

/** Mean cross-entropy of the MLP on a batch; y is one-hot [batch, 10]. */
function loss(p: Params, x: JaxArray, y: JaxArray): JaxArray {
  const h = jax.nn.relu(np.matmul(x, np.transpose(p.w1)).add(p.b1)); // [batch, 128]
  const logits = np.matmul(h, np.transpose(p.w2)).add(p.b2); // [batch, 10]
  return np.mean(np.sum(y.mul(jax.nn.logSoftmax(logits, -1)), -1)).mul(-1);
}

/**
 * One Adam step. lrHat = lr/(1 − β₁ᵗ) and vHat = 1/(1 − β₂ᵗ) come in as arrays, so the step
 * count changes no traced constant and the jitted function compiles once.
 */
const adamStep = jax.jit((p: Params, m: Params, v: Params, x: JaxArray, y: JaxArray, lrHat: JaxArray, vHat: JaxArray) => {
  const [value, g] = jax.valueAndGrad(loss)(jax.tree.ref(p), x, y);
  const m2 = jax.tree.map((mi: JaxArray, gi: JaxArray) => mi.mul(BETA1).add(gi.mul(1 - BETA1)), m, jax.tree.ref(g)) as Params;
  const v2 = jax.tree.map((vi: JaxArray, gi: JaxArray) => vi.mul(BETA2).add(gi.ref.mul(gi).mul(1 - BETA2)), v, g) as Params;
  const keys = ['w1', 'b1', 'w2', 'b2'] as const;
  const p2 = {} as Params;
  for (const key of keys) {
    const denom = np.sqrt(v2[key].ref.mul(vHat.ref)).add(EPS);
    p2[key] = p[key].sub(m2[key].ref.mul(lrHat.ref).div(denom));
  }
  lrHat.dispose();
  vHat.dispose();
  return [value, p2, m2, v2] as [JaxArray, Params, Params, Params];
});

/** A trainer in f32 or f64 from the given initial weights and batches (labels as class indices). */
export function jaxMlp(
  dtype: 'float32' | 'float64',
  init: { w1: Float64Array; b1: Float64Array; w2: Float64Array; b2: Float64Array },
  batches: { x: Float64Array; labels: Float64Array; batch: number }[],
  lr: number,
): { step(i: number): number; dispose(): void } {
  const dt = dtype === 'float32' ? np.float32 : np.float64;
  const arr = (data: Float64Array, shape: number[]) => np.array(Float32Array.from(data)).reshape(shape).astype(dt);
  let p: Params = { w1: arr(init.w1, [128, 784]), b1: arr(init.b1, [128]), w2: arr(init.w2, [10, 128]), b2: arr(init.b2, [10]) };
  let m = jax.tree.map((a: JaxArray) => np.zerosLike(a), jax.tree.ref(p)) as Params;
  let v = jax.tree.map((a: JaxArray) => np.zerosLike(a), jax.tree.ref(p)) as Params;
  const data = batches.map(({ x, labels, batch }) => {
    const oneHot = new Float64Array(batch * 10);
    labels.forEach((c, r) => (oneHot[r * 10 + c] = 1));
    return { x: arr(x, [batch, 784]), y: arr(oneHot, [batch, 10]) };
  });
  let t = 0;
  return {
    step(i) {
      t++;
      const { x, y } = data[i % data.length];
      const lrHat = np
        .array([lr / (1 - BETA1 ** t)])
        .astype(dt)
        .reshape([]);
      const vHat = np
        .array([1 / (1 - BETA2 ** t)])
        .astype(dt)
        .reshape([]);
      const [value, p2, m2, v2] = adamStep(p, m, v, x.ref, y.ref, lrHat, vHat);
      [p, m, v] = [p2, m2, v2];
      return (value.dataSync() as Float32Array | Float64Array)[0];
    },
    dispose() {
      jax.tree.dispose(p);
      jax.tree.dispose(m);
      jax.tree.dispose(v);
      for (const d of data) jax.tree.dispose([d.x, d.y]);
    },
  };
}
