/**
 * Hand-computed values of the ops behind PyTorch's layers: Φ against tabulated values, the
 * kink conventions of leakyRelu and elu, im2col on a small image, max-pool indices on ties and
 * NaN, take/scatterAdd, and the errors they give.
 */
import { ShapeError, ValueError, normalCdf, tensor } from '../src/index.js';
import { Special, erfc, ops, tensorOps as T } from '../src/engine/index.js';
import { exp } from '../src/index.js';

test('Φ and erfc against tabulated values (to 1e-15)', () => {
  const table: [number, number][] = [
    [0, 0.5],
    [1, 0.8413447460685429],
    [-1, 0.15865525393145707],
    [2, 0.9772498680518208],
    [-3, 0.0013498980316300946],
    [-5, 2.866515718791939e-7],
    [4, 0.9999683287581669],
  ];
  const got = normalCdf(tensor(table.map(([x]) => x))).toArray() as number[];
  table.forEach(([, want], i) => expect(Math.abs(got[i] - want)).toBeLessThanOrEqual(2e-16 + 1e-14 * want));
  expect(erfc(0.5)).toBeCloseTo(0.4795001221869535, 15);
  expect(erfc(3)).toBeCloseTo(2.209049699858544e-5, 19);
  expect(erfc(-3)).toBeCloseTo(1.999977909503001, 15);
  expect(Number.isNaN(erfc(NaN))).toBe(true);
});

describe('Special.exp, the exp kernel', () => {
  test('within 2 ulp (4.5e-16 relative) of Math.exp from −708 to 708, on a grid and at table boundaries', () => {
    let worst = 0;
    for (let i = -708_000; i <= 708_000; i += 7) {
      const x = i / 1000;
      worst = Math.max(worst, Math.abs(Special.exp(x) - Math.exp(x)) / Math.exp(x));
    }
    // x = k·ln 2/128 ± a little: where the rounding of k changes and the table index wraps.
    for (let k = -2000; k <= 2000; k++) {
      for (const d of [-1e-12, 0, 1e-12]) {
        const x = (k * Math.LN2) / 128 + d;
        worst = Math.max(worst, Math.abs(Special.exp(x) - Math.exp(x)) / Math.exp(x));
      }
    }
    expect(worst).toBeLessThanOrEqual(4.5e-16);
  });

  test('known values, and the edges: 0, ±0, tiny x, overflow past 709.78, subnormals and 0 below −708, ±∞, NaN', () => {
    expect(Special.exp(0)).toBe(1);
    expect(Special.exp(-0)).toBe(1);
    expect(Special.exp(1)).toBe(Math.E);
    expect(Special.exp(1e-300)).toBe(1);
    expect(Special.exp(-1e-17)).toBe(1);
    expect(Special.exp(Math.LN2 * 10)).toBe(1024);
    expect(Special.exp(709.78)).toBe(Math.exp(709.78));
    expect(Special.exp(709.79)).toBe(Infinity);
    expect(Special.exp(-740)).toBe(Math.exp(-740)); // subnormal
    expect(Special.exp(-746)).toBe(0);
    expect(Special.exp(Infinity)).toBe(Infinity);
    expect(Special.exp(-Infinity)).toBe(0);
    expect(Number.isNaN(Special.exp(NaN))).toBe(true);
  });

  test('is the exp op: a tensor of exp is Special.exp element by element', () => {
    const xs = [-700.5, -20, -1, -1e-9, 0, 0.3, 1, 10, 300.25];
    expect(exp(tensor(xs)).toArray()).toEqual(xs.map(Special.exp));
  });
});

test('leakyRelu and elu take the left branch at 0, as PyTorch (derivative a and α)', () => {
  const x = tensor([0]);
  const leaky = ops.leakyRelu.primal([x, tensor(0.1)], undefined);
  const [dx] = ops.leakyRelu.vjp(T, [x, tensor(0.1)], leaky, undefined)(tensor([1]), [true, false]);
  expect(dx!.toArray()).toEqual([0.1]);
  const elu = ops.elu.primal([x, tensor(2)], undefined);
  const [de] = ops.elu.vjp(T, [x, tensor(2)], elu, undefined)(tensor([1]), [true, false]);
  expect(de!.toArray()).toEqual([2]);
  expect(T.leakyRelu(tensor([-2, 3]), 0.01).toArray()).toEqual([-0.02, 3]);
  expect((T.elu(tensor([-1, 3]), 1).toArray() as number[])[0]).toBeCloseTo(Math.exp(-1) - 1, 15);
  expect(T.softplus(tensor([-800, 0, 800])).toArray()).toEqual([0, Math.log(2), 800]);
});

test("im2col: one column per window (PyTorch's unfold), rows ordered (c, i, j), zeros for padding", () => {
  // One image, one channel, 3×3, 2×2 windows with padding 1 and stride 2: windows at (−1,−1), (−1,1), (1,−1), (1,1),
  // holding [0, 0, 0, 1], [0, 0, 2, 3], [0, 4, 0, 7] and [5, 6, 8, 9]: the columns below.
  const x = tensor([
    [
      [
        [1, 2, 3],
        [4, 5, 6],
        [7, 8, 9],
      ],
    ],
  ]);
  const cols = T.im2col(x, { kernelSize: 2, stride: 2, padding: 1 });
  expect(cols.shape).toEqual([1, 4, 4]);
  expect(cols.toArray()).toEqual([
    [
      [0, 0, 0, 5],
      [0, 0, 4, 6],
      [0, 2, 0, 8],
      [1, 3, 7, 9],
    ],
  ]);
  // Two channels: channel 0's rows, then channel 1's.
  const two = tensor([
    [
      [
        [1, 2],
        [3, 4],
      ],
      [
        [10, 20],
        [30, 40],
      ],
    ],
  ]);
  expect(T.im2col(two, { kernelSize: [1, 2] }).toArray()).toEqual([
    [
      [1, 3],
      [2, 4],
      [10, 30],
      [20, 40],
    ],
  ]);
  // col2im is its transpose: overlapping windows sum.
  const back = ops.col2im.primal([T.im2col(x, { kernelSize: 2 })], { kernel: [2, 2], stride: [1, 1], padding: [0, 0], dilation: [1, 1], shape: [1, 1, 3, 3] });
  expect(back.toArray()).toEqual([
    [
      [
        [1, 4, 3],
        [8, 20, 12],
        [7, 16, 9],
      ],
    ],
  ]);
});

test('maxPool2dIndices: the first maximum on ties, a NaN wins, padding never does', () => {
  const x = tensor([
    [
      [
        [1, 5, 5, 0],
        [2, 5, 3, NaN],
      ],
    ],
  ]);
  expect(T.maxPool2dIndices(x, { kernelSize: 2 }).toArray()).toEqual([[[[1, 7]]]]);
  // Through a permuted view, as a convolution's output arrives: the indices of its row-major order.
  // Channel 0 is [[1, 9], [3, 4]], channel 1 [[8, 2], [7, 6]], stored [N, H, W, C].
  const permuted = tensor([
    [
      [
        [1, 8],
        [9, 2],
      ],
      [
        [3, 7],
        [4, 6],
      ],
    ],
  ]).permute([0, 3, 1, 2]);
  expect(permuted.isContiguous).toBe(false);
  expect(T.maxPool2dIndices(permuted, { kernelSize: 2 }).toArray()).toEqual([[[[1]], [[4]]]]);
  const neg = tensor([
    [
      [
        [-3, -1],
        [-2, -4],
      ],
    ],
  ]);
  expect(T.maxPool2dIndices(neg, { kernelSize: 2, stride: 1, padding: 1 }).toArray()).toEqual([
    [
      [
        [0, 1, 1],
        [2, 1, 1],
        [2, 2, 3],
      ],
    ],
  ]);
});

test('take gathers by flat index and scatterAdd sums repeated indices', () => {
  const x = tensor([
    [10, 20],
    [30, 40],
  ]);
  expect(
    T.take(
      x,
      tensor([
        [3, 0],
        [0, 1],
      ]),
    ).toArray(),
  ).toEqual([
    [40, 10],
    [10, 20],
  ]);
  // A strided view is indexed in its own row-major order, read in place.
  expect(T.take(x.transpose(), tensor([1, 2]))).toEqual(
    T.take(
      tensor([
        [10, 30],
        [20, 40],
      ]),
      tensor([1, 2]),
    ),
  );
  expect(T.take(x.transpose(), tensor([1, 2])).toArray()).toEqual([30, 20]);
  expect(T.scatterAdd(tensor([1, 2, 3]), tensor([2, 0, 2]), [2, 2]).toArray()).toEqual([
    [2, 0],
    [4, 0],
  ]);
});

test('take reads an index that is a view (an offset slice, a transposed block) in its own row-major order', () => {
  const x = tensor([10, 20, 30, 40, 50]);
  const index = tensor([
    [4, 3, 2],
    [1, 0, 4],
  ]);
  expect(T.take(x, index.slice(1)).toArray()).toEqual([20, 10, 50]);
  expect(T.take(x, index.transpose()).toArray()).toEqual([
    [50, 20],
    [40, 10],
    [30, 50],
  ]);
});

test('indexSelect picks along any axis: out[o, k, t] = x[o, index[k], t], repeated indices repeat', () => {
  const x = T.reshape(tensor(Array.from({ length: 24 }, (_, i) => i)), [2, 3, 4]);
  const picks = [1, 0, 1];
  const want = (axis: number): number[][][] => {
    const shape = [2, 3, 4].map((d, i) => (i === axis ? picks.length : d));
    return Array.from({ length: shape[0] }, (_, a) =>
      Array.from({ length: shape[1] }, (_, b) =>
        Array.from({ length: shape[2] }, (_, c) => {
          const at = [a, b, c];
          at[axis] = picks[at[axis]];
          return 12 * at[0] + 4 * at[1] + at[2];
        }),
      ),
    );
  };
  for (const axis of [0, 1, 2]) expect(T.indexSelect(x, axis, picks).toArray()).toEqual(want(axis));
  expect(T.indexSelect(x, -1, tensor([3])).toArray()).toEqual([
    [[3], [7], [11]],
    [[15], [19], [23]],
  ]);
});

test('indexAdd adds slice k of v into slice index[k] (repeated indices sum), the transpose of indexSelect', () => {
  const v = tensor([
    [1, 2],
    [3, 4],
    [5, 6],
  ]);
  expect(T.indexAdd(v, 0, [2, 0, 2], 3).toArray()).toEqual([
    [3, 4],
    [0, 0],
    [6, 8],
  ]);
  expect(T.indexAdd(v, 1, tensor([1, 1]), 3).toArray()).toEqual([
    [0, 3, 0],
    [0, 7, 0],
    [0, 11, 0],
  ]);
  // ⟨indexSelect(x), y⟩ = ⟨x, indexAdd(y)⟩ for the same index.
  const x = T.reshape(tensor([0.5, -1, 2, 3, 1.5, -2]), [3, 2]);
  const y = tensor([
    [1, -1],
    [2, 0.5],
    [-3, 4],
    [0.25, 1],
  ]);
  const index = [2, 0, 2, 1];
  const lhs = T.sum(T.mul(T.indexSelect(x, 0, index), y)).item();
  const rhs = T.sum(T.mul(x, T.indexAdd(y, 0, index, 3))).item();
  expect(lhs).toBeCloseTo(rhs, 14);
});

test('bad windows and indices are refused with the op and the sizes', () => {
  expect(() => T.im2col(tensor([[1, 2]]), { kernelSize: 1 })).toThrow(ShapeError);
  expect(() => T.im2col(tensor([[[[1, 2]]]]), { kernelSize: 3 })).toThrow(/window does not fit|does not fit an image of 1×2/);
  expect(() => T.im2col(tensor([[[[1, 2]]]]), { kernelSize: 0 })).toThrow(ValueError);
  expect(() => T.maxPool2dIndices(tensor([[[[1, 2]]]]), { kernelSize: 1, padding: 1 })).toThrow(/at most half the kernel/);
  expect(() => T.take(tensor([1, 2]), tensor([2]))).toThrow(/index 2 .* not an integer in \[0, 2\)/);
  expect(() => T.take(tensor([1, 2]), tensor([0.5]))).toThrow(ValueError);
  expect(() => T.take(tensor([1, 2]), tensor([0, NaN]))).toThrow(/index NaN \(at position 1\) is not an integer in \[0, 2\)/);
  expect(() => T.take(tensor([1, 2]), tensor([-1]))).toThrow(ValueError);
  expect(() => T.scatterAdd(tensor([1, 2]), tensor([0]), [2])).toThrow(ShapeError);
});
