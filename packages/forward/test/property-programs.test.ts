/**
 * Forward mode on random scalar programs (fast-check): every value, J·V for k seeds at once,
 * jacfwd at every chunk size, Hessians (forward over forward) and nested derivatives, against
 * the chain rule expanded by hand (the hyper-dual oracle, @ad/test-support/hyper-dual) to
 * rounding, and against central finite differences through core's shared checker.
 *
 * A failure prints fast-check's seed and path and the shrunk program as code; replay it with
 * AD_PROPERTY_SEED=<seed> AD_PROPERTY_PATH=<path>. AD_PROPERTY_SCALE=10 runs ten times as many.
 */
import fc from 'fast-check';
import { Tensor, setAnomalyDetection, type Differentiable } from '@ad/core';
import { derivative, hessian, jacfwd, jvp, type Dual, type Scalar } from '../src/index.js';
import { RUNS, fcParams } from '@ad/test-support/properties';
import { scalarConditioning, scalarFunction, scalarFunction1, type ScalarProgram } from '@ad/test-support/scalar-ir';
import { scalarProgram } from '@ad/test-support/scalar-generators';
import { expectWithinRounding, hyperDual, oracleHessian, oracleJacobian, opCount, withinRounding } from '@ad/test-support/hyper-dual';
import { expectSameNumbers, fdSafe, finiteDifferenceAgrees } from '@ad/test-support/checks';

const asNumbers = (v: unknown): number[] => (Array.isArray(v) ? (v as number[]) : [v as number]);
const maxAbs = (m: readonly (readonly number[])[]) => m.reduce((s, row) => row.reduce((t, v) => Math.max(t, Math.abs(v)), s), 0);

/** A scalar program as a checker target: one input tensor [n] → one output tensor [m]. */
function forwardTarget(p: ScalarProgram): Differentiable {
  const f = scalarFunction(p);
  return {
    f: ([x]) => Tensor.fromData(Float64Array.from(f(Array.from(x.toFloat64Array())) as number[]), [Math.min(p.m, p.n + p.body.length)]),
    jvp: ([x], [v]) => {
      const { tangent } = jvp(f as (xs: Dual[]) => Scalar[], Array.from(x.toFloat64Array()), Array.from(v.toFloat64Array()));
      return Tensor.fromData(Float64Array.from(asNumbers(tangent)), [Math.min(p.m, p.n + p.body.length)]);
    },
  };
}

/** Runs fn with anomaly detection on for one program in four: the engines' general paths. */
function maybeAnomaly<T>(p: ScalarProgram, fn: () => T): T {
  if (p.seed % 4 !== 0) return fn();
  setAnomalyDetection(true);
  try {
    return fn();
  } finally {
    setAnomalyDetection(false);
  }
}

let fdChecked = 0;

describe(`forward mode on ${RUNS.forwardScalar.toLocaleString('en')} random scalar programs`, () => {
  afterAll(() => {
    process.stdout.write(`forward scalar programs: ${fdChecked} also checked against finite differences\n`);
  });

  test('values, J·V for k seeds in one pass, jacfwd at chunk sizes 1, 2, n, n+1: hand-expanded chain rule and finite differences', () => {
    fc.assert(
      fc.property(scalarProgram(), (p) => {
        const cond = scalarConditioning(p);
        fc.pre(cond.finite && cond.maxAbs < 1e8);
        const f = scalarFunction(p) as (xs: Dual[]) => Scalar[];
        const x = p.x;
        const k = 1 + (p.seed % 4);
        const V = p.directions(p.n, k, 1); // n × k: row i is input i's seed vector
        const ops = opCount(p);

        const { value, tangent } = maybeAnomaly(p, () => jvp(f, x, { seeds: V }));
        const columns = Array.from({ length: k }, (_, j) =>
          hyperDual(
            p,
            V.map((row) => row[j]),
          ),
        );
        const values = asNumbers(value);
        // The primal is computed by the same kernels in every mode: bit-identical.
        expectSameNumbers(
          'value',
          values,
          columns[0].map((o) => o.v),
        );
        const T = tangent as number[][];
        expectWithinRounding(
          'J·V',
          T,
          columns[0].map((_, r) => columns.map((c) => c[r].a)),
          columns[0].map((_, r) => columns.map((c) => c[r].A)),
          ops,
        );
        // One direction alone gives exactly the first column of the k-seed pass.
        const single = jvp(
          f,
          x,
          V.map((row) => row[0]),
        );
        expectSameNumbers(
          'one seed vs column 0 of k seeds',
          asNumbers(single.tangent),
          T.map((row) => row[0]),
        );
        // The same k directions written as rows (k × n) give the same numbers, k × m.
        const byRows = jvp(f, x, { directions: columns.map((_, j) => V.map((row) => row[j])) }).tangent as number[][];
        expectSameNumbers(
          'directions vs seeds',
          byRows,
          columns.map((_, j) => T.map((row) => row[j])),
        );

        // jacfwd: the same Jacobian bit for bit at every chunk size, equal to the oracle's.
        const { J, bound } = oracleJacobian(p);
        const J0 = jacfwd(f)(x);
        expectWithinRounding('jacfwd', J0, J, bound, ops);
        for (const chunk of [1, 2, p.n, p.n + 1]) expectSameNumbers(`jacfwd chunk ${chunk}`, jacfwd(f, { chunk })(x), J0);

        // Finite differences where they are well conditioned: no kink within reach, moderate
        // values and slopes (a slope of 10⁴ on a fast oscillation defeats every step size).
        if (fdSafe(cond) && maxAbs(bound) < 1e3) {
          finiteDifferenceAgrees('program', forwardTarget(p), [Tensor.fromData(Float64Array.from(x), [p.n])]);
          fdChecked++;
        }
      }),
      fcParams(RUNS.forwardScalar),
    );
  });
});

describe(`second order, forward over forward, on ${RUNS.forwardSecondOrder.toLocaleString('en')} random scalar programs`, () => {
  test('hessian equals the hand-expanded one and is symmetric; nested derivatives (no perturbation confusion)', () => {
    fc.assert(
      fc.property(scalarProgram({ minInputs: 2, maxInputs: 4, maxLength: 6, maxOutputs: 1 }), (p) => {
        const cond = scalarConditioning(p);
        fc.pre(cond.finite && cond.maxAbs < 1e6);
        const f1 = scalarFunction1(p) as (xs: Dual[]) => Scalar;
        const x = p.x;
        const ops = opCount(p) * 2;
        const { H, bound, gradient, gradientBound } = oracleHessian(p);

        const Hf = maybeAnomaly(p, () => hessian(f1)(x));
        expectWithinRounding('hessian', Hf, H, bound, ops);
        for (let i = 0; i < p.n; i++) {
          for (let j = 0; j < i; j++) {
            if (!withinRounding(Hf[i][j], Hf[j][i], bound[i][j] + bound[j][i], ops)) {
              throw new Error(`hessian not symmetric: H[${i}][${j}] = ${Hf[i][j]}, H[${j}][${i}] = ${Hf[j][i]}`);
            }
          }
        }
        expectWithinRounding('hessian (chunk 1)', hessian(f1, { chunk: 1 })(x), H, bound, ops);

        // d/ds [ s · ∂g/∂t (s, t) ] at (x₀, x₁) = ∂g/∂x₁ + x₀·∂²g/∂x₀∂x₁: the inner derivative sees
        // the outer s as a constant of its own.
        const rest = x.slice(2);
        const nested = derivative((s) => s.mul(derivative((t) => f1([s, t, ...rest] as Dual[]))(x[1]) as unknown as Dual))(x[0]);
        const want = gradient[1] + x[0] * H[0][1];
        if (!withinRounding(nested, want, gradientBound[1] + Math.abs(x[0]) * bound[0][1], ops)) {
          throw new Error(`d/ds [s · d/dt g(s, t)] = ${nested}, hand-expanded ${want}`);
        }

        // The second derivative along a line, uᵀHu, by derivative of derivative.
        const [u] = p.directions(1, p.n, 2);
        const along = (t: Dual) => f1(x.map((xi, i) => t.mul(u[i]).add(xi)) as Dual[]);
        const second = derivative((t) => derivative(along)(t as unknown as number) as unknown as Dual)(0);
        const hd = hyperDual(p, u, u);
        const last = hd[hd.length - 1];
        if (!withinRounding(second, last.ab, last.AB, ops)) throw new Error(`d²/dt² f(x + tu) = ${second}, hand-expanded ${last.ab}`);
      }),
      fcParams(RUNS.forwardSecondOrder),
    );
  });
});
