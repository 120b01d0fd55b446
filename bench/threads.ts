/**
 * `pnpm bench threads`: what the kernels' thread pool costs, and what splitting element-wise
 * ops, a sum and the Adam update among threads could gain at most (issue 27: build such a split
 * only where it pays, ≥ 1.3× at sizes people use). Needs packages/core/dist (`npx tsc -b`).
 *
 * 1. A job's fixed cost: the round trip of waking a worker blocked in `Atomics.wait` (as the
 *    pool's idle workers are), having it store a word and waking the caller back, with the
 *    calling thread busy for a while between jobs (as between two products). This bounds how
 *    small a thread's share of a job may be, hence the default thread cap (pool.ts).
 * 2. Element-wise add and exp, sum and the Adam update at 101,770 values (the 784-128-10 MLP's
 *    parameters) and 10⁶: through the public op; its kernel alone (the part threads could
 *    share); and the copies of its operands into shared memory (and its result out). Workers
 *    read only shared memory, and tensors live on the JavaScript heap, so a split must first
 *    copy them there, on the calling thread: the serial part of a split is what the op does
 *    besides its kernel (allocating its output, dispatch) plus those copies (the Adam update
 *    copies its vectors already; a split would copy them into shared memory instead). The
 *    bound is that serial part plus half the kernel, with no job cost: no 2-thread split can
 *    do better. The last column is the Adam update with θ, ∇, m, v already in shared memory
 *    (resident): half its kernel plus one job.
 * 3. What the split of the Adam update over resident θ, ∇, m, v (wasm.ts, adamShared) gains:
 *    adamUpdate at 10³ … 10⁶ values on 1 and on 2 threads, every size split (the threshold
 *    lowered to 0), the two timed back to back in each round, in alternating order: wall time,
 *    and the CPU time of all the process's threads (the split's overhead, which a loaded
 *    machine does not hide, as it hides the gain in wall time). ADAM_SPLIT and whether the split
 *    is on by default (wasm.ts) come from these.
 *
 * Timing: every row is timed once per round, rounds interleaved, medians. The header says
 * how busy other processes kept the machine.
 */
import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import { add, exp, getNumThreads, randn, setNumThreads, sum, type Tensor } from '@ad/core';
import { adamUpdate, allocateResident, ElementwiseKernel, EXP_BLOCK, expScratch, poolTesting, setAdamSplit } from '@ad/core/engine';
import { printTable } from './_timing.js';
// The kernels' binaries as @ad/core builds them: the Adam kernel alone is timed on vectors
// already in its memory (what "resident" state would give).
import { KERNELS_SIMD } from '../packages/core/dist/kernels/wasm-binary.js';

const ROUNDS = Number(process.env.ROUNDS ?? 41);
const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[(xs.length - 1) >> 1];
const p90 = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(0.9 * (xs.length - 1))];
/** CPU seconds all cores have spent busy (not idle). */
const busySeconds = () => cpus().reduce((s, { times: t }) => s + (t.user + t.nice + t.sys + t.irq) / 1000, 0);
const busyAtStart = busySeconds();
const ownAtStart = process.cpuUsage();
const wallAtStart = performance.now();

// 1. A job's fixed cost.
const WORKER = `
const { workerData } = require('node:worker_threads');
const c = new Int32Array(workerData);
let seen = 0;
for (;;) {
  Atomics.wait(c, 0, seen);
  seen = Atomics.load(c, 0);
  if (seen < 0) break;
  Atomics.store(c, 1, seen);
  Atomics.notify(c, 1);
}`;
const control = new Int32Array(new SharedArrayBuffer(8));
const worker = new Worker(WORKER, { eval: true, workerData: control.buffer });
await new Promise((resolve) => setTimeout(resolve, 100));
const wakeRows: string[][] = [];
let job = 0;
for (const gapUs of [0, 200, 1000]) {
  const trips: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const g0 = performance.now();
    while ((performance.now() - g0) * 1000 < gapUs) {}
    job++;
    const t0 = performance.now();
    Atomics.store(control, 0, job);
    Atomics.notify(control, 0);
    while (Atomics.load(control, 1) !== job) Atomics.wait(control, 1, Atomics.load(control, 1), 1000);
    trips.push((performance.now() - t0) * 1000);
  }
  wakeRows.push([`${gapUs} µs`, median(trips).toFixed(1), p90(trips).toFixed(1)]);
}
/** The job cost the bounds below use: the round trip with the caller busy 200 µs between jobs. */
const wakeUs = Number(wakeRows[1][1]);
Atomics.store(control, 0, -1);
Atomics.notify(control, 0);
await worker.terminate();

// 2. What a split could gain.
const addKernel = new ElementwiseKernel(['x', 'y'], 'x + y', 'add');
const view = (t: Tensor) => ({ data: t.data, offset: t.offset, stride: [...t.stride] });
/** The slice of the WebAssembly API used here (this project's lib has no DOM types). */
interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => { buffer: ArrayBufferLike; grow(pages: number): number };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}
interface AdamKernel {
  heapBase(): number;
  adam(...args: number[]): void;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
const shared = new wasm.Memory({ initial: 1, maximum: 2048, shared: true });
const adamMemory = new wasm.Memory({ initial: 1 });
adamMemory.grow(1000);
const adamKernel = new wasm.Instance(new wasm.Module(Uint8Array.from(atob(KERNELS_SIMD), (ch) => ch.charCodeAt(0))), {
  env: { memory: adamMemory, exp: Math.exp },
}).exports as AdamKernel;
shared.grow(500);

interface Row {
  label: string;
  op: () => void;
  kernel: () => void;
  copies: () => void;
  /** Adam: no output to allocate, and its state could live in the shared memory. */
  stateful?: boolean;
}
const rows: Row[] = [];
for (const n of [101_770, 1_000_000]) {
  const x = randn([n], { seed: 1 });
  const y = randn([n], { seed: 2 });
  const xd = x.toFloat64Array();
  const yd = y.toFloat64Array();
  const out = new Float64Array(n);
  const sh = new Float64Array(shared.buffer);
  rows.push({
    label: `add(x, y), ${n}`,
    op: () => add(x, y),
    kernel: () => addKernel.run(out, x.shape, [view(x), view(y)]),
    copies: () => {
      sh.set(xd, 0);
      sh.set(yd, n);
      out.set(sh.subarray(2 * n, 3 * n));
    },
  });
  const blocks = Math.ceil(n / EXP_BLOCK);
  rows.push({
    label: `exp(x), ${n}`,
    op: () => exp(x),
    kernel: () => {
      // The WebAssembly exp kernel, block by block, each block copied into its memory first
      // (16 KiB, in L1): a little more than the kernel, so the bound favours the split.
      const s = expScratch(1);
      for (let b = 0; b < blocks; b++) {
        const len = Math.min(EXP_BLOCK, n - b * EXP_BLOCK);
        s.heap.set(xd.subarray(b * EXP_BLOCK, b * EXP_BLOCK + len), s.at);
        s.run(s.at, len, 0, 0);
      }
    },
    copies: () => {
      sh.set(xd, 0);
      out.set(sh.subarray(n, 2 * n));
    },
  });
  rows.push({ label: `sum(x), ${n}`, op: () => sum(x), kernel: () => sum(x), copies: () => sh.set(xd, 0) });
  const theta = xd.slice();
  const m = new Float64Array(n);
  const v = new Float64Array(n);
  const scalars = { b1: 0.9, b2: 0.999, stepSize: 1e-3, sqrtC2: 0.1, eps: 1e-8, decay: 1, l2: 0 };
  const base = Math.ceil(adamKernel.heapBase() / 16) * 2;
  new Float64Array(adamMemory.buffer).set(xd, base);
  rows.push({
    label: `Adam update, ${n}`,
    op: () => adamUpdate(theta, yd, m, v, undefined, scalars),
    kernel: () => adamKernel.adam(8 * base, 8 * (base + n), 8 * (base + 2 * n), 8 * (base + 3 * n), 0, n, 0.9, 0.999, 1e-3, 0.1, 1e-8, 1, 0),
    copies: () => {
      // A split would copy them into the shared memory instead.
      sh.set(theta, 0);
      sh.set(yd, n);
      sh.set(m, 2 * n);
      sh.set(v, 3 * n);
      theta.set(sh.subarray(0, n));
      m.set(sh.subarray(2 * n, 3 * n));
      v.set(sh.subarray(3 * n, 4 * n));
    },
    stateful: true,
  });
}
const samples = rows.map(() => ({ op: [] as number[], kernel: [] as number[], copies: [] as number[] }));
const time = (f: () => void) => {
  const t0 = performance.now();
  f();
  return (performance.now() - t0) * 1000;
};
for (let round = 0; round < ROUNDS; round++) {
  rows.forEach((r, i) => {
    samples[i].op.push(time(r.op));
    samples[i].kernel.push(time(r.kernel));
    samples[i].copies.push(time(r.copies));
  });
}
const splitRows = rows.map((r, i) => {
  const op = median(samples[i].op);
  const kernel = median(samples[i].kernel);
  const copies = median(samples[i].copies);
  // Adam already copies its vectors in and out: a split would copy them into the shared memory
  // instead (the copies row: the same copies into shared memory, timed apart), so its serial
  // part is what the op does beyond its kernel. The others add their copies to theirs.
  const serial = r.stateful ? op - kernel : op - kernel + copies;
  const split = serial + kernel / 2;
  // With θ, ∇, m, v resident in shared memory there is nothing to copy: half the kernel and a job.
  const resident = r.stateful ? `${(kernel / (kernel / 2 + wakeUs)).toFixed(2)}×` : '';
  return [r.label, op.toFixed(0), kernel.toFixed(0), copies.toFixed(0), serial.toFixed(0), split.toFixed(0), `${(op / split).toFixed(2)}×`, resident];
});

const own = process.cpuUsage(ownAtStart);
const wall = (performance.now() - wallAtStart) / 1000;
const others = busySeconds() - busyAtStart - (own.user + own.system) / 1e6;
console.log(
  `threads: medians of ${ROUNDS} interleaved rounds; other processes kept ${(others / wall).toFixed(2)} of ${cpus().length} cores busy during the run`,
);
console.log('');
printTable(['calling thread busy between jobs', 'wake-and-answer round trip, median (µs)', 'p90 (µs)'], wakeRows);
console.log('');
printTable(
  [
    'op, values',
    'op, one thread (µs)',
    'kernel alone (µs)',
    'copies into shared memory (µs)',
    'serial part of a split (µs)',
    'best 2-thread time (µs)',
    'best gain',
    'Adam with its state resident: best gain',
  ],
  splitRows,
);

// 3. The Adam update over resident state, 1 thread against 2.
const adamScalars = { b1: 0.9, b2: 0.999, stepSize: 1e-3, sqrtC2: 0.1, eps: 1e-8, decay: 1, l2: 0 };
const busyAtAdam = busySeconds();
const ownAtAdam = process.cpuUsage();
const wallAtAdam = performance.now();
setAdamSplit(0);
const threadsAtStart = getNumThreads();
setNumThreads(2);
const warm = allocateResident(1 << 16);
for (let tries = 0; poolTesting.readyWorkers().length < 1 && tries < 3000; tries++) {
  adamUpdate(warm, warm, warm, warm, undefined, adamScalars);
  await new Promise((resolve) => setTimeout(resolve, 1));
}
const SIZES = [1e3, 3e3, 1e4, 2e4, 3e4, 5e4, 1e5, 3e5, 1e6];
const states = SIZES.map((n) => {
  const fill = (scale: number) => {
    const x = allocateResident(n);
    for (let i = 0; i < n; i++) x[i] = scale * Math.abs(Math.sin(i));
    return x;
  };
  return { n, theta: fill(1), grad: fill(0.1), m: fill(0.01), v: fill(0.001), reps: Math.max(1, Math.round(3e5 / n)) };
});
const adamSamples = states.map(() => ({ one: [] as number[], two: [] as number[] }));
const adamCpu = states.map(() => ({ one: [] as number[], two: [] as number[] }));
/** Wall µs per update; pushes the process's CPU µs per update (all its threads) onto `cpu`. */
const timeAdam = (st: (typeof states)[number], threads: number, cpu: number[]) => {
  setNumThreads(threads);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let r = 0; r < st.reps; r++) adamUpdate(st.theta, st.grad, st.m, st.v, undefined, adamScalars);
  const wall = ((performance.now() - t0) * 1000) / st.reps;
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / st.reps);
  return wall;
};
for (let round = 0; round < ROUNDS; round++) {
  states.forEach((st, i) => {
    if (round % 2 === 0) {
      adamSamples[i].one.push(timeAdam(st, 1, adamCpu[i].one));
      adamSamples[i].two.push(timeAdam(st, 2, adamCpu[i].two));
    } else {
      adamSamples[i].two.push(timeAdam(st, 2, adamCpu[i].two));
      adamSamples[i].one.push(timeAdam(st, 1, adamCpu[i].one));
    }
  });
}
setNumThreads(threadsAtStart);
setAdamSplit(undefined);
const adamRows = states.map((st, i) => {
  const one = median(adamSamples[i].one);
  const two = median(adamSamples[i].two);
  const cpuRatio = median(adamCpu[i].two.map((t, r) => t / adamCpu[i].one[r]));
  return [String(st.n), one.toFixed(1), two.toFixed(1), `${(one / two).toFixed(2)}×`, `${cpuRatio.toFixed(2)}×`];
});
const ownAdam = process.cpuUsage(ownAtAdam);
const wallAdam = (performance.now() - wallAtAdam) / 1000;
const othersAdam = busySeconds() - busyAtAdam - (ownAdam.user + ownAdam.system) / 1e6;
console.log('');
console.log(`Adam on threads: medians of ${ROUNDS} rounds; other processes kept ${(othersAdam / wallAdam).toFixed(2)} of ${cpus().length} cores busy`);
printTable(['Adam update over resident θ, ∇, m, v: values', '1 thread (µs)', '2 threads (µs)', 'gain', 'CPU time of all threads, 2 against 1'], adamRows);
