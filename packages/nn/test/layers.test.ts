/**
 * Every layer's gradients checked by the shared checker in both modes: forward mode (dual
 * tensors for the input and every parameter) and reverse mode (one recorded graph and a
 * backward) against central finite differences and against each other. Then hand-computed
 * values: convolution against a direct loop, pooling, the normalisations' statistics,
 * BatchNorm's running statistics, Embedding's padding row, PyTorch's initialisations.
 */
import { Generator, Tensor, checkGradients, randn, tensor, type Differentiable } from '@ad/core';
import { newTag } from '@ad/core/engine';
import { DualTensor } from '@ad/forward';
import { type Node, grad, hvp, leaf, propagate, type TensorVar } from '@ad/reverse';
import {
  AvgPool2d,
  BatchNorm1d,
  Conv2d,
  Dropout,
  ELU,
  Embedding,
  Flatten,
  GELU,
  LayerNorm,
  LeakyReLU,
  Linear,
  LogSoftmax,
  MaxPool2d,
  Sequential,
  Softmax,
  Softplus,
  Unflatten,
  primalOf,
  withParameters,
  type Module,
  type TensorLike,
} from '../src/index.js';

/** The layer as a function of [input, ...parameters], differentiated by each engine. */
function engines(model: Module): Differentiable {
  const names = model.namedParameters().map(([n]) => n);
  const run = (xs: readonly TensorLike[]) => withParameters(model, Object.fromEntries(names.map((n, i) => [n, xs[i + 1]])), () => model.forward(xs[0]));
  return {
    f: (xs) => primalOf(run(xs)) as Tensor,
    jvp: (xs, vs) => {
      const tag = newTag();
      const y = run(xs.map((x, i) => new DualTensor(tag, x, [vs[i]])));
      return (y as DualTensor).tangents[0] as Tensor;
    },
    vjp: (xs, yBar) => {
      const tag = newTag();
      const leaves = xs.map((x) => leaf(tag, x, true) as TensorLike);
      const y = run(leaves);
      propagate([y as unknown as Node], [yBar]);
      return leaves.map((l) => (l as unknown as Node).adjoint as Tensor | null);
    },
  };
}

function inputs(model: Module, shape: number[], seed: number): Tensor[] {
  return [
    randn(shape, { seed }),
    ...model.parameters().map((p, i) => {
      // Perturb the parameters away from their initial ones and zeros (LayerNorm's β = 0, γ = 1).
      const noise = randn(p.value.shape, { seed: seed + 10 + i });
      return Tensor.fromData(
        p.value.toFloat64Array().map((v, j) => v + 0.3 * noise.data[j]),
        p.value.shape,
      );
    }),
  ];
}

const layers: [string, () => Module, number[]][] = [
  ['Linear', () => new Linear(4, 3, { seed: 1 }), [2, 4]],
  ['LeakyReLU', () => new LeakyReLU(0.1), [3, 4]],
  ['ELU', () => new ELU(1.5), [3, 4]],
  ['GELU', () => new GELU(), [3, 4]],
  ['GELU (tanh)', () => new GELU({ approximate: 'tanh' }), [3, 4]],
  ['Softplus (β = 2, threshold 1)', () => new Softplus({ beta: 2, threshold: 1 }), [3, 4]],
  ['Softmax', () => new Softmax(1), [3, 4]],
  ['LogSoftmax', () => new LogSoftmax(0), [3, 4]],
  ['LayerNorm', () => new LayerNorm([3, 4]), [2, 3, 4]],
  ['BatchNorm1d [N, C]', () => new BatchNorm1d(3), [5, 3]],
  ['BatchNorm1d [N, C, L]', () => new BatchNorm1d(3), [4, 3, 2]],
  ['BatchNorm1d (eval)', () => new BatchNorm1d(3).eval(), [4, 3]],
  ['Flatten', () => new Flatten(), [2, 3, 2]],
  ['Conv2d (stride, padding, dilation)', () => new Conv2d(2, 3, [3, 2], { stride: [2, 1], padding: 1, dilation: [1, 2], seed: 2 }), [2, 2, 5, 6]],
  ['Conv2d (no bias)', () => new Conv2d(1, 2, 2, { bias: false, seed: 3 }), [1, 1, 3, 3]],
  ['MaxPool2d', () => new MaxPool2d(2), [2, 2, 4, 5]],
  ['MaxPool2d (stride 2, padding 1)', () => new MaxPool2d(3, { stride: 2, padding: 1 }), [1, 2, 5, 5]],
  ['AvgPool2d (padding 1)', () => new AvgPool2d(2, { padding: 1 }), [1, 2, 3, 4]],
  [
    'a small CNN',
    () => new Sequential([new Unflatten(1, [1, 6, 6]), new Conv2d(1, 2, 3, { seed: 4 }), new MaxPool2d(2), new Flatten(), new Linear(8, 2, { seed: 5 })]),
    [2, 36],
  ],
];

describe('each layer: both modes against finite differences and each other', () => {
  test.each(layers)('%s', (name, make, shape) => {
    const model = make();
    const report = checkGradients(name, engines(model), inputs(model, shape, 7), { directions: 3 });
    expect(report.jvpError).toBeLessThanOrEqual(1);
    expect(report.vjpError).toBeLessThanOrEqual(1);
    expect(report.identityError).toBeLessThan(1e-9);
  });

  test('Embedding (the weight; the indices are held fixed)', () => {
    const model = new Embedding(5, 3, { seed: 1 });
    const xs = [
      tensor([
        [4, 0],
        [4, 2],
      ]),
      model.weight.value,
    ];
    const report = checkGradients('Embedding', engines(model), xs, { wrt: [1], directions: 3 });
    expect(report.vjpError).toBeLessThanOrEqual(1);
    expect(report.identityError).toBeLessThan(1e-9);
  });
});

test('Conv2d equals a direct loop over the PyTorch definition', () => {
  const conv = new Conv2d(2, 3, [3, 2], { stride: [2, 1], padding: [1, 2], dilation: [2, 1], seed: 9 });
  const x = randn([2, 2, 6, 5], { seed: 1 });
  const y = primalOf(conv.forward(x)) as Tensor;
  const [n, c, h, w] = x.shape;
  const [ho, wo] = [Math.floor((h + 2 - 2 * 2 - 1) / 2) + 1, Math.floor((w + 4 - 1 - 1) / 1) + 1];
  expect(y.shape).toEqual([n, 3, ho, wo]);
  const W = conv.weight.value;
  const b = conv.bias!.value;
  const at = (t: Tensor, ...i: number[]) => t.data[i.reduce((o, v, k) => o + v * t.stride[k], t.offset)];
  let worst = 0;
  for (let s = 0; s < n; s++)
    for (let o = 0; o < 3; o++)
      for (let i = 0; i < ho; i++)
        for (let j = 0; j < wo; j++) {
          let sum = at(b, o);
          for (let ch = 0; ch < c; ch++)
            for (let p = 0; p < 3; p++)
              for (let q = 0; q < 2; q++) {
                const r = i * 2 - 1 + p * 2;
                const col = j - 2 + q;
                if (r >= 0 && r < h && col >= 0 && col < w) sum += at(W, o, ch, p, q) * at(x, s, ch, r, col);
              }
          worst = Math.max(worst, Math.abs(sum - at(y, s, o, i, j)));
        }
  expect(worst).toBeLessThan(1e-13);
});

test('PyTorch initialisation: conv weights and biases in ±1/√(in·kh·kw), seeded; Embedding N(0, 1)', () => {
  const conv = new Conv2d(4, 8, 3, { seed: 1 });
  const bound = 1 / Math.sqrt(4 * 9);
  for (const p of conv.parameters()) expect(Math.max(...p.data.map(Math.abs))).toBeLessThanOrEqual(bound);
  expect(Math.max(...conv.weight.data.map(Math.abs))).toBeGreaterThan(0.9 * bound);
  expect(new Conv2d(4, 8, 3, { seed: 1 }).weight.data).toEqual(conv.weight.data);
  const e = new Embedding(100, 50, { generator: new Generator(3) });
  const v = e.weight.data;
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  expect(Math.abs(mean)).toBeLessThan(0.05);
  expect(Math.abs(sd - 1)).toBeLessThan(0.05);
});

test('pooling by hand: the max of each window, and a mean that counts padding as zeros', () => {
  const x = tensor([
    [
      [
        [1, 2, 3, 4],
        [5, 6, 7, 8],
        [9, 10, 11, 12],
      ],
    ],
  ]);
  expect((primalOf(new MaxPool2d(2).forward(x)) as Tensor).toArray()).toEqual([[[[6, 8]]]]);
  expect((primalOf(new MaxPool2d(2, { stride: 1 }).forward(x)) as Tensor).toArray()).toEqual([
    [
      [
        [6, 7, 8],
        [10, 11, 12],
      ],
    ],
  ]);
  // Window at (−1, −1) holds only x[0][0] = 1 and three zeros of padding.
  expect((primalOf(new AvgPool2d(2, { padding: 1 }).forward(x)) as Tensor).toArray()).toEqual([
    [
      [
        [0.25, 1.25, 1],
        [3.5, 8.5, 5],
      ],
    ],
  ]);
});

test('LayerNorm: (x − mean)/√(biased var + ε), then γ and β', () => {
  const ln = new LayerNorm(3);
  const y = primalOf(ln.forward(tensor([[1, 2, 3]]))) as Tensor;
  const s = Math.sqrt(2 / 3 + 1e-5);
  (y.toArray() as number[][])[0].forEach((v, i) => expect(v).toBeCloseTo((i - 1) / s, 14));
  ln.weight!.data.set([2, 2, 2]);
  ln.bias!.data.set([1, 1, 1]);
  expect(((primalOf(ln.forward(tensor([[1, 2, 3]]))) as Tensor).toArray() as number[][])[0][2]).toBeCloseTo(2 / s + 1, 14);
});

test("BatchNorm1d: running statistics with PyTorch's momentum and the unbiased variance; eval uses them", () => {
  const bn = new BatchNorm1d(2);
  const x = tensor([
    [1, 10],
    [3, 20],
    [5, 60],
  ]);
  const y = primalOf(bn.forward(x)) as Tensor;
  // Feature 0: mean 3, biased var 8/3, unbiased var 4.
  expect((y.toArray() as number[][]).map((r) => r[0])).toEqual([-2, 0, 2].map((d) => d / Math.sqrt(8 / 3 + 1e-5)));
  const state = bn.stateDict();
  expect(Object.keys(state)).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
  const close = (t: Tensor, want: number[]) => (t.toArray() as number[]).forEach((v, i) => expect(v).toBeCloseTo(want[i], 13));
  close(state.running_mean, [0.3, 3]);
  // Feature 1: mean 30, unbiased var ((−20)² + (−10)² + 30²)/2 = 700.
  close(state.running_var, [0.9 + 0.4, 0.9 + 70]);
  expect(state.num_batches_tracked.item()).toBe(1);
  bn.eval();
  const z = primalOf(bn.forward(state.running_mean.reshape([1, 2]))) as Tensor;
  expect(z.toArray()).toEqual([[0, 0]]);
  // momentum null: a cumulative average; a single row in training mode is refused.
  const avg = new BatchNorm1d(1, { momentum: null });
  avg.forward(tensor([[1], [3]]));
  avg.forward(tensor([[5], [7]]));
  expect(avg.stateDict().running_mean.toArray()).toEqual([4]);
  expect(() => avg.forward(tensor([[1]]))).toThrow(/more than 1 value per feature/);
  // The buffers load with the parameters, keys and shapes checked.
  const copy = new BatchNorm1d(2);
  copy.loadStateDict(bn.stateDict());
  expect(copy.stateDict().running_var.toArray()).toEqual(state.running_var.toArray());
});

test('BatchNorm1d: a NaN or an infinity in a training batch is refused by name and the running statistics stay as they were', () => {
  const bn = new BatchNorm1d(2);
  bn.forward(
    tensor([
      [1, 10],
      [3, 20],
    ]),
  );
  const before = bn.stateDict();
  const snapshot = Object.fromEntries(Object.entries(before).map(([k, t]) => [k, t.toArray()]));
  for (const bad of [NaN, Infinity, -Infinity]) {
    expect(() =>
      bn.forward(
        tensor([
          [1, 10],
          [bad, 20],
        ]),
      ),
    ).toThrow(/^BatchNorm1d: the batch's statistics of feature 0 are not finite/);
  }
  // Finite values whose variance overflows are refused too: (±1e200)² is ∞.
  expect(() =>
    bn.forward(
      tensor([
        [1, 1e200],
        [1, -1e200],
      ]),
    ),
  ).toThrow(/feature 1 are not finite \(mean 0, variance Infinity/);
  expect(Object.fromEntries(Object.entries(bn.stateDict()).map(([k, t]) => [k, t.toArray()]))).toEqual(snapshot);
  // In eval mode nothing is learnt from the batch: a NaN input gives a NaN output, as every op does.
  bn.eval();
  const y = primalOf(bn.forward(tensor([[NaN, 10]]))) as Tensor;
  expect(Number.isNaN((y.toArray() as number[][])[0][0])).toBe(true);
  expect(Object.fromEntries(Object.entries(bn.stateDict()).map(([k, t]) => [k, t.toArray()]))).toEqual(snapshot);
});

test("BatchNorm1d and LayerNorm refuse an ε that would make √(var + ε) NaN; ε = 0 is PyTorch's and allowed", () => {
  for (const eps of [-1, NaN, Infinity]) {
    expect(() => new BatchNorm1d(2, { eps })).toThrow(/^BatchNorm1d: eps must be a finite number ≥ 0/);
    expect(() => new LayerNorm(2, { eps })).toThrow(/^LayerNorm: eps must be a finite number ≥ 0/);
  }
  expect(new LayerNorm(2, { eps: 0 }).eps).toBe(0);
});

test('a window larger than the padded image names the layer called, not im2col', () => {
  const x = randn([1, 1, 3, 3], { generator: new Generator(1) });
  expect(() => new Conv2d(1, 1, 4).forward(x)).toThrow(/^Conv2d: a 4×4 window \(dilation 1×1, padding 0×0\) does not fit an image of 3×3/);
  expect(() => new MaxPool2d(4).forward(x)).toThrow(/^MaxPool2d: a 4×4 window/);
  expect(() => new AvgPool2d(4).forward(x)).toThrow(/^AvgPool2d: a 4×4 window/);
  // Padded by 1, the 5×5 image holds a 4×4 window at 2×2 places.
  expect(new Conv2d(1, 1, 4, { padding: 1 }).forward(x).shape).toEqual([1, 1, 2, 2]);
});

test('Embedding: rows by index; the padding row reads zero and gets no gradient', () => {
  const e = new Embedding(4, 2, { seed: 1, paddingIdx: 0 });
  expect(Array.from(e.weight.data.subarray(0, 2))).toEqual([0, 0]);
  const out = e.forward(
    tensor([
      [2, 0],
      [2, 3],
    ]),
  );
  const rows = (primalOf(out) as Tensor).toArray() as number[][][];
  expect(rows[0][0]).toEqual(Array.from(e.weight.data.subarray(4, 6)));
  expect(rows[0][1]).toEqual([0, 0]);
  e.weight.data[0] = 5;
  (out as unknown as Node).backward(Tensor.fromData(new Float64Array(8).fill(1), [2, 2, 2]));
  expect((e.weight.grad as Tensor).toArray()).toEqual([
    [0, 0],
    [0, 0],
    [2, 2],
    [1, 1],
  ]);
  expect(() => e.forward(tensor([4]))).toThrow(/index 4 .* out of range for 4 embeddings/);
});

test('nested modes go through convolution and pooling: a Hessian-vector product (forward over reverse) against differences of gradients', () => {
  const conv = new Conv2d(1, 2, 3, { padding: 1, seed: 6 });
  const plain = Object.fromEntries(conv.namedParameters().map(([k, p]) => [k, p.value]));
  // A scalar of the input image through conv, GELU and a max pool, then Σ tanh² (smooth away from pool ties).
  const f = (x: TensorVar) =>
    withParameters(conv, plain, () => {
      const y = new MaxPool2d(2).forward(new GELU().forward(conv.forward(x as unknown as TensorLike)));
      return (y as unknown as TensorVar).tanh().square().sum() as TensorVar;
    });
  const x = randn([1, 1, 4, 4], { seed: 8 });
  const v = randn([1, 1, 4, 4], { seed: 9 });
  const hv = hvp(f)(x, v).toFloat64Array();
  const eps = 1e-5;
  const gPlus = grad(f)(x.add(v.mul(eps))).toFloat64Array();
  const gMinus = grad(f)(x.sub(v.mul(eps))).toFloat64Array();
  hv.forEach((h, i) => expect(h).toBeCloseTo((gPlus[i] - gMinus[i]) / (2 * eps), 6));
  expect(Math.max(...hv.map(Math.abs))).toBeGreaterThan(1e-3);
});

describe('Dropout masks', () => {
  const zerosOf = (m: Float64Array) => [...m].flatMap((v, i) => (v === 0 ? [i] : []));

  test('pinned: the masks the per-element draws gave before the masks were drawn in one fill', () => {
    const a = new Dropout(0.2, { seed: 7 });
    const b = new Dropout(0.5, { seed: 0 });
    const [a1, a2, b1, b2] = [a, a, b, b].map((layer) => {
      const m = new Float64Array(40);
      layer.drawMask(m);
      return m;
    });
    expect(zerosOf(a1)).toEqual([1, 6, 10, 34, 35]);
    expect(zerosOf(a2)).toEqual([0, 2, 5, 9, 13, 20, 25, 28, 34, 39]);
    expect(zerosOf(b1)).toEqual([0, 1, 3, 4, 5, 7, 9, 10, 13, 14, 19, 20, 21, 22, 23, 25, 27, 28, 29, 30, 32, 36, 37, 39]);
    expect(zerosOf(b2)).toEqual([0, 5, 6, 8, 10, 13, 14, 15, 16, 17, 19, 20, 23, 24, 28, 29, 30, 31, 32, 33, 34, 36, 37, 39]);
    for (const m of [a1, a2]) for (const v of m) expect([0, 1.25]).toContain(v);
    for (const m of [b1, b2]) for (const v of m) expect([0, 2]).toContain(v);
  });

  test('element i is dropped when the i-th uniform of the layer’s generator is below p, and the forward multiplies by the mask', () => {
    for (const p of [0.1, 0.2, 0.9]) {
      const twin = new Generator(11);
      const layer = new Dropout(p, { generator: new Generator(11) });
      for (const n of [1, 33, 32768]) {
        const mask = new Float64Array(n);
        layer.drawMask(mask);
        const expected = Float64Array.from({ length: n }, () => (twin.random() < p ? 0 : 1 / (1 - p)));
        expect(mask).toEqual(expected);
      }
      const x = randn([3, 5], { seed: 2 });
      const y = layer.forward(x);
      const expected = Float64Array.from({ length: 15 }, () => (twin.random() < p ? 0 : 1 / (1 - p)));
      expect(y.toFloat64Array()).toEqual(x.toFloat64Array().map((v, i) => v * expected[i]));
    }
  });
});
