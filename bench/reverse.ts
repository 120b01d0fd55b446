/**
 * `pnpm bench reverse`: what reverse mode costs.
 *   1. scalar nodes per second, recorded and back-propagated, on a 100-d Rosenbrock
 *      (≈1,000 nodes, a fresh graph per call, as in an optimisation loop) and on one chain of
 *      1,000,000 nodes; the nodes are counted with topologicalOrder, leaves included;
 *   2. the cost of a gradient against the cost of the function (the "cheap gradient principle")
 *      for an MLP loss 784-128-10 on a batch of 64 with tensor nodes;
 *   3. jacrev against jacfwd on a dense tanh layer Rⁿ → Rᵐ written once with scalar methods:
 *      forward mode needs ⌈n/k⌉ passes, reverse mode one recording and m backward passes.
 * Every figure is the best of 5 trials after a warm-up; every result is consumed. The machine's
 * load average is printed: on a busy machine, wall-clock figures drop.
 */
import { Tensor, randn, zeros } from '@ad/core';
import { defaultChunk, jacfwd, type Dual } from '@ad/forward';
import { type TensorVar, type Var, grad, jacrev, topologicalOrder, variable, zeroGrad } from '@ad/reverse';
import { cpus, loadavg } from 'node:os';
import { printTable, timePerCall } from './_timing.js';

type Num = Var | Dual;
let sink = 0;
const mark = (ok: boolean) => (ok ? '✓' : '✗');
const ms = (s: number) => (s * 1e3).toFixed(s < 1e-3 ? 3 : 2);
const rate = (nodes: number, s: number) => (nodes / s / 1e6).toFixed(2);

// ---------------------------------------------------------------- 1. scalar nodes per second

/** Rosenbrock, Σ 100 (xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)²: 9 scalar ops per term. */
function rosenbrock(xs: Var[]): Var {
  let s = xs[0].mul(0);
  for (let i = 0; i + 1 < xs.length; i++) {
    const a = xs[i + 1].sub(xs[i].square());
    const b = xs[i].neg().add(1);
    s = a.square().mul(100).add(b.square()).add(s);
  }
  return s;
}

const x0 = Array.from({ length: 100 }, (_, i) => Math.cos(i));

interface Split {
  record: number;
  backward: number;
}

/**
 * Records `build()` and back-propagates it, repeatedly for at least `minSeconds`; returns the
 * seconds per graph of the trial whose record + backward was fastest, split into its two parts.
 */
function timeGraph(build: () => { root: Var; leaf: Var }, { minSeconds = 0.3, trials = 5, warmup = 3 } = {}): Split {
  for (let i = 0; i < warmup; i++) {
    const { root, leaf } = build();
    root.backward();
    sink += leaf.grad as number;
  }
  let best: Split = { record: Infinity, backward: Infinity };
  for (let t = 0; t < trials; t++) {
    let record = 0;
    let backward = 0;
    let reps = 0;
    while (record + backward < minSeconds * 1e3 || reps === 0) {
      const t0 = performance.now();
      const { root, leaf } = build();
      const t1 = performance.now();
      root.backward();
      const t2 = performance.now();
      sink += leaf.grad as number;
      record += t1 - t0;
      backward += t2 - t1;
      reps++;
    }
    const split = { record: record / reps / 1e3, backward: backward / reps / 1e3 };
    if (split.record + split.backward < best.record + best.backward) best = split;
  }
  return best;
}

const rosenbrockGraph = () => {
  const xs = x0.map((v) => variable(v));
  return { root: rosenbrock(xs), leaf: xs[0] };
};

const chainLength = 500_000; // two ops per step: 1,000,000 op nodes
const chainGraph = () => {
  const x = variable(0.5);
  let y: Var = x;
  for (let i = 0; i < chainLength; i++) y = y.mul(0.999999).add(x);
  return { root: y, leaf: x };
};

const countNodes = (build: () => { root: Var }) => topologicalOrder([build().root]).length;

// Correctness first: the Rosenbrock gradient against its closed form, the chain against its sum.
{
  const { root, leaf } = rosenbrockGraph();
  root.backward();
  const want = -400 * x0[0] * (x0[1] - x0[0] ** 2) - 2 * (1 - x0[0]);
  if (Math.abs((leaf.grad as number) - want) > 1e-9 * Math.abs(want)) throw new Error(`rosenbrock: ∂f/∂x₀ = ${String(leaf.grad)}, want ${want}`);
}
{
  // y = cᴺ·x + x·Σₖ cᵏ, so dy/dx = cᴺ + (1 − cᴺ)/(1 − c).
  const { root, leaf } = chainGraph();
  root.backward();
  const cN = 0.999999 ** chainLength;
  const want = cN + (1 - cN) / (1 - 0.999999);
  if (Math.abs((leaf.grad as number) - want) > 1e-6 * want) throw new Error(`chain: dy/dx = ${String(leaf.grad)}, want ${want}`);
}

const loadBefore = loadavg()[0];
const nodeRows: string[][] = [];
const nodeTarget = 10e6;
let nodesOk = true;
for (const [name, build, options] of [
  ['Rosenbrock 100-d: variable() leaves, y.backward()', rosenbrockGraph, {}],
  ['chain y = y·c + x, 500,000 steps', chainGraph, { minSeconds: 0, trials: 5, warmup: 1 }],
] as const) {
  const nodes = countNodes(build);
  const t = timeGraph(build, options);
  const total = nodes / (t.record + t.backward);
  nodesOk &&= total >= nodeTarget;
  nodeRows.push([
    name,
    nodes.toLocaleString('en-US'),
    rate(nodes, t.record),
    rate(nodes, t.backward),
    rate(nodes, t.record + t.backward),
    `${mark(total >= nodeTarget)} ≥ 10`,
  ]);
}
{
  // The transform most code calls: a fresh graph (tag) per call, gradients read from adjoints.
  const nodes = countNodes(rosenbrockGraph);
  const t = timePerCall(
    () => {
      sink += grad(rosenbrock)(x0)[0];
    },
    { trials: 5 },
  );
  nodeRows.push(['Rosenbrock 100-d: grad(f)(x)', nodes.toLocaleString('en-US'), '', '', rate(nodes, t), `${mark(nodes / t >= nodeTarget)} ≥ 10`]);
  nodesOk &&= nodes / t >= nodeTarget;
}

// ---------------------------------------------------------------- 2. gradient / forward of an MLP

const batch = 64;
const [nIn, nHidden, nOut] = [784, 128, 10];
const X = randn([batch, nIn], { seed: 1 });
const labels = Array.from({ length: batch }, (_, i) => (i * 7) % nOut);
const oneHot = (() => {
  const d = new Float64Array(batch * nOut);
  labels.forEach((c, i) => (d[i * nOut + c] = 1));
  return Tensor.fromData(d, [batch, nOut]);
})();
const init = {
  W1: randn([nIn, nHidden], { seed: 2, std: Math.sqrt(2 / nIn) }),
  b1: zeros([nHidden]),
  W2: randn([nHidden, nOut], { seed: 3, std: Math.sqrt(2 / nHidden) }),
  b2: zeros([nOut]),
};

/** Mean cross-entropy of a 784-128-10 ReLU MLP; the same code runs on Tensors and TensorVars. */
function mlpLoss<T extends Tensor | TensorVar>(p: { W1: T; b1: T; W2: T; b2: T }): T {
  const m = (x: Tensor | TensorVar) => x as unknown as TensorVar;
  const h = m(X).matmul(m(p.W1)).add(m(p.b1)).relu(); //         [64, 128]
  const logits = h.matmul(m(p.W2)).add(m(p.b2)); //               [64, 10]
  return logits.logSoftmax(1).mul(oneHot).sum(1).mean().neg() as unknown as T; // []
}

const params = {
  W1: variable(init.W1),
  b1: variable(init.b1),
  W2: variable(init.W2),
  b2: variable(init.b2),
};
const paramList = Object.values(params);

// The three are timed in turn, five rounds, best of each: a burst of load elsewhere on the
// machine then cannot land on one of them only.
let [tPlain, tRecorded, tGrad] = [Infinity, Infinity, Infinity];
for (let round = 0; round < 5; round++) {
  const options = { minSeconds: 0.1, trials: 2 };
  tPlain = Math.min(
    tPlain,
    timePerCall(() => {
      sink += mlpLoss(init).item();
    }, options),
  );
  tRecorded = Math.min(
    tRecorded,
    timePerCall(() => {
      sink += mlpLoss(params).item();
    }, options),
  );
  tGrad = Math.min(
    tGrad,
    timePerCall(() => {
      zeroGrad(paramList);
      const loss = mlpLoss(params);
      loss.backward();
      sink += loss.item() + (params.W1.grad as Tensor).data[0];
    }, options),
  );
}
{
  const lossValue = mlpLoss(init).item();
  if (!(lossValue > 0 && lossValue < 20)) throw new Error(`mlp: loss ${lossValue} is not a cross-entropy`);
}
const ratio = tGrad / tPlain;
const mlpOk = ratio <= 3;

// ---------------------------------------------------------------- 3. jacrev vs jacfwd

/** f(x) = tanh(W x + b) with W m × n, written once with scalar methods: runs on Var and Dual. */
function denseTanh(n: number, m: number) {
  const W = randn([m, n], { seed: 10 + n + m, std: 1 / Math.sqrt(n) }).toArray() as number[][];
  const b = randn([m], { seed: 20 + n + m }).toArray() as number[];
  const f = (xs: Num[]): Num[] => {
    calls++;
    return W.map((row, i) => {
      let s = (xs[0] as Var).mul(row[0]);
      for (let j = 1; j < n; j++) s = s.add((xs[j] as Var).mul(row[j]));
      return s.add(b[i]).tanh();
    });
  };
  return f;
}
let calls = 0;

const jacRows: string[][] = [];
let crossoverOk = true;
for (const [n, m] of [
  [100, 1],
  [1, 100],
  [100, 100],
] as const) {
  const f = denseTanh(n, m);
  const x = Array.from({ length: n }, (_, i) => Math.sin(i + 1));
  const fwd = jacfwd(f as (xs: Dual[]) => Dual[]);
  const rev = jacrev(f as (xs: Var[]) => Var[]);
  const Jf = fwd(x);
  const Jr = rev(x);
  let err = 0;
  Jf.forEach((row, i) => row.forEach((v, j) => (err = Math.max(err, Math.abs(v - Jr[i][j])))));
  if (err > 1e-12) throw new Error(`jacobian ${n}→${m}: jacfwd and jacrev differ by ${err}`);
  calls = 0;
  fwd(x);
  const fwdPasses = calls;
  calls = 0;
  rev(x);
  const revRecordings = calls;
  const k = defaultChunk(n);
  const tf = timePerCall(
    () => {
      sink += fwd(x)[0][0];
    },
    { trials: 5 },
  );
  const tr = timePerCall(
    () => {
      sink += rev(x)[0][0];
    },
    { trials: 5 },
  );
  const winner = tf < tr ? 'jacfwd' : 'jacrev';
  // Forward mode should win when n < m, reverse mode when m < n; n = m is a measurement.
  const expected = n < m ? 'jacfwd' : m < n ? 'jacrev' : winner;
  crossoverOk &&= winner === expected;
  jacRows.push([
    `${n} → ${m}`,
    `${fwdPasses} forward (k = ${k})`,
    ms(tf),
    `${revRecordings} record + ${m} backward`,
    ms(tr),
    `${winner} ×${(Math.max(tf, tr) / Math.min(tf, tr)).toFixed(1)}${n === m ? '' : ` ${mark(winner === expected)}`}`,
  ]);
}

// ---------------------------------------------------------------- report

console.log(
  `Reverse mode (@ad/reverse), best of 5 trials after warm-up; M nodes/s = millions of graph nodes per second\n` +
    `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, load average ${loadBefore.toFixed(1)} at start\n`,
);
console.log('1. Scalar graph: nodes recorded and back-propagated per second (target ≥ 10 M nodes/s)\n');
printTable(['graph', 'nodes', 'record M/s', 'backward M/s', 'record+backward M/s', 'target'], nodeRows);
console.log('\n2. MLP 784-128-10, batch 64, mean cross-entropy: gradient cost over function cost (target ≤ 3)\n');
printTable(
  ['forward, plain Tensors', 'forward, recorded', 'forward + backward', 'grad / forward', 'target'],
  [[`${ms(tPlain)} ms`, `${ms(tRecorded)} ms`, `${ms(tGrad)} ms`, ratio.toFixed(2), `${mark(mlpOk)} ≤ 3`]],
);
console.log('\n3. Jacobian of tanh(Wx + b): jacfwd (⌈n/k⌉ passes of k seeds) vs jacrev (one recording, m backward passes)\n');
printTable(['n → m', 'jacfwd passes', 'jacfwd ms', 'jacrev passes', 'jacrev ms', 'faster'], jacRows);
console.log(
  `\nTargets: nodes/s ${mark(nodesOk)}  grad/forward ${mark(mlpOk)}  crossover (forward for few inputs, reverse for few outputs) ${mark(crossoverOk)}` +
    (Number.isFinite(sink) ? '' : ' (non-finite checksum)'),
);
