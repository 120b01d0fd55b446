/**
 * The gemm kernels against a naive triple loop, on every kernel path (JavaScript, WebAssembly
 * SIMD, WebAssembly relaxed SIMD): shapes with 0 and 1 dimensions and sizes that are not
 * multiples of any block, all four transpose layouts, stepped, reversed and stride-0 operands,
 * offsets, and the overwrite contract. No timing here; see bench/matmul.ts.
 */
import { setFlagsFromString } from 'node:v8';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { gemm } from '../src/kernels/matmul.js';
import { gemmBatch, setKernels, type KernelPath } from '../src/kernels/paths.js';

// Node 20 validates relaxed SIMD only behind this flag; it must be set before the relaxed
// kernel is first validated (lazily, by setKernels below). Later engines ship it on.
setFlagsFromString('--experimental-wasm-relaxed-simd');
// Other test files that share this worker process get the engine's default back.
afterAll(() => setFlagsFromString('--no-experimental-wasm-relaxed-simd'));

/** Every path is forced for every product here, tiny ones included. */
const paths: KernelPath[] = ['js', 'wasm', 'wasm-relaxed'];
let path: KernelPath = 'js';

/** Jest runs tests in a vm context, where every read of the global `Math` is slow: look it up once. */
const { abs, floor } = Math;

/** A logical rows×cols matrix stored somewhere in `data`: element (r, c) is data[off + r*rs + c*cs]. */
interface Operand {
  data: Float64Array;
  off: number;
  rs: number;
  cs: number;
}

/**
 * How an operand is stored. 'row' and 'col' are the plain and the transposed layouts; 'stepped'
 * is a view taking every 2nd column of every 3rd row of a larger row-major buffer; 'reversed'
 * reads a row-major buffer back to front (both strides negative); 'broadcastRows' and
 * 'broadcastCols' repeat one row or one column through a stride of 0.
 */
type Layout = 'row' | 'col' | 'stepped' | 'reversed' | 'broadcastRows' | 'broadcastCols';

/** Values are drawn uniformly from [−1, 1), or as integers in [−8, 8] when exact results are wanted. */
type Values = 'real' | 'integer';

function draw(rng: RandomGenerator, values: Values): number {
  const u = uniformFloat64(rng);
  return values === 'real' ? 2 * u - 1 : floor(17 * u) - 8;
}

/** A random operand in the given layout, with `pad` unused elements before it so its offset is not 0. */
function makeOperand(rng: RandomGenerator, rows: number, cols: number, layout: Layout, pad = 0, values: Values = 'real'): Operand {
  let size: number;
  let off: number;
  let rs: number;
  let cs: number;
  switch (layout) {
    case 'row':
      [size, off, rs, cs] = [rows * cols, pad, cols, 1];
      break;
    case 'col':
      [size, off, rs, cs] = [rows * cols, pad, 1, rows];
      break;
    case 'stepped':
      [size, off, rs, cs] = [3 * rows * 2 * cols, pad, 3 * 2 * cols, 2];
      break;
    case 'reversed':
      [size, off, rs, cs] = [rows * cols, pad + rows * cols - 1, -cols, -1];
      break;
    case 'broadcastRows':
      [size, off, rs, cs] = [cols, pad, 0, 1];
      break;
    case 'broadcastCols':
      [size, off, rs, cs] = [rows, pad, 1, 0];
      break;
  }
  // Every slot gets a value, so a kernel that reads outside the view gives a wrong answer.
  const data = new Float64Array(pad + size + pad);
  for (let i = 0; i < data.length; i++) data[i] = draw(rng, values);
  return { data, off, rs, cs };
}

/** The naive reference, plus Σ|a·b| per entry, which bounds the rounding error of any summation order. */
function reference(m: number, n: number, k: number, a: Operand, b: Operand): { c: Float64Array; mag: Float64Array } {
  const c = new Float64Array(m * n);
  const mag = new Float64Array(m * n);
  const { data: ad, off: ao, rs: ars, cs: acs } = a;
  const { data: bd, off: bo, rs: brs, cs: bcs } = b;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let t = 0;
      for (let p = 0; p < k; p++) {
        const x = ad[ao + i * ars + p * acs] * bd[bo + p * brs + j * bcs];
        s += x;
        t += abs(x);
      }
      c[i * n + j] = s;
      mag[i * n + j] = t;
    }
  }
  return { c, mag };
}

/** One product on the path under test: the JavaScript gemm itself, or the dispatcher forced to a WebAssembly path. */
function runGemm(m: number, n: number, k: number, a: Operand, b: Operand, c: Float64Array, cOff = 0): void {
  if (path === 'js') {
    gemm(m, n, k, a.data, a.off, a.rs, a.cs, b.data, b.off, b.rs, b.cs, c, cOff);
  } else {
    setKernels(path);
    gemmBatch(m, n, k, a.data, [a.off], a.rs, a.cs, b.data, [b.off], b.rs, b.cs, c.subarray(cOff));
  }
}

/** Runs gemm on C prefilled with NaN (so every entry must be written) and checks it against the reference. */
function expectMatchesReference(m: number, n: number, k: number, a: Operand, b: Operand, exact = false): void {
  const c = new Float64Array(m * n).fill(NaN);
  runGemm(m, n, k, a, b, c);
  const want = reference(m, n, k, a, b);
  for (let i = 0; i < m * n; i++) {
    const err = abs(c[i] - want.c[i]);
    const tol = exact ? 0 : 1e-12 * want.mag[i];
    if (!(err <= tol)) {
      throw new Error(`${m}×${k}·${k}×${n}: C[${floor(i / n)}, ${i % n}] = ${c[i]}, want ${want.c[i]} (|error| ${err} > ${tol})`);
    }
  }
}

/** The four transpose combinations, as storage layouts of A (m×k) and B (k×n). */
const transposeLayouts: [string, Layout, Layout][] = [
  ['A·B', 'row', 'row'],
  ['Aᵀ·B', 'col', 'row'],
  ['A·Bᵀ', 'row', 'col'],
  ['Aᵀ·Bᵀ', 'col', 'col'],
];

describe.each(paths)('gemm on the %s path', (under) => {
  beforeAll(() => {
    path = under;
  });
  afterAll(() => setKernels('auto'));

  test('a hand-computed product is exact', () => {
    const a = new Float64Array([1, 2, 3, 4, 5, 6]); // [[1, 2, 3], [4, 5, 6]]
    const b = new Float64Array([7, 8, 9, 10, 11, 12]); // [[7, 8], [9, 10], [11, 12]]
    const c = new Float64Array(4);
    runGemm(2, 2, 3, { data: a, off: 0, rs: 3, cs: 1 }, { data: b, off: 0, rs: 2, cs: 1 }, c);
    expect(Array.from(c)).toEqual([58, 64, 139, 154]);
    // The same operands read transposed: Aᵀ·Bᵀ = (B·A)ᵀ is 3×3.
    const d = new Float64Array(9);
    runGemm(3, 3, 2, { data: a, off: 0, rs: 1, cs: 3 }, { data: b, off: 0, rs: 1, cs: 2 }, d);
    expect(Array.from(d)).toEqual([39, 49, 59, 54, 68, 82, 69, 87, 105]);
  });

  const sizes = [0, 1, 3, 7, 17, 33, 65, 129];
  test.each(transposeLayouts)(`%s matches the naive loop for all m, n, k in {${sizes.join(', ')}}`, (_, la, lb) => {
    const rng = xoroshiro128plus(1);
    for (const m of sizes) {
      for (const n of sizes) {
        for (const k of sizes) {
          expectMatchesReference(m, n, k, makeOperand(rng, m, k, la), makeOperand(rng, k, n, lb));
        }
      }
    }
  });

  // 130×257·257×67 and 70×300·300×260 cross every block boundary (MC, KC and NC) with a remainder.
  test.each(transposeLayouts)('%s is exact on integers for 130×257·257×67 and 70×300·300×260', (_, la, lb) => {
    const rng = xoroshiro128plus(2);
    for (const [m, k, n] of [
      [130, 257, 67],
      [70, 300, 260],
    ] as const) {
      const a = makeOperand(rng, m, k, la, 0, 'integer');
      const b = makeOperand(rng, k, n, lb, 0, 'integer');
      expectMatchesReference(m, n, k, a, b, true);
    }
  });

  test.each(transposeLayouts)('%s on random shapes up to 150', (_, la, lb) => {
    const rng = xoroshiro128plus(3);
    const dim = () => floor(uniformFloat64(rng) * 151);
    for (let t = 0; t < 25; t++) {
      const [m, n, k] = [dim(), dim(), dim()];
      expectMatchesReference(m, n, k, makeOperand(rng, m, k, la), makeOperand(rng, k, n, lb));
    }
  });

  test('the three products of a Linear layer y = x·Wᵀ (x [64,784], W [128,784])', () => {
    const rng = xoroshiro128plus(4);
    // Forward x·Wᵀ: W stored [128,784] and read transposed.
    expectMatchesReference(64, 128, 784, makeOperand(rng, 64, 784, 'row'), makeOperand(rng, 784, 128, 'col'));
    // Input gradient ȳ·W.
    expectMatchesReference(64, 784, 128, makeOperand(rng, 64, 128, 'row'), makeOperand(rng, 128, 784, 'row'));
    // Weight gradient ȳᵀ·x: ȳ stored [64,128] and read transposed.
    expectMatchesReference(128, 784, 64, makeOperand(rng, 128, 64, 'col'), makeOperand(rng, 64, 784, 'row'));
  });

  const viewLayouts: Layout[] = ['row', 'col', 'stepped', 'reversed', 'broadcastRows', 'broadcastCols'];
  const viewPairs = viewLayouts.flatMap((la) => viewLayouts.map((lb): [Layout, Layout] => [la, lb]));
  test.each(viewPairs)('A %s · B %s views, with offsets', (la, lb) => {
    const rng = xoroshiro128plus(5);
    for (const [m, k, n] of [
      [1, 2, 8],
      [4, 16, 16],
      [5, 9, 11],
      [67, 70, 33],
      [66, 260, 258],
    ] as const) {
      expectMatchesReference(m, n, k, makeOperand(rng, m, k, la, 5), makeOperand(rng, k, n, lb, 3));
    }
  });

  test('a matrix stored by columns times a vector (Vᵀ·r), on contiguous, stepped, reversed and stride-0 views', () => {
    const rng = xoroshiro128plus(11);
    /** The k×m operand in `layout`, seen transposed: an m×k matrix whose columns are its short stride. */
    const transposed = (m: number, k: number, layout: Layout): Operand => {
      const x = makeOperand(rng, k, m, layout, 3);
      return { ...x, rs: x.cs, cs: x.rs };
    };
    for (const m of [1, 2, 5, 128]) {
      for (const k of [1, 3, 4, 5, 8, 9, 130, 1003]) {
        for (const la of ['row', 'stepped', 'reversed', 'broadcastCols'] as const) {
          for (const lx of ['row', 'stepped', 'reversed'] as const) {
            expectMatchesReference(m, 1, k, transposed(m, k, la), makeOperand(rng, k, 1, lx, 2));
          }
        }
        expectMatchesReference(m, 1, k, makeOperand(rng, m, k, 'col', 1, 'integer'), makeOperand(rng, k, 1, 'row', 0, 'integer'), true);
      }
    }
  });

  test('C is written at cOff and nothing outside m·n entries from there changes', () => {
    const rng = xoroshiro128plus(6);
    for (const [m, k, n] of [
      [3, 5, 2],
      [40, 300, 70],
    ] as const) {
      const a = makeOperand(rng, m, k, 'stepped', 2);
      const b = makeOperand(rng, k, n, 'col', 1);
      const cOff = 11;
      const c = new Float64Array(cOff + m * n + 9).fill(-7);
      runGemm(m, n, k, a, b, c, cOff);
      const want = reference(m, n, k, a, b);
      for (let i = 0; i < cOff; i++) expect(c[i]).toBe(-7);
      for (let i = cOff + m * n; i < c.length; i++) expect(c[i]).toBe(-7);
      for (let i = 0; i < m * n; i++) expect(abs(c[cOff + i] - want.c[i])).toBeLessThanOrEqual(1e-12 * want.mag[i]);
    }
  });

  test('k = 0 overwrites C with zeros; m = 0 or n = 0 writes nothing', () => {
    const empty = new Float64Array(0);
    const c = new Float64Array(8).fill(3);
    runGemm(2, 3, 0, { data: empty, off: 0, rs: 0, cs: 1 }, { data: empty, off: 0, rs: 3, cs: 1 }, c, 1);
    expect(Array.from(c)).toEqual([3, 0, 0, 0, 0, 0, 0, 3]);
    const d = new Float64Array(4).fill(3);
    runGemm(0, 4, 5, { data: empty, off: 0, rs: 5, cs: 1 }, { data: new Float64Array(20), off: 0, rs: 4, cs: 1 }, d);
    runGemm(4, 0, 5, { data: new Float64Array(20), off: 0, rs: 5, cs: 1 }, { data: empty, off: 0, rs: 0, cs: 1 }, d);
    expect(Array.from(d)).toEqual([3, 3, 3, 3]);
  });

  test('C is overwritten, not accumulated, on every path', () => {
    const rng = xoroshiro128plus(7);
    for (const [m, k, n] of [
      [1, 3, 2],
      [2, 30, 9],
      [8, 8, 8],
      [70, 600, 300],
    ] as const) {
      const a = makeOperand(rng, m, k, 'row');
      const b = makeOperand(rng, k, n, 'row');
      const c = new Float64Array(m * n).fill(1e6);
      runGemm(m, n, k, a, b, c);
      const first = Array.from(c);
      runGemm(m, n, k, a, b, c);
      expect(Array.from(c)).toEqual(first);
    }
  });
});
