/**
 * Steady-state times of gmm's and kmeans's jitted functions at the evals' default sizes: the
 * primal and the derivative called alternately in one process, best of 5–400 calls each, so on a
 * loaded machine both sides of each ratio see the same conditions (the harness's means do not).
 * The inputs are random with the evals' shapes (the times do not depend on the values).
 *
 *   npx tsx bench/gradbench/scripts/steady.ts gmm|kmeans [d_k | k_n_d]
 *
 * Prints one line per input: input, primal ms, derivative ms, ratio.
 */
import { type Tensor, arange, fromData, ones, rand, randn } from '@ad/core';
import { jit } from '@ad/jit';
import { grad, type TensorVar } from '@ad/reverse';
import { type Params, logPosterior, problem } from '../src/gmm.js';
import { cost, direction } from '../src/kmeans.js';
const which = process.argv[2];
const only = process.argv[3];
function interleave(f: () => unknown, g: () => unknown, budgetMs: number): [number, number] {
  let bf = Infinity,
    bg = Infinity,
    spent = 0,
    rounds = 0;
  while (rounds < 5 || (spent < budgetMs && rounds < 400)) {
    let t = performance.now();
    f();
    const a = performance.now() - t;
    t = performance.now();
    g();
    const b = performance.now() - t;
    bf = Math.min(bf, a);
    bg = Math.min(bg, b);
    spent += a + b;
    rounds++;
  }
  return [bf, bg];
}
if (which === 'gmm') {
  const combos: [number, number][] = [];
  for (const d of [2, 10, 20, 32, 64]) for (const k of [5, 10, 25, 50, 100]) combos.push([d, k]);
  combos.sort((a, b) => a[0] * a[1] - b[0] * b[1]);
  for (const [d, k] of combos) {
    if (only && only !== `${d}_${k}`) continue;
    const n = 1000;
    const p = problem(d, k, n, randn([n, d], { seed: 1 }).toArray() as number[][], 0, 1);
    const params = {
      alpha: randn([k], { seed: 2 }).mul(0.5),
      mu: randn([k, d], { seed: 3 }).mul(0.5),
      q: randn([k, d], { seed: 4 }).mul(0.5),
      l: randn([k, (d * (d - 1)) / 2], { seed: 5 }).mul(0.5),
    };
    const f = jit((t: Params<Tensor>) => logPosterior(p, t));
    const g = jit(grad((t: Params<TensorVar>) => logPosterior(p, t)));
    const [o, j] = interleave(
      () => f(params),
      () => g(params),
      4000,
    );
    console.log(`${d}_${k}_${n}\t${o.toFixed(3)}\t${j.toFixed(3)}\t${(j / o).toFixed(2)}`);
  }
} else {
  const combos: [number, number, number][] = [];
  for (const k of [10, 100, 1000]) for (const n of [1000, 10000]) for (const d of [8, 16]) combos.push([k, n, d]);
  combos.sort((a, b) => a[0] * a[1] * a[2] - b[0] * b[1] * b[2]);
  for (const [k, n, d] of combos) {
    if (only && only !== `${k}_${n}_${d}`) continue;
    const P = rand([n, d], { seed: 1 });
    const C = fromData(P.toFloat64Array().slice((n - k) * d), [k, d]);
    const fc = jit(cost);
    const fd = jit(direction);
    const co = arange(d);
    const seed = ones([k, d]);
    const [o, j] = interleave(
      () => fc(P, C),
      () => fd(P, C, co, seed),
      4000,
    );
    console.log(`k=${k},n=${n},d=${d}\t${o.toFixed(3)}\t${j.toFixed(3)}\t${(j / o).toFixed(2)}`);
  }
}
