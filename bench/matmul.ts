/**
 * `npx tsx bench/index.ts matmul`: GFLOP/s of matrix products, ours (f64, through the public
 * `matmul` of @ad/core, so shape checks and the output allocation are included) against
 * TensorFlow.js's CPU and WASM backends (f32, `tf.matMul(a, b, transposeA, transposeB)` and
 * `dataSync()`), all in one process. Needs packages/core/dist (`npx tsc -b`).
 *
 * Rows: n×n·n×n for n = 64 … 512 in the three layouts backprop uses (A·B, Aᵀ·B, A·Bᵀ; the
 * transposed operand is stored transposed and read through a transposed view), and the three
 * products of a Linear layer y = x·Wᵀ with x [64,784] and W [128,784]. At n = 256 and 512 the
 * intermediate kernels of bench/_matmul-steps.ts, called directly on the same data, show what
 * each step bought; their ratios are against the same TF.js timings as the final row.
 *
 * Timing: 3 warm-up calls, then the best of 5 trials of at least 0.1 s each (≥ 0.5 s per cell).
 * Many short trials rather than a few long ones: on a shared machine, load only ever slows a
 * trial down, so the best of many is the steadier estimate. The table's header says how busy
 * other processes kept the machine meanwhile.
 */
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { matmul, randn, transpose, type Tensor } from '@ad/core';
import { naiveIkj, packedBlocked, packedUnblocked, unpacked4x4, type Gemm } from './_matmul-steps.js';
import { printTable, timePerCall } from './_timing.js';

const timing = { minSeconds: 0.1, trials: 5 };
/** The kernel's performance target: at least this many GFLOP/s in every layout. */
const TARGET = 4;

/** One product: C = op(A)·op(B) with C m×n; a transposed operand is stored transposed. */
interface Case {
  label: string;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  /** Show the intermediate kernels for this case. */
  steps: boolean;
  /** Held to the GFLOP/s target (tiny products measure fixed costs instead). */
  target: boolean;
}

function product(
  label: string, [m, n, k]: [number, number, number], transA: boolean, transB: boolean,
  { steps = false, target = true } = {},
): Case {
  return { label, m, n, k, transA, transB, steps, target };
}

const layouts = [['A·B', false, false], ['Aᵀ·B', true, false], ['A·Bᵀ', false, true]] as const;
const cases: Case[] = [];
for (const n of [64, 128, 256, 512]) {
  for (const [layout, transA, transB] of layouts) {
    cases.push(product(`${n}³ ${layout}`, [n, n, n], transA, transB, { steps: n >= 256 }));
  }
}
cases.push(
  product('MLP fwd x·Wᵀ [64,784]·[784,128]', [64, 128, 784], false, true),
  product('MLP input grad ȳ·W [64,128]·[128,784]', [64, 784, 128], false, false),
  product('MLP weight grad ȳᵀ·x [128,64]·[64,784]', [128, 784, 64], true, false),
  // An MLP on tiny batches: here the fixed cost per call is what the GFLOP/s measure.
  product('tiny [1,2]·[2,8]', [1, 8, 2], false, false, { target: false }),
  product('tiny [4,16]·[16,16]', [4, 16, 16], false, false, { target: false }),
);

const steps: [string, Gemm][] = [
  ['step: naive i-k-j', naiveIkj],
  ['step: unpacked 4×4', unpacked4x4],
  ['step: packed 4×4, no blocking', packedUnblocked],
  ['step: packed 4×4, blocked', packedBlocked],
];

/** The operands as stored: A is [m,k], or [k,m] when transposed; likewise B. */
function operands(c: Case, seed: number): { a: Tensor; b: Tensor } {
  return {
    a: randn(c.transA ? [c.k, c.m] : [c.m, c.k], { seed }),
    b: randn(c.transB ? [c.n, c.k] : [c.k, c.n], { seed: seed + 1 }),
  };
}

const gflops = (c: Case, seconds: number) => (2 * c.m * c.n * c.k) / seconds / 1e9;

function timeOurs(c: Case, a: Tensor, b: Tensor): number {
  const av = c.transA ? transpose(a) : a;
  const bv = c.transB ? transpose(b) : b;
  return gflops(c, timePerCall(() => matmul(av, bv), timing));
}

/** A raw kernel on the stored data, with the strides the transposed view would have. */
function timeKernel(kernel: Gemm, c: Case, a: Tensor, b: Tensor): number {
  const [aRs, aCs] = c.transA ? [1, c.m] : [c.k, 1];
  const [bRs, bCs] = c.transB ? [1, c.k] : [c.n, 1];
  const out = new Float64Array(c.m * c.n);
  const ad = a.toFloat64Array();
  const bd = b.toFloat64Array();
  return gflops(c, timePerCall(() => kernel(c.m, c.n, c.k, ad, 0, aRs, aCs, bd, 0, bRs, bCs, out, 0), timing));
}

/** GFLOP/s of every case on one TF.js backend, or undefined everywhere if it cannot start. */
async function timeTf(backend: 'cpu' | 'wasm', data: { a: Tensor; b: Tensor }[]): Promise<(number | undefined)[]> {
  if (!(await tf.setBackend(backend))) return cases.map(() => undefined);
  await tf.ready();
  return cases.map((c, i) => {
    const { a, b } = data[i];
    const ta = tf.tensor2d(Float32Array.from(a.toFloat64Array()), [a.shape[0], a.shape[1]], 'float32');
    const tb = tf.tensor2d(Float32Array.from(b.toFloat64Array()), [b.shape[0], b.shape[1]], 'float32');
    const seconds = timePerCall(() => {
      const r = tf.matMul(ta, tb, c.transA, c.transB);
      r.dataSync();
      r.dispose();
    }, timing);
    ta.dispose();
    tb.dispose();
    return gflops(c, seconds);
  });
}

/** CPU seconds all cores have spent busy (not idle). */
const busySeconds = () =>
  cpus().reduce((s, { times: t }) => s + (t.user + t.nice + t.sys + t.irq) / 1000, 0);

const f2 = (x: number | undefined) => (x === undefined ? 'n/a' : x >= 0.1 ? x.toFixed(2) : x.toPrecision(2));
const ratio = (ours: number, theirs: number | undefined) =>
  theirs === undefined ? 'n/a' : `${(ours / theirs).toFixed(1)}×`;

const busyAtStart = busySeconds();
const ownAtStart = process.cpuUsage();
const wallAtStart = performance.now();

// The WASM binaries ship in the package's dist folder; in Node they are read as files.
const wasmPackage = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json');
setWasmPaths(`${join(dirname(wasmPackage), 'dist')}/`);

const data = cases.map((c, i) => operands(c, 100 + 2 * i));
const tfCpu = await timeTf('cpu', data);
const tfWasm = await timeTf('wasm', data);
const wasmFeatures = `SIMD ${(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? 'on' : 'off'}, threads ${
  (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) ? 'on' : 'off'}`;

const rows: string[][] = [];
cases.forEach((c, i) => {
  const { a, b } = data[i];
  if (c.steps) {
    for (const [name, kernel] of steps) {
      const g = timeKernel(kernel, c, a, b);
      rows.push([c.label, name, f2(g), '', '', ratio(g, tfCpu[i]), ratio(g, tfWasm[i]), '']);
    }
  }
  const g = timeOurs(c, a, b);
  const mark = !c.target ? '' : g >= TARGET ? '✓' : '✗';
  rows.push([c.label, '@ad matmul', f2(g), f2(tfCpu[i]), f2(tfWasm[i]), ratio(g, tfCpu[i]), ratio(g, tfWasm[i]), mark]);
});

// Other processes only ever slow a measurement down; say how much they ran meanwhile.
const own = process.cpuUsage(ownAtStart);
const others = busySeconds() - busyAtStart - (own.user + own.system) / 1e6;
const wall = (performance.now() - wallAtStart) / 1000;
console.log(`matmul, GFLOP/s (higher is better); ours f64, TF.js f32; TF.js WASM ${wasmFeatures}`);
console.log(`other processes kept ${(others / wall).toFixed(2)} of ${cpus().length} cores busy during the run`);
printTable(['product', 'kernel', 'ours', 'tfjs-cpu', 'tfjs-wasm', 'ours/cpu', 'ours/wasm', `≥ ${TARGET}`], rows);
