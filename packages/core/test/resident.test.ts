/**
 * Resident arrays (kernels/resident.ts over kernels/arena.ts): the arena's blocks (aligned,
 * first fit, coalesced, never overlapping the scratch region), resident arrays in the kernels'
 * shared memory here (Node) and plain ones past the cap or on the 'js' path, and products and
 * Adam updates over residents bit for bit those of the copying path, with 1 and 2 threads and
 * every mix of resident and plain operands. The workers are the built dist/kernels/pool-worker.js.
 */
import { setNumThreads, ThreadError } from '../src/index.js';
import { adamUpdate, allocateResident, BufferPlan, isResident, poolTesting, residentBytes, setResidentCap, type AdamUpdate } from '../src/engine/index.js';
import { Arena, type ArenaMemory } from '../src/kernels/arena.js';
import { gemmBatch, setKernels } from '../src/kernels/paths.js';
import { ADAM_SPLIT, setAdamSplit, wasmStatus } from '../src/kernels/wasm.js';
import { filled, type GemmCase, setUpPoolTests } from './kernel-test-support.js';

setUpPoolTests(() => setResidentCap(undefined));

/** A resident copy of x. */
function resident(x: Float64Array): Float64Array {
  const out = allocateResident(x.length);
  out.set(x);
  return out;
}

function sameBits(x: Float64Array, y: Float64Array): boolean {
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
}

describe('the arena', () => {
  const PAGE = 65536;
  const { Memory } = (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number; maximum: number; shared: boolean }) => ArenaMemory } })
    .WebAssembly;
  const fresh = () => new Arena(new Memory({ initial: 1, maximum: 64, shared: true }), 1000);

  test('blocks are 16-byte aligned, disjoint, reused first fit, and coalesce back into one run', () => {
    const arena = fresh();
    const total = arena.freeBytes;
    expect(total).toBe(PAGE - 1008);
    const sizes = [8, 24, 1000, 8, 40000];
    const at = sizes.map((s) => arena.allocate(s, Infinity));
    at.forEach((a, i) => {
      expect(a % 16).toBe(0);
      expect(a).toBeGreaterThanOrEqual(1008);
      if (i > 0) expect(a).toBeGreaterThanOrEqual(at[i - 1] + sizes[i - 1]);
    });
    expect(arena.residentBytes).toBe(16 + 32 + 1008 + 16 + 40000);
    arena.freeResident(at[1], sizes[1]);
    arena.freeResident(at[3], sizes[3]);
    // First fit: a 16-byte block goes into the first hole.
    expect(arena.allocate(16, Infinity)).toBe(at[1]);
    arena.freeResident(at[1], 16);
    for (const i of [0, 2, 4]) arena.freeResident(at[i], sizes[i]);
    expect(arena.residentBytes).toBe(0);
    expect(arena.freeBytes).toBe(total);
    expect(arena.allocate(total, Infinity)).toBe(1008);
  });

  test('the memory grows for what does not fit, and refuses past its maximum and past the cap', () => {
    const arena = fresh();
    const a = arena.allocate(3 * PAGE, Infinity);
    expect(a).toBe(1008);
    expect(arena.memory.buffer.byteLength).toBe(4 * PAGE);
    expect(arena.allocate(64 * PAGE, Infinity)).toBe(-1);
    expect(arena.allocate(100, 3 * PAGE + 50)).toBe(-1);
    expect(arena.allocate(100, 3 * PAGE + 112)).toBeGreaterThan(a);
  });

  test('scratch never overlaps a resident block, and a larger scratch moves', () => {
    const arena = fresh();
    const s1 = arena.scratch(5000);
    const r = arena.allocate(5000, Infinity);
    expect(r >= s1 + 5000 || r + 5000 <= s1).toBe(true);
    expect(arena.scratch(4000)).toBe(s1);
    const s2 = arena.scratch(20000);
    expect(s2 >= r + 5000 || s2 + 20000 <= r).toBe(true);
    // The old region is free again: a resident block may take it.
    expect(arena.allocate(5000, Infinity)).toBe(s1);
  });

  test('views made before the memory grew stay valid and count as in it', () => {
    const arena = fresh();
    const at = arena.allocate(80, Infinity);
    const x = arena.view(at, 10);
    x.fill(3);
    arena.allocate(10 * PAGE, Infinity);
    expect(x.length).toBe(10);
    expect(Array.from(x)).toEqual(new Array(10).fill(3));
    expect(arena.addressOf(x)).toBe(at);
    expect(arena.addressOf(x.subarray(2))).toBe(at + 16);
    expect(arena.addressOf(arena.view(at, 10))).toBe(at);
    expect(arena.addressOf(new Float64Array(10))).toBe(-1);
  });
});

describe('allocateResident', () => {
  afterEach(() => {
    setKernels('auto');
    setResidentCap(undefined);
  });

  test('gives zeroed arrays in the kernels’ shared memory here, counted while alive', () => {
    const before = residentBytes();
    const x = allocateResident(1001);
    expect(isResident(x)).toBe(true);
    expect(x.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(x.byteOffset % 16).toBe(0);
    expect(Array.from(x).every((v) => v === 0)).toBe(true);
    expect(residentBytes() - before).toBe(8016);
    const y = allocateResident(3);
    expect(isResident(y)).toBe(true);
    expect(y.byteOffset >= x.byteOffset + 8008 || y.byteOffset + 24 <= x.byteOffset).toBe(true);
  });

  test('past the cap, and on the js path, arrays are plain', () => {
    setResidentCap(residentBytes() + 100);
    expect(isResident(allocateResident(8))).toBe(true);
    const over = allocateResident(20);
    expect(isResident(over)).toBe(false);
    expect(Object.prototype.toString.call(over.buffer)).toBe('[object ArrayBuffer]');
    expect(over.length).toBe(20);
    setResidentCap(undefined);
    setKernels('js');
    expect(isResident(allocateResident(100))).toBe(false);
  });

  test('a BufferPlan’s arrays are resident', () => {
    const plan = new BufferPlan();
    const [a, b] = plan.run(() => [plan.take(600, true), plan.take(4, false)]);
    expect(isResident(a) && isResident(b)).toBe(true);
  });
});

/** The products, each run with every operand resident or not and C resident or not. */
const PRODUCTS: GemmCase[] = [
  // x·Wᵀ of a 784-128-10 MLP: W read transposed where it lies.
  {
    name: 'x·Wᵀ [64,784]·[784,128]ᵀ',
    m: 64,
    n: 128,
    k: 784,
    a: filled(64 * 784, 1),
    aOffsets: [0],
    aRs: 784,
    aCs: 1,
    b: filled(128 * 784, 2),
    bOffsets: [0],
    bRs: 1,
    bCs: 784,
  },
  // A thin, stepped slice of a larger matrix (which the copying path gathers) times a reversed B.
  {
    name: 'stepped A, reversed B',
    m: 20,
    n: 30,
    k: 40,
    a: filled(6 * 20 * 40, 3),
    aOffsets: [1],
    aRs: 6 * 40,
    aCs: 2,
    b: filled(40 * 30, 4),
    bOffsets: [40 * 30 - 1],
    bRs: -30,
    bCs: -1,
  },
  // A batch of 5 with a broadcast B (stride-0 batch).
  {
    name: 'batch of 5, broadcast B',
    m: 24,
    n: 36,
    k: 48,
    a: filled(5 * 24 * 48, 5),
    aOffsets: [0, 1, 2, 3, 4].map((t) => t * 24 * 48),
    aRs: 48,
    aCs: 1,
    b: filled(48 * 36, 6),
    bOffsets: [0, 0, 0, 0, 0],
    bRs: 36,
    bCs: 1,
  },
];

function product(p: GemmCase, a: Float64Array, b: Float64Array, out: Float64Array): Float64Array {
  gemmBatch(p.m, p.n, p.k, a, p.aOffsets, p.aRs, p.aCs, b, p.bOffsets, p.bRs, p.bCs, out);
  return out;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function threadsReady(n: number): Promise<void> {
  setNumThreads(n);
  const deadline = Date.now() + 30_000;
  const p = PRODUCTS[0];
  while (poolTesting.readyWorkers().length < n - 1) {
    if (Date.now() > deadline) throw new Error(`only ${poolTesting.readyWorkers().length} of ${n - 1} workers started`);
    product(p, p.a, p.b, new Float64Array(p.m * p.n));
    await sleep(10);
  }
}

const modes = ['wasm', 'wasm-relaxed'] as const;
describe.each(modes)("products over resident operands, kernel mode '%s'", (mode) => {
  test('every mix of resident A, B and C gives the copying path’s bits, with 1 and 2 threads', async () => {
    expect(wasmStatus(mode)).toBe(true);
    setKernels(mode);
    for (const threads of [1, 2]) {
      if (threads === 1) setNumThreads(1);
      else await threadsReady(threads);
      for (const p of PRODUCTS) {
        const size = p.aOffsets.length * p.m * p.n;
        setNumThreads(1);
        const want = product(p, p.a, p.b, new Float64Array(size));
        setNumThreads(threads);
        const jobs = poolTesting.counts().jobs;
        for (let mix = 1; mix < 8; mix++) {
          const a = mix & 1 ? resident(p.a) : p.a;
          const b = mix & 2 ? resident(p.b) : p.b;
          const c = mix & 4 ? allocateResident(size) : new Float64Array(size);
          expect(isResident(c)).toBe((mix & 4) !== 0);
          product(p, a, b, c);
          expect([p.name, threads, mix, sameBits(c, want)]).toEqual([p.name, threads, mix, true]);
          // The operands are read, never written.
          expect(sameBits(a, p.a) && sameBits(b, p.b)).toBe(true);
        }
        // The MLP's product is split among the threads, resident operands and all.
        if (threads === 2 && p === PRODUCTS[0]) expect(poolTesting.counts().jobs - jobs).toBe(7);
      }
    }
    setNumThreads(1);
  });
});

describe('Adam over resident state', () => {
  const t = 2;
  const s: AdamUpdate = { b1: 0.9, b2: 0.999, stepSize: 1e-3 / (1 - 0.9 ** t), sqrtC2: Math.sqrt(1 - 0.999 ** t), eps: 1e-8, decay: 1 - 1e-5, l2: 0.01 };
  beforeAll(() => setKernels('wasm'));
  afterAll(() => setKernels('auto'));

  test.each([false, true])(
    'every mix of resident θ, m, v, vMax and gradient (contiguous and transposed) gives the copying path’s bits (AMSGrad %s)',
    (amsgrad) => {
      const rows = 13;
      const cols = 11;
      const n = rows * cols;
      const theta = filled(n, 1);
      const grad = filled(n, 2);
      const m = filled(n, 3).map((x) => 0.1 * x);
      const v = filled(n, 4).map((x) => 0.01 * Math.abs(x));
      const vMax = amsgrad ? v.map((x, j) => (j % 2 === 0 ? 2 * x : 0)) : undefined;
      // The gradient as Linear's W̄ comes: the transpose of a contiguous cols×rows matrix.
      const gradT = new Float64Array(n);
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) gradT[j * rows + i] = grad[i * cols + j];
      const run = (mix: number, transposed: boolean) => {
        const pick = (x: Float64Array, bit: number) => (mix & bit ? resident(x) : Float64Array.from(x));
        const state = [pick(theta, 1), pick(m, 2), pick(v, 4)];
        const w = vMax === undefined ? undefined : pick(vMax, 8);
        const g = pick(transposed ? gradT : grad, 16);
        for (let step = 0; step < 2; step++) {
          adamUpdate(state[0], transposed ? { data: g, offset: 0, rows, cols, rs: 1, cs: rows } : g, state[1], state[2], w, s);
        }
        return w === undefined ? state : [...state, w];
      };
      for (const transposed of [false, true]) {
        const want = run(0, transposed);
        for (let mix = 1; mix < 32; mix++) {
          const got = run(mix, transposed);
          got.forEach((x, i) => expect([transposed, mix, i, sameBits(x, want[i])]).toEqual([transposed, mix, i, true]));
        }
      }
    },
  );
});

describe('Adam over resident state on threads', () => {
  // 129 × 785 values: more than ADAM_SPLIT (the split turned on at it), with an odd count, odd
  // rows and odd columns, so the last unit, the last row and the last column take the kernel's
  // one-lane paths.
  const rows = 129;
  const cols = 785;
  const n = rows * cols;
  beforeAll(() => {
    setKernels('wasm');
    setAdamSplit(ADAM_SPLIT);
  });
  afterAll(() => {
    setKernels('auto');
    setNumThreads(1);
    setAdamSplit(undefined);
  });

  test.each([
    [false, 1, 0],
    [true, 1, 0],
    [false, 1 - 1e-4, 0],
    [true, 1, 0.01],
  ])(
    '1, 2 and 4 threads give the bits of one thread and of the JavaScript loop, contiguous and transposed gradient (AMSGrad %s, decay %f, l2 %f)',
    async (amsgrad, decay, l2) => {
      expect(n).toBeGreaterThanOrEqual(ADAM_SPLIT);
      const grad = filled(n, 2);
      const gradT = new Float64Array(n);
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) gradT[j * rows + i] = grad[i * cols + j];
      const run = (transposed: boolean, resident: (x: Float64Array) => Float64Array) => {
        const theta = resident(filled(n, 1));
        const m = resident(filled(n, 3).map((x) => 0.1 * x));
        const v = resident(filled(n, 4).map((x) => 0.01 * Math.abs(x)));
        const vMax = amsgrad ? resident(filled(n, 5).map((x, j) => (j % 3 === 0 ? 0.02 * Math.abs(x) : 0))) : undefined;
        const g = resident(transposed ? gradT : grad);
        for (let t = 1; t <= 3; t++) {
          const s: AdamUpdate = { b1: 0.9, b2: 0.999, stepSize: 1e-3 / (1 - 0.9 ** t), sqrtC2: Math.sqrt(1 - 0.999 ** t), eps: 1e-8, decay, l2 };
          adamUpdate(theta, transposed ? { data: g, offset: 0, rows, cols, rs: 1, cs: rows } : g, m, v, vMax, s);
        }
        return vMax === undefined ? [theta, m, v] : [theta, m, v, vMax];
      };
      for (const transposed of [false, true]) {
        setNumThreads(1);
        setKernels('js');
        const js = run(transposed, (x) => Float64Array.from(x));
        setKernels('wasm');
        const one = run(transposed, resident);
        one.forEach((x, i) => expect([transposed, 'js', i, sameBits(x, js[i])]).toEqual([transposed, 'js', i, true]));
        for (const threads of [2, 4]) {
          await threadsReady(threads);
          const before = poolTesting.counts();
          const got = run(transposed, resident);
          const after = poolTesting.counts();
          // Every update (3) was a job, and the workers computed some of its blocks.
          expect([transposed, threads, after.jobs - before.jobs >= 3, after.byWorkers > before.byWorkers]).toEqual([transposed, threads, true, true]);
          got.forEach((x, i) => expect([transposed, threads, i, sameBits(x, one[i])]).toEqual([transposed, threads, i, true]));
        }
      }
    },
  );
});

test('an Adam update stays on the calling thread by default, below the threshold, and with any operand not resident', async () => {
  setKernels('wasm');
  await threadsReady(2);
  const n = 2 * ADAM_SPLIT;
  const s: AdamUpdate = { b1: 0.9, b2: 0.999, stepSize: 1e-3, sqrtC2: 0.1, eps: 1e-8, decay: 1, l2: 0 };
  const arrays = () => [1, 2, 3, 4].map((seed) => resident(filled(n, seed)));
  const jobsOf = (f: () => void) => {
    const before = poolTesting.counts().jobs;
    f();
    return poolTesting.counts().jobs - before;
  };
  const [theta, g, m, v] = arrays();
  const jobs: number[] = [];
  jobs.push(jobsOf(() => adamUpdate(theta, g, m, v, undefined, s)));
  setAdamSplit(ADAM_SPLIT);
  jobs.push(jobsOf(() => adamUpdate(theta, g, m, v, undefined, s)));
  jobs.push(jobsOf(() => adamUpdate(theta.subarray(0, ADAM_SPLIT - 2), g, m, v, undefined, s)));
  jobs.push(jobsOf(() => adamUpdate(theta, Float64Array.from(g), m, v, undefined, s)));
  jobs.push(jobsOf(() => adamUpdate(theta, g, Float64Array.from(m), v, undefined, s)));
  setAdamSplit(undefined);
  setKernels('auto');
  setNumThreads(1);
  // Off by default; on, the one update with every operand resident and enough values is a job.
  expect(jobs).toEqual([0, 1, 0, 0, 0]);
});

test('a worker that throws during a shared Adam update: a ThreadError that says the update is part done, and the next updates work', async () => {
  setKernels('wasm');
  setAdamSplit(ADAM_SPLIT);
  const n = 2 * ADAM_SPLIT;
  const s: AdamUpdate = { b1: 0.9, b2: 0.999, stepSize: 1e-3, sqrtC2: 0.1, eps: 1e-8, decay: 1, l2: 0 };
  const arrays = () => [1, 2, 3, 4].map((seed) => resident(filled(n, seed)));
  const [theta, g, m, v] = arrays();
  setNumThreads(1);
  adamUpdate(theta, g, m, v, undefined, s);
  await threadsReady(2);
  poolTesting.injectFault('throw');
  let error: unknown;
  try {
    adamUpdate(theta, g, m, v, undefined, s);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ThreadError);
  expect((error as ThreadError).message).toMatch(/^Adam\.step: a worker failed .*; this update was left part done/);
  // On fresh arrays, the pool restarting: the one-thread bits, then the same on two threads.
  const want = arrays();
  setNumThreads(1);
  adamUpdate(want[0], want[1], want[2], want[3], undefined, s);
  setNumThreads(2);
  for (const run of ['while the pool restarts', 'on the new pool']) {
    if (run === 'on the new pool') await threadsReady(2);
    const got = arrays();
    adamUpdate(got[0], got[1], got[2], got[3], undefined, s);
    got.forEach((x, i) => expect([run, i, sameBits(x, want[i])]).toEqual([run, i, true]));
  }
  setAdamSplit(undefined);
  setKernels('auto');
  setNumThreads(1);
});
