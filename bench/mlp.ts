/**
 * `pnpm bench mlp`: milliseconds per training step — forward, loss, backward and one Adam
 * update (lr 1e-3) — of two MLPs, @ad/nn against TensorFlow.js in the same process (issue 5):
 *
 *   784-128-10   Linear, relu, Linear, cross-entropy on class labels; batch 64 of MNIST digits
 *   2-16-1       Linear, tanh, Linear, bceWithLogits; batch 32 of the XOR points
 *
 * Ours is the loop users write (`optimizer.zeroGrad(); loss = …; loss.backward();
 * optimizer.step()`, f64). TF.js is the standard way with tfjs-core (f32): `tf.variable`s for
 * the same initial weights, `tf.train.adam(1e-3, 0.9, 0.999, 1e-8).minimize(() => loss, true)`
 * (PyTorch's ε, as ours; TF.js's default is 1e-7) with the loss of
 * `tf.losses.softmaxCrossEntropy` (one-hot labels) / `sigmoidCrossEntropy`, and the returned
 * cost read with `dataSync()` (ours reads the loss too), on the pure-JS CPU backend and on the
 * WASM backend. TF.js must not leak tensors while timed; the run fails if it does.
 *
 * Both sides train on the same batches (a cycle of 16), from the same initial weights; before
 * timing, 5 steps on each side are compared loss by loss (to 1e-5, f32 rounding), so the two
 * really do the same work. "forward" is the model and its loss under `noGrad` (nothing
 * recorded): step / forward is the cost of training relative to evaluating (target ≤ 3). A
 * second table splits our step into its parts: the recorded forward (with zeroGrad), the
 * backward, and the optimizer step, averaged over a run of steps.
 *
 * Kernel paths: "ours step" runs on the default kernel path ('auto': WebAssembly SIMD for the
 * layer products here, see packages/core/README.md), "ours js" the same step with
 * `setKernels('js')`, the JavaScript kernels that were the only path before. For 784-128-10,
 * jax-js (`@jax-js/jax`, WebAssembly backend) runs the same step under `jit` in f32 and in f64
 * (bench/_jax-mlp.ts), from the same initial weights on the same batches.
 *
 * "ours compileStep" is the same step compiled by @ad/nn's `compileStep(model, lossFn,
 * optimizer)`: the loss and its gradient as one jitted program whose arrays are planned once
 * (no array allocated per step), then the same optimizer's update; its losses are checked
 * against the eager step's, bit for bit, before timing.
 *
 * Threads: "ours step" and the other columns of ours run on the default thread count
 * (getNumThreads(): the cores, at most 8; the pool's workers started before the rounds), and
 * "ours 1 thread" is the same step with setNumThreads(1), interleaved with it.
 *
 * Timing: the cells are measured round-robin (rounds × [ours step, ours forward, compileStep,
 * ours js, jax-js, our parts, TF.js CPU, TF.js WASM]), each a best of trials after warm-up
 * (`timePerCall`); each cell shows its median over the rounds (the parts table: the best round).
 */
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { getNumThreads, kernels, matmul, randn, setKernels, setNumThreads, type Tensor } from '@ad/core';
import { poolTesting } from '@ad/core/engine';
import { noGrad } from '@ad/reverse';
import {
  Adam,
  compileStep,
  DataLoader,
  Linear,
  Sequential,
  bceWithLogits,
  crossEntropy,
  relu,
  tanh,
  xor,
  type Dataset,
  type StateDict,
  type TensorLike,
} from '@ad/nn';
import { mnist } from '@ad/nn/node';
import { jaxMlp } from './_jax-mlp.js';
import { printTable, timePerCall } from './_timing.js';

const LR = 1e-3;
const BATCHES = 16;
const ROUNDS = 5;
let sink = 0;
const mark = (ok: boolean) => (ok ? '✓' : '✗');
const ms = (s: number | undefined) => (s === undefined ? 'n/a' : (s * 1e3).toFixed(s < 1e-2 ? 3 : 2));
const times = (a: number, b: number | undefined) => (b === undefined ? 'n/a' : `${(a / b).toFixed(2)}×`);

interface Net {
  label: string;
  /** [in, hidden, out] */
  sizes: readonly [number, number, number];
  batch: number;
  hidden: 'relu' | 'tanh';
  loss: 'crossEntropy' | 'bceWithLogits';
  data: Dataset;
  /** Target ratio ours / TF.js CPU. */
  target: number;
  /** Also print the target ours ≤ TF.js WASM. */
  beatWasm: boolean;
  /** timePerCall options for every cell of this net. */
  timing: { minSeconds: number; trials: number };
  /** Steps over which our step is split into its parts. */
  phaseSteps: number;
  /** Also run jax-js's jit step (784-128-10 only) and hold ours to ≤ 1.5× its f32 step. */
  jax: boolean;
}

const nets: Net[] = [
  {
    label: '784-128-10',
    sizes: [784, 128, 10],
    batch: 64,
    hidden: 'relu',
    loss: 'crossEntropy',
    data: mnist(),
    target: 0.2,
    beatWasm: true,
    timing: { minSeconds: 0.2, trials: 3 },
    phaseSteps: 30,
    jax: true,
  },
  {
    label: '2-16-1',
    sizes: [2, 16, 1],
    batch: 32,
    hidden: 'tanh',
    loss: 'bceWithLogits',
    data: xor({ n: 512, seed: 1 }),
    target: 0.5,
    beatWasm: false,
    timing: { minSeconds: 0.3, trials: 3 },
    phaseSteps: 2000,
    jax: false,
  },
];

/** The first BATCHES shuffled mini-batches of a data set (the same ones for both sides). */
function batchesOf(net: Net): { x: Tensor; y: Tensor }[] {
  const loader = new DataLoader(net.data, { batchSize: net.batch, shuffle: true, dropLast: true, seed: 7 });
  const out: { x: Tensor; y: Tensor }[] = [];
  for (const { x, y } of loader) {
    out.push({ x, y: net.loss === 'bceWithLogits' ? y.reshape([-1, 1]) : y });
    if (out.length === BATCHES) break;
  }
  return out;
}

// ---------------------------------------------------------------- ours

interface Trainer {
  /** One training step on batch i; returns the loss. */
  step(i: number): number;
}

/** Seconds per step spent in each part of our step, averaged over a run of steps. */
interface Phases {
  forward: number;
  backward: number;
  optimizer: number;
}

interface OurTrainer extends Trainer {
  /** The loss on batch i, nothing recorded. */
  forward(i: number): number;
  /** Runs `count` steps from batch `from`, timing each part. */
  phases(from: number, count: number): Phases;
}

function ours(net: Net, batches: { x: Tensor; y: Tensor }[], compiled = false): { trainer: OurTrainer; init: StateDict } {
  const [nIn, nHidden, nOut] = net.sizes;
  const model = new Sequential([new Linear(nIn, nHidden, { seed: 1 }), net.hidden === 'relu' ? relu : tanh, new Linear(nHidden, nOut, { seed: 2 })]);
  const init = model.stateDict();
  const optimizer = new Adam(model.parameters(), { lr: LR });
  const lossFn = <T extends TensorLike>(logits: T, y: Tensor): T => (net.loss === 'crossEntropy' ? crossEntropy(logits, y) : bceWithLogits(logits, y));
  const lossOf = (i: number) => {
    const { x, y } = batches[i % batches.length];
    return lossFn(model.forward(x), y);
  };
  const compiledStep = compiled ? compileStep(model, lossFn, optimizer) : undefined;
  return {
    init,
    trainer: {
      step(i) {
        if (compiledStep !== undefined) {
          const { x, y } = batches[i % batches.length];
          return compiledStep(x, y);
        }
        optimizer.zeroGrad();
        const loss = lossOf(i);
        loss.backward();
        optimizer.step();
        return loss.item();
      },
      forward: (i) => noGrad(() => lossOf(i).item()),
      phases(from, count) {
        const t = [0, 0, 0];
        for (let i = from; i < from + count; i++) {
          const t0 = performance.now();
          optimizer.zeroGrad();
          const loss = lossOf(i);
          const t1 = performance.now();
          loss.backward();
          const t2 = performance.now();
          optimizer.step();
          const t3 = performance.now();
          sink += loss.item();
          t[0] += t1 - t0;
          t[1] += t2 - t1;
          t[2] += t3 - t2;
        }
        return { forward: t[0] / count / 1e3, backward: t[1] / count / 1e3, optimizer: t[2] / count / 1e3 };
      },
    },
  };
}

// ---------------------------------------------------------------- TensorFlow.js

const f32 = (t: Tensor) => Float32Array.from(t.toFloat64Array());

/** The same model in tfjs-core, on the current backend, from our initial weights. */
function tfjs(net: Net, batches: { x: Tensor; y: Tensor }[], init: StateDict): Trainer & { dispose(): void } {
  const [, , nOut] = net.sizes;
  const w1 = tf.variable(tf.tensor2d(f32(init['0.weight']), init['0.weight'].shape as [number, number]));
  const b1 = tf.variable(tf.tensor1d(f32(init['0.bias'])));
  const w2 = tf.variable(tf.tensor2d(f32(init['2.weight']), init['2.weight'].shape as [number, number]));
  const b2 = tf.variable(tf.tensor1d(f32(init['2.bias'])));
  const data = batches.map(({ x, y }) => ({
    x: tf.tensor2d(f32(x), x.shape as [number, number]),
    y:
      net.loss === 'crossEntropy'
        ? tf.oneHot(tf.tensor1d(Int32Array.from(y.toFloat64Array()), 'int32'), nOut)
        : tf.tensor2d(f32(y), y.shape as [number, number]),
  }));
  const optimizer = tf.train.adam(LR, 0.9, 0.999, 1e-8); // PyTorch's ε (TF.js defaults to 1e-7)
  const lossOf = (i: number) => {
    const { x, y } = data[i % data.length];
    const h = tf.add(tf.matMul(x, w1, false, true), b1); // [batch, hidden]
    const a = net.hidden === 'relu' ? tf.relu(h) : tf.tanh(h);
    const logits = tf.add(tf.matMul(a, w2, false, true), b2); // [batch, out]
    return net.loss === 'crossEntropy' ? tf.losses.softmaxCrossEntropy(y, logits) : tf.losses.sigmoidCrossEntropy(y, logits);
  };
  const read = (t: tf.Scalar | null) => {
    const v = t!.dataSync()[0];
    t!.dispose();
    return v;
  };
  return {
    step: (i) => read(optimizer.minimize(() => lossOf(i) as tf.Scalar, true)),
    dispose() {
      optimizer.dispose();
      for (const t of [w1, b1, w2, b2, ...data.flatMap((d) => [d.x, d.y])]) t.dispose();
    },
  };
}

// ---------------------------------------------------------------- measure

/**
 * TF.js's gradients live in tfjs-core's `register_all_gradients` module, which the union package
 * `@tensorflow/tfjs` imports for its users; tfjs-core's Node build leaves them out, and its ES
 * build cannot be loaded by Node (extension-less imports). So we bundle that one module of the
 * installed tfjs-core with esbuild (tsx's own) and run it: TF.js's own gradient code, registered
 * in TF.js's global registry and run by its global engine, exactly as `@tensorflow/tfjs` would.
 */
async function registerTfGradients(): Promise<void> {
  const require = createRequire(import.meta.url);
  const esbuild = createRequire(require.resolve('tsx/package.json'))('esbuild') as {
    buildSync(options: Record<string, unknown>): { outputFiles: { text: string }[] };
  };
  const core = dirname(require.resolve('@tensorflow/tfjs-core/package.json'));
  const { outputFiles } = esbuild.buildSync({
    entryPoints: [join(core, 'dist', 'register_all_gradients.js')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    logLevel: 'silent',
  });
  await import(`data:text/javascript;base64,${Buffer.from(outputFiles[0].text).toString('base64')}`);
}
await registerTfGradients();

// The WASM binaries ship in the package's dist folder; in Node they are read as files.
const wasmDist = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
setWasmPaths(`${wasmDist}/`);
const backends: ('cpu' | 'wasm')[] = [];
for (const b of ['cpu', 'wasm'] as const) {
  try {
    if (await tf.setBackend(b)) {
      await tf.ready();
      backends.push(b);
    }
  } catch {
    // not available here: its column prints n/a
  }
}

const loadBefore = loadavg()[0];
const started = performance.now();

interface Result {
  step: number;
  /** Our step compiled by compileStep. */
  stepCompiled: number;
  /** Our step with setNumThreads(1). */
  stepOneThread: number;
  /** Our step with setKernels('js'). */
  stepJs: number;
  jax: Partial<Record<'float32' | 'float64', number>>;
  /** Largest relative gap between jax-js's first 5 losses (f32 and f64) and ours. */
  jaxGap: number | undefined;
  forward: number;
  phases: Phases;
  tf: Partial<Record<'cpu' | 'wasm', number>>;
  lossGap: number;
}

const THREADS = getNumThreads();
// Start the pool's workers (the first products worth splitting do) and wait until they are ready.
{
  const x = randn([64, 784], { seed: 0 });
  const w = randn([784, 128], { seed: 0 });
  for (let i = 0; i < 1000 && poolTesting.readyWorkers().length < THREADS - 1; i++) {
    matmul(x, w);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
const workersAtStart = poolTesting.readyWorkers().length;

const results: Result[] = [];
for (const net of nets) {
  const batches = batchesOf(net);
  // Five steps on each side from the same weights on the same batches: the losses must agree
  // (to f32 rounding), or the comparison is not of the same computation.
  let lossGap = 0;
  for (const backend of backends) {
    await tf.setBackend(backend);
    const { trainer, init } = ours(net, batches);
    const theirs = tfjs(net, batches, init);
    for (let i = 0; i < 5; i++) {
      const a = trainer.step(i);
      const b = theirs.step(i);
      lossGap = Math.max(lossGap, Math.abs(a - b) / Math.max(1, Math.abs(a)));
    }
    theirs.dispose();
  }
  if (!(lossGap < 1e-5)) throw new Error(`${net.label}: our losses and TF.js's differ by ${lossGap.toExponential(2)} in the first 5 steps`);

  const { trainer, init } = ours(net, batches);
  // compileStep's step gives the eager step's losses bit for bit (five steps from the same weights).
  const compiled = ours(net, batches, true).trainer;
  const eager = ours(net, batches).trainer;
  for (let i = 0; i < 5; i++) {
    if (compiled.step(i) !== eager.step(i)) throw new Error(`${net.label}: compileStep's loss ${i} differs from the eager step's`);
  }
  const jaxTrainers = new Map<'float32' | 'float64', ReturnType<typeof jaxMlp>>();
  let jaxGap: number | undefined;
  if (net.jax) {
    const weights = {
      w1: init['0.weight'].toFloat64Array(),
      b1: init['0.bias'].toFloat64Array(),
      w2: init['2.weight'].toFloat64Array(),
      b2: init['2.bias'].toFloat64Array(),
    };
    const data = batches.map(({ x, y }) => ({ x: x.toFloat64Array(), labels: y.toFloat64Array(), batch: net.batch }));
    // Five steps against ours from the same weights: the same computation, to f32 rounding.
    const reference = ours(net, batches).trainer;
    const ourLosses = [0, 1, 2, 3, 4].map((i) => reference.step(i));
    jaxGap = 0;
    for (const dtype of ['float32', 'float64'] as const) {
      const check = jaxMlp(dtype, weights, data, LR);
      for (let i = 0; i < 5; i++) jaxGap = Math.max(jaxGap, Math.abs(check.step(i) - ourLosses[i]) / Math.max(1, Math.abs(ourLosses[i])));
      check.dispose();
      jaxTrainers.set(dtype, jaxMlp(dtype, weights, data, LR));
    }
    if (!(jaxGap < 1e-4)) throw new Error(`${net.label}: our losses and jax-js's differ by ${jaxGap.toExponential(2)} in the first 5 steps`);
  }
  const tfTrainers = new Map<string, Trainer & { dispose(): void }>();
  for (const backend of backends) {
    await tf.setBackend(backend);
    const t = tfjs(net, batches, init);
    sink += t.step(0); // Adam makes its moment variables on the first step
    tfTrainers.set(backend, t);
  }
  const tensorsBefore = tf.memory().numTensors;
  const result: Result = {
    step: Infinity,
    stepCompiled: Infinity,
    stepOneThread: Infinity,
    stepJs: Infinity,
    jax: {},
    jaxGap,
    forward: Infinity,
    phases: { forward: 0, backward: 0, optimizer: Infinity },
    tf: {},
    lossGap,
  };
  const total = (p: Phases) => p.forward + p.backward + p.optimizer;
  // Every cell's time in every round; the table shows each cell's median over the rounds.
  const rounds = new Map<string, number[]>();
  const time = (cell: string, f: () => number) => {
    const t = timePerCall(() => (sink += f()), net.timing);
    rounds.set(cell, [...(rounds.get(cell) ?? []), t]);
  };
  let i = 0;
  for (let round = 0; round < ROUNDS; round++) {
    time('step', () => trainer.step(i++));
    setNumThreads(1);
    time('oneThread', () => trainer.step(i++));
    setNumThreads(THREADS);
    time('forward', () => trainer.forward(i++));
    time('compiled', () => compiled.step(i++));
    setKernels('js');
    time('js', () => trainer.step(i++));
    setKernels('auto');
    for (const [dtype, t] of jaxTrainers) time(dtype, () => t.step(i++));
    const phases = trainer.phases(i, net.phaseSteps);
    i += net.phaseSteps;
    if (total(phases) < total(result.phases)) result.phases = phases;
    for (const backend of backends) {
      await tf.setBackend(backend);
      const t = tfTrainers.get(backend)!;
      time(backend, () => t.step(i++));
    }
  }
  const median = (cell: string) => {
    const v = [...(rounds.get(cell) ?? [])].sort((x, y) => x - y);
    return v.length === 0 ? Infinity : v.length % 2 === 1 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  };
  result.step = median('step');
  result.forward = median('forward');
  result.stepCompiled = median('compiled');
  result.stepOneThread = median('oneThread');
  result.stepJs = median('js');
  for (const dtype of jaxTrainers.keys()) result.jax[dtype] = median(dtype);
  for (const backend of backends) result.tf[backend] = median(backend);
  if (tf.memory().numTensors !== tensorsBefore) {
    throw new Error(`${net.label}: TF.js leaked ${tf.memory().numTensors - tensorsBefore} tensors while timed (the comparison would be unfair)`);
  }
  for (const t of tfTrainers.values()) t.dispose();
  for (const t of jaxTrainers.values()) t.dispose();
  results.push(result);
}

// ---------------------------------------------------------------- report

const simd = backends.includes('wasm') && (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
const threads = backends.includes('wasm') && (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
console.log(
  `MLP training step (forward + loss + backward + Adam lr ${LR}), ms per step (lower is better); ours f64 (kernel path ${kernels()}), TF.js ${tf.version_core} f32, jax-js jit f32/f64\n` +
    `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, load average ${loadBefore.toFixed(1)} at start; ` +
    `TF.js WASM ${backends.includes('wasm') ? `SIMD ${simd ? 'on' : 'off'}, threads ${threads ? 'on' : 'off'}` : 'unavailable'}; ours on ${THREADS} thread${THREADS === 1 ? '' : 's'} (${workersAtStart} workers ready at the start; idle ones leave after 10 s and the next product starts them again)\n`,
);
printTable(
  [
    'net',
    'batch',
    'ours step',
    'ours compileStep',
    'ours 1 thread',
    'ours js',
    'ours forward',
    'step/forward',
    'tfjs-cpu step',
    'tfjs-wasm step',
    'jax-js jit f32',
    'jax-js jit f64',
    'ours/cpu',
    'ours/wasm',
    'ours/jax f32',
    'compileStep/jax f32',
  ],
  nets.map((net, k) => {
    const r = results[k];
    return [
      net.label,
      String(net.batch),
      ms(r.step),
      ms(r.stepCompiled),
      ms(r.stepOneThread),
      ms(r.stepJs),
      ms(r.forward),
      (r.step / r.forward).toFixed(2),
      ms(r.tf.cpu),
      ms(r.tf.wasm),
      ms(r.jax.float32),
      ms(r.jax.float64),
      times(r.step, r.tf.cpu),
      times(r.step, r.tf.wasm),
      times(r.step, r.jax.float32),
      times(r.stepCompiled, r.jax.float32),
    ];
  }),
);

console.log(`\nWhere our step goes (ms per step, mean over ${nets.map((n) => `${n.phaseSteps} steps of ${n.label}`).join(', ')}; best of ${ROUNDS} runs)\n`);
printTable(
  ['net', 'zeroGrad + forward + loss (recorded)', 'backward', 'optimizer.step', 'compileStep − optimizer.step (its loss + gradient program)'],
  nets.map((net, k) => {
    const r = results[k];
    const p = r.phases;
    const pct = (v: number) => `${ms(v)} (${Math.round((100 * v) / (p.forward + p.backward + p.optimizer))} %)`;
    return [net.label, pct(p.forward), pct(p.backward), pct(p.optimizer), ms(r.stepCompiled - p.optimizer)];
  }),
);

const targets: string[] = [];
nets.forEach((net, k) => {
  const r = results[k];
  const cpu = r.tf.cpu;
  targets.push(`${mark(cpu !== undefined && r.step <= net.target * cpu)} ${net.label}: ours ≤ ${net.target}× TF.js CPU (${times(r.step, cpu)})`);
  if (net.beatWasm) {
    targets.push(`${mark(r.tf.wasm !== undefined && r.step <= r.tf.wasm)} ${net.label}: ours ≤ TF.js WASM (${times(r.step, r.tf.wasm)})`);
    targets.push(`${mark(r.tf.wasm !== undefined && r.step <= 0.3 * r.tf.wasm)} ${net.label}: ours ≤ 0.3× TF.js WASM (${times(r.step, r.tf.wasm)})`);
  }
  if (net.jax) {
    targets.push(
      `${mark(r.jax.float32 !== undefined && r.step <= 1.5 * r.jax.float32)} ${net.label}: ours ≤ 1.5× jax-js jit f32 (${times(r.step, r.jax.float32)}; compileStep ${times(r.stepCompiled, r.jax.float32)})`,
    );
  }
  if (net.jax) {
    const best = Math.min(r.step, r.stepCompiled);
    targets.push(
      `${mark(r.jax.float32 !== undefined && best <= r.jax.float32)} ${net.label}: ours ≤ 1.0× jax-js jit f32, eager or compileStep (issue 27; ${times(best, r.jax.float32)})`,
    );
  } else {
    const peer = Math.min(r.tf.cpu ?? Infinity, r.tf.wasm ?? Infinity);
    for (const [label, t] of [
      ['eager', r.step],
      ['compileStep', r.stepCompiled],
    ] as const) {
      targets.push(`${mark(t <= peer / 4)} ${net.label}: ${label} ≥ 4× ahead of every peer (issue 27; ${(peer / t).toFixed(1)}× ahead of the fastest)`);
    }
  }
  targets.push(`${mark(r.step <= 1.05 * r.stepJs)} ${net.label}: no slower than on the JavaScript kernels (${times(r.step, r.stepJs)}, 5 % timing slack)`);
  targets.push(`${mark(r.step / r.forward <= 3)} ${net.label}: step / forward ≤ 3 (${(r.step / r.forward).toFixed(2)})`);
});
console.log(`\nTargets:\n${targets.map((t) => `  ${t}`).join('\n')}`);
console.log(
  `\nThe first 5 losses agree with TF.js's to ${Math.max(...results.map((r) => r.lossGap)).toExponential(1)} (relative); ` +
    `jax-js's to ${Math.max(...results.map((r) => r.jaxGap ?? 0)).toExponential(1)}; ` +
    `${((performance.now() - started) / 1000).toFixed(0)} s` +
    (Number.isFinite(sink) ? '' : ' (non-finite checksum)'),
);
