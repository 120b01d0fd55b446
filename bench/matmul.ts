/**
 * `pnpm bench matmul`: GFLOP/s of matrix products on each of our kernel paths (f64, through
 * the public `matmul` of @ad/core, so shape checks and the output allocation are included)
 * against jax-js (`@jax-js/jax`, WebAssembly backend, f32 and f64, `np.matmul` + `dataSync`)
 * and TensorFlow.js's WASM backend (f32, `tf.matMul(a, b, transposeA, transposeB)` +
 * `dataSync`), all in one process. Needs packages/core/dist (`npx tsc -b`).
 *
 * Our paths: `js` (the JavaScript kernel, the only path before the WebAssembly kernels),
 * `wasm` (WebAssembly SIMD) and `wasm-relaxed` (relaxed SIMD, f64x2.relaxed_madd). Node 20
 * validates relaxed SIMD only behind --experimental-wasm-relaxed-simd, so this benchmark sets
 * that V8 flag for itself (setFlagsFromString) to show the row; the library never does.
 *
 * Rows: n×n·n×n for n = 64 … 512 in the three layouts backprop uses (A·B, Aᵀ·B, A·Bᵀ; the
 * transposed operand is stored transposed and read through a transposed view), the three
 * products of a Linear layer y = x·Wᵀ with x [64,784] and W [128,784], and two tiny products
 * where the fixed cost per call is what shows. `--steps` adds the intermediate JavaScript
 * kernels of bench/_matmul-steps.ts at n = 256 and 512.
 *
 * `ROWS=<regular expression>` keeps only the rows whose product label matches (e.g.
 * `ROWS='128³|MLP'`).
 *
 * Timing: implementations are interleaved round by round (5 rounds; in each, every
 * implementation runs a trial of at least 0.05 s), and each cell is the median of its rounds,
 * so load from other processes falls on all columns alike. The header says how busy other
 * processes kept the machine meanwhile.
 *
 * Threads: our paths run on one thread (setNumThreads(1)), and one more column runs the best
 * path on THREADS threads (the default thread count: the cores, at most 8), with the pool
 * started and its workers ready before the first trial.
 *
 * Targets (marked per row, n ≥ 128 and the MLP products; ✓ met, ✗ not): our best WebAssembly
 * path ≥ 3× our JavaScript kernel in every layout; with threads, ≥ 10× TF.js WASM on the
 * transposed products, and on 512³ A·B ≥ 1.0× TF.js WASM (f32) and ≥ 1.7× our single thread
 * (issue 27); ≥ 0.6× TF.js WASM (f32) on the other A·B products.
 */
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { getNumThreads, kernels, matmul, randn, setKernels, setNumThreads, transpose, type KernelPath, type Tensor } from '@ad/core';
import { poolTesting } from '@ad/core/engine';
import { np } from './_jax.js';
import { naiveIkj, packedBlocked, packedUnblocked, unpacked4x4, type Gemm } from './_matmul-steps.js';
import { printTable } from './_timing.js';

setFlagsFromString('--experimental-wasm-relaxed-simd');

const ROUNDS = 5;
const MIN_SECONDS = 0.05;

/** One product: C = op(A)·op(B) with C m×n; a transposed operand is stored transposed. */
interface Case {
  label: string;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  /** Show the intermediate JavaScript kernels for this case (with --steps). */
  steps: boolean;
  /** Held to the targets (tiny products measure fixed costs instead). */
  target: boolean;
}

function product(label: string, [m, n, k]: [number, number, number], transA: boolean, transB: boolean, { steps = false, target = true } = {}): Case {
  return { label, m, n, k, transA, transB, steps, target };
}

const layouts = [
  ['A·B', false, false],
  ['Aᵀ·B', true, false],
  ['A·Bᵀ', false, true],
] as const;
const cases: Case[] = [];
for (const n of [64, 128, 256, 512]) {
  for (const [layout, transA, transB] of layouts) {
    cases.push(product(`${n}³ ${layout}`, [n, n, n], transA, transB, { steps: n >= 256, target: n >= 128 }));
  }
}
cases.push(
  product('MLP fwd x·Wᵀ [64,784]·[784,128]', [64, 128, 784], false, true),
  product('MLP input grad ȳ·W [64,128]·[128,784]', [64, 784, 128], false, false),
  product('MLP weight grad ȳᵀ·x [128,64]·[64,784]', [128, 784, 64], true, false),
  product('tiny [1,2]·[2,8]', [1, 8, 2], false, false, { target: false }),
  product('tiny [4,16]·[16,16]', [4, 16, 16], false, false, { target: false }),
);

const showSteps = process.argv.includes('--steps');
const steps: [string, Gemm][] = [
  ['step: naive i-k-j', naiveIkj],
  ['step: unpacked 4×4', unpacked4x4],
  ['step: packed 4×4, no blocking', packedUnblocked],
  ['step: packed 4×4, blocked', packedBlocked],
];

/** An implementation set up on one case's data: a call to time, and a clean-up. */
interface Runner {
  run: () => void;
  /** Runs before each trial (selects our kernel path, TF.js's backend). */
  enter?: () => Promise<void> | void;
  dispose?: () => void;
}
type Impl = [name: string, setup: (c: Case, a: Tensor, b: Tensor) => Runner];

const ourPaths: KernelPath[] = ['js', 'wasm'];
setKernels('auto');
if (kernels() === 'wasm-relaxed') ourPaths.push('wasm-relaxed');

/** The default thread count (cores, capped), which the threads column uses. */
const THREADS = getNumThreads();

/** Operands of a product large enough to be split, which starts the pool's workers. */
const starter = [randn([64, 784], { seed: 0 }), randn([784, 128], { seed: 0 })] as const;

/** Sets n threads and waits (at most 10 s) until the pool has n − 1 workers ready. */
async function threadsReady(n: number): Promise<void> {
  setNumThreads(n);
  for (let i = 0; i < 1000 && poolTesting.readyWorkers().length < n - 1; i++) {
    matmul(...starter);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const ours = (path: KernelPath, threads = 1): Impl => [
  threads === 1 ? `@ad ${path}` : `@ad ${path} ×${threads}`,
  (c, a, b) => {
    const av = c.transA ? transpose(a) : a;
    const bv = c.transB ? transpose(b) : b;
    return {
      run: () => matmul(av, bv),
      enter: async () => {
        setKernels(path);
        await threadsReady(threads);
      },
    };
  },
];

const jaxImpl = (dtype: typeof np.float32 | typeof np.float64): Impl => [
  `jax-js ${dtype}`,
  (c, a, b) => {
    const ja = np
      .array(Float32Array.from(a.toFloat64Array()))
      .reshape([...a.shape])
      .astype(dtype);
    const jb = np
      .array(Float32Array.from(b.toFloat64Array()))
      .reshape([...b.shape])
      .astype(dtype);
    return {
      run: () => {
        const x = c.transA ? ja.ref.transpose() : ja.ref;
        const y = c.transB ? jb.ref.transpose() : jb.ref;
        np.matmul(x, y).dataSync();
      },
      dispose: () => {
        ja.dispose();
        jb.dispose();
      },
    };
  },
];

const tfWasm: Impl = [
  'tfjs-wasm f32',
  (c, a, b) => {
    let ta: tf.Tensor2D | undefined;
    let tb: tf.Tensor2D | undefined;
    return {
      enter: async () => {
        await tf.setBackend('wasm');
        ta ??= tf.tensor2d(Float32Array.from(a.toFloat64Array()), [a.shape[0], a.shape[1]], 'float32');
        tb ??= tf.tensor2d(Float32Array.from(b.toFloat64Array()), [b.shape[0], b.shape[1]], 'float32');
      },
      run: () => {
        const r = tf.matMul(ta as tf.Tensor2D, tb as tf.Tensor2D, c.transA, c.transB);
        r.dataSync();
        r.dispose();
      },
      dispose: () => {
        ta?.dispose();
        tb?.dispose();
      },
    };
  },
];

/** A raw JavaScript kernel on the stored data, with the strides the transposed view would have. */
const stepImpl = ([name, kernel]: [string, Gemm]): Impl => [
  name,
  (c, a, b) => {
    const [aRs, aCs] = c.transA ? [1, c.m] : [c.k, 1];
    const [bRs, bCs] = c.transB ? [1, c.k] : [c.n, 1];
    const out = new Float64Array(c.m * c.n);
    const ad = a.toFloat64Array();
    const bd = b.toFloat64Array();
    return { run: () => kernel(c.m, c.n, c.k, ad, 0, aRs, aCs, bd, 0, bRs, bCs, out, 0) };
  },
];

const best = ourPaths.length === 3 ? 'wasm-relaxed' : 'wasm';
const threaded = `@ad ${best} ×${THREADS}`;
const impls: Impl[] = [...ourPaths.map((p) => ours(p)), ...(THREADS > 1 ? [ours(best, THREADS)] : []), jaxImpl(np.float32), jaxImpl(np.float64), tfWasm];

/** The operands as stored: A is [m,k], or [k,m] when transposed; likewise B. */
function operands(c: Case, seed: number): { a: Tensor; b: Tensor } {
  return {
    a: randn(c.transA ? [c.k, c.m] : [c.m, c.k], { seed }),
    b: randn(c.transB ? [c.n, c.k] : [c.k, c.n], { seed: seed + 1 }),
  };
}

/** Calls per trial so that a trial lasts at least MIN_SECONDS (after 3 warm-up calls). */
function calibrate(run: () => void): number {
  for (let i = 0; i < 3; i++) run();
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) run();
    const dt = (performance.now() - t0) / 1000;
    if (dt >= MIN_SECONDS / 4) return Math.max(1, Math.ceil((reps * MIN_SECONDS) / dt));
    reps *= 4;
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((p, q) => p - q);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Median GFLOP/s of each implementation on one case, interleaved round by round. */
async function measure(c: Case, list: Impl[], seed: number): Promise<number[]> {
  const { a, b } = operands(c, seed);
  const runners = list.map(([, setup]) => setup(c, a, b));
  const reps: number[] = [];
  for (const r of runners) {
    await r.enter?.();
    reps.push(calibrate(r.run));
  }
  const samples = runners.map((): number[] => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < runners.length; i++) {
      await runners[i].enter?.();
      const t0 = performance.now();
      for (let t = 0; t < reps[i]; t++) runners[i].run();
      const seconds = (performance.now() - t0) / 1000 / reps[i];
      samples[i].push((2 * c.m * c.n * c.k) / seconds / 1e9);
    }
  }
  for (const r of runners) r.dispose?.();
  setKernels('auto');
  return samples.map(median);
}

/** CPU seconds all cores have spent busy (not idle). */
const busySeconds = () => cpus().reduce((s, { times: t }) => s + (t.user + t.nice + t.sys + t.irq) / 1000, 0);

const f2 = (x: number) => (x >= 0.1 ? x.toFixed(2) : x.toPrecision(2));
const times = (x: number) => `${x.toFixed(1)}×`;
const mark = (ok: boolean) => (ok ? '✓' : '✗');

// The WASM binaries of TF.js ship in its package's dist folder; in Node they are read as files.
const wasmPackage = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json');
setWasmPaths(`${join(dirname(wasmPackage), 'dist')}/`);
await tf.setBackend('wasm');
await tf.ready();
const wasmFeatures = `SIMD ${(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? 'on' : 'off'}, threads ${
  (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) ? 'on' : 'off'
}`;

const busyAtStart = busySeconds();
const ownAtStart = process.cpuUsage();
const wallAtStart = performance.now();

const names = impls.map(([name]) => name);
const col = (name: string) => names.indexOf(name);
const rows: string[][] = [];
const stepRows: string[][] = [];
for (const [i, c] of cases.entries()) {
  if (process.env.ROWS && !new RegExp(process.env.ROWS).test(c.label)) continue;
  const g = await measure(c, impls, 100 + 2 * i);
  const js = g[col('@ad js')];
  const wasm = g[col('@ad wasm')];
  const top = g[col(`@ad ${best}`)];
  const tfw = g[col('tfjs-wasm f32')];
  // Our fastest figure: the threads column where there is one.
  const fast = THREADS > 1 ? g[col(threaded)] : top;
  const transposed = c.transA || c.transB;
  let targets = '';
  if (c.target) {
    const vsJs = `${best}/js ${times(top / js)} ${mark(top >= 3 * js)}`;
    let vsTf = transposed ? `/tfjs ${times(fast / tfw)} ≥10× ${mark(fast >= 10 * tfw)}` : `/tfjs ${times(fast / tfw)} ≥0.6× ${mark(fast >= 0.6 * tfw)}`;
    if (c.label === '512³ A·B') vsTf = `/tfjs ${times(fast / tfw)} ≥1.0× ${mark(fast >= tfw)}`;
    targets = `${vsJs}; ${vsTf}`;
    if (THREADS > 1) targets += `; ×${THREADS}/×1 ${times(fast / top)}${c.label === '512³ A·B' ? ` ≥1.7× ${mark(fast >= 1.7 * top)}` : ''}`;
  }
  rows.push([c.label, ...g.map(f2), times(wasm / js), targets]);
  if (showSteps && c.steps) {
    const s = await measure(c, steps.map(stepImpl), 100 + 2 * i);
    steps.forEach(([name], j) => stepRows.push([c.label, name, f2(s[j])]));
  }
}

// Other processes only ever slow a measurement down; say how much they ran meanwhile.
const own = process.cpuUsage(ownAtStart);
const others = busySeconds() - busyAtStart - (own.user + own.system) / 1e6;
const wall = (performance.now() - wallAtStart) / 1000;
console.log(`matmul, GFLOP/s (higher is better), median of ${ROUNDS} interleaved rounds; @ad f64, jax-js WASM f32/f64, TF.js WASM f32 (${wasmFeatures})`);
console.log(
  `relaxed SIMD ${ourPaths.includes('wasm-relaxed') ? 'validated (V8 flag set by this benchmark)' : 'not validated by this engine: no wasm-relaxed column'}`,
);
console.log(
  `other processes kept ${(others / wall).toFixed(2)} of ${cpus().length} cores busy during the run; threads column: ${THREADS > 1 ? `${THREADS} threads` : 'none (one core)'}`,
);
printTable(
  [
    'product',
    ...names,
    'wasm/js',
    'targets (best path ≥3× js; with threads: transposed ≥10× tfjs-wasm, 512³ A·B ≥1.0× tfjs-wasm and ≥1.7× one thread, other A·B ≥0.6× tfjs-wasm)',
  ],
  rows,
);
if (stepRows.length > 0) {
  console.log('');
  printTable(['product', 'JavaScript kernel step', 'GFLOP/s'], stepRows);
}
