/**
 * `pnpm bench vmap`: per-example gradients of an MLP (ReLU, cross-entropy) over a batch of 64,
 * side by side in one process, interleaved rounds, medians:
 *   - @ad: one batched `grad` of the mean loss (the reference cost), `vmap(grad(loss))` with the
 *     parameters shared (inAxes [null, 0, 0]), the same under `jit`, and a loop of 64 `grad` calls;
 *   - jax-js (`@jax-js/jax`, WebAssembly backend): `jit(vmap(grad(loss)))` and `jit(grad(mean loss))`
 *     in float32 and float64, the same function written as a jax-js user writes it.
 * Two networks: issue 25's 784-128-10 (101,770 parameters, so 6.5 M per-example gradient
 * entries — 52 MB of results per call, whichever way they are computed), and a 16-32-4 one,
 * where the results are small and what a loop pays per call shows. Every per-example gradient
 * is checked against the loop before timing (and jax-js's against ours).
 */
import { type Tensor, manualSeed, randn, stack, tensor, zeros } from '@ad/core';
import { anyOps as o } from '@ad/core/engine';
import { jit } from '@ad/jit';
import { grad } from '@ad/reverse';
import { vmap } from '@ad/vmap';
import type { Array as JaxArray } from '@jax-js/jax';
import { loadavg } from 'node:os';
import { jax, np } from './_jax.js';
import { printTable, timeOnce } from './_timing.js';

const B = 64;
const ROUNDS = Number(process.env.ROUNDS ?? 7);

type P = { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor };
const keys = ['w1', 'b1', 'w2', 'b2'] as const;

/** logits = relu(x·W₁ᵀ + b₁)·W₂ᵀ + b₂, for one example x [in] or a batch [B, in]. */
const logits = (p: P, x: Tensor) => o.add(o.matmul(o.relu(o.add(o.matmul(x, o.transpose(p.w1)), p.b1)), o.transpose(p.w2)), p.b2);
/** One example's cross-entropy against a one-hot target. */
const loss = (p: P, x: Tensor, t: Tensor) => o.neg(o.sum(o.mul(t, o.logSoftmax(logits(p, x), -1)))) as Tensor;
/** The batch's mean cross-entropy. */
const meanLoss = (p: P, x: Tensor, t: Tensor) => o.neg(o.mean(o.sum(o.mul(t, o.logSoftmax(logits(p, x), -1)), -1))) as Tensor;

type JP = { w1: JaxArray; b1: JaxArray; w2: JaxArray; b2: JaxArray };
const jaxLogits = (p: JP, x: JaxArray) => np.matmul(jax.nn.relu(np.matmul(x, np.transpose(p.w1)).add(p.b1)), np.transpose(p.w2)).add(p.b2);
const jaxLoss = (p: JP, x: JaxArray, t: JaxArray) => np.sum(t.mul(jax.nn.logSoftmax(jaxLogits(p, x), -1))).mul(-1);
const jaxMean = (p: JP, x: JaxArray, t: JaxArray) => np.mean(np.sum(t.mul(jax.nn.logSoftmax(jaxLogits(p, x), -1)), -1)).mul(-1);

/** Largest gap between two per-example gradients, relative to 1 + |entry|. */
function gap(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let g = 0;
  for (let i = 0; i < b.length; i++) g = Math.max(g, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return g;
}

function measure(inputs: number, hidden: number, classes: number): void {
  manualSeed(25);
  const params: P = {
    w1: randn([hidden, inputs], { std: 1 / Math.sqrt(inputs) }),
    b1: zeros([hidden]),
    w2: randn([classes, hidden], { std: 1 / Math.sqrt(hidden) }),
    b2: zeros([classes]),
  };
  const xs = randn([B, inputs]);
  const targets = tensor(Array.from({ length: B }, (_, i) => Array.from({ length: classes }, (_, j) => (j === (i * 7) % classes ? 1 : 0))));

  const batchedGrad = grad(meanLoss);
  const perExample = vmap(grad(loss), { inAxes: [null, 0, 0] });
  const perExampleJit = jit(perExample);
  const oneGrad = grad(loss);
  const loop = () => Array.from({ length: B }, (_, i) => oneGrad(params, xs.slice(i), targets.slice(i)));

  // Every way gives the same per-example gradients.
  const looped = loop();
  const reference = Object.fromEntries(keys.map((k) => [k, stack(looped.map((g) => g[k] as Tensor))])) as P;
  for (const [name, got] of [
    ['vmap(grad)', perExample(params, xs, targets)],
    ['jit(vmap(grad))', perExampleJit(params, xs, targets)],
  ] as const) {
    const worst = Math.max(...keys.map((k) => gap((got[k] as unknown as Tensor).toFloat64Array(), reference[k].toFloat64Array())));
    if (!(worst < 1e-12)) throw new Error(`${name} differs from the loop of grad by ${worst}`);
  }

  const jaxRows: [string, () => unknown][] = [];
  let jaxNote = '';
  try {
    for (const dtype of ['float32', 'float64'] as const) {
      const dt = dtype === 'float32' ? np.float32 : np.float64;
      // jax-js takes the inputs rounded to float32 (as bench/_jax-mlp.ts gives them).
      const arr = (x: Tensor) =>
        np
          .array(Float32Array.from(x.toFloat64Array()))
          .reshape([...x.shape])
          .astype(dt);
      const p: JP = { w1: arr(params.w1), b1: arr(params.b1), w2: arr(params.w2), b2: arr(params.b2) };
      const x = arr(xs);
      const t = arr(targets);
      const run = (f: (p: JP, x: JaxArray, t: JaxArray) => JP) => () => {
        const g = f(jax.tree.ref(p), x.ref, t.ref);
        const w1 = g.w1.ref.dataSync();
        jax.tree.dispose(g);
        return w1;
      };
      const per = run(jax.jit(jax.vmap(jax.grad(jaxLoss), [null, 0, 0])));
      const worst = gap(per() as Float32Array | Float64Array, reference.w1.toFloat64Array());
      if (!(worst < (dtype === 'float32' ? 1e-4 : 1e-6))) throw new Error(`jax-js ${dtype} per-example gradients differ from ours by ${worst}`);
      jaxRows.push([`jax-js jit(vmap(grad)) ${dtype}`, per], [`jax-js jit(grad(mean loss)) ${dtype}`, run(jax.jit(jax.grad(jaxMean)))]);
    }
  } catch (e) {
    jaxNote = `jax-js could not run the same function: ${e instanceof Error ? e.message : String(e)}`;
  }

  const rows: [string, () => unknown][] = [
    ['@ad grad(mean loss), batched', () => batchedGrad(params, xs, targets)],
    ['@ad vmap(grad(loss))', () => perExample(params, xs, targets)],
    ['@ad jit(vmap(grad(loss)))', () => perExampleJit(params, xs, targets)],
    ['@ad loop of 64 grad(loss)', loop],
    ...jaxRows,
  ];
  for (const [, fn] of rows) fn();
  const samples = rows.map(() => [] as number[]);
  for (let r = 0; r < ROUNDS; r++) rows.forEach(([, fn], i) => samples[i].push(timeOnce(fn)));
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  const med = samples.map(median);
  const ms = (s: number) => (s * 1e3).toFixed(s < 1e-3 ? 3 : 2);
  const count = keys.reduce((n, k) => n + params[k].size, 0);
  console.log(
    `\n${inputs}-${hidden}-${classes} MLP (${count.toLocaleString('en')} parameters), batch ${B}: per-example gradients; medians of ${ROUNDS} interleaved rounds; load average ${loadavg()[0].toFixed(2)}`,
  );
  printTable(
    ['', 'ms per call', '÷ @ad batched grad'],
    rows.map(([name], i) => [name, ms(med[i]), (med[i] / med[0]).toFixed(2)]),
  );
  const [batched, vmapped, jitted, looping] = med;
  console.log(`vmap(grad) ÷ batched grad: ${(vmapped / batched).toFixed(2)} (jit: ${(jitted / batched).toFixed(2)}; issue 25's target ≤ 2)`);
  console.log(`loop of grad ÷ vmap(grad): ${(looping / vmapped).toFixed(1)} (jit: ${(looping / jitted).toFixed(1)}; issue 25's target ≥ 10)`);
  if (jaxNote !== '') console.log(jaxNote);
}

measure(784, 128, 10);
measure(16, 32, 4);
