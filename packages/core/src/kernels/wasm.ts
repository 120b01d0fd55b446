/**
 * The WebAssembly kernels (assembly/gemm.ts, adam.ts and exp.ts, compiled into
 * wasm-binary.ts): loading them synchronously, and moving operands in and out of their memory.
 *
 * Most tensors live in Float64Arrays on the JavaScript heap, which WebAssembly cannot read, so
 * a product copies A and B into the module's memory and C back out: O(n²) copies around an
 * O(n³) kernel, which is why the smallest products stay in JavaScript (see paths.ts). Each
 * operand is copied as the span of the buffer its view covers, one `set` (a memcpy), and the
 * kernel reads it through the view's own strides, so transposed, broadcast and batched
 * operands cost no more than contiguous ones; a view that covers much less than its span (a
 * thin slice of a large matrix) is gathered element by element instead. Resident arrays
 * (resident.ts: parameters, optimizer state, a BufferPlan's buffers) already lie in the shared
 * memory: a product reads them, and writes a resident C, where they are, and the Adam kernel
 * updates them in place.
 *
 * Over the plain memory the operands go into one scratch region above the kernel's static
 * data, reused by every call: memory grows to the largest product seen and no further. Over the
 * shared memory the scratch region is a block of its arena (arena.ts), which also holds the
 * resident blocks, so the two never overlap. A product that would need more than MAX_BYTES
 * runs in JavaScript instead.
 *
 * The kernels import their memory, made here, and there are two. Every kernel runs over a
 * plain memory, as the only thread. Where the engine has shared memory (Node; a page that is
 * cross-origin isolated), products worth splitting among threads, and products with a resident
 * operand, run over a shared WebAssembly.Memory instead, with the builds over shared memory, so
 * that the workers of the thread pool (pool.ts) instantiate the same modules over the same
 * memory and each compute blocks of C. Products of plain operands on one thread stay on the
 * plain memory: copying into a SharedArrayBuffer costs about 1.7× a plain memcpy (V8 copies it
 * with relaxed atomics; 0.028 against 0.017 ms for 101,770 values, Node 20), which only threads
 * repay. Both variants (plain and relaxed SIMD) share each memory: their static data has one
 * layout.
 */
import { EXP_TABLE, exp } from '../special.js';
import { Arena } from './arena.js';
import { gatherRowMajor, type Gradient, type GradientView } from './gradient-view.js';
import { JOB, MAX_UNITS } from './pool-control.js';
import { getNumThreads, readyWorkers, runJob } from './pool.js';
import { KERNELS_RELAXED_SIMD, KERNELS_RELAXED_SIMD_SHARED, KERNELS_SIMD, KERNELS_SIMD_SHARED, MEMORY_PAGES } from './wasm-binary.js';

/** The two builds of the kernel: plain SIMD, and relaxed SIMD with fused multiply-add. */
export type WasmVariant = 'wasm' | 'wasm-relaxed';

/** The memory the kernels import: a WebAssembly.Memory, shared or not. */
interface KernelMemory {
  buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}

/** The slice of the WebAssembly API used here; absent where the engine has none. */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => KernelMemory;
}

interface GemmExports {
  heapBase(): number;
  packBytes(): number;
  gemmUnits(task: number, first: number, end: number, pack: number): void;
  packUnits(k: number, n: number): number;
  adam(
    theta: number,
    grad: number,
    m: number,
    v: number,
    vMax: number,
    n: number,
    b1: number,
    b2: number,
    stepSize: number,
    sqrtC2: number,
    eps: number,
    decay: number,
    l2: number,
  ): void;
  adamTransposed(
    theta: number,
    gradT: number,
    m: number,
    v: number,
    vMax: number,
    rows: number,
    cols: number,
    b1: number,
    b2: number,
    stepSize: number,
    sqrtC2: number,
    eps: number,
    decay: number,
    l2: number,
  ): void;
  adamUnits(task: number, first: number, end: number): void;
  expTable(): number;
  expInPlace(x: number, n: number, acc: number, shift: number): number;
}

/** Largest scratch region (operands and result) a product may take: 1 GiB. */
const MAX_BYTES = 2 ** 30;
const PAGE = 65536;
/**
 * Products with fewer multiply-adds (m·n·k summed over the batch) than this (about 102³) run
 * on one thread. Process CPU time of all threads with 2 threads against 1, interleaved: 1.51×
 * at 48³ (23 µs alone), 1.36× at 64³, 1.09× at 96³, 1.06× at 128³ (254 µs): the second thread
 * costs a wake-up (tens of µs) and the copies through shared memory, so with half the work
 * each, below about 100³ it gains little or nothing. (Wall times were not measurable: other
 * processes kept both cores busy.)
 */
export const SPLIT_MNK = 2 ** 20;

/** Kernels instantiated over one memory, and a view of it (renewed when the memory grows). */
interface Space {
  exports: GemmExports;
  /** The compiled module (the shared build's is what the pool's workers instantiate). */
  module: object;
  memory: KernelMemory;
  /**
   * Where the scratch region starts: over the plain memory, the first 16-byte-aligned byte past
   * the static data; over the shared one, wherever its arena put the region at the last reserve.
   */
  base: number;
  /** The allocator of the shared memory (scratch and resident blocks); undefined over the plain one. */
  arena?: Arena;
  heap: Float64Array;
  /** The same memory as 32-bit words (a product's task). */
  words: Int32Array;
}

/** One loaded variant: over the plain memory, and over the shared one once a product needs it. */
interface Loaded extends Space {
  /** Undefined until first needed; null where the engine has no shared memory. */
  threaded?: Space | null;
}

const loaded = new Map<WasmVariant, Loaded | string>();

/** The two memories the variants import, each made on its first use (null: no shared memory here). */
let plainMemory: KernelMemory | undefined;
let sharedMemory: KernelMemory | null | undefined;
/** The allocator of the shared memory, made with it. */
let sharedArena: Arena | undefined;

function decode(base64: string): Uint8Array {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** Instantiates `bytes` over `memory` and fills the exp table in it. */
function instantiate(api: WasmApi, bytes: Uint8Array, memory: KernelMemory): Space {
  const module = new api.Module(bytes);
  // The exp kernel calls the host's Math.exp where the result is not a normal number.
  const exports = new api.Instance(module, { env: { memory, exp: Math.exp } }).exports as GemmExports;
  const base = (exports.heapBase() + 15) & ~15;
  const heap = new Float64Array(memory.buffer);
  heap.set(EXP_TABLE, exports.expTable() / 8);
  return { exports, module, memory, base, heap, words: new Int32Array(memory.buffer) };
}

/**
 * Instantiates one variant, once. Returns why not as a string: no WebAssembly at all, an
 * engine that does not validate the instructions (relaxed SIMD on Node 20 without
 * --experimental-wasm-relaxed-simd), or a page whose CSP forbids compiling WebAssembly.
 */
function load(variant: WasmVariant): Loaded | string {
  const known = loaded.get(variant);
  if (known !== undefined) return known;
  let result: Loaded | string;
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (api === undefined) {
    result = 'this engine has no WebAssembly';
  } else {
    const bytes = decode(variant === 'wasm' ? KERNELS_SIMD : KERNELS_RELAXED_SIMD);
    if (!api.validate(bytes)) {
      result =
        variant === 'wasm'
          ? 'this engine does not validate WebAssembly SIMD'
          : 'this engine does not validate relaxed SIMD (Node 20: run with --experimental-wasm-relaxed-simd)';
    } else {
      try {
        plainMemory ??= new api.Memory({ initial: MEMORY_PAGES.initial });
        result = instantiate(api, bytes, plainMemory);
      } catch (e) {
        result = `WebAssembly could not be compiled here (${e instanceof Error ? e.message : String(e)})`;
      }
    }
  }
  loaded.set(variant, result);
  return result;
}

/**
 * The variant over the shared memory, made on first use; null where there is none: no
 * SharedArrayBuffer (a page that is not cross-origin isolated), an engine that refuses shared
 * WebAssembly memory or its threads feature, or no address space for its maximum.
 */
function threaded(l: Loaded, variant: WasmVariant): Space | null {
  if (l.threaded !== undefined) return l.threaded;
  l.threaded = null;
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly as WasmApi;
  const bytes = decode(variant === 'wasm' ? KERNELS_SIMD_SHARED : KERNELS_RELAXED_SIMD_SHARED);
  if (typeof SharedArrayBuffer === 'function' && sharedMemory !== null && api.validate(bytes)) {
    try {
      sharedMemory ??= new api.Memory({ initial: MEMORY_PAGES.initial, maximum: MEMORY_PAGES.maximum, shared: true });
      const space = instantiate(api, bytes, sharedMemory);
      sharedArena ??= new Arena(sharedMemory, space.base);
      space.arena = sharedArena;
      l.threaded = space;
    } catch {
      sharedMemory ??= null;
    }
  }
  return l.threaded;
}

/** Whether `variant` loads here; a string says why it does not. */
export function wasmStatus(variant: WasmVariant): true | string {
  const l = load(variant);
  return typeof l === 'string' ? l : true;
}

/** Whether products may run on the thread pool here: the kernels load over a shared memory. */
export function wasmShared(): boolean {
  const l = load('wasm');
  return typeof l !== 'string' && threaded(l, 'wasm') !== null;
}

/**
 * The allocator of the kernels' shared memory, for resident tensors (resident.ts): made with
 * that memory on first use; null where the engine has no shared memory or the kernels do not load.
 */
export function residentArena(): Arena | null {
  if (sharedArena !== undefined) return sharedArena;
  const l = load('wasm');
  if (typeof l === 'string') return null;
  return threaded(l, 'wasm')?.arena ?? null;
}

/** The byte address of x[0] when x lies in the shared memory (a resident array or a view of one), else -1. */
function residentAt(x: Float64Array): number {
  return sharedArena === undefined ? -1 : sharedArena.addressOf(x);
}

/**
 * Makes room for `bytes` (at most MAX_BYTES) and then `extra` bytes of scratch from `l.base`:
 * over the plain memory by growing it, over the shared one by asking its arena for a region
 * (which may move `l.base`); false if they never will fit.
 */
function reserve(l: Space, bytes: number, extra = 0): boolean {
  if (bytes > MAX_BYTES) return false;
  const memory = l.memory;
  if (l.arena !== undefined) {
    const at = l.arena.scratch(bytes + extra);
    if (at < 0) return false;
    l.base = at;
  }
  const end = l.base + bytes + extra;
  const have = memory.buffer.byteLength;
  if (end > have) {
    try {
      memory.grow(Math.ceil((end - have) / PAGE));
    } catch {
      return false;
    }
  }
  if (l.heap.buffer !== memory.buffer) {
    l.heap = new Float64Array(memory.buffer);
    l.words = new Int32Array(memory.buffer);
  }
  return true;
}

/** One operand of a batch of products: element (t, i, p) is data[offsets[t] + i·rs + p·cs]. */
export interface Operand {
  data: Float64Array;
  offsets: ArrayLike<number>;
  rows: number;
  cols: number;
  rs: number;
  cs: number;
}

/** Where an operand's elements sit in its buffer: the lowest index and how many to copy. */
function span(x: Operand): { lo: number; length: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (let t = 0; t < x.offsets.length; t++) {
    lo = Math.min(lo, x.offsets[t]);
    hi = Math.max(hi, x.offsets[t]);
  }
  const down = (x.rows - 1) * x.rs;
  const across = (x.cols - 1) * x.cs;
  lo += Math.min(0, down) + Math.min(0, across);
  hi += Math.max(0, down) + Math.max(0, across);
  return { lo, length: hi - lo + 1 };
}

/** How an operand was laid out in WebAssembly memory: byte address of each item, strides. */
interface Placed {
  ptrs: number[];
  rs: number;
  cs: number;
}

/**
 * Copies an operand into the heap at element index `at`: its span in one memcpy when the span
 * is at most twice the elements it holds, else gathered into contiguous row-major items.
 */
function place(heap: Float64Array, at: number, x: Operand, s: { lo: number; length: number }): Placed {
  const count = x.offsets.length;
  const ptrs: number[] = new Array<number>(count);
  if (s.length <= 2 * count * x.rows * x.cols) {
    heap.set(x.data.subarray(s.lo, s.lo + s.length), at);
    for (let t = 0; t < count; t++) ptrs[t] = 8 * (at + x.offsets[t] - s.lo);
    return { ptrs, rs: x.rs, cs: x.cs };
  }
  let d = at;
  for (let t = 0; t < count; t++) {
    ptrs[t] = 8 * d;
    for (let i = 0; i < x.rows; i++) {
      let src = x.offsets[t] + i * x.rs;
      for (let p = 0; p < x.cols; p++) {
        heap[d++] = x.data[src];
        src += x.cs;
      }
    }
  }
  return { ptrs, rs: x.cols, cs: 1 };
}

/** Elements an operand takes in the heap (see place), rounded up to 16 bytes. */
function footprint(x: Operand, s: { length: number }): number {
  const count = x.offsets.length;
  const n = s.length <= 2 * count * x.rows * x.cols ? s.length : count * x.rows * x.cols;
  return n + (n & 1);
}

/** Words of a task for gemmUnits before its item pointers (see assembly/gemm.ts). */
const TASK_WORDS = 14;
/** Pack regions start on a cache line, so two threads' regions never share one. */
const LINE = 64;
/** Rows (or columns) of C per unit of a split product: whole cache lines, whole micro-tiles. */
const UNIT = 8;

/**
 * How the items of a batch of `count` m×n products are cut into units for `threads` threads.
 * Threads take runs of units (see claimSize in pool-control.ts), and the units of one item in
 * a run are one gemm call, so small units cost nothing where the runs are long and let a thread
 * that runs slowly take less at the end:
 * - at least 4 items per thread: each item whole;
 * - else items of at least 16 rows per thread: blocks of UNIT rows, with B packed once
 *   (`packed`), which every row block would otherwise pack again, by the job's first units;
 * - else (a few rows): blocks of UNIT columns, each run packing its own columns of B.
 */
function cut(count: number, m: number, n: number, threads: number): { rowBlock: number; colBlock: number; packed: boolean } {
  if (threads === 1 || count >= 4 * threads) return { rowBlock: m, colBlock: n, packed: false };
  if (m >= 16 * threads) return { rowBlock: UNIT, colBlock: n, packed: true };
  return { rowBlock: m, colBlock: UNIT, packed: false };
}

/**
 * C[t] = A[t]·B[t] for every item t of the batch, in WebAssembly. C is `count` row-major m×n
 * products, overwritten. Requires m, n, k ≥ 1. Returns false (and touches nothing) when the
 * variant does not load or the operands would not fit in MAX_BYTES; the caller then runs the
 * JavaScript kernel. Products with at least SPLIT_MNK multiply-adds are cut into blocks of C
 * that the threads share (getNumThreads, where the engine has shared memory): the same bits for
 * any cut and any sharing. A resident A or B is read where it lies (its address and strides),
 * a resident C written where it lies, over the shared memory on any number of threads.
 */
export function gemmWasm(variant: WasmVariant, a: Operand, b: Operand, c: Float64Array): boolean {
  const l = load(variant);
  if (typeof l === 'string') return false;
  const count = a.offsets.length;
  const m = a.rows;
  const k = a.cols;
  const n = b.cols;
  const sa = span(a);
  const sb = span(b);
  const na = footprint(a, sa);
  const nb = footprint(b, sb);
  const nc = count * m * n;
  const taskBytes = 4 * (TASK_WORDS + 2 * count);
  // Whether the operands fit may not depend on the thread count (the JavaScript kernel has
  // other bits) nor on where they live, so MAX_BYTES bounds them copied, and what threads
  // need comes on top.
  const opBytes = 8 * (na + nb + nc) + taskBytes;
  if (opBytes + 3 * LINE > MAX_BYTES) return false;
  // Operands that lie in the shared memory (resident) are read where they are, and a resident
  // C is written where it is, so such a product runs over the shared memory even on one thread.
  const ra = residentAt(a.data);
  const rb = residentAt(b.data);
  const rc = residentAt(c);
  const resident = ra >= 0 || rb >= 0 || rc >= 0;
  const splits = getNumThreads() > 1 && m * n * k * count >= SPLIT_MNK;
  const split = splits || resident ? threaded(l, variant) : null;
  let s: Space = l;
  let ready = 0;
  let plan = cut(count, m, n, 1);
  // Bytes of B packed once (every item's, or one for a B broadcast over the batch).
  let bShared = true;
  for (let i = 1; i < count; i++) bShared &&= b.offsets[i] === b.offsets[0];
  const packedItem = 8 * k * Math.ceil(n / 4) * 4;
  // Elements of scratch each operand takes over the shared memory (none for a resident one).
  const sna = ra >= 0 ? 0 : na;
  const snb = rb >= 0 ? 0 : nb;
  const snc = rc >= 0 ? 0 : nc;
  const bItems = bShared ? 1 : count;
  // The job's units: B's packing (for a plan of row blocks; see gemmUnits), then the blocks of C.
  const packUnitsOf = (p: typeof plan) => (p.packed ? l.exports.packUnits(k, n) * bItems : 0);
  const unitsOf = (p: typeof plan) => packUnitsOf(p) + count * Math.ceil(m / p.rowBlock) * Math.ceil(n / p.colBlock);
  if (split !== null) {
    ready = splits ? readyWorkers({ memory: split.memory, modules: sharedModules() }) : 0;
    plan = cut(count, m, n, ready + 1);
    // Too many units for the pool's control block: one thread (over the shared memory still, if an operand is resident).
    if (ready > 0 && unitsOf(plan) > MAX_UNITS) {
      ready = 0;
      plan = cut(count, m, n, 1);
    }
    // Past the threads' pack regions: B packed, then a run word per unit (where C is copied out).
    const extra = (ready + 1) * split.exports.packBytes() + (plan.packed ? packedItem * bItems : 0) + (ready > 0 ? 4 * unitsOf(plan) : 0);
    const bytes = 8 * (sna + snb + snc) + taskBytes + 3 * LINE;
    if ((ready > 0 || resident) && reserve(split, bytes, extra)) s = split;
    else {
      ready = 0;
      plan = cut(count, m, n, 1);
    }
  }
  if (s === l && !reserve(l, opBytes + 3 * LINE, l.exports.packBytes())) return false;
  const inPlace = s !== l;
  const at = Math.ceil(s.base / LINE) * (LINE / 8);
  const pa = inPlace && ra >= 0 ? where(a, ra) : place(s.heap, at, a, sa);
  const aEnd = at + (inPlace ? sna : na);
  const pb = inPlace && rb >= 0 ? where(b, rb) : place(s.heap, aEnd, b, sb);
  const bEnd = aEnd + (inPlace ? snb : nb);
  const cAt = inPlace && rc >= 0 ? rc / 8 : bEnd;
  const task = 8 * (bEnd + (inPlace && rc >= 0 ? 0 : nc));
  const pack = Math.ceil((task + taskBytes) / LINE) * LINE;
  const packed = pack + (ready + 1) * s.exports.packBytes();
  const packUnits = packUnitsOf(plan);
  const units = unitsOf(plan);
  const w = s.words;
  const t = task / 4;
  w[t] = m;
  w[t + 1] = n;
  w[t + 2] = k;
  w[t + 3] = pa.rs;
  w[t + 4] = pa.cs;
  w[t + 5] = pb.rs;
  w[t + 6] = pb.cs;
  w[t + 7] = count;
  w[t + 8] = plan.rowBlock;
  w[t + 9] = plan.colBlock;
  w[t + 10] = 8 * cAt;
  w[t + 11] = plan.packed ? packed : 0;
  w[t + 12] = plan.packed && !bShared ? packedItem : 0;
  w[t + 13] = packUnits;
  for (let i = 0; i < count; i++) {
    w[t + TASK_WORDS + i] = pa.ptrs[i];
    w[t + TASK_WORDS + count + i] = pb.ptrs[i];
  }
  const kernel = s.exports;
  const copyOut = !(inPlace && rc >= 0);
  if (ready === 0) {
    kernel.gemmUnits(task, 0, units, pack);
    if (copyOut) c.set(s.heap.subarray(cAt, cAt + nc));
    return true;
  }
  // C (unless resident) is copied out run by run as the runs finish, on this thread between
  // its own runs and while it waits for the others' (a share of the copy the threads' work
  // hides), in unit order: each thread stores the end of each run it finished at the run's
  // first word (CONTROL.RUNS).
  const runs = copyOut ? (packed + (plan.packed ? packedItem * bItems : 0)) / 4 : 0;
  let progress: (() => void) | undefined;
  if (copyOut) {
    w.fill(0, runs, runs + units);
    const out = new Blocks(c, s.heap, cAt, m, n, plan.rowBlock, plan.colBlock);
    let copied = packUnits;
    progress = () => {
      for (let end = Atomics.load(w, runs + copied); end !== 0 && copied < units; end = Atomics.load(w, runs + copied)) {
        out.copy(copied - packUnits, end - packUnits);
        copied = end;
      }
    };
  }
  runJob(
    'matmul',
    { kind: JOB.MATMUL, variant: variant === 'wasm' ? 0 : 1, task, pack, units, phase: packUnits, runs: 4 * runs },
    (first, end) => {
      kernel.gemmUnits(task, first, end, pack);
      if (copyOut) Atomics.store(w, runs + first, end);
    },
    { progress },
  );
  // Runs that finished after this thread last looked.
  progress?.();
  return true;
}

/**
 * The blocks of a batch of row-major m×n products C[t] (units of rowBlock rows by colBlock
 * columns, one side whole, item after item: as gemmUnits cuts them), copied from the kernels'
 * memory, where they are computed, to the caller's array.
 */
class Blocks {
  private readonly rowBlocks: number;
  private readonly colBlocks: number;

  constructor(
    private readonly c: Float64Array,
    private readonly heap: Float64Array,
    private readonly at: number,
    private readonly m: number,
    private readonly n: number,
    private readonly rowBlock: number,
    private readonly colBlock: number,
  ) {
    this.rowBlocks = Math.ceil(m / rowBlock);
    this.colBlocks = Math.ceil(n / colBlock);
  }

  /** Copies blocks first … end − 1 (of all items, item after item). */
  copy(first: number, end: number): void {
    const { c, heap, at, m, n } = this;
    const perItem = this.rowBlocks * this.colBlocks;
    let u = first;
    while (u < end) {
      const t = Math.floor(u / perItem);
      const u0 = u - t * perItem;
      const u1 = Math.min(end - t * perItem, perItem);
      u = t * perItem + u1;
      if (this.colBlocks === 1) {
        // Whole rows: one contiguous span.
        const lo = (t * m + u0 * this.rowBlock) * n;
        const hi = (t * m + Math.min(m, u1 * this.rowBlock)) * n;
        c.set(heap.subarray(at + lo, at + hi), lo);
      } else {
        const c0 = u0 * this.colBlock;
        const c1 = Math.min(n, u1 * this.colBlock);
        for (let i = 0; i < m; i++) {
          const lo = (t * m + i) * n + c0;
          c.set(heap.subarray(at + lo, at + lo + c1 - c0), lo);
        }
      }
    }
  }
}

/** A resident operand as it lies: each item's byte address from its data's address `at`, its own strides. */
function where(x: Operand, at: number): Placed {
  const ptrs: number[] = new Array<number>(x.offsets.length);
  for (let t = 0; t < ptrs.length; t++) ptrs[t] = at + 8 * x.offsets[t];
  return { ptrs, rs: x.rs, cs: x.cs };
}

/** The shared builds the pool's workers instantiate: [plain SIMD, relaxed SIMD], null where one does not load. */
function sharedModules(): (object | null)[] {
  return (['wasm', 'wasm-relaxed'] as const).map((v) => {
    const l = load(v);
    const t = typeof l === 'string' ? null : threaded(l, v);
    return t === null ? null : t.module;
  });
}

/** The scalars of one Adam update (see assembly/adam.ts for the formula). */
export interface AdamScalars {
  b1: number;
  b2: number;
  stepSize: number;
  sqrtC2: number;
  eps: number;
  decay: number;
  l2: number;
}

/**
 * One Adam update in WebAssembly SIMD. θ, m, v (and vMax for AMSGrad) that are resident (in
 * the shared memory: resident.ts) are updated where they lie and a resident gradient is read
 * where it lies; the others are copied into scratch (the gradient) or in and back out (the
 * state). A gradient that is the transpose of a contiguous matrix (Linear's weight gradient)
 * is read as it lies, transposed by the kernel (adamTransposed); any other view is gathered
 * row-major into scratch (gradient-view.ts). Returns false (touching nothing) if the plain SIMD
 * build does not load or the vectors would not fit; the caller then runs the JavaScript loop.
 */
export function adamWasm(theta: Float64Array, grad: Gradient, m: Float64Array, v: Float64Array, vMax: Float64Array | undefined, s: AdamScalars): boolean {
  const l = load('wasm');
  if (typeof l === 'string') return false;
  const state = vMax === undefined ? [theta, m, v] : [theta, m, v, vMax];
  const transposed = !(grad instanceof Float64Array) && grad.rs === 1 && grad.cs === grad.rows;
  const gradAt = grad instanceof Float64Array ? residentAt(grad) : transposed ? residentAt(grad.data) : -1;
  const stateAt = state.map(residentAt);
  const shared = gradAt >= 0 || stateAt.some((at) => at >= 0) ? threaded(l, 'wasm') : null;
  return (shared !== null && adamIn(shared, theta, grad, transposed, state, gradAt, stateAt, s)) || adamIn(l, theta, grad, transposed, state, -1, [], s);
}

/**
 * adamWasm over one memory: `gradAt`/`stateAt` give the byte address of the arrays that lie in
 * it (≥ 0), read and written in place; the rest go through scratch. False if scratch does not fit.
 */
function adamIn(
  space: Space,
  theta: Float64Array,
  grad: Gradient,
  transposed: boolean,
  state: Float64Array[],
  gradAt: number,
  stateAt: number[],
  s: AdamScalars,
): boolean {
  const n = theta.length;
  const stride = n + (n & 1);
  const copied = state.filter((_, i) => !(stateAt[i] >= 0)).length + (gradAt >= 0 ? 0 : 1);
  if (!reserve(space, 8 * stride * copied)) return false;
  const heap = space.heap;
  let next = space.base / 8;
  const ptrs = state.map((x, i) => {
    if (stateAt[i] >= 0) return stateAt[i];
    heap.set(x, next);
    next += stride;
    return 8 * (next - stride);
  });
  let g = gradAt >= 0 && !(grad instanceof Float64Array) ? gradAt + 8 * grad.offset : gradAt;
  if (gradAt < 0) {
    if (grad instanceof Float64Array) heap.set(grad, next);
    else if (transposed) heap.set(grad.data.subarray(grad.offset, grad.offset + n), next);
    else gatherRowMajor(grad, heap, next);
    g = 8 * next;
  }
  const w = state.length === 4 ? ptrs[3] : 0;
  if (copied === 0 && adamShared(space, ptrs, g, w, transposed ? (grad as GradientView) : { rows: n, cols: 1 }, transposed, s)) return true;
  if (transposed) {
    const { rows, cols } = grad as GradientView;
    space.exports.adamTransposed(ptrs[0], g, ptrs[1], ptrs[2], w, rows, cols, s.b1, s.b2, s.stepSize, s.sqrtC2, s.eps, s.decay, s.l2);
  } else {
    space.exports.adam(ptrs[0], g, ptrs[1], ptrs[2], w, n, s.b1, s.b2, s.stepSize, s.sqrtC2, s.eps, s.decay, s.l2);
  }
  state.forEach((x, i) => {
    if (!(stateAt[i] >= 0)) x.set(heap.subarray(ptrs[i] / 8, ptrs[i] / 8 + n));
  });
  return true;
}

/**
 * The fewest values at which an Adam update whose θ, ∇, m, v (and vMax) are all resident would
 * be shared among the threads, were the split on: by the measure that set SPLIT_MNK (the CPU
 * time of all threads, 2 against 1, interleaved), 1.15–1.18× at 3·10⁴ values, 1.09–1.13× at
 * 5·10⁴, 1.04–1.13× at 10⁵, 1.02–1.06× at 10⁶ (`pnpm bench threads`).
 */
export const ADAM_SPLIT = 2 ** 16;
/**
 * The split is off by default (Infinity: every update on the calling thread): on the 2-core VM,
 * where other processes kept 1.0–1.5 cores busy through every run, 2 threads never beat 1 in
 * wall time (0.82–0.95× at 3·10⁴…10⁵ values, 0.91–1.08× at 10⁶), and the 784-128-10
 * compileStep on 2 threads was 0.98–1.00× of its time with the split off.
 */
let adamSplit = Infinity;

/**
 * Shares Adam updates of at least n resident values among the threads (ADAM_SPLIT is where it
 * would pay on free cores); undefined: off again, the default. The bits are the same either
 * way. Not part of the public surface (reached through @ad/core/engine): what bench/threads.ts
 * and the tests of the split use.
 */
export function setAdamSplit(n: number | undefined): void {
  adamSplit = n ?? Infinity;
}

/** Values per unit of a shared update (rows of θ enough to hold as many, when the gradient is transposed): 16 KiB of each array. */
const ADAM_UNIT = 2048;
/** The f64 scalars that open an Adam task, then its i32 words (see adamUnits in assembly/adam.ts). */
const ADAM_SCALARS = 7;
const ADAM_WORDS = 9;
const ADAM_TASK_BYTES = 8 * ADAM_SCALARS + 4 * ADAM_WORDS;

/**
 * An update whose arrays all lie in the shared memory (`ptrs`: θ, m, v; `g`: ∇; `w`: vMax or 0),
 * shared among the threads by blocks of values (rows of θ for a transposed gradient, so that
 * every block is contiguous in θ, m and v) when it has at least setAdamSplit's values (off by
 * default) and workers are ready. The blocks are element-wise and even-sized, so the bits are
 * those of one thread. False (touching nothing) when it runs on one thread.
 */
function adamShared(space: Space, ptrs: number[], g: number, w: number, shape: { rows: number; cols: number }, transposed: boolean, s: AdamScalars): boolean {
  const { rows, cols } = shape;
  if (space.arena === undefined || getNumThreads() === 1 || rows * cols < adamSplit) return false;
  if (readyWorkers({ memory: space.memory, modules: sharedModules() }) === 0 || !reserve(space, ADAM_TASK_BYTES)) return false;
  const along = transposed ? rows : rows * cols;
  const wanted = transposed ? Math.ceil(ADAM_UNIT / cols) : ADAM_UNIT;
  let unit = Math.max(wanted, Math.ceil(along / MAX_UNITS));
  unit += unit & 1;
  const task = space.base;
  const f = space.heap;
  const at = task / 8;
  f[at] = s.b1;
  f[at + 1] = s.b2;
  f[at + 2] = s.stepSize;
  f[at + 3] = s.sqrtC2;
  f[at + 4] = s.eps;
  f[at + 5] = s.decay;
  f[at + 6] = s.l2;
  space.words.set([ptrs[0], g, ptrs[1], ptrs[2], w, rows, cols, unit, transposed ? 1 : 0], task / 4 + 2 * ADAM_SCALARS);
  const kernel = space.exports;
  // The update is in place: a failed job has updated some blocks of θ, m, v and not others.
  const units = Math.ceil(along / unit);
  const leftBehind = '; this update was left part done (some blocks of the parameter and its moments updated, others not)';
  runJob('Adam.step', { kind: JOB.ADAM, variant: 0, task, pack: 0, units }, (first, end) => kernel.adamUnits(task, first, end), { leftBehind });
  return true;
}

/**
 * Bytes of memory the kernels hold now: the plain memory (where every variant runs alone) and
 * the shared one (0 for each until used). What the soak test watches; `variant` must have
 * loaded for anything to count.
 */
export function wasmMemoryBytes(variant: WasmVariant): number {
  const l = loaded.get(variant);
  if (l === undefined || typeof l === 'string') return 0;
  return l.memory.buffer.byteLength + (l.threaded ? l.threaded.memory.buffer.byteLength : 0);
}

/** Elements per block of an exp scratch region: 16 KiB, so a block stays in L1. */
export const EXP_BLOCK = 2048;

/**
 * Where a loop computing e^v over a large array writes its arguments v, a block at a time, and
 * how it exponentiates them in place: `heap[at + b·EXP_BLOCK + j]` for j < EXP_BLOCK holds
 * block b's arguments, `run(at, n, acc, shift)` replaces the n values v at `at` by e^(v − shift)
 * (shift = 0: e^v) and returns acc + their sum, added one at a time in order (the sum op's
 * order and so its bits).
 */
export interface ExpScratch {
  readonly heap: Float64Array;
  readonly at: number;
  run(at: number, n: number, acc: number, shift: number): number;
}

/**
 * `blocks` blocks of exp scratch in the WebAssembly module's memory, exponentiated two lanes at
 * a time by its `expInPlace` (the same bits as `Special.exp`); undefined if the module does not
 * load or the blocks do not fit. Valid until the next call into this module (which may grow
 * its memory).
 */
export function expScratchWasm(blocks: number): ExpScratch | undefined {
  const l = load('wasm');
  if (typeof l === 'string' || !reserve(l, 8 * EXP_BLOCK * blocks)) return undefined;
  const run = l.exports.expInPlace;
  return { heap: l.heap, at: l.base / 8, run: (at, n, acc, shift) => run(8 * at, n, acc, shift) };
}

let jsScratch: ExpScratch | undefined;

/** The same as expScratchWasm in a JavaScript array, exponentiated by `Special.exp`. */
export function expScratchJs(blocks: number): ExpScratch {
  if (jsScratch === undefined || jsScratch.heap.length < EXP_BLOCK * blocks) {
    const heap = new Float64Array(EXP_BLOCK * blocks);
    const run = (at: number, n: number, acc: number, shift: number): number => {
      let s = acc;
      for (let i = at; i < at + n; i++) {
        const e = exp(heap[i] - shift);
        heap[i] = e;
        s += e;
      }
      return s;
    };
    jsScratch = { heap, at: 0, run };
  }
  return jsScratch;
}
