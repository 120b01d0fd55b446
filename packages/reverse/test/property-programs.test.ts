/**
 * Reverse mode against forward mode on random programs (fast-check):
 * - scalar programs: vjp, jacrev, grad against the chain rule expanded by hand (the hyper-dual
 *   oracle, @ad/test-support/hyper-dual) to rounding; ⟨ȳ, J v⟩ (forward) = ⟨Jᵀȳ, v⟩ (reverse);
 *   jacfwd = jacrev; central finite differences through core's shared checker;
 * - second order: hessian (forward over reverse) = forward mode's hessian = jacfwd(grad) = the
 *   hand-expanded Hessian, symmetric; hvp = H·v;
 * - tensor programs (broadcasting, matmul chains, reductions, softmax, shape ops): forward J·v,
 *   reverse Jᵀȳ and finite differences agree, the cross-mode identity holds, jacfwd = jacrev,
 *   and the two Hessians agree and are symmetric.
 *
 * A failure prints fast-check's seed and path and the shrunk program as code; replay it with
 * AD_PROPERTY_SEED=<seed> AD_PROPERTY_PATH=<path>. AD_PROPERTY_SCALE=10 runs ten times as many.
 */
import fc from 'fast-check';
import { Generator, Tensor, setAnomalyDetection, zeros, type Differentiable } from '@ad/core';
import { hessian as forwardHessian, jacfwd, jvp, type Dual, type DualTensor, type Scalar } from '@ad/forward';
import { Node, type TensorVar, grad, hessian, hvp, jacrev, valueAndGrad, variable, vjp, type Var } from '../src/index.js';
import { RUNS, fcParams } from '@ad/test-support/properties';
import { scalarConditioning, scalarFunction, scalarFunction1, type ScalarProgram } from '@ad/test-support/scalar-ir';
import { scalarProgram } from '@ad/test-support/scalar-generators';
import { expectWithinRounding, hyperDual, oracleHessian, oracleJacobian, opCount, withinRounding } from '@ad/test-support/hyper-dual';
import { outputWeights, pack, tensorConditioning, tensorFunction, tensorProgram, unpack, type TensorProgram } from '@ad/test-support/tensor-programs';
import { expectSameNumbers, fdSafe, finiteDifferenceAgrees } from '@ad/test-support/checks';

const asNumbers = (v: unknown): number[] => (Array.isArray(v) ? (v as number[]) : [v as number]);
const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
const maxAbs = (m: readonly (readonly number[])[]) => m.reduce((s, row) => row.reduce((t, v) => Math.max(t, Math.abs(v)), s), 0);

function maybeAnomaly<T>(on: boolean, fn: () => T): T {
  if (!on) return fn();
  setAnomalyDetection(true);
  try {
    return fn();
  } finally {
    setAnomalyDetection(false);
  }
}

/** Both engines on a scalar program, as a checker target: one input tensor [n] → one output [m]. */
function engines(p: ScalarProgram): Differentiable {
  const f = scalarFunction(p);
  const m = Math.min(p.m, p.n + p.body.length);
  const arr = (x: Tensor) => Array.from(x.toFloat64Array());
  return {
    f: ([x]) => Tensor.fromData(Float64Array.from(f(arr(x)) as number[]), [m]),
    jvp: ([x], [v]) => Tensor.fromData(Float64Array.from(asNumbers(jvp(f as (xs: Dual[]) => Scalar[], arr(x), arr(v)).tangent)), [m]),
    vjp: ([x], yBar) => [Tensor.fromData(Float64Array.from(vjp(f as (xs: Var[]) => Var[], arr(x)).vjp(arr(yBar))), [p.n])],
  };
}

const counts = { scalarFd: 0, tensorFd: 0 };

afterAll(() => {
  process.stdout.write(`reverse property tests: ${counts.scalarFd} scalar and ${counts.tensorFd} tensor programs also checked against finite differences\n`);
});

describe(`reverse against forward on ${RUNS.reverseScalar.toLocaleString('en')} random scalar programs`, () => {
  test('vjp, jacrev, grad: hand-expanded chain rule; ⟨ȳ, J v⟩ = ⟨Jᵀȳ, v⟩; jacfwd = jacrev; finite differences', () => {
    fc.assert(
      fc.property(scalarProgram(), (p) => {
        const cond = scalarConditioning(p);
        fc.pre(cond.finite && cond.maxAbs < 1e8);
        const f = scalarFunction(p);
        const x = p.x;
        const ops = opCount(p);
        const anomaly = p.seed % 4 === 0;
        const { J, bound } = oracleJacobian(p);
        const m = J.length;

        const { value, vjp: pull } = maybeAnomaly(anomaly, () => vjp(f as (xs: Var[]) => Var[], x));
        expectSameNumbers(
          'value',
          asNumbers(value),
          hyperDual(
            p,
            x.map(() => 0),
          ).map((o) => o.v),
        );
        const [yBar, yBar2] = p.directions(2, m, 3);
        const [v] = p.directions(1, p.n, 4);
        for (const c of [yBar, yBar2]) {
          const got = maybeAnomaly(anomaly, () => pull(c));
          const want = x.map((_, j) => J.reduce((s, row, r) => s + c[r] * row[j], 0));
          const b = x.map((_, j) => J.reduce((s, row, r) => s + Math.abs(c[r]) * (bound[r][j] + Math.abs(row[j])), 0));
          expectWithinRounding('Jᵀȳ', [got], [want], [b], ops);
        }

        // The identity that ties the modes: ⟨ȳ, J v⟩ from a forward pass, ⟨Jᵀȳ, v⟩ from a backward pass.
        const Jv = asNumbers(jvp(f as (xs: Dual[]) => Scalar[], x, v).tangent);
        const lhs = dot(yBar, Jv);
        const rhs = dot(pull(yBar), v);
        const scale = J.reduce((s, row, r) => s + row.reduce((t, Jrj, j) => t + Math.abs(yBar[r] * v[j]) * (bound[r][j] + Math.abs(Jrj)), 0), 0);
        if (!withinRounding(lhs, rhs, scale, ops)) throw new Error(`⟨ȳ, J v⟩ = ${lhs} but ⟨Jᵀȳ, v⟩ = ${rhs}`);

        const Jr = maybeAnomaly(anomaly, () => jacrev(f as (xs: Var[]) => Var[])(x));
        expectWithinRounding('jacrev', Jr, J, bound, ops);
        const Jf = jacfwd(f as (xs: Dual[]) => Scalar[])(x);
        Jr.forEach((row, i) =>
          row.forEach((val, j) => {
            if (!withinRounding(val, Jf[i][j], 2 * bound[i][j], ops)) throw new Error(`jacrev[${i}][${j}] = ${val}, jacfwd = ${Jf[i][j]}`);
          }),
        );
        // grad of the last output is jacrev's last row; valueAndGrad gives the same gradient. In the
        // same mode: anomaly detection turns the scalar fast paths off, which places nodes in other
        // tape chunks and so sums a shared adjoint in another (equally valid) order.
        const f1 = scalarFunction1(p) as (xs: Var[]) => Var;
        const g = maybeAnomaly(anomaly, () => grad(f1)(x));
        expectSameNumbers('grad vs jacrev row', g, Jr[m - 1]);
        expectSameNumbers(
          'valueAndGrad',
          maybeAnomaly(anomaly, () => valueAndGrad(f1)(x).grad),
          g,
        );

        if (fdSafe(cond) && maxAbs(bound) < 1e3) {
          finiteDifferenceAgrees('program', engines(p), [Tensor.fromData(Float64Array.from(x), [p.n])]);
          counts.scalarFd++;
        }
      }),
      fcParams(RUNS.reverseScalar),
    );
  });
});

describe(`second order on ${RUNS.reverseSecondOrder.toLocaleString('en')} random scalar programs`, () => {
  test('Hessians by all four nestings (fwd∘rev, fwd∘fwd, rev∘rev, rev∘fwd) = hand-expanded, symmetric; hvp = H·v', () => {
    fc.assert(
      fc.property(scalarProgram({ minInputs: 2, maxInputs: 4, maxLength: 6, maxOutputs: 1 }), (p) => {
        const cond = scalarConditioning(p);
        fc.pre(cond.finite && cond.maxAbs < 1e6);
        const f1 = scalarFunction1(p);
        const x = p.x;
        const ops = opCount(p) * 2;
        const anomaly = p.seed % 4 === 0;
        const { H, bound } = oracleHessian(p);

        const Hr = maybeAnomaly(anomaly, () => hessian(f1 as (xs: Var[]) => Var)(x));
        expectWithinRounding('hessian (forward over reverse)', Hr, H, bound, ops);
        expectWithinRounding('hessian (forward over forward)', forwardHessian(f1 as (xs: Dual[]) => Scalar)(x), H, bound, ops);
        const Hjg = jacfwd((xs: Dual[]) => grad(f1 as (xs: Var[]) => Var)(xs))(x);
        expectWithinRounding('jacfwd(grad)', Hjg, H, bound, ops);
        // The other two nestings: reverse over reverse and reverse over forward.
        const Hrr = hessian(f1 as (xs: Var[]) => Var, { mode: 'reverse-over-reverse' })(x);
        expectWithinRounding('hessian (reverse over reverse)', Hrr, H, bound, ops);
        const Hjr = jacrev((xs: Var[]) => grad(f1 as (xs: Var[]) => Var)(xs))(x);
        expectWithinRounding('jacrev(grad)', Hjr, H, bound, ops);
        const Hrf = jacrev((xs: Var[]) => jacfwd(f1 as (xs: Dual[]) => Dual)(xs)[0])(x);
        expectWithinRounding('jacrev(jacfwd) (reverse over forward)', Hrf, H, bound, ops);
        for (let i = 0; i < p.n; i++) {
          for (let j = 0; j < i; j++) {
            if (!withinRounding(Hr[i][j], Hr[j][i], bound[i][j] + bound[j][i], ops)) {
              throw new Error(`hessian not symmetric: H[${i}][${j}] = ${Hr[i][j]}, H[${j}][${i}] = ${Hr[j][i]}`);
            }
          }
        }

        // H·v without forming H.
        const [v] = p.directions(1, p.n, 5);
        const Hv = hvp(f1 as (xs: Var[]) => Var)(x, v);
        const e = (i: number) => x.map((_, j) => (i === j ? 1 : 0));
        const want = x.map((_, i) => hyperDual(p, e(i), v).slice(-1)[0]);
        expectWithinRounding('hvp', [Hv], [want.map((o) => o.ab)], [want.map((o) => o.AB)], ops);
      }),
      fcParams(RUNS.reverseSecondOrder),
    );
  });
});

// ------------------------------------------------------------------------------------------ tensors

/** Reverse mode on a tensor program: leaves, one backward pass from ȳ, the leaves' grads. */
function reverseVjp(p: TensorProgram, xs: readonly Tensor[], yBar: Tensor): Tensor[] {
  const leaves = xs.map((x) => variable(x));
  const y = tensorFunction(p)(leaves);
  if (!(y instanceof Node) || !y.requiresGrad) return xs.map((x) => zeros(x.shape));
  y.backward(yBar);
  return leaves.map((l, i) => (l.grad as Tensor | null) ?? zeros(xs[i].shape));
}

function tensorEngines(p: TensorProgram): Differentiable {
  const f = tensorFunction(p);
  return {
    f: (xs) => f([...xs]) as Tensor,
    jvp: (xs, vs) => jvp(f as (xs: DualTensor[]) => DualTensor, [...xs], [...vs]).tangent as Tensor,
    vjp: (xs, yBar) => reverseVjp(p, xs, yBar),
  };
}

function flat(t: Tensor): number[] {
  return Array.from(t.toFloat64Array());
}

/**
 * |a − b| small next to the sizes involved: rounding, never a wrong rule. `scale` is the size
 * of the terms summed; `floor` the absolute rounding noise of a result that cancels to ~0
 * (u times the program's largest intermediate value, with room for the ops in between).
 */
function close(a: number, b: number, scale: number, floor: number): boolean {
  return Object.is(a, b) || Math.abs(a - b) <= 1e-9 * (Math.abs(a) + Math.abs(b) + scale) + floor;
}

describe(`reverse against forward on ${RUNS.reverseTensor.toLocaleString('en')} random tensor programs`, () => {
  test('broadcasting, matmul chains, reductions, softmax, shape ops: J·v, Jᵀȳ, finite differences, the identity, jacfwd = jacrev', () => {
    fc.assert(
      fc.property(tensorProgram(), (p) => {
        const cond = tensorConditioning(p);
        fc.pre(cond.finite && cond.maxAbs < 1e6);
        const xs = p.xs;
        const target = tensorEngines(p);
        const y = target.f(xs);
        // A direction and a cotangent from the program's seed.
        const vs = splitLike(xs, normals(p.seed, p.size, 1));
        const yBar = Tensor.fromData(Float64Array.from(normals(p.seed, y.size, 2)), y.shape);

        const out = jvp(tensorFunction(p) as (xs: DualTensor[]) => DualTensor, xs, vs);
        expectSameNumbers('value', flat(out.value as Tensor), flat(y));
        const Jv = flat(out.tangent as Tensor);
        const xBars = reverseVjp(p, xs, yBar);
        const lhs = dot(flat(yBar), Jv);
        const rhs = xBars.reduce((s, xb, i) => s + dot(flat(xb), flat(vs[i])), 0);
        const scale =
          flat(yBar).reduce((s, c, i) => s + Math.abs(c * Jv[i]), 0) +
          xBars.reduce((s, xb, i) => s + flat(xb).reduce((t, a, j) => t + Math.abs(a * flat(vs[i])[j]), 0), 0);
        const l1 = (a: readonly number[]) => a.reduce((t, v) => t + Math.abs(v), 0);
        const noise = 1e-13 * (1 + cond.maxAbs);
        const floor = noise * l1(flat(yBar)) * l1(vs.flatMap(flat));
        if (!close(lhs, rhs, scale, floor)) throw new Error(`⟨ȳ, J v⟩ = ${lhs} but ⟨Jᵀȳ, v⟩ = ${rhs}`);

        // jacfwd = jacrev on the inputs packed into one flat tensor.
        const packed = pack(p);
        const F = (x: unknown) => tensorFunction(p)(unpack(p, x));
        const Jf = flat(jacfwd(F as (x: DualTensor) => DualTensor)(packed));
        const Jr = flat(jacrev(F as (x: TensorVar) => TensorVar)(packed));
        if (Jf.length !== Jr.length) throw new Error(`jacfwd has ${Jf.length} entries, jacrev ${Jr.length}`);
        const big = Jf.reduce((s, v) => Math.max(s, Math.abs(v)), 0);
        Jf.forEach((a, i) => {
          if (!close(a, Jr[i], big, noise)) throw new Error(`jacfwd entry ${i} = ${a}, jacrev = ${Jr[i]}`);
        });

        if (fdSafe(cond) && big < 1e3) {
          finiteDifferenceAgrees('tensor program', target, xs);
          counts.tensorFd++;
        }
      }),
      fcParams(RUNS.reverseTensor),
    );
  });

  test(`second order on ${RUNS.reverseTensorSecondOrder} random tensor programs: forward, forward-over-reverse and reverse-over-reverse Hessians agree and are symmetric`, () => {
    fc.assert(
      fc.property(tensorProgram({ maxInputs: 2, maxRank: 2, maxLength: 4 }), (p) => {
        const cond = tensorConditioning(p);
        fc.pre(cond.finite && cond.maxAbs < 1e4);
        const yShape = (tensorFunction(p)(p.xs) as Tensor).shape;
        const w = outputWeights(yShape);
        const L = (x: unknown) => (tensorFunction(p)(unpack(p, x)) as TensorVar).mul(w).sum();
        const x = pack(p);
        const n = p.size;
        const Hf = flat(forwardHessian(L as unknown as (x: DualTensor) => DualTensor)(x) as Tensor);
        const Hr = flat(hessian(L as (x: TensorVar) => TensorVar)(x) as Tensor);
        const Hrr = flat(hessian(L as (x: TensorVar) => TensorVar, { mode: 'reverse-over-reverse' })(x) as Tensor);
        const big = Hf.reduce((s, v) => Math.max(s, Math.abs(v)), 1);
        const noise = 1e-12 * (1 + cond.maxAbs);
        Hf.forEach((a, i) => {
          if (!close(a, Hr[i], big, noise)) throw new Error(`forward hessian entry ${i} = ${a}, reverse = ${Hr[i]}`);
          if (!close(a, Hrr[i], big, noise)) throw new Error(`forward hessian entry ${i} = ${a}, reverse over reverse = ${Hrr[i]}`);
        });
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < i; j++) {
            if (!close(Hr[i * n + j], Hr[j * n + i], big, noise))
              throw new Error(`hessian not symmetric at (${i}, ${j}): ${Hr[i * n + j]} vs ${Hr[j * n + i]}`);
          }
        }
      }),
      fcParams(RUNS.reverseTensorSecondOrder),
    );
  });
});

/** Standard-normal numbers from a seed (directions, cotangents). */
function normals(seed: number, n: number, salt: number): number[] {
  const g = new Generator(seed * 7 + salt);
  return Array.from({ length: n }, () => g.normal());
}

/** Splits a flat list into tensors shaped like xs. */
function splitLike(xs: readonly Tensor[], values: readonly number[]): Tensor[] {
  let off = 0;
  return xs.map((x) => {
    const t = Tensor.fromData(Float64Array.from(values.slice(off, off + x.size)), x.shape);
    off += x.size;
    return t;
  });
}
