/**
 * The scijs ndarray ecosystem (issue 22). A tensor's `nd` handed to ndarray-ops gives the
 * numbers @ad's own ops give, on every layout a tensor can have (contiguous, transposed, sliced
 * with an offset and a step, stepped backwards, broadcast with stride 0).
 *
 * ndarray-ops compiles its loops with `new Function` (cwise), which is fine in Node; the tensors
 * themselves never need it.
 */
import ndarray, { type Data, type NdArray } from 'ndarray';
import ops from 'ndarray-ops';
import { Generator, Tensor, abs, add, div, exp, max, maximum, min, mul, norm, prod, sub, sum, tensor, zeros, type NestedArray } from '../src/index.js';

const TOL = 1e-12;

/** Every element of `actual` within 1e-12 (relative to max(1, |expected|)) of `expected`, shapes equal. */
function expectClose(actual: Tensor | number, expected: Tensor | number): void {
  const a = typeof actual === 'number' ? [actual] : Array.from(actual.toFloat64Array());
  const e = typeof expected === 'number' ? [expected] : Array.from(expected.toFloat64Array());
  if (typeof actual !== 'number' && typeof expected !== 'number') expect(actual.shape).toEqual(expected.shape);
  expect(a.length).toBe(e.length);
  const worst = a.reduce((w, v, i) => Math.max(w, Math.abs(v - e[i]) / Math.max(1, Math.abs(e[i]))), 0);
  expect(worst).toBeLessThanOrEqual(TOL);
}

/** Values in [-2, 2) with a sign mix, so max, min, abs and norms all have something to do. */
function values(g: Generator, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = g.uniform(-2, 2);
  return out;
}

/** The elements of an ndarray by its own `get`, nested row-major (the reference for a layout). */
function nestedByGet(a: NdArray<Data<number>>): NestedArray {
  if (a.shape.length === 0) return a.get() as number;
  const walk = (prefix: number[]): NestedArray[] =>
    Array.from({ length: a.shape[prefix.length] }, (_, i) => (prefix.length === a.shape.length - 1 ? (a.get(...prefix, i) as number) : walk([...prefix, i])));
  return walk([]);
}

type Layout = 'contiguous' | 'transposed' | 'sliced' | 'reversed' | 'broadcast rows' | 'broadcast columns';
const WRITABLE: readonly Layout[] = ['contiguous', 'transposed', 'sliced', 'reversed'];
const LAYOUTS: readonly Layout[] = [...WRITABLE, 'broadcast rows', 'broadcast columns'];

/**
 * A [3, 4] tensor of fresh random values laid out as `layout`, with the buffer it views. The
 * strided layouts sit in larger buffers filled with a sentinel outside the view, so a write that
 * strays shows up.
 */
function make(g: Generator, layout: Layout): { t: Tensor; buffer: Float64Array } {
  switch (layout) {
    case 'contiguous': {
      const t = Tensor.fromData(values(g, 12), [3, 4]);
      return { t, buffer: t.data };
    }
    case 'transposed': {
      const t = Tensor.fromData(values(g, 12), [4, 3]).transpose();
      return { t, buffer: t.data };
    }
    case 'sliced': {
      // Rows 1…3 and every other column from 2 of a [5, 10]: offset 12, stride [10, 2].
      const base = Tensor.fromData(new Float64Array(50).fill(SENTINEL), [5, 10]);
      const t = base.slice([1, 4], [2, 10, 2]);
      fill(t, values(g, 12));
      return { t, buffer: base.data };
    }
    case 'reversed': {
      // Both axes stepped backwards: negative strides, offset at the last element.
      const base = Tensor.fromData(new Float64Array(12), [3, 4]);
      const t = base.slice([null, null, -1], [null, null, -1]);
      fill(t, values(g, 12));
      return { t, buffer: base.data };
    }
    case 'broadcast rows': {
      const t = Tensor.fromData(values(g, 4), [4]).broadcastTo([3, 4]);
      return { t, buffer: t.data };
    }
    case 'broadcast columns': {
      const t = Tensor.fromData(values(g, 3), [3, 1]).broadcastTo([3, 4]);
      return { t, buffer: t.data };
    }
  }
}

const SENTINEL = -777;

/** Writes row-major `v` into the elements a view covers (test set-up, through the view's nd). */
function fill(t: Tensor, v: Float64Array): void {
  let k = 0;
  for (let i = 0; i < t.shape[0]; i++) for (let j = 0; j < t.shape[1]; j++) t.nd.set(i, j, v[k++]);
}

/** How many elements of `buffer` hold the sentinel (the part of a larger buffer outside a view). */
const sentinels = (buffer: Float64Array) => buffer.filter((v) => v === SENTINEL).length;

describe("a tensor's nd is what ndarray-ops needs", () => {
  test.each(LAYOUTS)('%s: data, shape, stride, offset, dtype, order and get agree with ndarray() over the same memory', (layout) => {
    const { t } = make(new Generator(1), layout);
    const theirs = ndarray(t.data, t.shape.slice(), t.stride.slice(), t.offset);
    // cwise reads data, shape, stride, offset, and keys its compiled loops on dtype and order.
    expect(t.nd.data).toBe(theirs.data);
    expect(t.nd.shape).toEqual(theirs.shape);
    expect(t.nd.stride).toEqual(theirs.stride);
    expect(t.nd.offset).toBe(theirs.offset);
    expect(t.nd.dtype).toBe(theirs.dtype);
    expect(t.nd.order).toEqual(theirs.order);
    expect(t.nd.size).toBe(theirs.size);
    expect(t.nd.dimension).toBe(theirs.dimension);
    expect(nestedByGet(t.nd)).toEqual(nestedByGet(theirs));
    expect(nestedByGet(t.nd)).toEqual(t.toArray());
  });

  test("the view methods (transpose, lo, hi, step, pick) pick the elements ndarray's do", () => {
    const { t } = make(new Generator(2), 'sliced');
    const theirs = ndarray(t.data, t.shape.slice(), t.stride.slice(), t.offset);
    const pairs: [NdArray<Float64Array>, NdArray<Float64Array>][] = [
      [t.nd.transpose(1, 0), theirs.transpose(1, 0)],
      [t.nd.T, theirs.transpose(1, 0)],
      [t.nd.lo(1, 2), theirs.lo(1, 2)],
      [t.nd.hi(2, 3), theirs.hi(2, 3)],
      [t.nd.step(-1, 2), theirs.step(-1, 2)],
      [t.nd.step(2, -3), theirs.step(2, -3)],
      [t.nd.pick(null, 1), theirs.pick(null, 1)],
      [t.nd.pick(2, null), theirs.pick(2, null)],
    ];
    for (const [ours, ref] of pairs) {
      expect(ours.shape).toEqual(ref.shape);
      expect(ours.stride).toEqual(ref.stride);
      expect(ours.offset).toBe(ref.offset);
      expect(nestedByGet(ours)).toEqual(nestedByGet(ref));
    }
  });
});

describe("ndarray-ops on a tensor's nd gives @ad's numbers", () => {
  test.each(LAYOUTS)('%s: sum, sup, inf, prod, norm1, norm2, norminf match sum, max, min, prod, norm', (layout) => {
    const { t: x } = make(new Generator(3), layout);
    expectClose(ops.sum(x.nd), sum(x).item());
    expectClose(ops.sup(x.nd), max(x).item());
    expectClose(ops.inf(x.nd), min(x).item());
    expectClose(ops.prod(x.nd), prod(x).item());
    expectClose(ops.norm1(x.nd), sum(abs(x)).item());
    expectClose(ops.norm2(x.nd), norm(x).item());
    expectClose(ops.norm2squared(x.nd), sum(mul(x, x)).item());
    expectClose(ops.norminf(x.nd), norm(x, Infinity).item());
  });

  // Every pair of layouts as the two operands, written into a fresh contiguous output.
  const pairs = LAYOUTS.flatMap((a) => LAYOUTS.map((b) => [a, b] as const));
  test.each(pairs)('%s with %s: add, sub, mul, div, max into an output match add, sub, mul, div, maximum', (la, lb) => {
    const g = new Generator(4);
    const { t: x } = make(g, la);
    const { t: y } = make(g, lb);
    const out = () => zeros([3, 4]);
    const run = (f: (o: NdArray, a: NdArray, b: NdArray) => NdArray) => {
      const o = out();
      f(o.nd, x.nd, y.nd);
      return o;
    };
    expectClose(run(ops.add), add(x, y));
    expectClose(run(ops.sub), sub(x, y));
    expectClose(run(ops.mul), mul(x, y));
    expectClose(run(ops.div), div(x, y));
    expectClose(run(ops.max), maximum(x, y));
  });

  test.each(LAYOUTS)('%s: exp, abs and muls from it match exp, abs and mul', (layout) => {
    const { t: x } = make(new Generator(5), layout);
    const o = zeros([3, 4]);
    ops.exp(o.nd, x.nd);
    expectClose(o, exp(x));
    ops.abs(o.nd, x.nd);
    expectClose(o, abs(x));
    ops.muls(o.nd, x.nd, -2.5);
    expectClose(o, mul(x, -2.5));
  });

  test.each(WRITABLE)('%s as the target: addeq, mulseq, maxeq and assign write exactly the view, as add, mul, maximum', (layout) => {
    const g = new Generator(6);
    for (const source of LAYOUTS) {
      const { t, buffer } = make(g, layout);
      const { t: y } = make(g, source);
      const outside = sentinels(buffer);
      const before = tensor(t.toArray());

      ops.addeq(t.nd, y.nd);
      expectClose(t, add(before, y));
      ops.mulseq(t.nd, 3);
      expectClose(t, mul(add(before, y), 3));
      ops.maxeq(t.nd, y.nd);
      expectClose(t, maximum(mul(add(before, y), 3), y));
      ops.assign(t.nd, y.nd);
      expect(t.toArray()).toEqual(y.toArray());
      // Nothing outside the view was written.
      expect(sentinels(buffer)).toBe(outside);
    }
    // The sliced layout does keep cells outside the view: the check above is not vacuous there.
    expect(sentinels(make(g, 'sliced').buffer)).toBe(50 - 12);
  });

  test('writing through a transposed view of a tensor changes the tensor, as a view must', () => {
    const g = new Generator(7);
    const base = zeros([4, 3]);
    const { t: src } = make(g, 'sliced');
    ops.assign(base.transpose().nd, src.nd);
    expect(base.toArray()).toEqual(src.transpose().toArray());
  });
});
