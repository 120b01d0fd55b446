/**
 * Under jit: `jit(prepared.values)` compiles the compressed pass and its read-out into one
 * program (the seeds are constants of it), and `{ compile: jit }` compiles the compressed pass
 * alone (decompression stays outside); both give eager mode's values to 1e-12.
 */
import { tensor } from '@ad/core';
import { jit } from '@ad/jit';
import { prepareHessian, prepareJacobian } from '@ad/sparse';
import { arrowhead, banded, stencil } from '@ad/test-support/sparse-patterns';
import { arrowheadTensor, localSum, localSumTensor, point, stencilMap, tridiagonal, tridiagonalTensor } from '@ad/test-support/sparse-functions';

const close = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  for (let e = 0; e < a.length; e++) expect(Math.abs(a[e] - b[e])).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(b[e])));
};

describe('jit of a prepared sparse transform', () => {
  test('forward and reverse Jacobians at arrays of numbers: one program per mode, many points', () => {
    for (const mode of ['forward', 'reverse'] as const) {
      const p = prepareJacobian(tridiagonal as never, point(25), { pattern: banded(25, 1), mode });
      const values = jit(p.values);
      for (let seed = 1; seed <= 3; seed++) close(values(point(25, seed)), p.values(point(25, seed)));
      expect(values.stats.traces).toBe(1);
    }
    const s = prepareJacobian(stencilMap(4) as never, point(16), { pattern: stencil(4) });
    close(jit(s.values)(point(16, 9)), s.jacobian(point(16, 9)).values);
  });

  test('bidirectional (forward and reverse products read out by one take) at a tensor, compiled', () => {
    const x = tensor(point(12, 4));
    const p = prepareJacobian(arrowheadTensor as never, x, { pattern: arrowhead(12), mode: 'bidirectional' });
    expect(p.seeds).toBe(3);
    close(jit(p.values)(x).toFloat64Array(), p.jacobian(x).values);
  });

  test('a tensor Jacobian and a tensor Hessian: the compressed pass and the take of its entries, compiled', () => {
    const p = prepareJacobian(tridiagonalTensor as never, tensor(point(30)), { pattern: banded(30, 1) });
    const x = tensor(point(30, 5));
    close(jit(p.values)(x).toFloat64Array(), p.jacobian(x).values);
    const h = prepareHessian(localSumTensor as never, x, { pattern: banded(30, 1) });
    close(jit(h.values)(x).toFloat64Array(), h.hessian(x).values);
  });

  test('a Hessian at an array of numbers', () => {
    const h = prepareHessian(localSum as never, point(12), { pattern: banded(12, 1) });
    const x = point(12, 6);
    close(jit(h.values)(x), h.hessian(x).values);
  });
});

describe('{ compile: jit }', () => {
  test('Jacobians forward, reverse and bidirectional, at numbers and at tensors; Hessians: the compiled pass gives the eager values', () => {
    for (const mode of ['forward', 'reverse', 'bidirectional'] as const) {
      const eager = prepareJacobian(tridiagonal as never, point(20), { pattern: banded(20, 1), mode });
      const compiled = prepareJacobian(tridiagonal as never, point(20), { pattern: banded(20, 1), mode, compile: jit });
      for (let seed = 1; seed <= 2; seed++) close(compiled.jacobian(point(20, seed)).values, eager.jacobian(point(20, seed)).values);
      const x = tensor(point(12, 4));
      const t = prepareJacobian(arrowheadTensor as never, x, { pattern: arrowhead(12), mode, compile: jit });
      close(t.jacobian(x).values, prepareJacobian(arrowheadTensor as never, x, { pattern: arrowhead(12), mode }).jacobian(x).values);
    }
    const x = point(15, 3);
    close(
      prepareHessian(localSum as never, x, { pattern: banded(15, 1), compile: jit }).hessian(x).values,
      prepareHessian(localSum as never, x, { pattern: banded(15, 1) }).hessian(x).values,
    );
    const xt = tensor(point(15, 8));
    close(
      prepareHessian(localSumTensor as never, xt, { pattern: banded(15, 1), compile: jit }).hessian(xt).values,
      prepareHessian(localSumTensor as never, xt, { pattern: banded(15, 1) }).hessian(xt).values,
    );
  });

  test('the pass is traced once and reused', () => {
    let traced = 0;
    const counting = <F extends (...args: never[]) => unknown>(fn: F): F => {
      const compiled = jit(fn);
      return ((...args: Parameters<F>) => {
        const before = compiled.stats.traces;
        const out = compiled(...args);
        traced += compiled.stats.traces - before;
        return out;
      }) as F;
    };
    const p = prepareJacobian(tridiagonal as never, point(20), { pattern: banded(20, 1), compile: counting });
    for (let seed = 1; seed <= 4; seed++) p.jacobian(point(20, seed));
    expect(traced).toBe(1);
  });

  test('compiled by jit, the pass reuses its arrays from the third call on (a buffer plan); every result stays its own', () => {
    const compile = <F extends (...args: never[]) => unknown>(fn: F): F => jit(fn);
    const x = (seed: number) => tensor(point(30, seed));
    const eager = prepareJacobian(tridiagonalTensor as never, x(1), { pattern: banded(30, 1) });
    const compiled = prepareJacobian(tridiagonalTensor as never, x(1), { pattern: banded(30, 1), compile });
    const results = [1, 2, 3, 4, 5].map((seed) => compiled.jacobian(x(seed)));
    // Read after all five calls: a result whose values were the plan's arrays would show the last point's.
    results.forEach((m, k) => close(m.values, eager.jacobian(x(k + 1)).values));
    const h = prepareHessian(localSumTensor as never, x(1), { pattern: banded(30, 1), compile });
    const hs = [6, 7, 8].map((seed) => h.hessian(x(seed)));
    hs.forEach((m, k) => close(m.values, prepareHessian(localSumTensor as never, x(1), { pattern: banded(30, 1) }).hessian(x(k + 6)).values));
  });
});
