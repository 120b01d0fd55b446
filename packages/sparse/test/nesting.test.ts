/**
 * The compressed pass nests like any transform: `prepared.values` at values of an enclosing
 * transform gives values of that transform, so the entries of a sparse Jacobian or Hessian can
 * be differentiated again — reverse over them and forward over them agree to rounding, and with
 * central differences of the entries.
 */
import { type Tensor, tensor } from '@ad/core';
import { jacfwd } from '@ad/forward';
import { type TensorVar, type Var, grad } from '@ad/reverse';
import { prepareHessian, prepareJacobian } from '@ad/sparse';
import { banded } from '@ad/test-support/sparse-patterns';
import { type S, localSum, point, tridiagonal, tridiagonalTensor } from '@ad/test-support/sparse-functions';

const sum = (v: readonly S[]) => v.reduce((a, b) => a.add(b));

/** ∂/∂xᵢ of Σₑ values(x)ₑ by central differences. */
function centralDifferences(values: (x: number[]) => number[], x: number[], h = 1e-5): number[] {
  const total = (y: number[]) => values(y).reduce((a, b) => a + b, 0);
  return x.map((_, i) => {
    const up = x.slice();
    const down = x.slice();
    up[i] += h;
    down[i] -= h;
    return (total(up) - total(down)) / (2 * h);
  });
}

describe('the entries of a sparse derivative, differentiated again', () => {
  test.each(['forward', 'reverse', 'bidirectional'] as const)('Jacobian (%s): grad of Σ entries = jacfwd of it = central differences', (mode) => {
    const x = point(9, 4);
    const p = prepareJacobian(tridiagonal as never, x, { pattern: banded(9, 1), mode });
    const reverse = grad((xs: Var[]) => sum(p.values(xs as never) as unknown as S[]) as unknown as Var)(x);
    const forward = (jacfwd((xs: S[]) => [sum(p.values(xs as never) as unknown as S[])] as never)(x) as number[][])[0];
    const fd = centralDifferences((y) => p.values(y), x);
    reverse.forEach((g, i) => {
      expect(Math.abs(g - forward[i])).toBeLessThan(1e-12);
      expect(Math.abs(g - fd[i])).toBeLessThan(1e-7);
    });
  });

  test('Jacobian at a tensor, and a Hessian (third derivatives): grad of Σ entries = central differences', () => {
    const x = point(8, 5);
    const pt = prepareJacobian(tridiagonalTensor as never, tensor(x), { pattern: banded(8, 1) });
    const gt = (grad((t: TensorVar) => (pt.values(t as never) as unknown as TensorVar).sum()) as (t: Tensor) => Tensor)(tensor(x)).toFloat64Array();
    const fdt = centralDifferences((y) => Array.from(pt.values(tensor(y)).toFloat64Array()), x);
    gt.forEach((g, i) => expect(Math.abs(g - fdt[i])).toBeLessThan(1e-7));
    const h = prepareHessian(localSum as never, x, { pattern: banded(8, 1) });
    const third = grad((xs: Var[]) => sum(h.values(xs as never) as unknown as S[]) as unknown as Var)(x);
    const fdh = centralDifferences((y) => h.values(y), x);
    third.forEach((g, i) => expect(Math.abs(g - fdh[i])).toBeLessThan(1e-6));
  });
});
