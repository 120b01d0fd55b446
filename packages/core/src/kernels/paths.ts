/**
 * Which kernel runs a matrix product: JavaScript (kernels/matmul.ts), WebAssembly SIMD, or
 * WebAssembly relaxed SIMD with fused multiply-add (kernels/wasm.ts, assembly/gemm.ts). The same choice
 * applies to the Adam update kernel (kernels/adam.ts) and to the exp kernel of the jit's fused
 * loops (expScratch below, assembly/exp.ts; it has one build, plain SIMD, for both
 * WebAssembly paths).
 *
 * 'auto' (the default) takes the best path the engine validates: relaxed SIMD where it does
 * (current browsers; Node 20 only with --experimental-wasm-relaxed-simd), else plain SIMD
 * (Node ≥ 16, every current browser), else JavaScript (no WebAssembly, or a page whose CSP
 * forbids compiling it: the kernels fall back silently and `kernels()` says so). Even then
 * the smallest products stay in JavaScript, where copying the operands into WebAssembly
 * memory costs more than the faster kernel saves (WASM_MIN_MNK). 'js', 'wasm' and
 * 'wasm-relaxed' force one path for every product, so tests and benches can compare them.
 * The environment variable AD_KERNELS sets the initial mode where there is one.
 */
import { ValueError } from '../errors.js';
import { gemm } from './matmul.js';
import { expScratchJs, expScratchWasm, gemmWasm, wasmStatus, type ExpScratch, type Operand, type WasmVariant } from './wasm.js';

/** What `setKernels` accepts. */
export type KernelMode = 'auto' | 'js' | WasmVariant;
/** The path that runs products: what `kernels()` reports. */
export type KernelPath = 'js' | WasmVariant;

const MODES: readonly KernelMode[] = ['auto', 'js', 'wasm', 'wasm-relaxed'];

/**
 * Under 'auto', products with fewer multiply-adds (m·n·k) than this run in JavaScript.
 * Measured through `matmul` (Node 20, 2-core Zen, busy machine; µs per call, JS / WASM):
 * 4³ 1.4 / 1.9, 8³ 2.1 / 1.8, 12³ 3.0 / 4.0, 16³ 5.1 / 4.3, 24³ 16 / 5.4, 64³ 244 / 63.
 * Below 16³ the two trade places from run to run (the copies and the call cost about what the
 * SIMD kernel saves); from 16³ on WebAssembly wins every time. A 1×784·784×128 product (a
 * batch of one through a layer) measured 103 / 100: a tie, so thin products stay in JavaScript.
 */
const WASM_MIN_MNK = 16 * 16 * 16;

let mode: KernelMode = 'auto';

/**
 * Chooses the kernel path: 'auto' (default), 'js', 'wasm' (plain SIMD) or 'wasm-relaxed'
 * (FMA). Throws a ValueError if a forced WebAssembly path does not load on this engine.
 */
export function setKernels(next: KernelMode): void {
  if (!MODES.includes(next)) {
    throw new ValueError('setKernels', `expects one of ${MODES.map((m) => `'${m}'`).join(', ')}, got ${JSON.stringify(next)}`);
  }
  if (next === 'wasm' || next === 'wasm-relaxed') {
    const status = wasmStatus(next);
    if (status !== true) throw new ValueError('setKernels', `cannot use '${next}': ${status}`);
  }
  mode = next;
}

/** The mode set by setKernels (or AD_KERNELS): 'auto' unless a path is forced. */
export function kernelMode(): KernelMode {
  return mode;
}

/** The path that runs matrix products now (under 'auto', the one for all but the smallest). */
export function kernels(): KernelPath {
  if (mode !== 'auto') return mode;
  if (wasmStatus('wasm-relaxed') === true) return 'wasm-relaxed';
  if (wasmStatus('wasm') === true) return 'wasm';
  return 'js';
}

/**
 * out[t] = A[t]·B[t] for each item t of a batch (offsets give each item's first element),
 * with general strides; out holds the count row-major m×n results and is overwritten.
 */
export function gemmBatch(
  m: number,
  n: number,
  k: number,
  a: Float64Array,
  aOffsets: ArrayLike<number>,
  aRs: number,
  aCs: number,
  b: Float64Array,
  bOffsets: ArrayLike<number>,
  bRs: number,
  bCs: number,
  out: Float64Array,
): void {
  const count = aOffsets.length;
  if (count === 0 || m === 0 || n === 0) return;
  if (k === 0) {
    out.fill(0, 0, count * m * n);
    return;
  }
  const path = kernels();
  const big = mode !== 'auto' || (m * n * k >= WASM_MIN_MNK && m >= 4 && n >= 4);
  if (path !== 'js' && big) {
    const x: Operand = { data: a, offsets: aOffsets, rows: m, cols: k, rs: aRs, cs: aCs };
    const w: Operand = { data: b, offsets: bOffsets, rows: k, cols: n, rs: bRs, cs: bCs };
    if (gemmWasm(path, x, w, out)) return;
  }
  for (let t = 0; t < count; t++) {
    gemm(m, n, k, a, aOffsets[t], aRs, aCs, b, bOffsets[t], bRs, bCs, out, t * m * n);
  }
}

/**
 * Scratch for `blocks` blocks of exp arguments (see ExpScratch): in WebAssembly memory with its
 * SIMD kernel unless the path is 'js' or the module does not load (no WebAssembly, a CSP that
 * forbids compiling it), then in a JavaScript array with `Special.exp` — the same bits either
 * way, so the choice changes only the speed.
 */
export function expScratch(blocks: number): ExpScratch {
  return (mode === 'js' ? undefined : expScratchWasm(blocks)) ?? expScratchJs(blocks);
}

const fromEnvironment = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.AD_KERNELS;
if (fromEnvironment !== undefined && fromEnvironment !== '') {
  try {
    setKernels(fromEnvironment as KernelMode);
  } catch (e) {
    throw new ValueError('AD_KERNELS', e instanceof ValueError ? e.message : String(e));
  }
}
