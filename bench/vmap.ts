/**
 * `pnpm bench vmap`: per-example gradients of the 784-128-10 MLP (ReLU, cross-entropy) over a
 * batch of 64, side by side in one process, interleaved rounds, medians:
 *   - @ad: one batched `grad` of the mean loss (the reference cost), `vmap(grad(loss))` with the
 *     parameters shared (inAxes [null, 0, 0]), the same under `jit`, and a loop of 64 `grad` calls;
 *   - jax-js (`@jax-js/jax`, WebAssembly backend): `jit(vmap(grad(loss)))` and `jit(grad(mean loss))`
 *     in float32 and float64, the same function written as a jax-js user writes it.
 * Every per-example gradient is checked against the loop before timing (and jax-js's against ours).
 * Issue 25's targets: vmap(grad) ≤ 2× the batched grad, ≥ 10× faster than the loop.
 */
import { type Tensor, manualSeed, randn, stack, tensor, zeros } from '@ad/core';
import { anyOps as o } from '@ad/core/engine';
import { jit } from '@ad/jit';
import { grad } from '@ad/reverse';
import { vmap } from '@ad/vmap';
import type { Array as JaxArray } from '@jax-js/jax';
import { loadavg } from 'node:os';
import { jax, np } from './_jax.js';
import { printTable } from './_timing.js';

const B = 64;
const ROUNDS = Number(process.env.ROUNDS ?? 7);

manualSeed(25);
const params = { w1: randn([128, 784], { std: 0.05 }), b1: zeros([128]), w2: randn([10, 128], { std: 0.1 }), b2: zeros([10]) };
type P = typeof params;
const xs = randn([B, 784]);
const targets = tensor(Array.from({ length: B }, (_, i) => Array.from({ length: 10 }, (_, j) => (j === (i * 7) % 10 ? 1 : 0))));

/** logits = relu(x·W₁ᵀ + b₁)·W₂ᵀ + b₂, for one example x [784] or a batch [B, 784]. */
const logits = (p: P, x: Tensor) => o.add(o.matmul(o.relu(o.add(o.matmul(x, o.transpose(p.w1)), p.b1)), o.transpose(p.w2)), p.b2);
/** One example's cross-entropy against a one-hot target. */
const loss = (p: P, x: Tensor, t: Tensor) => o.neg(o.sum(o.mul(t, o.logSoftmax(logits(p, x), -1)))) as Tensor;
/** The batch's mean cross-entropy. */
const meanLoss = (p: P, x: Tensor, t: Tensor) => o.neg(o.mean(o.sum(o.mul(t, o.logSoftmax(logits(p, x), -1)), -1))) as Tensor;

const batchedGrad = grad(meanLoss);
const perExample = vmap(grad(loss), { inAxes: [null, 0, 0] });
const perExampleJit = jit(perExample);
const oneGrad = grad(loss);
const loop = () => Array.from({ length: B }, (_, i) => oneGrad(params, xs.slice(i), targets.slice(i)));

// Every way gives the same per-example gradients.
const looped = loop();
const keys = ['w1', 'b1', 'w2', 'b2'] as const;
const reference = Object.fromEntries(keys.map((k) => [k, stack(looped.map((g) => g[k] as Tensor))])) as P;
function maxGap(got: P): number {
  let gap = 0;
  for (const k of keys) {
    const a = (got[k] as Tensor).toFloat64Array();
    const b = reference[k].toFloat64Array();
    a.forEach((v, i) => (gap = Math.max(gap, Math.abs(v - b[i]) / (1 + Math.abs(b[i])))));
  }
  return gap;
}
for (const [name, got] of [
  ['vmap(grad)', perExample(params, xs, targets)],
  ['jit(vmap(grad))', perExampleJit(params, xs, targets)],
] as const) {
  const gap = maxGap(got as unknown as P);
  if (!(gap < 1e-12)) throw new Error(`${name} differs from the loop of grad by ${gap}`);
}

// jax-js: the same functions, as a jax-js user writes them.
type JP = { w1: JaxArray; b1: JaxArray; w2: JaxArray; b2: JaxArray };
const jaxLogits = (p: JP, x: JaxArray) => np.matmul(jax.nn.relu(np.matmul(x, np.transpose(p.w1)).add(p.b1)), np.transpose(p.w2)).add(p.b2);
const jaxLoss = (p: JP, x: JaxArray, t: JaxArray) => np.sum(t.mul(jax.nn.logSoftmax(jaxLogits(p, x), -1))).mul(-1);
const jaxMean = (p: JP, x: JaxArray, t: JaxArray) => np.mean(np.sum(t.mul(jax.nn.logSoftmax(jaxLogits(p, x), -1)), -1)).mul(-1);
function jaxRunners(dtype: 'float32' | 'float64') {
  const dt = dtype === 'float32' ? np.float32 : np.float64;
  const arr = (x: Tensor) =>
    np
      .array(Float32Array.from(x.toFloat64Array()))
      .reshape([...x.shape])
      .astype(dt);
  const p: JP = { w1: arr(params.w1), b1: arr(params.b1), w2: arr(params.w2), b2: arr(params.b2) };
  const x = arr(xs);
  const t = arr(targets);
  const per = jax.jit(jax.vmap(jax.grad(jaxLoss), [null, 0, 0]));
  const batched = jax.jit(jax.grad(jaxMean));
  const run = (f: (p: JP, x: JaxArray, t: JaxArray) => JP) => () => {
    const g = f(jax.tree.ref(p), x.ref, t.ref);
    const w1 = g.w1.ref.dataSync();
    jax.tree.dispose(g);
    return w1;
  };
  return { perExample: run(per), batched: run(batched), w1: run(per) };
}
const jaxRows: [string, () => unknown][] = [];
let jaxNote = '';
try {
  for (const dtype of ['float32', 'float64'] as const) {
    const r = jaxRunners(dtype);
    // Per-example ∂/∂W₁ against ours (float32 to its precision).
    const w1 = r.w1() as Float32Array | Float64Array;
    const want = reference.w1.toFloat64Array();
    let gap = 0;
    w1.forEach((v, i) => (gap = Math.max(gap, Math.abs(v - want[i]) / (1 + Math.abs(want[i])))));
    // jax-js takes the inputs rounded to float32 (as bench/_jax-mlp.ts gives them), so float64 agrees to that rounding.
    if (!(gap < (dtype === 'float32' ? 1e-4 : 1e-6))) throw new Error(`jax-js ${dtype} per-example gradients differ from ours by ${gap}`);
    jaxRows.push([`jax-js jit(vmap(grad)) ${dtype}`, r.perExample], [`jax-js jit(grad(mean)) ${dtype}`, r.batched]);
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

/** Seconds per call: enough calls to fill ~0.2 s. */
function timeOnce(fn: () => unknown): number {
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    const dt = (performance.now() - t0) / 1000;
    if (dt >= 0.2) return dt / reps;
    reps *= 2;
  }
}

for (const [, fn] of rows) fn();
const samples = rows.map(() => [] as number[]);
for (let r = 0; r < ROUNDS; r++) rows.forEach(([, fn], i) => samples[i].push(timeOnce(fn)));
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const med = samples.map(median);
const ms = (s: number) => (s * 1e3).toFixed(2);
console.log(`per-example gradients, 784-128-10 MLP, batch ${B}; medians of ${ROUNDS} interleaved rounds; load average ${loadavg()[0].toFixed(2)}`);
printTable(
  ['', 'ms per call', '÷ @ad batched grad'],
  rows.map(([name], i) => [name, ms(med[i]), (med[i] / med[0]).toFixed(2)]),
);
const [batched, vmapped, jitted, looping] = med;
console.log(`vmap(grad) ÷ batched grad: ${(vmapped / batched).toFixed(2)} (jit: ${(jitted / batched).toFixed(2)}; target ≤ 2)`);
console.log(`loop of grad ÷ vmap(grad): ${(looping / vmapped).toFixed(1)} (jit: ${(looping / jitted).toFixed(1)}; target ≥ 10)`);
if (jaxNote !== '') console.log(jaxNote);
