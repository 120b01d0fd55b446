/** What the kernel tests of the thread pool share: the product cases' shape, their values, and the pool's test setup. */
import { setFlagsFromString } from 'node:v8';
import { poolTesting } from '../src/engine/index.js';
import { getNumThreads, setNumThreads } from '../src/index.js';
import { setKernels } from '../src/kernels/paths.js';

/**
 * A batch of products as gemmBatch takes it: element (t, i, p) of A at
 * a[aOffsets[t] + i·aRs + p·aCs], and of B likewise.
 */
export interface GemmCase {
  name: string;
  m: number;
  n: number;
  k: number;
  a: Float64Array;
  aOffsets: number[];
  aRs: number;
  aCs: number;
  b: Float64Array;
  bOffsets: number[];
  bRs: number;
  bCs: number;
}

/** Deterministic values with all 52 mantissa bits in play. */
export function filled(length: number, seed: number): Float64Array {
  const x = new Float64Array(length);
  for (let i = 0; i < length; i++) x[i] = Math.sin(seed + 0.7 * i) * 1.37;
  return x;
}

/**
 * Call at the top of a test file that compares thread counts: enables relaxed SIMD and makes
 * every job wait until a worker has claimed a block of it, and restores both, the kernel mode
 * and the thread count after the file (then runs `cleanup`).
 */
export function setUpPoolTests(cleanup?: () => void): void {
  // Node 20 validates relaxed SIMD only behind this flag, which must be set before the relaxed
  // kernel is first validated; later engines ship it on.
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  const initialThreads = getNumThreads();
  // On a busy machine a worker woken late would otherwise find every block taken, and the bits
  // of one thread would be compared with themselves.
  poolTesting.setWorkersFirst(true);
  afterAll(() => {
    poolTesting.setWorkersFirst(false);
    setFlagsFromString('--no-experimental-wasm-relaxed-simd');
    setKernels('auto');
    setNumThreads(initialThreads);
    cleanup?.();
  });
}
