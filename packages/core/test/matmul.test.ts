/** matmul at the tensor level: 2-D, batched, broadcast batches, vectors, transposed views. */
import { Generator, Tensor, tensor, zeros } from '../src/index.js';
import { tensorOps as T } from '../src/engine/index.js';
import { asStridedView, expectClose, randomTensor } from '@ad/test-support/helpers';

function naive(a: Tensor, b: Tensor): Tensor {
  const [m, k] = a.shape;
  const n = b.shape[1];
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a.get(i, p) * b.get(p, j);
      out[i * n + j] = s;
    }
  return Tensor.fromData(out, [m, n]);
}

describe('matmul', () => {
  test('hand-computed 2×3 · 3×2', () => {
    const a = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const b = tensor([
      [7, 8],
      [9, 10],
      [11, 12],
    ]);
    expect(T.matmul(a, b).toArray()).toEqual([
      [58, 64],
      [139, 154],
    ]);
    expect(a.matmul(b).toArray()).toEqual([
      [58, 64],
      [139, 154],
    ]);
  });

  test('random sizes (not multiples of any block) in all transpose layouts', () => {
    const g = new Generator(7);
    for (const [m, k, n] of [
      [1, 1, 1],
      [3, 7, 5],
      [17, 33, 9],
      [65, 31, 66],
      [130, 257, 67],
    ]) {
      const a = randomTensor(g, [m, k]);
      const b = randomTensor(g, [k, n]);
      const want = naive(a, b);
      // Aᵀ stored, read through a transposed view; likewise Bᵀ.
      const aT = Tensor.fromData(a.transpose().toFloat64Array(), [k, m]).transpose();
      const bT = Tensor.fromData(b.transpose().toFloat64Array(), [n, k]).transpose();
      expectClose(T.matmul(a, b), want, 1e-12, 1e-12);
      expectClose(T.matmul(aT, b), want, 1e-12, 1e-12);
      expectClose(T.matmul(a, bT), want, 1e-12, 1e-12);
      expectClose(T.matmul(aT, bT), want, 1e-12, 1e-12);
      expectClose(T.matmul(asStridedView(a, 'stepped'), asStridedView(b, 'stepped')), want, 1e-12, 1e-12);
    }
  });

  test('batched and broadcast batches', () => {
    const g = new Generator(8);
    const a = randomTensor(g, [2, 1, 3, 4]);
    const b = randomTensor(g, [5, 4, 2]);
    const c = T.matmul(a, b);
    expect(c.shape).toEqual([2, 5, 3, 2]);
    for (const i of [0, 1])
      for (const j of [0, 4]) {
        expectClose(c.slice(i, j), naive(a.slice(i, 0), b.slice(j)), 1e-12, 1e-12);
      }
  });

  test('vectors promote as in NumPy', () => {
    const m = tensor([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(T.matmul(m, tensor([1, 1])).toArray()).toEqual([3, 7, 11]);
    expect(T.matmul(tensor([1, 0, 1]), m).toArray()).toEqual([6, 8]);
    expect(T.matmul(tensor([1, 2]), tensor([3, 4])).toArray()).toBe(11);
    const batch = zeros([4, 3, 2]);
    expect(T.matmul(batch, tensor([1, 1])).shape).toEqual([4, 3]);
    expect(T.matmul(tensor([1, 1, 1]), batch).shape).toEqual([4, 2]);
  });

  test('empty and inner dimension 0', () => {
    expect(T.matmul(zeros([0, 3]), zeros([3, 2])).shape).toEqual([0, 2]);
    expect(T.matmul(zeros([2, 0]), zeros([0, 3])).toArray()).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
  });
});
