/**
 * Compressed Hessians (star coloring, one forward-over-reverse pass) equal the dense hessian of
 * @ad/reverse to 1e-12: sums of local terms, an arrowhead, random sparse scalar functions, at
 * arrays of numbers and at tensors.
 */
import { tensor } from '@ad/core';
import { type TensorVar, hessian } from '@ad/reverse';
import { SparsityPattern, prepareHessian, sparseHessian } from '@ad/sparse';
import { arrowhead, banded, randomSymmetric } from '@ad/test-support/sparse-patterns';
import { type S, arrowheadScalar, localSum, localSumTensor, maxDiff, point, randomSparseScalar } from '@ad/test-support/sparse-functions';

const dense = (f: (xs: readonly S[]) => S, x: number[]) => hessian(f as never)(x) as number[][];

describe('sparseHessian', () => {
  test.each([
    ['sum of local terms (tridiagonal)', localSum, banded(40, 1), 3],
    ['arrowhead', arrowheadScalar, arrowhead(25), 2],
  ] as const)('%s: equals the dense hessian to 1e-12 with %d colors', (_, f, pattern, colors) => {
    const x = point(pattern.shape[0], 11);
    const p = prepareHessian(f as never, x, { pattern });
    expect(p.seeds).toBe(colors);
    const H = dense(f, x);
    expect(maxDiff(p.hessian(x).toDense(), H)).toBeLessThan(1e-12);
  });

  test('random sparse scalar functions over random symmetric patterns (seeded)', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const n = 2 + (seed % 15);
      const pattern = randomSymmetric(n, 0.1 + (seed % 5) * 0.1, seed);
      const f = randomSparseScalar(pattern, seed);
      const x = point(n, seed + 50);
      expect(maxDiff(sparseHessian(f as never, x, { pattern }).toDense(), dense(f, x))).toBeLessThan(1e-12);
    }
  });

  test('an upper-triangular pattern is mirrored: the Hessian is symmetric', () => {
    const n = 10;
    const rows = [...Array.from({ length: n }, (_, i) => i), ...Array.from({ length: n - 1 }, (_, i) => i)];
    const cols = [...Array.from({ length: n }, (_, i) => i), ...Array.from({ length: n - 1 }, (_, i) => i + 1)];
    const upper = SparsityPattern.fromCoordinates([n, n], rows, cols);
    const x = point(n, 3);
    const p = prepareHessian(localSum as never, x, { pattern: upper });
    expect(p.pattern.nnz).toBe(3 * n - 2);
    expect(maxDiff(p.hessian(x).toDense(), dense(localSum, x))).toBeLessThan(1e-12);
  });

  test('at a tensor: a sum of local terms over [30]', () => {
    const x = tensor(point(30, 4));
    const H = hessian(localSumTensor as (x: TensorVar) => TensorVar)(x).toArray() as number[][];
    const p = prepareHessian(localSumTensor as never, x, { pattern: banded(30, 1) });
    expect(p.seeds).toBe(3);
    expect(maxDiff(p.hessian(x).toDense(), H)).toBeLessThan(1e-12);
  });
});
