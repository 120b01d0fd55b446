/**
 * jitted = eager on the property generator's random programs (@ad/test-support/scalar-ir and
 * tensor-programs), in every transform: the compiled program runs the same ops as eager mode, so
 * the two agree to rounding (1e-12 relative); they differ only where constant folding or
 * common-subexpression elimination reassociates nothing — they never do — or where a symbolic
 * zero meets ∞ (x·0 folds to 0), which the programs' guarded domains keep away.
 */
import fc from 'fast-check';
import { Tensor } from '@ad/core';
import { derivative, hessian as forwardHessian, jacfwd, jvp } from '@ad/forward';
import { grad, hessian, hvp, jacrev, valueAndGrad } from '@ad/reverse';
import { adjointProgram, jit } from '../src/index.js';
import { fcParams } from '@ad/test-support/properties';
import { scalarConditioning, scalarFunction, scalarFunction1, type ScalarProgram } from '@ad/test-support/scalar-ir';
import { scalarProgram } from '@ad/test-support/scalar-generators';
import { outputWeights, pack, tensorConditioning, tensorFunction, tensorProgram, unpack } from '@ad/test-support/tensor-programs';

type Fn = (...args: never[]) => unknown;

/** Nested numbers and tensors equal to 1e-12 (relative to the larger magnitude, at least 1). */
function expectClose(what: string, got: unknown, want: unknown, path = ''): void {
  if (want instanceof Tensor) {
    if (!(got instanceof Tensor) || got.shape.join() !== want.shape.join()) {
      throw new Error(`${what}${path}: got ${String(got)}, want a tensor of shape [${want.shape.join(',')}]`);
    }
    expectClose(what, Array.from(got.toFloat64Array()), Array.from(want.toFloat64Array()), path);
    return;
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) throw new Error(`${what}${path}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    want.forEach((w, i) => expectClose(what, got[i], w, `${path}[${i}]`));
    return;
  }
  if (typeof want === 'object' && want !== null) {
    for (const [k, w] of Object.entries(want)) expectClose(what, (got as Record<string, unknown>)[k], w, `${path}.${k}`);
    return;
  }
  const a = got as number;
  const b = want as number;
  if (typeof a !== 'number') throw new Error(`${what}${path}: got ${String(got)}, want ${b}`);
  const same = a === b || (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a), Math.abs(b));
  if (!same) throw new Error(`${what}${path}: jitted ${a}, eager ${b}`);
}

/** Runs the eager function and its jitted version twice (trace, then the cached program). */
function agree(what: string, f: Fn, ...args: unknown[]): void {
  const want = (f as (...a: unknown[]) => unknown)(...args);
  const jf = jit(f);
  const call = jf as unknown as (...a: unknown[]) => unknown;
  expectClose(`${what} (first call)`, call(...args), want);
  expectClose(`${what} (cached)`, call(...args), want);
  // Both calls ran one compiled program (not an eager fallback).
  if (jf.stats.traces !== 1 || jf.stats.misses !== 1) throw new Error(`${what}: expected one trace, got ${JSON.stringify(jf.stats)}`);
}

const scalarRuns = 250;
const tensorRuns = 120;

function finitePoint(p: ScalarProgram): boolean {
  const c = scalarConditioning(p);
  return c.finite && c.maxAbs < 1e6 && c.margin > 1e-6;
}

describe(`jit = eager on ${scalarRuns} random scalar programs`, () => {
  test('f, grad, valueAndGrad, jacfwd, jacrev, jvp', () => {
    fc.assert(
      fc.property(scalarProgram(), (p) => {
        fc.pre(finitePoint(p));
        const f = scalarFunction(p) as Fn;
        const f1 = scalarFunction1(p) as Fn;
        const x = p.x;
        const [v] = p.directions(1, p.n, 3);
        agree('f', f, x);
        agree('grad', grad(f1 as never) as Fn, x);
        agree('valueAndGrad', valueAndGrad(f1 as never) as Fn, x);
        agree('jacfwd', jacfwd(f as never) as Fn, x);
        agree('jacrev', jacrev(f as never) as Fn, x);
        agree('jvp', ((xs: number[], t: number[]) => jvp(f as never, xs, t)) as Fn, x, v);
      }),
      fcParams(scalarRuns),
    );
  });

  test('second order: hessian (forward, forward-over-reverse), hvp, derivative of a derivative', () => {
    fc.assert(
      fc.property(scalarProgram({ maxLength: 6 }), (p) => {
        fc.pre(finitePoint(p));
        const f1 = scalarFunction1(p) as Fn;
        const x = p.x;
        const [v] = p.directions(1, p.n, 5);
        agree('hessian', hessian(f1 as never) as Fn, x);
        agree('forward hessian', forwardHessian(f1 as never) as Fn, x);
        agree('hvp', hvp(f1 as never) as Fn, x, v);
        const g = (t: number) => f1(x.map((xi, i) => (i === 0 ? t : xi)) as never);
        agree('derivative', derivative((t) => derivative(g as never)(t as never) as never) as Fn, x[0]);
      }),
      fcParams(Math.round(scalarRuns / 3)),
    );
  });
});

describe(`the adjoint program of ${Math.round(scalarRuns / 3)} random scalar programs`, () => {
  test('source transformation of the Wengert list: the gradient of reverse mode, in the statements jit(grad(f)) records or fewer', () => {
    fc.assert(
      fc.property(scalarProgram(), (p) => {
        fc.pre(finitePoint(p));
        const f1 = scalarFunction1(p) as (xs: never[]) => unknown;
        const written = adjointProgram(f1, p.x);
        expectClose('adjoint program', written.gradient(p.x), grad(f1 as never)(p.x as never));
        const recorded = jit(grad(f1 as never) as Fn).lower(p.x as never);
        if (written.statements > recorded.statements) throw new Error(`${written.statements} statements, jit(grad) has ${recorded.statements}`);
      }),
      fcParams(Math.round(scalarRuns / 3)),
    );
  });
});

describe(`jit = eager on ${tensorRuns} random tensor programs`, () => {
  test('f and the gradient of Σ w ⊙ f (broadcasting, matmul, reductions, softmax, shape ops fused or called)', () => {
    fc.assert(
      fc.property(tensorProgram(), (p) => {
        const cond = tensorConditioning(p);
        fc.pre(cond.finite && cond.maxAbs < 1e6);
        const F = tensorFunction(p) as Fn;
        agree('f', F, p.xs);
        const y = (F as (xs: Tensor[]) => Tensor)(p.xs);
        const w = outputWeights(y.shape);
        const L = (x: unknown) => anySum((tensorFunction(p)(unpack(p, x)) as Tensor).mul(w));
        agree('grad', grad(L as never) as Fn, pack(p));
        agree('valueAndGrad', valueAndGrad(L as never) as Fn, pack(p));
        agree('jacfwd', jacfwd(((x: unknown) => tensorFunction(p)(unpack(p, x))) as never) as Fn, pack(p));
      }),
      fcParams(tensorRuns),
    );
  });

  test('second order on small tensor programs: hessian, hvp', () => {
    fc.assert(
      fc.property(tensorProgram({ maxInputs: 2, maxRank: 2, maxLength: 4 }), (p) => {
        const cond = tensorConditioning(p);
        fc.pre(cond.finite && cond.maxAbs < 1e4);
        const y = (tensorFunction(p)(p.xs) as Tensor).shape;
        const w = outputWeights(y);
        const L = (x: unknown) => anySum((tensorFunction(p)(unpack(p, x)) as Tensor).mul(w));
        const x = pack(p);
        agree('hessian', hessian(L as never) as Fn, x);
        const v = Tensor.fromData(
          Float64Array.from({ length: x.size }, (_, i) => Math.sin(i + 1)),
          x.shape,
        );
        agree('hvp', hvp(L as never) as Fn, x, v);
      }),
      fcParams(30),
    );
  });
});

function anySum(t: Tensor): Tensor {
  return t.sum();
}
