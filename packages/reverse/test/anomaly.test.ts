/**
 * Anomaly mode across the two modes: a NaN introduced by one op (log of a negative number) in
 * the middle of a random program is reported by forward mode and by reverse mode with the same
 * op name, the same pass and the same step, and nothing is reported for the same program
 * without the poison. A non-finite adjoint (√ at 0) is named in reverse mode's backward pass,
 * as forward mode names it in its tangent pass.
 */
import fc from 'fast-check';
import { AnomalyError, detectAnomaly, setAnomalyDetection, tensor, type Tensor } from '@ad/core';
import { derivative, jvp, type Dual, type DualTensor } from '@ad/forward';
import { grad, noGrad, variable, type TensorVar, type Var } from '../src/index.js';
import { fcParams } from '@ad/test-support/properties';
import { UNARY, adBackend, runScalar, scalarConditioning, ScalarProgram, type Backend, type ScalarOpName } from '@ad/test-support/scalar-ir';
import { scalarProgram } from '@ad/test-support/scalar-generators';

/** Ops whose result is always a live value (no comparison masks or signs, which are constants). */
const LIVE_OPS: ScalarOpName[] = [...UNARY.filter((u) => u !== 'sign'), 'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'powi', 'where'];

/** Counts the ops a program applies (every backend call is one op). */
function countOps(p: ScalarProgram): number {
  let n = 0;
  const counted = (y: unknown): number => {
    n++;
    return y as number;
  };
  const counting: Backend<number> = {
    unary: (name, x, m) => counted(adBackend.unary(name, x, m)),
    binary: (name, x, y, m) => counted(adBackend.binary(name, x, y, m)),
    binaryLeft: (name, k, y) => counted(adBackend.binaryLeft(name, k, y)),
    where: (c, x, y) => counted(adBackend.where(c, x, y)),
    addConst: (x, k) => counted(adBackend.addConst(x, k)),
  };
  runScalar(p, p.x, counting);
  return n;
}

/**
 * The program's first `cut` instructions, then the poison log(−(v² + 1)) of its last value
 * (4 ops: square, add, neg, log), then more work on the NaN (which must not be reported again).
 */
function poisoned(p: ScalarProgram, cut: number) {
  const head = new ScalarProgram(p.n, p.body.slice(0, cut), 1, p.seed);
  const f = (xs: unknown[]): unknown => {
    const vals = runScalar(head, xs, adBackend);
    const last = vals[vals.length - 1] as Var;
    const bad = last.square().add(1).neg().log();
    return bad
      .mul(xs[0] as Var)
      .sin()
      .add(last);
  };
  return { f, step: countOps(head) + 4 };
}

function anomalyOf(fn: () => unknown): AnomalyError {
  try {
    detectAnomaly(fn);
  } catch (e) {
    if (e instanceof AnomalyError) return e;
    throw e;
  }
  throw new Error('no anomaly was reported');
}

describe('the same NaN is reported the same way by both modes', () => {
  test('400 random programs with log of a negative number after a random prefix: op, pass and step agree', () => {
    fc.assert(
      fc.property(scalarProgram({ ops: LIVE_OPS, maxLength: 8 }), fc.nat(8), (p, c) => {
        fc.pre(scalarConditioning(p).finite && scalarConditioning(p).maxAbs < 1e100);
        const cut = c % (p.body.length + 1);
        const { f, step } = poisoned(p, cut);
        const x = p.x;
        // Without the poison nothing is reported.
        const clean = new ScalarProgram(p.n, p.body.slice(0, cut), 1, p.seed);
        detectAnomaly(() => grad((xs: Var[]) => runScalar(clean, xs, adBackend).slice(-1)[0] as Var)(x));

        const forward = anomalyOf(() =>
          jvp(
            f as (xs: Dual[]) => Dual,
            x,
            x.map(() => 1),
          ),
        );
        const reverse = anomalyOf(() => grad(f as (xs: Var[]) => Var)(x));
        for (const e of [forward, reverse]) {
          expect(e.op).toBe('log');
          expect(e.pass).toBe('forward');
          expect(e.step).toBe(step);
          expect(e.message).toBe(`log: produced a non-finite value (NaN or ±∞) from finite inputs in the forward pass at step ${step}`);
        }
        // Without detection the NaN passes silently, in both modes.
        expect(
          jvp(
            f as (xs: Dual[]) => Dual,
            x,
            x.map(() => 1),
          ).value,
        ).toBeNaN();
        expect(grad(f as (xs: Var[]) => Var)(x)[0]).toBeNaN();
      }),
      fcParams(400),
    );
  });

  test('tensor programs: log of a negative entry inside an MLP-like chain, both modes name it at the same step', () => {
    const W = tensor([
      [0.5, -1],
      [2, 0.25],
    ]);
    // Steps: 1 reshape (a 1-D operand of matmul becomes a row), 2 matmul, 3 reshape back, 4 tanh,
    // 5 sub, 6 log (its second entry is log(tanh(…) − 2), of a negative number), 7 sum.
    const f = (x: Tensor | TensorVar | DualTensor) =>
      (x as TensorVar)
        .matmul(W)
        .tanh()
        .sub(tensor([0, 2]))
        .log()
        .sum();
    const x = tensor([0.3, -0.7]);
    const forward = anomalyOf(() => jvp((xs: DualTensor[]) => f(xs[0]) as unknown as DualTensor, [x], [tensor([1, 0])]));
    const reverse = anomalyOf(() => grad(f as (v: TensorVar) => TensorVar)(x));
    for (const e of [forward, reverse]) {
      expect([e.op, e.pass, e.step]).toEqual(['log', 'forward', 6]);
    }
  });

  test('an infinite adjoint: √ at 0 is named in the backward pass (reverse) and the tangent pass (forward)', () => {
    const f = (xs: (Var | Dual)[]) =>
      (xs[0] as Var)
        .mul(0)
        .sqrt()
        .add(xs[1] as Var);
    const forward = anomalyOf(() => jvp(f as unknown as (xs: Dual[]) => Dual, [2, 3], [1, 1]));
    expect([forward.op, forward.pass, forward.step]).toEqual(['sqrt', 'tangent', 2]);
    const reverse = anomalyOf(() => grad(f as (xs: Var[]) => Var)([2, 3]));
    expect([reverse.op, reverse.pass]).toEqual(['sqrt', 'backward']);
    // Three ops were recorded, so the backward steps are counted after them.
    expect(reverse.step).toBeGreaterThan(3);
    expect(reverse.message).toMatch(/^sqrt: produced a non-finite value \(NaN or ±∞\) from finite inputs in the backward pass at step \d+$/);
  });

  test('a NaN that comes in with the data is not an anomaly of the forward pass (only finite → non-finite is reported)', () => {
    expect(detectAnomaly(() => derivative((t) => t.mul(2).exp())(NaN))).toBeNaN();
    expect(detectAnomaly(() => jvp(([a, b]: Dual[]) => a.mul(b).add(1), [NaN, 2], [0, 1])).tangent).toBeNaN();
    expect(detectAnomaly(() => variable(NaN).mul(2).add(1)).value).toBeNaN();
  });

  test('detectAnomaly restores the mode it found; setAnomalyDetection(true) restarts the step count', () => {
    setAnomalyDetection(true);
    try {
      variable(1).mul(2);
      const inner = anomalyOf(() => variable(-1).log());
      expect(inner.step).toBe(1);
      // Still on after detectAnomaly returned (by throwing): the outer setting is kept.
      expect(() => variable(-2).log()).toThrow(AnomalyError);
      setAnomalyDetection(true);
      const again = (() => {
        try {
          variable(3).sub(4).sqrt();
        } catch (e) {
          return e as AnomalyError;
        }
        throw new Error('no anomaly');
      })();
      expect([again.op, again.step]).toEqual(['sqrt', 2]);
    } finally {
      setAnomalyDetection(false);
    }
    expect(variable(-1).log().value).toBeNaN();
  });

  test('under noGrad, values are still checked', () => {
    const x = variable(tensor([1, -1]));
    const e = anomalyOf(() => noGrad(() => x.log()));
    expect([e.op, e.pass]).toEqual(['log', 'forward']);
  });
});
