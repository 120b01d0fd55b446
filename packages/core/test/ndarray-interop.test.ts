/**
 * The scijs ndarray ecosystem, both ways (issue 22). A tensor's `nd` handed to ndarray-ops gives
 * the numbers @ad's own ops give, on every layout a tensor can have (contiguous, transposed,
 * sliced with an offset and a step, stepped backwards, broadcast with stride 0); and an array
 * made by `ndarray()` becomes a tensor with `fromNdarray` — over the same memory when its data is
 * a Float64Array, as a copy otherwise — with typed errors for what is not an ndarray.
 *
 * ndarray-ops compiles its loops with `new Function` (cwise), which is fine in Node; the tensors
 * themselves never need it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ndarray, { type Data, type NdArray } from 'ndarray';
import ops from 'ndarray-ops';
import ts from 'typescript';
import * as core from '../src/index.js';
import {
  type AdError,
  DTypeError,
  Generator,
  ShapeError,
  Tensor,
  ValueError,
  abs,
  add,
  div,
  exp,
  fromNdarray,
  max,
  maximum,
  min,
  mul,
  norm,
  prod,
  sub,
  sum,
  tensor,
  zeros,
  type NestedArray,
} from '../src/index.js';

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

/** A contiguous tensor of an ndarray's elements read by its own `get` (keeps the shape of an empty one). */
function copyByGet(a: NdArray<Data<number>>): Tensor {
  const flat: number[] = [];
  const push = (v: NestedArray): void => void (typeof v === 'number' ? flat.push(v) : v.forEach(push));
  push(nestedByGet(a));
  return Tensor.fromData(Float64Array.from(flat), a.shape);
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

describe('fromNdarray: an ndarray over a Float64Array becomes a tensor over the same memory', () => {
  const g = new Generator(8);
  const data = values(g, 24);
  const a = ndarray(data, [4, 6]);
  const views: [string, NdArray<Float64Array>][] = [
    ['contiguous', a],
    ['transposed', a.transpose(1, 0)],
    ['lo/hi (offset)', a.lo(1, 2).hi(2, 3)],
    ['stepped backwards', a.step(-1, 2)],
    ['picked column', a.pick(null, 4)],
    ['stride 0 (broadcast)', ndarray(data, [3, 6], [0, 1], 6)],
    ['3-d', ndarray(data, [2, 3, 2], [1, 4, 2], 1)],
    ['0-d', ndarray(data, [], [], 5)],
    ['empty', ndarray(data, [0, 6], [6, 1], 0)],
  ];

  test.each(views)('%s: same data, shape, stride and offset; values as ndarray reads them', (_name, v) => {
    const t = fromNdarray(v);
    expect(t).toBeInstanceOf(Tensor);
    expect(t.data).toBe(v.data);
    expect(t.shape).toEqual(v.shape);
    expect(t.stride).toEqual(v.stride);
    expect(t.offset).toBe(v.offset);
    expect(t.toArray()).toEqual(nestedByGet(v));
    // The tensor holds its own shape and stride lists: reshaping the ndarray object later does not reach it.
    expect(t.shape).not.toBe(v.shape);
    expect(t.stride).not.toBe(v.stride);
  });

  test.each(views)("%s: @ad's ops on it match the same ops on a copy", (_name, v) => {
    const t = fromNdarray(v);
    const copy = copyByGet(v);
    expectClose(exp(t), exp(copy));
    expectClose(mul(t, t), mul(copy, copy));
    expectClose(sum(t), sum(copy));
    if (t.ndim > 0) expectClose(sum(t, 0), sum(copy, 0));
  });

  test('a write through either is seen by the other', () => {
    const buf = Float64Array.from({ length: 6 }, (_, i) => i + 1);
    const arr = ndarray(buf, [2, 3]);
    const t = fromNdarray(arr.transpose(1, 0)); // [[1, 4], [2, 5], [3, 6]]
    arr.set(1, 2, 60);
    expect(t.get(2, 1)).toBe(60);
    ops.mulseq(t.nd, 10); // through the tensor's view
    expect(nestedByGet(arr)).toEqual([
      [10, 20, 30],
      [40, 50, 600],
    ]);
    expect(t.toArray()).toEqual([
      [10, 40],
      [20, 50],
      [30, 600],
    ]);
  });
});

describe('fromNdarray: other data is copied into a fresh Float64Array', () => {
  const cases: [string, NdArray<Data<number>>, NestedArray][] = [
    [
      'Float32Array',
      ndarray(new Float32Array([0.1, 0.2, 0.3, 0.4]), [2, 2]),
      [
        [0.1, 0.2],
        [0.3, 0.4],
      ].map((r) => r.map(Math.fround)),
    ],
    [
      'Int32Array, transposed',
      ndarray(new Int32Array([1, -2, 3, -4, 5, -6]), [2, 3]).transpose(1, 0),
      [
        [1, -4],
        [-2, 5],
        [3, -6],
      ],
    ],
    ['Uint8Array, stepped backwards', ndarray(new Uint8Array([10, 20, 30, 40, 250]), [5]).step(-2), [250, 30, 10]],
    [
      'plain array, with offset',
      ndarray([9, 1, 2, 3, 4, 5, 6], [2, 3], [3, 1], 1),
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
    ],
    ['0-d plain array', ndarray([7, 8], [], [], 1), 8],
  ];

  test.each(cases)('%s: its values, row-major and contiguous, in memory of its own', (_name, v, expected) => {
    const t = fromNdarray(v);
    expect(t.data).toBeInstanceOf(Float64Array);
    expect(t.data).not.toBe(v.data);
    expect(t.shape).toEqual(v.shape);
    expect(t.isContiguous).toBe(true);
    expect(t.offset).toBe(0);
    expect(t.toArray()).toEqual(expected);
    expect(t.toArray()).toEqual(nestedByGet(v));
  });

  test('a later write to the ndarray is not seen by the copy', () => {
    const arr = ndarray(new Float32Array([1, 2, 3]), [3]);
    const t = fromNdarray(arr);
    arr.set(0, 100);
    expect(t.toArray()).toEqual([1, 2, 3]);
  });

  test("ndarray's generic arrays (get/set/length) are read through get", () => {
    const store = [5, 6, 7, 8];
    const generic = {
      length: 4,
      get: (i: number) => store[i],
      set: (i: number, v: number) => {
        store[i] = v;
      },
    };
    const arr = ndarray(generic, [2, 2]);
    expect(arr.dtype).toBe('generic');
    expect(fromNdarray(arr.transpose(1, 0)).toArray()).toEqual([
      [5, 7],
      [6, 8],
    ]);
  });
});

describe('fromNdarray refuses what is not an ndarray, with typed errors that say what it got', () => {
  /** An ndarray-shaped object (ndarray() itself would not make most of these). */
  const like = (data: unknown, shape: unknown, stride: unknown, offset: unknown) => ({ data, shape, stride, offset });
  const f64 = (n: number) => new Float64Array(n);
  const cases: [string, unknown, typeof AdError, RegExp][] = [
    ['null', null, DTypeError, /got null$/],
    ['undefined', undefined, DTypeError, /got undefined$/],
    ['a number', 42, DTypeError, /got number 42$/],
    ['a string', 'abc', DTypeError, /got string "abc"$/],
    ['a plain array', [1, 2], DTypeError, /got an array of length 2 \(make one with ndarray\(data, shape\), or a tensor with tensor\(\)\)$/],
    ['a bare Float64Array', f64(3), DTypeError, /got a Float64Array \(make one/],
    [
      'an object without shape',
      { data: f64(2) },
      DTypeError,
      /expected an ndarray \(an object with data, shape, stride and offset, as ndarray\(\) makes\), got an object without shape$/,
    ],
    ['a shape that is not an array', like(f64(2), 2, [1], 0), DTypeError, /got an object whose shape is not an array$/],
    ['a negative shape', like(f64(4), [2, -2], [2, 1], 0), ValueError, /shape must hold non-negative integers, got \[2,-2\]$/],
    ['a fractional shape', like(f64(4), [1.5], [1], 0), ValueError, /shape must hold non-negative integers, got \[1\.5\]$/],
    ['no stride', like(f64(4), [4], undefined, 0), DTypeError, /stride must be an array of integers, got undefined$/],
    ['a stride of another rank', like(f64(6), [2, 3], [1], 0), ShapeError, /stride \[1\] has 1 entries, shape \[2,3\] needs 2$/],
    ['a fractional stride', like(f64(6), [2, 3], [3, 0.5], 0), ValueError, /stride must hold integers, got \[3,0\.5\]$/],
    ['no offset', like(f64(4), [4], [1], undefined), DTypeError, /offset must be an integer, got undefined$/],
    ['a fractional offset', like(f64(4), [2], [1], 0.5), ValueError, /offset must be an integer, got 0\.5$/],
    [
      'strides that run past the end',
      ndarray(f64(6), [2, 3], [3, 1], 1),
      ShapeError,
      /shape \[2,3\] with stride \[3,1\] and offset 1 reaches indices 1…6, outside data of length 6 \(needed within 0…5\)$/,
    ],
    ['a negative stride that runs before the start', ndarray(f64(6), [3], [-1], 1), ShapeError, /reaches indices -1…1, outside data of length 6/],
    ['a broadcast offset past the end', ndarray(f64(4), [3, 2], [0, 1], 3), ShapeError, /reaches indices 3…4, outside data of length 4/],
    ['BigInt64Array data', like(new BigInt64Array(2), [2], [1], 0), DTypeError, /data is a BigInt64Array: bigint values cannot become float64 exactly/],
    ['string data', like('abcd', [4], [1], 0), DTypeError, /data must be a typed array, an array of numbers or a get\/set array, got string "abcd"$/],
    ['a plain array holding a string', ndarray([1, 'x', 3] as unknown as number[], [3]), DTypeError, /data\[1\] is string "x", needed a number$/],
    ['a plain array with a hole', like([1, 2], [3], [1], 0), ShapeError, /reaches indices 0…2, outside data of length 2/],
  ];

  test.each(cases)('%s', (_name, input, type, message) => {
    let caught: unknown;
    try {
      fromNdarray(input as NdArray);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(type);
    const err = caught as AdError;
    expect(err.op).toBe('fromNdarray');
    expect(err.message.startsWith('fromNdarray: ')).toBe(true);
    expect(err.message).toMatch(message);
  });
});

describe('round trip: fromNdarray(t.nd) is t, over the same memory', () => {
  const g = new Generator(9);
  const tensors: [string, Tensor][] = [
    ...LAYOUTS.map((l): [string, Tensor] => [l, make(g, l).t]),
    ['0-d', tensor(3.5)],
    ['3-d permuted', Tensor.fromData(values(g, 24), [2, 3, 4]).permute([2, 0, 1])],
    ['empty', zeros([0, 3])],
  ];

  test.each(tensors)('%s', (_name, t) => {
    const u = fromNdarray(t.nd);
    expect(u).not.toBe(t);
    expect(u.data).toBe(t.data);
    expect(u.shape).toEqual(t.shape);
    expect(u.stride).toEqual(t.stride);
    expect(u.offset).toBe(t.offset);
    expect(u.toArray()).toEqual(t.toArray());
    expectClose(sum(u), sum(t));
  });

  test('a write into the round-tripped tensor is a write into the original', () => {
    const { t } = make(g, 'sliced');
    const u = fromNdarray(t.nd);
    ops.assign(
      u.nd,
      tensor([
        [1, 2, 3, 4],
        [5, 6, 7, 8],
        [9, 10, 11, 12],
      ]).nd,
    );
    expect(t.toArray()).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10, 11, 12],
    ]);
  });
});

describe('the README section "With scijs ndarray"', () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const section = readme.split('\n## With scijs ndarray\n')[1]?.split('\n## ')[0] ?? '';
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1] ?? '';

  test('has a TypeScript example importing ndarray, ndarray-ops and fromNdarray', () => {
    expect(block).toMatch(/from 'ndarray'/);
    expect(block).toMatch(/from 'ndarray-ops'/);
    expect(block).toMatch(/fromNdarray/);
  });

  test('runs as written, and each checked line gives the value its comment says', () => {
    // Every top-level expression statement whose comment starts with a value (`x.toArray(); // [1, 2]`)
    // is run through `show`, which records its value; the rest of the block runs as written.
    const source = ts.createSourceFile('block.ts', block, ts.ScriptTarget.ES2022);
    const promised: unknown[] = [];
    const edits: { start: number; end: number; text: string }[] = [];
    for (const st of source.statements) {
      if (!ts.isExpressionStatement(st)) continue;
      const lineEnd = block.indexOf('\n', st.end);
      const comment = /^\s*\/\/ (.*)$/.exec(block.slice(st.end, lineEnd < 0 ? undefined : lineEnd))?.[1];
      const value = comment?.split(/: | — /)[0];
      if (value === undefined || !/^[[\-\d"tfn]/.test(value)) continue;
      edits.push({ start: st.getStart(source), end: st.end, text: `show(${st.expression.getText(source)});` });
      promised.push(JSON.parse(value));
    }
    let edited = block;
    for (const e of edits.reverse()) edited = edited.slice(0, e.start) + e.text + edited.slice(e.end);
    const js = ts.transpileModule(edited, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
    const modules: Record<string, unknown> = { ndarray, 'ndarray-ops': ops, '@ad/core': core };
    const shown: unknown[] = [];
    const show = (v: unknown) => void shown.push(v instanceof Tensor ? v.toArray() : v);
    const run = new Function('require', 'exports', 'show', js) as (r: (m: string) => unknown, e: object, s: typeof show) => void;
    run((m) => modules[m], {}, show);
    expect(promised.length).toBeGreaterThanOrEqual(5);
    expect(shown).toEqual(promised);
  });
});
