/**
 * `pnpm bench jit`: what source transformation buys. Per row, in one process: the plain
 * function, a gradient written by hand, eager `grad`, `jit(grad)` and jax-js's `jit(grad)`
 * (@jax-js/jax on its Wasm backend, float64), for Rosenbrock n = 10, 100, 1000,
 * f(x, y) = (x + y)(x − y), a 50-term Ackley and a 2-16-1 MLP loss; then a whole training step
 * (loss, gradient, SGD update) jitted against eager.
 *
 * Targets (issue 14): jit(grad(f)) ≤ 5× the plain function on Rosenbrock-100 and f(x, y);
 * ≥ 10× faster than jax-js jit(grad) on Rosenbrock-100; a jitted 2-16-1 training step ≥ 3×
 * faster than eager. Every figure is the best of 3 trials after a warm-up, every result consumed;
 * the load average is printed, since wall-clock figures drop on a busy machine.
 */
import { type Tensor, randn, tensor } from '@ad/core';
import { grad, valueAndGrad, type TensorVar, type Var } from '@ad/reverse';
import { jit } from '@ad/jit';
import { cpus, loadavg } from 'node:os';
import { printTable } from './_timing.js';

import { jax, np } from './_jax.js';
type JaxArray = InstanceType<typeof jax.Array>;

let sink = 0;
/** Every timed loop's sum of results, kept so that no result is dead code. */
const sums: number[] = [];

/**
 * Seconds per call of f(...args): best of 3 trials after a warm-up, each ≥ 0.2 s. The loop is
 * compiled fresh for each measurement with the call written in it: a loop shared by every row
 * (as _timing.ts's, or one closure literal reused per row) sees many functions, its call becomes
 * megamorphic and costs ~10–100 ns itself — more than the nanosecond rows measure. With its own
 * call site, V8 may inline f, as at a user's call site. `read` consumes the result r.
 */
let measurements = 0;
function timeCall(f: (...args: never[]) => unknown, args: readonly unknown[], read: string): number {
  const params = args.map((_, i) => `a${i}`);
  // The source differs per measurement: V8 caches compiled sources, and an identical loop would
  // share its call-site feedback with every other measurement's.
  const loop = new Function(
    'sink',
    'f',
    ...params,
    'reps',
    `// measurement ${measurements++}\nlet s = 0; const t0 = performance.now(); for (let i = 0; i < reps; i++) { const r = f(${params.join(', ')}); s += ${read}; } const dt = (performance.now() - t0) / 1000; sink.push(s); return dt;`,
  ) as (...a: unknown[]) => number;
  const run = (reps: number) => loop(sums, f, ...args, reps);
  run(3);
  let reps = 1;
  while (run(reps) < 0.05) reps *= 4;
  reps = Math.ceil(reps * (0.2 / Math.max(run(reps), 1e-9)));
  let best = Infinity;
  for (let t = 0; t < 3; t++) best = Math.min(best, run(reps) / reps);
  return best;
}

/** jax-js calls (tens of µs each) in a closure: the call overhead is noise there. */
function timePerCall(fn: () => void): number {
  return timeCall(fn, [], '0');
}
const us = (s: number) => (s < 1e-6 ? `${(s * 1e9).toFixed(1)} ns` : `${(s * 1e6).toFixed(2)} µs`);
const times = (a: number, b: number) => `${(a / b).toFixed(1)}×`;
const mark = (ok: boolean) => (ok ? '✓' : '✗');

// ---------------------------------------------------------------- the functions

/** Rosenbrock Σ 100 (xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)² on plain numbers. */
function rosenPlain(x: readonly number[]): number {
  let s = 0;
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i + 1] - x[i] * x[i];
    const b = 1 - x[i];
    s += 100 * a * a + b * b;
  }
  return s;
}

/** Its gradient by hand. */
function rosenGradHand(x: readonly number[]): number[] {
  const g = new Array<number>(x.length).fill(0);
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i + 1] - x[i] * x[i];
    g[i] += -400 * a * x[i] - 2 * (1 - x[i]);
    g[i + 1] += 200 * a;
  }
  return g;
}

/** The same with @ad's scalar methods (any mode). */
function rosen(xs: Var[]): Var {
  let s: Var | number = 0;
  for (let i = 0; i + 1 < xs.length; i++) {
    const a = xs[i + 1].sub(xs[i].square());
    const b = xs[i].neg().add(1);
    s = a.square().mul(100).add(b.square()).add(s);
  }
  return s as Var;
}

function rosenJax(n: number) {
  return (x: JaxArray) => {
    const a = x.ref.slice([1, n]);
    const b = x.slice([0, n - 1]);
    const t = a.sub(b.ref.mul(b.ref));
    return t.ref
      .mul(t)
      .mul(100)
      .add(np.square(np.subtract(1, b)))
      .sum();
  };
}

const fxyPlain = (v: readonly number[]) => (v[0] + v[1]) * (v[0] - v[1]);
const fxyGradHand = (v: readonly number[]) => [2 * v[0], -2 * v[1]];
const fxy = ([x, y]: Var[]) => x.add(y).mul(x.sub(y));
const fxyJax = (v: JaxArray) => {
  const x = v.ref.slice([0, 1]);
  const y = v.slice([1, 2]);
  return x.ref.add(y.ref).mul(x.sub(y)).sum();
};

/** Ackley with n terms: −20 exp(−0.2 √(Σx²/n)) − exp(Σ cos(2πx)/n) + 20 + e. */
function ackleyPlain(x: readonly number[]): number {
  let s2 = 0;
  let sc = 0;
  for (const v of x) {
    s2 += v * v;
    sc += Math.cos(2 * Math.PI * v);
  }
  const n = x.length;
  return -20 * Math.exp(-0.2 * Math.sqrt(s2 / n)) - Math.exp(sc / n) + 20 + Math.E;
}

function ackleyGradHand(x: readonly number[]): number[] {
  const n = x.length;
  let s2 = 0;
  let sc = 0;
  for (const v of x) {
    s2 += v * v;
    sc += Math.cos(2 * Math.PI * v);
  }
  const r = Math.sqrt(s2 / n);
  const e1 = Math.exp(-0.2 * r);
  const e2 = Math.exp(sc / n);
  return x.map((v) => (r === 0 ? 0 : (4 * e1 * v) / (n * r)) + (2 * Math.PI * e2 * Math.sin(2 * Math.PI * v)) / n);
}

function ackley(xs: Var[]): Var {
  const n = xs.length;
  let s2: Var | number = 0;
  let sc: Var | number = 0;
  for (const v of xs) {
    s2 = v.square().add(s2);
    sc = v
      .mul(2 * Math.PI)
      .cos()
      .add(sc);
  }
  const a = (s2 as Var).div(n).sqrt().mul(-0.2).exp().mul(-20);
  return a.sub((sc as Var).div(n).exp()).add(20 + Math.E);
}

function ackleyJax(n: number) {
  return (x: JaxArray) => {
    const r = np.sqrt(x.ref.mul(x.ref).sum().div(n));
    const c = np
      .cos(x.mul(2 * Math.PI))
      .sum()
      .div(n);
    return np
      .exp(r.mul(-0.2))
      .mul(-20)
      .sub(np.exp(c))
      .add(20 + Math.E);
  };
}

// ---------------------------------------------------------------- a 2-16-1 MLP

const HIDDEN = 16;
const BATCH = 32;
const PARAMS = 2 * HIDDEN + HIDDEN + HIDDEN + 1;
const xData = randn([BATCH, 2], { seed: 7 });
const yData = tensor(Array.from({ length: BATCH }, (_, i) => [xData.get(i, 0) * xData.get(i, 1) > 0 ? 1 : 0]));
const theta0 = randn([PARAMS], { seed: 8 }).mul(0.5);

/** Mean squared error of sigmoid(tanh(x W1ᵀ + b1) W2ᵀ + b2) on the batch; θ = [W1, b1, W2, b2] flat. */
function mlpLoss(theta: TensorVar, x: Tensor, y: Tensor): TensorVar {
  const W1 = theta.slice([0, 2 * HIDDEN]).reshape([HIDDEN, 2]);
  const b1 = theta.slice([2 * HIDDEN, 3 * HIDDEN]);
  const W2 = theta.slice([3 * HIDDEN, 4 * HIDDEN]).reshape([1, HIDDEN]);
  const b2 = theta.slice([4 * HIDDEN, PARAMS]);
  const h = (x as unknown as TensorVar).matmul(W1.transpose()).add(b1).tanh(); // [batch, 16]
  const out = h.matmul(W2.transpose()).add(b2).sigmoid(); // [batch, 1]
  return out.sub(y).square().mean();
}

const th = theta0.toFloat64Array();
const xs = xData.toFloat64Array();
const ys = yData.toFloat64Array();

function mlpPlain(): number {
  let loss = 0;
  for (let b = 0; b < BATCH; b++) {
    let o = th[4 * HIDDEN];
    for (let j = 0; j < HIDDEN; j++) o += th[3 * HIDDEN + j] * Math.tanh(th[2 * j] * xs[2 * b] + th[2 * j + 1] * xs[2 * b + 1] + th[2 * HIDDEN + j]);
    const p = 1 / (1 + Math.exp(-o));
    loss += (p - ys[b]) * (p - ys[b]);
  }
  return loss / BATCH;
}

function mlpGradHand(): Float64Array {
  const g = new Float64Array(PARAMS);
  const h = new Float64Array(HIDDEN);
  for (let b = 0; b < BATCH; b++) {
    let o = th[4 * HIDDEN];
    for (let j = 0; j < HIDDEN; j++) {
      h[j] = Math.tanh(th[2 * j] * xs[2 * b] + th[2 * j + 1] * xs[2 * b + 1] + th[2 * HIDDEN + j]);
      o += th[3 * HIDDEN + j] * h[j];
    }
    const p = 1 / (1 + Math.exp(-o));
    const oBar = ((2 * (p - ys[b])) / BATCH) * p * (1 - p);
    g[4 * HIDDEN] += oBar;
    for (let j = 0; j < HIDDEN; j++) {
      g[3 * HIDDEN + j] += oBar * h[j];
      const zBar = oBar * th[3 * HIDDEN + j] * (1 - h[j] * h[j]);
      g[2 * j] += zBar * xs[2 * b];
      g[2 * j + 1] += zBar * xs[2 * b + 1];
      g[2 * HIDDEN + j] += zBar;
    }
  }
  return g;
}

const mlpGrad = (theta: Tensor, x: Tensor, y: Tensor) => grad((t: TensorVar) => mlpLoss(t, x, y))(theta);

function mlpJax() {
  const f = (p: { W1: JaxArray; b1: JaxArray; W2: JaxArray; b2: JaxArray }, x: JaxArray, y: JaxArray) => {
    const h = np.tanh(np.matmul(x, p.W1.transpose()).add(p.b1)); // [batch, 16]
    const o = jax.nn.sigmoid(np.matmul(h, p.W2.transpose()).add(p.b2));
    const d = o.sub(y);
    return d.ref.mul(d).mean();
  };
  const arr = (t: Tensor) => np.array(t.toFloat64Array(), { dtype: np.float64 }).reshape([...t.shape]);
  const params = {
    W1: arr(theta0.slice([0, 2 * HIDDEN]).reshape([HIDDEN, 2])),
    b1: arr(theta0.slice([2 * HIDDEN, 3 * HIDDEN])),
    W2: arr(theta0.slice([3 * HIDDEN, 4 * HIDDEN]).reshape([1, HIDDEN])),
    b2: arr(theta0.slice([4 * HIDDEN, PARAMS])),
  };
  return { f, params, x: arr(xData), y: arr(yData) };
}

// ---------------------------------------------------------------- measure

interface Row {
  name: string;
  plain: number;
  hand: number;
  eager: number;
  jitted: number;
  jaxJit: number;
}

/** Times jax-js jit(grad) on a float64 input; each call reads its result back (dataSync). */
function timeJax(f: (x: JaxArray) => JaxArray, x: number[]): number {
  const g = jax.jit(jax.grad(f));
  const input = np.array(Float64Array.from(x), { dtype: np.float64 });
  return timePerCall(() => {
    const r = g(input.ref);
    sink += r.dataSync()[0];
  });
}

function vectorRow(
  name: string,
  x: number[],
  plain: (x: number[]) => number,
  hand: (x: number[]) => number[],
  f: (xs: Var[]) => Var,
  fJax: (x: JaxArray) => JaxArray,
): Row {
  const eagerGrad = grad(f);
  const jitGrad = jit(grad(f));
  // Same answer first: the jitted gradient is the eager one.
  const a = jitGrad(x);
  const b = eagerGrad(x);
  const c = hand(x);
  a.forEach((v, i) => {
    if (Math.abs(v - b[i]) > 1e-9 * (1 + Math.abs(b[i])) || Math.abs(v - c[i]) > 1e-6 * (1 + Math.abs(c[i]))) {
      throw new Error(`${name}: jit(grad) gives ${v} at ${i}, eager ${b[i]}, by hand ${c[i]}`);
    }
  });
  return {
    name,
    plain: timeCall(plain, [x], 'r'),
    hand: timeCall(hand, [x], 'r[0]'),
    eager: timeCall(eagerGrad, [x], 'r[0]'),
    jitted: timeCall(jitGrad, [x], 'r[0]'),
    jaxJit: timeJax(fJax, x),
  };
}

const point = (n: number) => Array.from({ length: n }, (_, i) => Math.cos(i));
const rows: Row[] = [
  vectorRow('Rosenbrock n = 10', point(10), rosenPlain, rosenGradHand, rosen, rosenJax(10)),
  vectorRow('Rosenbrock n = 100', point(100), rosenPlain, rosenGradHand, rosen, rosenJax(100)),
  vectorRow('Rosenbrock n = 1000', point(1000), rosenPlain, rosenGradHand, rosen, rosenJax(1000)),
  vectorRow('f(x, y) = (x + y)(x − y)', [3, 2], fxyPlain, fxyGradHand, fxy, fxyJax),
  vectorRow(
    'Ackley, 50 terms',
    point(50).map((v) => v * 0.7),
    ackleyPlain,
    ackleyGradHand,
    ackley,
    ackleyJax(50),
  ),
];

{
  const jitGrad = jit(mlpGrad);
  const { f, params, x, y } = mlpJax();
  const jaxGrad = jax.jit(jax.grad(f));
  rows.push({
    name: `MLP 2-16-1 loss, batch ${BATCH}`,
    plain: timeCall(mlpPlain, [], 'r'),
    hand: timeCall(mlpGradHand, [], 'r[0]'),
    eager: timeCall(mlpGrad, [theta0, xData, yData], 'r.data[0]'),
    jitted: timeCall(jitGrad, [theta0, xData, yData], 'r.data[0]'),
    jaxJit: timePerCall(() => {
      const g = jaxGrad(jax.tree.ref(params), x.ref, y.ref) as { W1: JaxArray };
      sink += g.W1.dataSync()[0];
    }),
  });
}

// A whole training step: loss, gradient and the SGD update θ ← θ − η∇L, as one function.
const LR = 0.5;
const trainStep = (theta: Tensor, x: Tensor, y: Tensor) => {
  const { value, grad: g } = valueAndGrad((t: TensorVar) => mlpLoss(t, x, y))(theta);
  return { loss: value, theta: theta.sub(g.mul(LR)) };
};
const jitStep = jit(trainStep);
{
  // The same trajectory for 20 steps, eager and jitted.
  let a = theta0;
  let b = theta0;
  for (let i = 0; i < 20; i++) {
    a = trainStep(a, xData, yData).theta;
    b = (jitStep(b, xData, yData) as { theta: Tensor }).theta;
  }
  const drift = Math.max(...Array.from(a.toFloat64Array(), (v, i) => Math.abs(v - b.data[i])));
  if (drift > 1e-10) throw new Error(`training step: jitted parameters drift ${drift} from eager after 20 steps`);
}
const stepEager = timeCall(trainStep, [theta0, xData, yData], 'r.theta.data[0]');
const stepJit = timeCall(jitStep, [theta0, xData, yData], 'r.theta.data[0]');

console.log(
  `jit — ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, load average ${loadavg()
    .map((v) => v.toFixed(2))
    .join(' ')}\n`,
);
printTable(
  ['work', 'plain JS', 'by hand', 'eager grad', 'jit(grad)', 'jax-js jit(grad)', 'jit / plain', 'eager / jit', 'jax-js / jit'],
  rows.map((r) => [
    r.name,
    us(r.plain),
    us(r.hand),
    us(r.eager),
    us(r.jitted),
    us(r.jaxJit),
    times(r.jitted, r.plain),
    times(r.eager, r.jitted),
    times(r.jaxJit, r.jitted),
  ]),
);
const rosen100 = rows[1];
const fxyRow = rows[3];
console.log('\ntargets');
printTable(
  ['target', 'measured', 'met'],
  [
    ['jit(grad) ≤ 5× plain, Rosenbrock-100', times(rosen100.jitted, rosen100.plain), mark(rosen100.jitted <= 5 * rosen100.plain)],
    ['jit(grad) ≤ 5× plain, f(x, y)', times(fxyRow.jitted, fxyRow.plain), mark(fxyRow.jitted <= 5 * fxyRow.plain)],
    ['jit(grad) ≥ 10× faster than jax-js jit(grad), Rosenbrock-100', times(rosen100.jaxJit, rosen100.jitted), mark(rosen100.jaxJit >= 10 * rosen100.jitted)],
    [`2-16-1 training step (batch ${BATCH}) ≥ 3× faster jitted: ${us(stepEager)} → ${us(stepJit)}`, times(stepEager, stepJit), mark(stepEager >= 3 * stepJit)],
  ],
);
if (sink === 42) console.log('');
