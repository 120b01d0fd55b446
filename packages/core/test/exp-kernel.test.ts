/**
 * The exp kernel over blocks (assembly/exp.ts through expScratch): on the WebAssembly path and
 * the JavaScript one it must return, lane for lane, the bits of `Special.exp(v − shift)` — the
 * SIMD loop runs the JavaScript function's IEEE operations two lanes at a time — and the sum
 * of what it wrote, added in order; so it is also within 2 ulp of `Math.exp`, as Special.exp is.
 * The exp op's eager kernel and a page without WebAssembly take the same path.
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { exp, setKernels, tensor, type KernelPath } from '@ad/core';
import { EXP_BLOCK, Special, expScratch } from '@ad/core/engine';
import { cspForbiddingWebAssembly } from '@ad/test-support/webassembly';

afterAll(() => setKernels('auto'));

const paths: KernelPath[] = ['js', 'wasm'];

/** The edges: ±0, tiny, the range limit 708 and past it, overflow, subnormal results, 0, ±∞, NaN. */
const EDGES = [
  0,
  -0,
  1,
  -1,
  1e-300,
  -1e-17,
  5e-324,
  Math.LN2 * 10,
  708,
  -708,
  708.0000000001,
  -708.0000000001,
  709.78,
  709.79,
  710,
  -740,
  -745.1,
  -745.2,
  -746,
  1e308,
  -1e308,
  Infinity,
  -Infinity,
  NaN,
];

/** Runs the kernel on `xs` with `shift` through one block of scratch; returns the exps and the sum. */
function kernel(xs: readonly number[], shift: number, acc = 0): { out: number[]; sum: number } {
  const s = expScratch(1);
  s.heap.set(xs, s.at);
  const sum = s.run(s.at, xs.length, acc, shift);
  return { out: Array.from(s.heap.subarray(s.at, s.at + xs.length)), sum };
}

/** The reference: Special.exp one value at a time, summed in order from acc. */
function reference(xs: readonly number[], shift: number, acc = 0): { out: number[]; sum: number } {
  const out = xs.map((x) => Special.exp(x - shift));
  return { out, sum: out.reduce((a, e) => a + e, acc) };
}

/** How many positions of a and b hold different bits (NaN equal to NaN). */
function differences(a: readonly number[], b: readonly number[]): number {
  let n = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) n++;
  return n;
}

/** |a − b| in units in the last place of b (b finite and positive). */
function ulps(a: number, b: number): number {
  const up = new Float64Array([b]);
  const bits = new BigInt64Array(up.buffer);
  bits[0] += 1n;
  return Math.abs(a - b) / (up[0] - b);
}

describe.each(paths)('the exp kernel on the %s path', (path) => {
  beforeAll(() => setKernels(path));

  test(`runs where the path says (${path === 'js' ? 'a JavaScript array' : "the module's memory"})`, () => {
    // The JavaScript scratch is exactly the blocks asked for; the module's memory is larger.
    expect(expScratch(1).heap.length > EXP_BLOCK).toBe(path === 'wasm');
  });

  test('equals Special.exp bit for bit over a dense sweep of −708 … 708, with and without a shift', () => {
    const xs: number[] = [];
    for (let i = -708_000; i <= 708_000; i += 3) xs.push(i / 1000);
    let wrong = 0;
    for (let b = 0; b < xs.length; b += EXP_BLOCK) {
      const block = xs.slice(b, b + EXP_BLOCK);
      for (const shift of [0, 0.75, -3.5]) {
        const got = kernel(block, shift, 1);
        const want = reference(block, shift, 1);
        wrong += differences(got.out, want.out) + (got.sum === want.sum ? 0 : 1);
      }
    }
    expect(wrong).toBe(0);
  });

  test('x = k·ln 2/128 ± a little, where the rounding of k changes and the table index wraps', () => {
    const xs: number[] = [];
    for (let k = -2000; k <= 2000; k++) for (const d of [-1e-12, 0, 1e-12]) xs.push((k * Math.LN2) / 128 + d);
    for (let b = 0; b < xs.length; b += EXP_BLOCK) {
      const block = xs.slice(b, b + EXP_BLOCK);
      expect(kernel(block, 0).out).toEqual(reference(block, 0).out);
    }
  });

  test('within 2 ulp of Math.exp on random x in −708 … 708 (odd lengths: the last element alone)', () => {
    const rng = xoroshiro128plus(5);
    for (const n of [1, 3, 2047, EXP_BLOCK]) {
      const xs = Array.from({ length: n }, () => 1416 * uniformFloat64(rng) - 708);
      const { out } = kernel(xs, 0);
      out.forEach((e, i) => expect(ulps(e, Math.exp(xs[i]))).toBeLessThanOrEqual(2));
    }
  });

  test('the edges, alone and inside a block of ordinary values: overflow to ∞, underflow to subnormals and 0, ±∞, NaN', () => {
    for (const x of EDGES) {
      const got = kernel([x], 0).out[0];
      expect(got).toBe(Special.exp(x));
      if (Math.abs(x) > 708 || Number.isNaN(x)) expect(got).toBe(Math.exp(x));
    }
    expect(kernel([709.79, 710, Infinity], 0).out).toEqual([Infinity, Infinity, Infinity]);
    expect(kernel([-746, -Infinity], 0).out).toEqual([0, 0]);
    expect(kernel([-740], 0).out[0]).toBeGreaterThan(0); // subnormal, as Math.exp gives
    // One edge value sends its block lane by lane: every lane must still be Special.exp's.
    const block = Array.from({ length: 101 }, (_, i) => (i - 50) / 7);
    for (const x of EDGES) {
      const xs = [...block];
      xs[37] = x;
      const got = kernel(xs, 0.25, 2);
      const want = reference(xs, 0.25, 2);
      expect(got.out).toEqual(want.out);
      expect(Object.is(got.sum, want.sum) || (Number.isNaN(got.sum) && Number.isNaN(want.sum))).toBe(true);
    }
    // ∞ − ∞ = NaN when the shift is the ∞ itself (lse of [∞, …]): NaN, not an exp of a number.
    expect(kernel([Infinity, 0], Infinity).out.map(Number.isNaN)).toEqual([true, false]);
  });

  test('the exp op over a large tensor, contiguous and offset: the bits of Special.exp', () => {
    const rng = xoroshiro128plus(9);
    const xs = Array.from({ length: 3 * EXP_BLOCK + 17 }, () => 60 * uniformFloat64(rng) - 30);
    expect(Array.from(exp(tensor(xs)).toArray() as number[])).toEqual(xs.map(Special.exp));
    const tail = tensor(xs).slice([5, null]);
    expect(tail.offset).toBe(5);
    expect(Array.from(exp(tail).toArray() as number[])).toEqual(xs.slice(5).map(Special.exp));
  });
});

describe('without WebAssembly', () => {
  test('on an engine without it, and on a page whose CSP forbids compiling it, the kernel is Special.exp in JavaScript', () => {
    const g = globalThis as { WebAssembly?: unknown };
    const saved = g.WebAssembly;
    const forbidding = cspForbiddingWebAssembly();
    const xs = [...EDGES, ...Array.from({ length: 300 }, (_, i) => i / 10 - 15)];
    for (const replacement of [undefined, forbidding]) {
      try {
        g.WebAssembly = replacement;
        jest.isolateModules(() => {
          const engine = require('../src/engine/index.js') as typeof import('../src/engine/index.js');
          const core = require('../src/index.js') as typeof import('../src/index.js');
          const s = engine.expScratch(1);
          s.heap.set(xs, s.at);
          const sum = s.run(s.at, xs.length, 0, 0.5);
          expect(Array.from(s.heap.subarray(s.at, s.at + xs.length))).toEqual(xs.map((x) => Special.exp(x - 0.5)));
          expect(Number.isNaN(sum)).toBe(true);
          const big = Array.from({ length: 1000 }, (_, i) => i / 50 - 10);
          expect(core.exp(core.tensor(big)).toArray()).toEqual(big.map(Special.exp));
        });
      } finally {
        g.WebAssembly = saved;
      }
    }
  });
});
