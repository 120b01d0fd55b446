/**
 * Detection on random tensor programs (test-support's generator: element-wise ops with
 * broadcasting, where over comparisons, matmul, reductions, softmax, the view and shape ops):
 * the detected Jacobian pattern contains every nonzero of the dense jacfwd at two points, and
 * the Hessian pattern of a weighted sum of the output every nonzero of the dense hessian.
 */
import fc from 'fast-check';
import { Generator, Tensor } from '@ad/core';
import { anyOps } from '@ad/core/engine';
import { jacfwd } from '@ad/forward';
import { hessian } from '@ad/reverse';
import { hessianPattern, jacobianPattern } from '@ad/sparse';
import { outputWeights, pack, tensorFunction, tensorProgram, unpack, type TensorProgram } from '@ad/test-support/tensor-programs';
import { denseNonzeros, missedEntries } from '@ad/test-support/sparse-patterns';

const RUNS = 150;

/** The program as a function of its inputs laid end to end, its output flattened. */
function flat(p: TensorProgram): (x: Tensor) => Tensor {
  const f = tensorFunction(p);
  return (x) => anyOps.reshape(anyOps.add(f(unpack(p, x)), 0), [-1]) as Tensor;
}

/** Another point: every input moved at random. */
function elsewhere(p: TensorProgram): Tensor {
  const g = new Generator(p.seed ^ 0x1b873593);
  return Tensor.fromData(
    Float64Array.from({ length: p.size }, () => g.uniform(-2, 2)),
    [p.size],
  );
}

test(`the Jacobian pattern contains every nonzero of jacfwd at two points (${RUNS} random programs)`, () => {
  fc.assert(
    fc.property(tensorProgram(), (p) => {
      const f = flat(p);
      const x = pack(p);
      const pattern = jacobianPattern(f as never, x);
      for (const at of [x, elsewhere(p)]) {
        const dense = (jacfwd(f as never) as unknown as (x: Tensor) => Tensor)(at);
        expect(missedEntries(pattern, denseNonzeros(dense, p.size))).toEqual([]);
      }
    }),
    { numRuns: RUNS, seed: 2026 },
  );
});

test(`the Hessian pattern contains every nonzero of hessian (${RUNS} random programs)`, () => {
  fc.assert(
    fc.property(tensorProgram(), (p) => {
      const f = flat(p);
      const loss = (x: Tensor): Tensor => {
        const y = f(x);
        return y.mul(outputWeights(y.shape)).sum();
      };
      const x = pack(p);
      const dense = (hessian(loss as never) as unknown as (x: Tensor) => Tensor)(x);
      const pattern = hessianPattern(loss as never, x);
      expect(missedEntries(pattern, denseNonzeros(dense, p.size))).toEqual([]);
      expect(pattern.toDense()).toEqual(pattern.transpose().toDense());
    }),
    { numRuns: RUNS, seed: 2026 },
  );
});

test('a product with a constant matrix with zeros: the pattern is exactly the dense Jacobian’s nonzeros, either side (100 random shapes)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 1 << 20 }),
      (m, k, n, seed) => {
        const g = new Generator(seed);
        const constant = (rows: number, cols: number) =>
          Tensor.fromData(
            Float64Array.from({ length: rows * cols }, () => (g.uniform(0, 1) < 0.5 ? 0 : g.uniform(-1, 1))),
            [rows, cols],
          );
        const C = constant(k, n);
        const D = constant(m, k);
        const right = (x: Tensor): Tensor => anyOps.reshape(anyOps.sin(anyOps.matmul(anyOps.reshape(x, [m, k]), C)), [-1]) as Tensor;
        const left = (x: Tensor): Tensor => anyOps.reshape(anyOps.sin(anyOps.matmul(D, anyOps.reshape(x, [k, n]))), [-1]) as Tensor;
        for (const [f, size] of [
          [right, m * k],
          [left, k * n],
        ] as const) {
          const x = Tensor.fromData(
            Float64Array.from({ length: size }, () => g.uniform(-1, 1)),
            [size],
          );
          const dense = (jacfwd(f as never) as unknown as (x: Tensor) => Tensor)(x);
          expect(jacobianPattern(f as never, x).toDense()).toEqual(denseNonzeros(dense, size).toDense());
        }
      },
    ),
    { numRuns: 100, seed: 26 },
  );
});
