/**
 * The WebAssembly kernels (assembly/gemm.ts, adam.ts and exp.ts, compiled into
 * wasm-binary.ts): loading them synchronously, and moving operands in and out of their memory.
 *
 * Tensors live in Float64Arrays on the JavaScript heap, which WebAssembly cannot read, so a
 * product copies A and B into the module's memory and C back out: O(n²) copies around an
 * O(n³) kernel, which is why the smallest products stay in JavaScript (see paths.ts). Each
 * operand is copied as the span of the buffer its view covers, one `set` (a memcpy), and the
 * kernel reads it through the view's own strides, so transposed, broadcast and batched
 * operands cost no more than contiguous ones; a view that covers much less than its span (a
 * thin slice of a large matrix) is gathered element by element instead.
 *
 * The operands go into one scratch region above the kernel's static data, reused by every
 * call: memory grows to the largest product seen and no further, and a product that would
 * need more than MAX_BYTES runs in JavaScript instead.
 */
import { EXP_TABLE, exp } from '../special.js';
import { gatherRowMajor, type Gradient, type GradientView } from './gradient-view.js';
import { KERNELS_RELAXED_SIMD, KERNELS_SIMD } from './wasm-binary.js';

/** The two builds of the kernel: plain SIMD, and relaxed SIMD with fused multiply-add. */
export type WasmVariant = 'wasm' | 'wasm-relaxed';

/** The slice of the WebAssembly API used here; absent where the engine has none. */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}

interface GemmExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  heapBase(): number;
  gemm(m: number, n: number, k: number, a: number, aRs: number, aCs: number, b: number, bRs: number, bCs: number, c: number): void;
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
  expTable(): number;
  expInPlace(x: number, n: number, acc: number, shift: number): number;
}

/** Largest scratch region (operands and result) a product may take: 1 GiB. */
const MAX_BYTES = 2 ** 30;
const PAGE = 65536;

/** One loaded kernel and its view of its memory (renewed when the memory grows). */
interface Loaded {
  exports: GemmExports;
  /** First 16-byte-aligned byte past the static data. */
  base: number;
  heap: Float64Array;
}

const loaded = new Map<WasmVariant, Loaded | string>();

function decode(base64: string): Uint8Array {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
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
        // The exp kernel calls the host's Math.exp where the result is not a normal number.
        const exports = new api.Instance(new api.Module(bytes), { env: { exp: Math.exp } }).exports as GemmExports;
        const base = (exports.heapBase() + 15) & ~15;
        const heap = new Float64Array(exports.memory.buffer);
        heap.set(EXP_TABLE, exports.expTable() / 8);
        result = { exports, base, heap };
      } catch (e) {
        result = `WebAssembly could not be compiled here (${e instanceof Error ? e.message : String(e)})`;
      }
    }
  }
  loaded.set(variant, result);
  return result;
}

/** Whether `variant` loads here; a string says why it does not. */
export function wasmStatus(variant: WasmVariant): true | string {
  const l = load(variant);
  return typeof l === 'string' ? l : true;
}

/** Grows the memory so that `bytes` fit past the base; false if they never will. */
function reserve(l: Loaded, bytes: number): boolean {
  const end = l.base + bytes;
  if (bytes > MAX_BYTES) return false;
  const memory = l.exports.memory;
  const have = memory.buffer.byteLength;
  if (end > have) {
    try {
      memory.grow(Math.ceil((end - have) / PAGE));
    } catch {
      return false;
    }
  }
  if (l.heap.buffer !== memory.buffer) l.heap = new Float64Array(memory.buffer);
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

/**
 * C[t] = A[t]·B[t] for every item t of the batch, in WebAssembly. C is `count` row-major m×n
 * products, overwritten. Requires m, n, k ≥ 1. Returns false (and touches nothing) when the
 * variant does not load or the operands would not fit in MAX_BYTES; the caller then runs the
 * JavaScript kernel.
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
  if (!reserve(l, 8 * (na + nb + count * m * n))) return false;
  const at = l.base / 8;
  const pa = place(l.heap, at, a, sa);
  const pb = place(l.heap, at + na, b, sb);
  const cAt = at + na + nb;
  const gemm = l.exports.gemm;
  for (let t = 0; t < count; t++) {
    gemm(m, n, k, pa.ptrs[t], pa.rs, pa.cs, pb.ptrs[t], pb.rs, pb.cs, 8 * (cAt + t * m * n));
  }
  c.set(l.heap.subarray(cAt, cAt + count * m * n));
  return true;
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
 * One Adam update in WebAssembly SIMD: θ, m, v (and vMax for AMSGrad) are copied in with
 * the gradient, updated, and copied back. A gradient that is the transpose of a contiguous
 * matrix (Linear's weight gradient) is copied as it lies and read transposed by the kernel
 * (adamTransposed); any other view is gathered row-major on the way in (gradient-view.ts).
 * Returns false (touching nothing) if the plain SIMD build does not load or the vectors would
 * not fit; the caller then runs the JavaScript loop.
 */
export function adamWasm(theta: Float64Array, grad: Gradient, m: Float64Array, v: Float64Array, vMax: Float64Array | undefined, s: AdamScalars): boolean {
  const l = load('wasm');
  if (typeof l === 'string') return false;
  const n = theta.length;
  const stride = n + (n & 1);
  if (!reserve(l, 8 * stride * (vMax === undefined ? 4 : 5))) return false;
  const at = l.base / 8;
  const heap = l.heap;
  heap.set(theta, at);
  const transposed = !(grad instanceof Float64Array) && grad.rs === 1 && grad.cs === grad.rows;
  if (grad instanceof Float64Array) heap.set(grad, at + stride);
  else if (transposed) heap.set(grad.data.subarray(grad.offset, grad.offset + n), at + stride);
  else gatherRowMajor(grad, heap, at + stride);
  heap.set(m, at + 2 * stride);
  heap.set(v, at + 3 * stride);
  if (vMax !== undefined) heap.set(vMax, at + 4 * stride);
  const ptr = (i: number) => 8 * (at + i * stride);
  const w = vMax === undefined ? 0 : ptr(4);
  if (transposed) {
    const { rows, cols } = grad as GradientView;
    l.exports.adamTransposed(ptr(0), ptr(1), ptr(2), ptr(3), w, rows, cols, s.b1, s.b2, s.stepSize, s.sqrtC2, s.eps, s.decay, s.l2);
  } else {
    l.exports.adam(ptr(0), ptr(1), ptr(2), ptr(3), w, n, s.b1, s.b2, s.stepSize, s.sqrtC2, s.eps, s.decay, s.l2);
  }
  theta.set(heap.subarray(at, at + n));
  m.set(heap.subarray(at + 2 * stride, at + 2 * stride + n));
  v.set(heap.subarray(at + 3 * stride, at + 3 * stride + n));
  if (vMax !== undefined) vMax.set(heap.subarray(at + 4 * stride, at + 4 * stride + n));
  return true;
}

/** Bytes of memory a loaded variant holds now (0 if it is not loaded): what the soak test watches. */
export function wasmMemoryBytes(variant: WasmVariant): number {
  const l = loaded.get(variant);
  return l === undefined || typeof l === 'string' ? 0 : l.exports.memory.buffer.byteLength;
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
