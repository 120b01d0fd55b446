/**
 * Training on threads: 100 Adam steps of a 320-64-10 MLP (batch 64: the shape of issue 27's
 * 784-128-10 workload at 40 % of the inputs and half the hidden units, so that three runs stay
 * quick under jest, with the first layer's products still large enough to split) give
 * bit-identical losses and weights with 1, 2 and 4 kernel threads, eager and through
 * compileStep, and the large products of the 2- and 4-thread runs really were split, and so
 * were the compiled step's Adam updates (its parameters, state and gradients are resident; the
 * split threshold is lowered so that every update of this small model splits). The workers are the built
 * packages/core/dist/kernels/pool-worker.js: run `tsc -b` first (the test commands do).
 */
import { getNumThreads, randn, setNumThreads, tensor, uniform } from '@ad/core';
import { poolTesting, setAdamSplit } from '@ad/core/engine';
import { Adam, Linear, Sequential, compileStep, crossEntropy, relu } from '../src/index.js';

const initialThreads = getNumThreads();
// Every job waits until a worker has claimed a block of it (on a busy machine a worker woken
// late would otherwise find every block taken).
poolTesting.setWorkersFirst(true);
afterAll(() => {
  poolTesting.setWorkersFirst(false);
  setAdamSplit(undefined);
  setNumThreads(initialThreads);
});

const STEPS = 100;
const BATCHES = 4;

interface Run {
  losses: number[];
  weights: number[][];
}

/** 100 steps from fixed seeds over four fixed batches, on the thread count set now: eager, or compiled by compileStep (AMSGrad and weight decay on). */
function train(compiled = false): Run {
  const model = new Sequential([new Linear(320, 64, { seed: 1 }), relu, new Linear(64, 10, { seed: 2 })]);
  const optimizer = new Adam(model.parameters(), compiled ? { lr: 1e-3, amsgrad: true, weightDecay: 1e-2 } : { lr: 1e-3 });
  const xs = Array.from({ length: BATCHES }, (_, i) => randn([64, 320], { seed: 10 + i }));
  const ys = Array.from({ length: BATCHES }, (_, i) => Array.from(uniform([64], 0, 10, { seed: 20 + i }).toFloat64Array(), Math.floor));
  const losses: number[] = [];
  const step = compiled ? compileStep(model, crossEntropy, optimizer) : undefined;
  for (let k = 0; k < STEPS; k++) {
    if (step !== undefined) {
      losses.push(step(xs[k % BATCHES], tensor(ys[k % BATCHES])));
      continue;
    }
    optimizer.zeroGrad();
    const loss = crossEntropy(model.forward(xs[k % BATCHES]), ys[k % BATCHES]);
    loss.backward();
    optimizer.step();
    losses.push(loss.item());
  }
  return { losses, weights: model.parameters().map((p) => Array.from(p.primal.toFloat64Array())) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sets n threads and waits until n − 1 workers are ready (the first products start them). */
async function threadsReady(n: number): Promise<void> {
  setNumThreads(n);
  const x = randn([64, 784], { seed: 0 });
  const w = randn([784, 128], { seed: 0 });
  const deadline = Date.now() + 30_000;
  while (poolTesting.readyWorkers().length < n - 1) {
    if (Date.now() > deadline) throw new Error(`only ${poolTesting.readyWorkers().length} of ${n - 1} workers started`);
    x.matmul(w);
    await sleep(10);
  }
}

test('100 Adam steps of a 320-64-10 MLP: the same losses and weights, bit for bit, with 1, 2 and 4 threads', async () => {
  setNumThreads(1);
  const single = train();
  expect(single.losses[STEPS - 1]).toBeLessThan(single.losses[0]);
  for (const n of [2, 4]) {
    await threadsReady(n);
    const before = poolTesting.counts();
    const run = train();
    const after = poolTesting.counts();
    // The first layer's two products a step (x·W₁ᵀ and W̄₁ = ȳᵀ·x) are large enough to split,
    // and the workers computed blocks of each.
    expect(after.jobs - before.jobs).toBeGreaterThanOrEqual(2 * STEPS);
    expect(after.byWorkers - before.byWorkers).toBeGreaterThanOrEqual(after.jobs - before.jobs);
    // toEqual compares numbers with Object.is: bit for bit.
    expect(run.losses).toEqual(single.losses);
    expect(run.weights).toEqual(single.weights);
  }
});

test('100 compiled Adam steps (AMSGrad, weight decay): the same losses and weights, bit for bit, with 1, 2 and 4 threads, the updates split', async () => {
  setAdamSplit(0);
  setNumThreads(1);
  const single = train(true);
  expect(single.losses[STEPS - 1]).toBeLessThan(single.losses[0]);
  for (const n of [2, 4]) {
    await threadsReady(n);
    const before = poolTesting.counts();
    const run = train(true);
    const after = poolTesting.counts();
    // Two products and the updates of W₁ and W₂ a step (the biases, under 128 values, take the JavaScript loop).
    expect(after.jobs - before.jobs).toBeGreaterThanOrEqual(4 * STEPS);
    expect(after.byWorkers - before.byWorkers).toBeGreaterThanOrEqual(after.jobs - before.jobs);
    expect(run.losses).toEqual(single.losses);
    expect(run.weights).toEqual(single.weights);
  }
  setAdamSplit(undefined);
});
