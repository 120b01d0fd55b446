/**
 * Every kernel against a naive reference: element-wise ops (broadcasting, strided, transposed,
 * 0-d and empty operands), reductions over every axis set, and the softmax family.
 */
import { Generator, type Tensor, tensor, zeros } from '../src/index.js';
import { tensorOps as T } from '../src/engine/index.js';
import { asStridedView, broadcastPartner, expectClose, naiveBroadcast, randomShape, randomTensor, type Domain } from '@ad/test-support/helpers';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

const unaryReference: [keyof typeof T & string, (x: number) => number, Domain][] = [
  ['neg', (x) => -x, 'real'],
  ['exp', Math.exp, 'real'],
  ['log', Math.log, 'positive'],
  ['log1p', Math.log1p, 'unit'],
  ['expm1', Math.expm1, 'real'],
  ['sin', Math.sin, 'real'],
  ['cos', Math.cos, 'real'],
  ['tan', Math.tan, 'unit'],
  ['tanh', Math.tanh, 'real'],
  ['sigmoid', sigmoid, 'real'],
  ['relu', (x) => Math.max(x, 0), 'real'],
  ['sqrt', Math.sqrt, 'positive'],
  ['square', (x) => x * x, 'real'],
  ['abs', Math.abs, 'real'],
  ['sign', Math.sign, 'real'],
];

const binaryReference: [string, (x: number, y: number) => number, Domain, Domain][] = [
  ['add', (x, y) => x + y, 'real', 'real'],
  ['sub', (x, y) => x - y, 'real', 'real'],
  ['mul', (x, y) => x * y, 'real', 'real'],
  ['div', (x, y) => x / y, 'real', 'nonzero'],
  ['pow', Math.pow, 'positive', 'real'],
  ['maximum', Math.max, 'real', 'real'],
  ['minimum', Math.min, 'real', 'real'],
  ['eq', (x, y) => Number(x === y), 'mask', 'mask'],
  ['ne', (x, y) => Number(x !== y), 'mask', 'mask'],
  ['lt', (x, y) => Number(x < y), 'real', 'real'],
  ['le', (x, y) => Number(x <= y), 'mask', 'mask'],
  ['gt', (x, y) => Number(x > y), 'real', 'real'],
  ['ge', (x, y) => Number(x >= y), 'mask', 'mask'],
];

const layouts = ['contiguous', 'transposed', 'stepped'] as const;
function layout(x: Tensor, kind: (typeof layouts)[number]): Tensor {
  return kind === 'contiguous' ? x : asStridedView(x, kind);
}

type Fn = (...args: unknown[]) => Tensor;
const call = (name: string, ...args: unknown[]): Tensor => (T as unknown as Record<string, Fn>)[name](...args);

describe('element-wise kernels against a naive reference', () => {
  test.each(unaryReference)('%s on random shapes and layouts', (name, f, domain) => {
    const g = new Generator(1);
    for (let trial = 0; trial < 30; trial++) {
      const x = randomTensor(g, randomShape(g, 4, 5), domain);
      for (const kind of layouts) {
        expectClose(call(name, layout(x, kind)), naiveBroadcast(f, [x]), 1e-15, 0);
      }
    }
  });

  test.each(binaryReference)('%s with broadcasting and layouts', (name, f, dx, dy) => {
    const g = new Generator(2);
    for (let trial = 0; trial < 40; trial++) {
      const shape = randomShape(g, 4, 4);
      const partner = broadcastPartner(g, shape);
      const [sa, sb] = g.random() < 0.5 ? [shape, partner] : [partner, shape];
      const x = randomTensor(g, sa, dx);
      const y = randomTensor(g, sb, dy);
      const want = naiveBroadcast(f, [x, y]);
      for (const kx of layouts) {
        for (const ky of layouts) {
          expectClose(call(name, layout(x, kx), layout(y, ky)), want, 1e-15, 0);
        }
      }
    }
  });

  test('plain numbers act as 0-d constants on either side', () => {
    const x = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(T.sub(10, x).toArray()).toEqual([
      [9, 8],
      [7, 6],
    ]);
    expect(T.div(x, 2).toArray()).toEqual([
      [0.5, 1],
      [1.5, 2],
    ]);
    expect(T.pow(2, x).toArray()).toEqual([
      [2, 4],
      [8, 16],
    ]);
  });

  test('where selects with a broadcast mask', () => {
    const c = tensor([1, 0, 1]);
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(T.where(c, x, -1).toArray()).toEqual([
      [1, -1, 3],
      [4, -1, 6],
    ]);
    expect(T.where(T.gt(x, 3), x, 0).toArray()).toEqual([
      [0, 0, 0],
      [4, 5, 6],
    ]);
  });

  test('0-d and empty operands', () => {
    expect(T.add(tensor(2), tensor(3)).toArray()).toBe(5);
    expect(T.exp(tensor(0)).shape).toEqual([]);
    const empty = zeros([0, 3]);
    expect(T.add(empty, tensor([1, 2, 3])).shape).toEqual([0, 3]);
    expect(T.mul(zeros([2, 0]), zeros([1, 0])).shape).toEqual([2, 0]);
    expect(T.tanh(empty).size).toBe(0);
  });

  test('relu keeps NaN, maximum propagates NaN, relu(0) = 0', () => {
    expect(T.relu(tensor([NaN, -1, 0, 2])).toArray()).toEqual([NaN, 0, 0, 2]);
    expect(T.maximum(tensor([NaN, 1]), tensor([0, NaN])).toArray()).toEqual([NaN, NaN]);
  });

  test('sigmoid saturates without NaN', () => {
    expect(T.sigmoid(tensor([-1000, 0, 1000])).toArray()).toEqual([0, 0.5, 1]);
  });
});

/** Reference reduction: visits every element and folds it into its reduced position. */
function naiveReduce(x: Tensor, axes: number[], keepdims: boolean, init: number, f: (a: number, v: number) => number) {
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const n = keptShape.reduce((a, b) => a * b, 1);
  const acc = new Array<number>(n).fill(init);
  const flatX = x.toFloat64Array();
  for (let i = 0; i < flatX.length; i++) {
    let rest = i;
    let o = 0;
    let mul = 1;
    const idx: number[] = [];
    for (let d = x.ndim - 1; d >= 0; d--) {
      idx[d] = rest % x.shape[d];
      rest = Math.floor(rest / x.shape[d]);
    }
    for (let d = x.ndim - 1; d >= 0; d--) {
      o += (axes.includes(d) ? 0 : idx[d]) * mul;
      mul *= keptShape[d];
    }
    acc[o] = f(acc[o], flatX[i]);
  }
  return { shape: keepdims ? keptShape : x.shape.filter((_, i) => !axes.includes(i)), values: acc };
}

function randomAxes(g: Generator, rank: number): number[] | undefined {
  if (g.random() < 0.2) return undefined;
  return Array.from({ length: rank }, (_, i) => i).filter(() => g.random() < 0.5);
}

describe('reductions against a naive reference', () => {
  const cases: [string, number, (a: number, v: number) => number][] = [
    ['sum', 0, (a, v) => a + v],
    ['max', -Infinity, Math.max],
    ['min', Infinity, Math.min],
  ];
  test.each(cases)('%s over random axis sets, keepdims, layouts', (name, init, f) => {
    const g = new Generator(3);
    for (let trial = 0; trial < 60; trial++) {
      const x = randomTensor(g, randomShape(g, 4, 4, name === 'sum'));
      const axes = randomAxes(g, x.ndim);
      const keepdims = g.random() < 0.5;
      const all = axes ?? x.shape.map((_, i) => i);
      const want = naiveReduce(x, all, keepdims, init, f);
      for (const kind of layouts) {
        expectClose(call(name, layout(x, kind), axes, keepdims), want, 1e-13, 1e-13);
      }
    }
  });

  test('max and min of contiguous rows (four accumulators) = one chain of Math.max/Math.min, with NaN, ±0, ±∞ anywhere', () => {
    const g = new Generator(8);
    const specials = [NaN, 0, -0, Infinity, -Infinity];
    for (let n = 1; n <= 21; n++) {
      for (let trial = 0; trial < 12; trial++) {
        const row = Array.from({ length: n }, () => (g.random() < 0.25 ? specials[Math.floor(g.random() * 5)] : g.random() - 0.5));
        const rows = [row, row.map((v) => (Number.isNaN(v) ? 1 : v)), row.map((v) => (v === 0 ? -v : v))];
        const x = tensor(rows);
        for (const [name, f, init] of [
          ['max', Math.max, -Infinity],
          ['min', Math.min, Infinity],
        ] as const) {
          const got = call(name, x, [1], false).toArray() as number[];
          rows.forEach((r, i) =>
            expect(
              Object.is(
                got[i],
                r.reduce((a, v) => f(a, v), init),
              ),
            ).toBe(true),
          );
        }
      }
    }
  });

  test('mean divides by the reduced count; negative axes count from the end', () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(T.mean(x).item()).toBe(3.5);
    expect(T.mean(x, -1).toArray()).toEqual([2, 5]);
    expect(T.mean(x, 0, true).toArray()).toEqual([[2.5, 3.5, 4.5]]);
    expect(T.sum(x, [0, 1]).toArray()).toBe(21);
  });

  test('sum of an empty axis is 0; max of one is refused', () => {
    expect(T.sum(zeros([0, 3]), 0).toArray()).toEqual([0, 0, 0]);
    expect(() => T.max(zeros([0, 3]), 0)).toThrow('max: cannot reduce an empty axis of [0,3]');
  });

  test('logsumexp against log(sum(exp)) and stable at large magnitudes', () => {
    const g = new Generator(4);
    for (let trial = 0; trial < 30; trial++) {
      const x = randomTensor(g, randomShape(g, 3, 4, false));
      const axes = randomAxes(g, x.ndim);
      const want = T.log(T.sum(T.exp(x), axes));
      for (const kind of layouts) expectClose(T.logsumexp(layout(x, kind), axes), want, 1e-13, 1e-13);
    }
    const big = T.logsumexp(tensor([1000, 0, -1000]));
    expect(big.item()).toBe(1000);
    expect(T.logsumexp(tensor([-Infinity, -Infinity])).item()).toBe(-Infinity);
  });

  test('argmax and argmin give first extremum indices, flattened without an axis', () => {
    const x = tensor([
      [1, 5, 5],
      [7, 0, 7],
    ]);
    expect(T.argmax(x, 1).toArray()).toEqual([1, 0]);
    expect(T.argmax(x, 0).toArray()).toEqual([1, 0, 1]);
    expect(T.argmin(x, 1, true).toArray()).toEqual([[0], [1]]);
    expect(T.argmax(x).toArray()).toBe(3);
    expect(T.argmax(asStridedView(x, 'transposed'), -1).toArray()).toEqual([1, 0]);
  });
});

describe('softmax family', () => {
  test('softmax rows sum to 1 and match exp(x)/Σexp(x) on every axis and layout', () => {
    const g = new Generator(5);
    for (let trial = 0; trial < 30; trial++) {
      const x = randomTensor(g, randomShape(g, 3, 4, false).concat([3]));
      const axis = g.int(x.ndim);
      const e = T.exp(x);
      const want = T.div(e, T.sum(e, axis, true));
      for (const kind of layouts) {
        expectClose(T.softmax(layout(x, kind), axis), want, 1e-14, 1e-15);
        expectClose(T.logSoftmax(layout(x, kind), axis), T.log(want), 1e-13, 1e-13);
      }
    }
  });

  test('finite for logits like [1000, 0, -1000]', () => {
    const x = tensor([1000, 0, -1000]);
    expect(T.softmax(x).toArray()).toEqual([1, Math.exp(-1000), Math.exp(-2000)]);
    expect(T.logSoftmax(x).toArray()).toEqual([0, -1000, -2000]);
  });
});
