/**
 * The kernels' thread pool: products of many shapes and layouts (transposed, stepped, reversed,
 * stride-0 broadcast, batched, batched with a broadcast operand) have the same bits with 1, 2
 * and 4 threads on every WebAssembly path, and match a plain triple loop; a worker that throws
 * or dies surfaces a ThreadError and the next product works (on a new pool); a process that
 * used threads exits by itself; AD_THREADS sets the count. The workers are the built
 * dist/kernels/pool-worker.js: run `tsc -b` first (the test commands do).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setNumThreads, ThreadError } from '../src/index.js';
import { poolTesting, wasmShared } from '../src/engine/index.js';
import { gemmBatch, setKernels, type KernelMode } from '../src/kernels/paths.js';
import { PREEMPTED_MS, SPIN_MS, Watch } from '../src/kernels/pool-control.js';
import { SPLIT_MNK, wasmStatus } from '../src/kernels/wasm.js';
import { filled, type GemmCase, setUpPoolTests } from './kernel-test-support.js';

setUpPoolTests();

const ROOT = join(__dirname, '..', '..', '..');
const WORKER = join(ROOT, 'packages', 'core', 'dist', 'kernels', 'pool-worker.js');

/** A rows×cols operand laid out as named, in a buffer of its own, for each of `count` items. */
function layout(kind: 'row' | 'col' | 'stepped' | 'reversed' | 'broadcast', rows: number, cols: number, count: number, seed: number) {
  const size = rows * cols;
  switch (kind) {
    case 'row':
      return { data: filled(count * size, seed), offsets: Array.from({ length: count }, (_, t) => t * size), rs: cols, cs: 1 };
    case 'col':
      return { data: filled(count * size, seed), offsets: Array.from({ length: count }, (_, t) => t * size), rs: 1, cs: rows };
    case 'stepped':
      // Every 2nd column of every 3rd row of a larger row-major matrix.
      return { data: filled(count * 6 * size, seed), offsets: Array.from({ length: count }, (_, t) => t * 6 * size + 1), rs: 6 * cols, cs: 2 };
    case 'reversed':
      // A row-major buffer read back to front.
      return { data: filled(count * size, seed), offsets: Array.from({ length: count }, (_, t) => count * size - 1 - t * size), rs: -cols, cs: -1 };
    case 'broadcast':
      // One matrix for every item of the batch (a broadcast batch dimension), rows repeated by stride 0.
      return { data: filled(cols, seed), offsets: Array.from({ length: count }, () => 0), rs: 0, cs: 1 };
  }
}

function makeCase(
  name: string,
  m: number,
  n: number,
  k: number,
  count: number,
  aKind: Parameters<typeof layout>[0],
  bKind: Parameters<typeof layout>[0],
): GemmCase {
  const a = layout(aKind, m, k, count, 1);
  const b = layout(bKind, k, n, count, 2);
  return { name, m, n, k, a: a.data, aOffsets: a.offsets, aRs: a.rs, aCs: a.cs, b: b.data, bOffsets: b.offsets, bRs: b.rs, bCs: b.cs };
}

/** Every product here has at least SPLIT_MNK multiply-adds (checked below), so each is split when there are threads. */
const CASES: GemmCase[] = [
  makeCase('x·Wᵀ of the MLP, [64,784]·[784,128]ᵀ', 64, 128, 784, 1, 'row', 'col'),
  makeCase('ȳᵀ·x of the MLP, [128,64]ᵀ·[64,784]', 128, 784, 64, 1, 'col', 'row'),
  makeCase('A·B, sizes no block divides', 107, 75, 131, 1, 'row', 'row'),
  makeCase('Aᵀ·Bᵀ', 110, 106, 90, 1, 'col', 'col'),
  makeCase('few rows, many columns (split by columns)', 5, 700, 300, 1, 'row', 'row'),
  makeCase('many rows, few columns (split by rows)', 1500, 6, 120, 1, 'row', 'col'),
  makeCase('stepped A, reversed B', 96, 92, 120, 1, 'stepped', 'reversed'),
  makeCase('stride-0 rows of A', 100, 110, 100, 1, 'broadcast', 'row'),
  makeCase('batch of 3 (each item split)', 60, 80, 80, 3, 'row', 'row'),
  makeCase('batch of 10 (split by items)', 40, 50, 60, 10, 'row', 'col'),
  makeCase('batch of 7 with a broadcast B', 40, 60, 70, 7, 'stepped', 'broadcast'),
];

function product(c: GemmCase): Float64Array {
  const out = new Float64Array(c.aOffsets.length * c.m * c.n);
  gemmBatch(c.m, c.n, c.k, c.a, c.aOffsets, c.aRs, c.aCs, c.b, c.bOffsets, c.bRs, c.bCs, out);
  return out;
}

/** The same product by a plain triple loop. */
function naive(c: GemmCase): Float64Array {
  const out = new Float64Array(c.aOffsets.length * c.m * c.n);
  for (let t = 0; t < c.aOffsets.length; t++) {
    for (let i = 0; i < c.m; i++) {
      for (let j = 0; j < c.n; j++) {
        let s = 0;
        for (let p = 0; p < c.k; p++) s += c.a[c.aOffsets[t] + i * c.aRs + p * c.aCs] * c.b[c.bOffsets[t] + p * c.bRs + j * c.bCs];
        out[(t * c.m + i) * c.n + j] = s;
      }
    }
  }
  return out;
}

/** Whether two arrays hold the same bits (NaN payloads and −0 included). */
function sameBits(x: Float64Array, y: Float64Array): boolean {
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sets n threads and waits until n − 1 workers are ready (products start them). */
async function threadsReady(n: number): Promise<void> {
  setNumThreads(n);
  const deadline = Date.now() + 30_000;
  while (poolTesting.readyWorkers().length < n - 1) {
    if (Date.now() > deadline) throw new Error(`only ${poolTesting.readyWorkers().length} of ${n - 1} workers started`);
    product(CASES[0]);
    await sleep(10);
  }
}

test('the worker file is built, the kernels run over shared memory here, and every product is large enough to split', () => {
  expect(existsSync(WORKER)).toBe(true);
  expect(wasmShared()).toBe(true);
  for (const c of CASES) expect([c.name, c.m * c.n * c.k * c.aOffsets.length >= SPLIT_MNK]).toEqual([c.name, true]);
});

const modes: KernelMode[] = ['auto', 'wasm', 'wasm-relaxed'];
describe.each(modes)("kernel mode '%s'", (mode) => {
  test('1, 2 and 4 threads give the same bits for every shape and layout, and the triple loop’s values', async () => {
    if (mode === 'wasm-relaxed') expect(wasmStatus('wasm-relaxed')).toBe(true);
    setKernels(mode);
    setNumThreads(1);
    const single = CASES.map(product);
    CASES.forEach((c, i) => {
      const want = naive(c);
      const err = single[i].reduce((e, v, j) => Math.max(e, Math.abs(v - want[j]) / (1 + Math.abs(want[j]))), 0);
      expect([c.name, err < 1e-12]).toEqual([c.name, true]);
    });
    for (const n of [2, 4]) {
      await threadsReady(n);
      const before = poolTesting.counts();
      const threaded = CASES.map(product);
      const after = poolTesting.counts();
      // Every product was a job for n threads, and the workers computed blocks of each.
      expect(after.jobs - before.jobs).toBe(CASES.length);
      expect(after.byWorkers - before.byWorkers).toBeGreaterThanOrEqual(CASES.length);
      CASES.forEach((c, i) => expect([c.name, n, sameBits(threaded[i], single[i])]).toEqual([c.name, n, true]));
    }
  });
});

test('a waiting thread watches for SPIN_MS of looks, and blocks at once after a gap between looks (taken off its core)', () => {
  const busy = (ms: number) => {
    const t0 = performance.now();
    while (performance.now() - t0 < ms);
  };
  // Looks back to back (nothing else between them: an expect's own time would be a gap). A
  // pause longer than PREEMPTED_MS (the engine's, or the system's on a busy machine) ends a
  // watch early, so the first of up to 20 that is not cut short counts.
  let steady = { ms: 0, looks: 0 };
  for (let attempt = 0; attempt < 20 && steady.ms < SPIN_MS; attempt++) {
    const t0 = performance.now();
    const watch = new Watch();
    let looks = 0;
    while (watch.again()) looks++;
    steady = { ms: performance.now() - t0, looks };
  }
  expect(steady.ms).toBeGreaterThanOrEqual(SPIN_MS);
  expect(steady.looks).toBeGreaterThan(100);
  // Within a long watch, a gap longer than PREEMPTED_MS ends it, unless it was work.
  const preempted = new Watch(60_000);
  const before = preempted.again();
  busy(2 * PREEMPTED_MS);
  expect([before, preempted.again()]).toEqual([true, false]);
  const working = new Watch(60_000);
  busy(2 * PREEMPTED_MS);
  working.resume();
  expect(working.again()).toBe(true);
});

describe('a failing worker', () => {
  const c = CASES[0];
  let want: Float64Array;
  beforeAll(() => {
    setKernels('auto');
    setNumThreads(1);
    want = product(c);
  });
  afterEach(() => poolTesting.setDeadline(10_000));

  test.each(['throw', 'die'] as const)('that %ss: a ThreadError in the caller, and the next products work', async (kind) => {
    await threadsReady(2);
    // A worker that dies is found by the deadline; a short one keeps the test quick.
    poolTesting.setDeadline(300);
    poolTesting.injectFault(kind);
    let error: unknown;
    try {
      product(c);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ThreadError);
    expect((error as ThreadError).message).toMatch(
      kind === 'throw' ? /^matmul: a worker failed/ : /^matmul: \d+ of \d+ blocks were not finished within \d+ ms/,
    );
    // The pool was stopped: this product runs while a new one starts, then on it.
    expect(sameBits(product(c), want)).toBe(true);
    await threadsReady(2);
    const before = poolTesting.counts().jobs;
    expect(sameBits(product(c), want)).toBe(true);
    expect(poolTesting.counts().jobs).toBe(before + 1);
  });
});

/** Runs `body` (ES module code with core and engine in scope) in a fresh Node process on the build. */
function inProcess(body: string, env: Record<string, string>) {
  const dist = join(ROOT, 'packages', 'core', 'dist');
  const script = `import * as core from ${JSON.stringify(join(dist, 'index.js'))};
import * as engine from ${JSON.stringify(join(dist, 'engine', 'index.js'))};
${body}`;
  // The idle workers would leave after 10 s by themselves: a process that is still there
  // after 9 s was kept alive by them.
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 9_000, env: { ...process.env, ...env } });
}

test('a process that used threads exits by itself, and AD_THREADS sets their number', () => {
  const run = inProcess(
    `const a = core.randn([64, 784], { seed: 1 });
const w = core.randn([784, 128], { seed: 2 });
const want = core.matmul(a, w).toArray();
while (engine.poolTesting.readyWorkers().length < 2) {
  core.matmul(a, w);
  await new Promise((resolve) => setTimeout(resolve, 10));
}
const got = core.matmul(a, w).toArray();
process.stdout.write(JSON.stringify({ threads: core.getNumThreads(), jobs: engine.poolTesting.counts().jobs, same: JSON.stringify(got) === JSON.stringify(want) }));`,
    { AD_THREADS: '3' },
  );
  expect([run.status, run.signal, run.stderr]).toEqual([0, null, '']);
  const out = JSON.parse(run.stdout) as { threads: number; jobs: number; same: boolean };
  expect(out.threads).toBe(3);
  expect(out.jobs).toBeGreaterThan(0);
  expect(out.same).toBe(true);
});

test.each(['0', '1.5', 'two'])('AD_THREADS=%s is refused by name', (value) => {
  const run = inProcess('', { AD_THREADS: value });
  expect(run.status).not.toBe(0);
  expect(run.stderr).toMatch(/ValueError: AD_THREADS: setNumThreads: expects a whole number of threads from 1 to 64/);
});
