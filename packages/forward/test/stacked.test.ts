/**
 * Stacked tangents (stacked.ts): with k > 1 directions, element-wise ops and matmul run their
 * forward rule once on the k tangents held as one [k, ...shape] tensor. Each case checks that
 * the stacked path was taken (the result keeps its stack), that its k tangents equal k separate
 * one-direction passes (which never stack), and, for the composite programs, central finite
 * differences.
 */
import { type Tensor, fromData, randn, withNanSafeMode, zeros } from '@ad/core';
import { type DualTensor, dualTensor, hessian, jacfwd, jvp } from '../src/index.js';

const seeded = (shape: number[], seed: number): Tensor => randn(shape, { seed });

/** k directions for each input, and the one-direction passes to compare them with. */
function compare(f: (xs: DualTensor[]) => DualTensor, primals: Tensor[], k: number, expectStacked = true): void {
  const directions = Array.from({ length: k }, (_, j) => primals.map((p, i) => seeded([...p.shape], 100 + 10 * j + i)));
  let stacked: Tensor | null = null;
  const together = jvp(
    (xs: DualTensor[]) => {
      const y = f(xs);
      stacked = y.stacked;
      return y;
    },
    primals,
    { directions },
  ).tangent;
  if (expectStacked) expect(stacked).not.toBeNull();
  directions.forEach((d, j) => {
    const alone = jvp(f, primals, d).tangent;
    const a = alone.toFloat64Array();
    const b = together[j].toFloat64Array();
    expect(together[j].shape).toEqual(alone.shape);
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i], 12);
  });
}

/** Central differences of f along direction v: (f(x + hv) − f(x − hv)) / 2h, against the jvp's tangent. */
function finiteDifferences(f: (xs: Tensor[]) => Tensor, fd: (xs: DualTensor[]) => DualTensor, primals: Tensor[], k: number): void {
  const h = 1e-6;
  const directions = Array.from({ length: k }, (_, j) => primals.map((p, i) => seeded([...p.shape], 500 + 10 * j + i)));
  const { tangent } = jvp(fd, primals, { directions });
  directions.forEach((d, j) => {
    const plus = f(primals.map((p, i) => p.add(d[i].mul(h)))).toFloat64Array();
    const minus = f(primals.map((p, i) => p.sub(d[i].mul(h)))).toFloat64Array();
    const t = tangent[j].toFloat64Array();
    for (let i = 0; i < t.length; i++) expect(t[i]).toBeCloseTo((plus[i] - minus[i]) / (2 * h), 6);
  });
}

describe('stacked tangents: element-wise ops', () => {
  test('a unary op', () => compare(([x]) => x.sin(), [seeded([3, 4], 1)], 5));

  test('a binary op whose operands broadcast from different ranks ([3, 1] with [4])', () =>
    compare(([x, y]) => x.mul(y), [seeded([3, 1], 1), seeded([4], 2)], 4));

  test('a dual of low rank against a constant of higher rank', () => {
    const c = seeded([2, 3, 4], 3);
    compare(([x]) => x.div(c.exp()), [seeded([4], 4)], 3);
  });

  test('a number operand and a partial of ±1 (sub, neg)', () => compare(([x, y]) => x.sub(y).neg().add(2), [seeded([5], 1), seeded([5], 2)], 3));
});

describe('stacked tangents: matmul', () => {
  test('dual times constant, 2-D: directions folded into rows', () => {
    const w = seeded([4, 3], 9);
    compare(([x]) => x.matmul(w), [seeded([5, 4], 1)], 6);
  });

  test('constant times dual, 2-D: directions folded into columns (a strided stack)', () => {
    const c = seeded([7, 4], 9);
    compare(([x]) => c.matmul(x) as unknown as DualTensor, [seeded([4, 3], 1)], 6);
  });

  test('dual times dual, 2-D', () => compare(([x, y]) => x.matmul(y), [seeded([3, 4], 1), seeded([4, 2], 2)], 5));

  test('batched: [2, 3, 4] by [4, 5], and [3, 4] by a batch [2, 4, 5]', () => {
    compare(([x, y]) => x.matmul(y), [seeded([2, 3, 4], 1), seeded([4, 5], 2)], 3);
    compare(([x, y]) => x.matmul(y), [seeded([3, 4], 1), seeded([2, 4, 5], 2)], 3);
  });

  test('batched against a broadcast batch: [2, 1, 3, 4] by [5, 4, 2]', () =>
    compare(([x, y]) => x.matmul(y), [seeded([2, 1, 3, 4], 1), seeded([5, 4, 2], 2)], 3));
});

describe('dual times constant matrix: the primal rides in the tangents’ product', () => {
  /** x·w at k directions: the value is x·w, one product made both (the value is a view of the stack's buffer), tangents as k passes. */
  function oneProduct(x: Tensor, w: Tensor, k: number, view: (v: DualTensor) => DualTensor = (v) => v): void {
    const directions = Array.from({ length: k }, (_, j) => [seeded([...x.shape], 200 + j)]);
    let y: DualTensor | null = null;
    const { value } = jvp(
      ([v]: DualTensor[]) => {
        y = view(v).matmul(w);
        return y;
      },
      [x],
      { directions },
    );
    const want = view(x as unknown as DualTensor).matmul(w) as unknown as Tensor;
    expect(value.shape).toEqual(want.shape);
    const got = value.toFloat64Array();
    want.toFloat64Array().forEach((v, i) => expect(got[i]).toBeCloseTo(v, 12));
    const dual = y as unknown as DualTensor;
    expect(dual.stacked).not.toBeNull();
    expect((dual.value as Tensor).data).toBe((dual.stacked as Tensor).data);
    compare(([v]) => view(v).matmul(w), [x], k);
  }

  test('few rows against a wide matrix ([3, 9] by [9, 40], as the posed vertices of ht)', () => oneProduct(seeded([3, 9], 1), seeded([9, 40], 2), 26));
  test('a batch of rows: [2, 3, 4] by [4, 5]', () => oneProduct(seeded([2, 3, 4], 3), seeded([4, 5], 4), 4));
  test('a strided dual (a transposed view): its rows are copied in order', () =>
    oneProduct(seeded([4, 3], 5), seeded([4, 6], 6), 3, (v) => v.transpose() as DualTensor));
  test('finite differences through two products and a sine', () => {
    const w1 = seeded([4, 6], 7);
    const w2 = seeded([6, 2], 8);
    const f = (xs: Tensor[]) => xs[0].matmul(w1).sin().matmul(w2);
    finiteDifferences(f, ([x]) => x.matmul(w1).sin().matmul(w2), [seeded([3, 4], 9)], 5);
  });
  test('a vector times a matrix keeps the general path ([4] by [4, 5])', () => compare(([x]) => x.matmul(seeded([4, 5], 10)), [seeded([4], 11)], 3));
});

describe('stacked tangents: linear ops (the op itself on the stack, past the axis k)', () => {
  const x = [seeded([2, 3, 4], 1)];
  test('reshape', () => compare(([v]) => v.reshape([4, 6]), x, 3));
  test('permute', () => compare(([v]) => v.permute([2, 0, 1]), x, 3));
  test('broadcastTo, to a higher rank', () => compare(([v]) => v.broadcastTo([5, 2, 3, 4]), x, 3));
  test('sumToShape, from a higher rank', () => compare(([v]) => v.sumToShape([3, 1]), x, 3));
  test('slice', () => compare(([v]) => v.slice(null, [1, 3], [0, 4, 2]), x, 3));
  test('pad (unslice)', () =>
    compare(
      ([v]) =>
        v.pad([
          [0, 1],
          [2, 0],
          [1, 1],
        ]),
      x,
      3,
    ));
  test('sum and mean over axes, with and without keepdims', () => {
    compare(([v]) => v.sum([0, 2]), x, 3);
    compare(([v]) => v.mean(1, true), x, 3);
    compare(([v]) => v.sum(), x, 3);
  });
  test('indexSelect along each axis, with repeated indices', () => {
    const index = fromData(Float64Array.of(1, 0, 1, 1), [4]);
    for (const axis of [0, 1, 2]) compare(([v]) => v.indexSelect(axis, index), x, 3);
  });
  test('take, with repeated indices', () => compare(([v]) => v.take(fromData(Float64Array.of(3, 0, 23, 3), [2, 2])), x, 3));
});

describe('stacked tangents in programs that mix them with per-direction rules', () => {
  const c = seeded([6, 4], 11);
  const index = fromData(Float64Array.of(0, 5, 2, 2, 7), [5]);
  /** A column-folded product (a strided stack), take, a softmax (per direction), then element-wise ops (stacked again). */
  const program = <X extends Tensor | DualTensor>([x, y]: X[]): X => {
    const z = c.matmul(x).reshape([-1]).take(index).softmax(0); // [5]
    return z.mul(y).sum().add(z.cos()).mul(y.sum()) as X;
  };

  test('the tangents of k directions equal k one-direction passes', () =>
    compare(program as (xs: DualTensor[]) => DualTensor, [seeded([4, 2], 1), seeded([5], 2)], 4));

  test('finite differences', () => finiteDifferences(program, program as (xs: DualTensor[]) => DualTensor, [seeded([4, 2], 1), seeded([5], 2)], 4));

  test('jacfwd with several chunk sizes gives one Jacobian', () => {
    const f = (x: DualTensor) =>
      c
        .matmul(x.reshape([4, 2]))
        .tanh()
        .mul(x.sum());
    const x = seeded([8], 3);
    const reference = jacfwd(f, { chunk: 1 })(x).toFloat64Array();
    for (const chunk of [2, 3, 8]) {
      const J = jacfwd(f, { chunk })(x).toFloat64Array();
      for (let i = 0; i < J.length; i++) expect(J[i]).toBeCloseTo(reference[i], 12);
    }
  });

  test('a by-hand dual tensor whose tangents are not stacked yet', () => {
    const x = dualTensor(seeded([3], 1), [seeded([3], 2), seeded([3], 3)]);
    const y = x.mul(x);
    expect(y.stacked).not.toBeNull();
    expect(y.stacked!.shape).toEqual([2, 3]);
    y.tangents.forEach((t, j) => {
      const expected = (x.value as Tensor)
        .mul(2)
        .mul(x.tangents[j] as Tensor)
        .toFloat64Array();
      expect(Array.from((t as Tensor).toFloat64Array())).toEqual(Array.from(expected));
    });
  });
});

describe('where the per-direction rule stays', () => {
  test('nested derivatives: a Hessian of a tensor function (tangents are duals, not tensors)', () => {
    const A = seeded([3, 3], 4);
    // f(x) = Σ (A x)², so H = 2 AᵀA.
    const H = hessian((x: DualTensor) => A.matmul(x).square().sum(), { chunk: 3 })(seeded([3], 5)).toFloat64Array();
    const expected = A.transpose().matmul(A).mul(2).toFloat64Array();
    for (let i = 0; i < 9; i++) expect(H[i]).toBeCloseTo(expected[i], 10);
  });

  test('NaN-safe mode masks each direction where the tangent is 0', () => {
    const at0 = zeros([2]);
    const { tangent } = withNanSafeMode(() => jvp(([x]: DualTensor[]) => x.sqrt(), [at0], { directions: [[zeros([2])], [zeros([2])]] }));
    for (const t of tangent) expect(Array.from(t.toFloat64Array())).toEqual([0, 0]);
  });
});
