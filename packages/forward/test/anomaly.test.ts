/**
 * Anomaly mode in forward mode: the first op that turns finite values into NaN or ±∞ is named
 * with its pass ('forward' for the value, 'tangent' for a tangent) and its step (ops on duals
 * since detection was turned on), through every transform: derivative, jvp with k seeds, jacfwd
 * at every chunk size, hessian, dual tensors. (The cross-mode tests, the same NaN reported the
 * same way by both modes, are in @ad/reverse's anomaly.test.ts.)
 */
import { AnomalyError, detectAnomaly, tensor } from '@ad/core';
import { derivative, hessian, jacfwd, jvp, type Dual, type DualTensor } from '../src/index.js';

function anomalyOf(fn: () => unknown): [string, string, number] {
  try {
    detectAnomaly(fn);
  } catch (e) {
    if (e instanceof AnomalyError) return [e.op, e.pass, e.step];
    throw e;
  }
  throw new Error('no anomaly was reported');
}

// x ↦ log(2x − 3): at x = 1 the log sees −1. Steps: 1 mul, 2 sub, 3 log.
const f = (x: Dual) => x.mul(2).sub(3).log();

describe('forward mode names the op, the pass and the step', () => {
  test('derivative, jvp with one and with k seeds, jacfwd at every chunk size: the same report', () => {
    expect(anomalyOf(() => derivative(f)(1))).toEqual(['log', 'forward', 3]);
    const g = ([x, y]: Dual[]) => [f(x), y.exp()];
    expect(anomalyOf(() => jvp(g, [1, 2], [1, 0]))).toEqual(['log', 'forward', 3]);
    expect(
      anomalyOf(() =>
        jvp(g, [1, 2], {
          seeds: [
            [1, 0, 2],
            [0, 1, 3],
          ],
        }),
      ),
    ).toEqual(['log', 'forward', 3]);
    for (const chunk of [1, 2, 3]) expect(anomalyOf(() => jacfwd(g, { chunk })([1, 2]))).toEqual(['log', 'forward', 3]);
    // Not in the domain's interior only: exp overflow and division by zero are anomalies too.
    expect(anomalyOf(() => derivative((x) => x.mul(1000).exp())(1))).toEqual(['exp', 'forward', 2]);
    expect(anomalyOf(() => derivative((x) => x.sub(1).div(x.sub(1).mul(0)))(1))).toEqual(['div', 'forward', 4]);
  });

  test('a finite value with a non-finite tangent is named in the tangent pass', () => {
    // √ at 0: the value is 0, the tangent ẋ/(2·0) is not finite.
    expect(anomalyOf(() => derivative((x) => x.sub(1).sqrt())(1))).toEqual(['sqrt', 'tangent', 2]);
    // |x|^0.5 at 0 through pow: the same, named pow.
    expect(anomalyOf(() => derivative((x) => x.sub(1).abs().pow(0.5))(1))).toEqual(['pow', 'tangent', 3]);
  });

  test('hessian (forward over forward) reports the first op of the outer pass', () => {
    const [op, pass] = anomalyOf(() => hessian(([x, y]: Dual[]) => f(x).mul(y))([1, 2]));
    expect([op, pass]).toEqual(['log', 'forward']);
  });

  test('dual tensors: log of one negative entry', () => {
    const x = tensor([2, 1, 3]);
    const h = (xs: DualTensor[]) =>
      xs[0]
        .sub(tensor([0, 2, 0]))
        .log()
        .sum();
    expect(anomalyOf(() => jvp(h, [x], [tensor([1, 1, 1])]))).toEqual(['log', 'forward', 2]);
  });

  test('stable ops stay silent where the naive formula would not: logSoftmax and softmax of [1000, 0, −1000]', () => {
    const x = tensor([1000, 0, -1000]);
    const v = tensor([1, -1, 0.5]);
    expect(() => detectAnomaly(() => jvp((xs: DualTensor[]) => xs[0].logSoftmax().sum(), [x], [v]))).not.toThrow();
    expect(() => detectAnomaly(() => jvp((xs: DualTensor[]) => xs[0].softmax().square().sum(), [x], [v]))).not.toThrow();
    expect(() => detectAnomaly(() => jvp((xs: DualTensor[]) => xs[0].logsumexp(), [x], [v]))).not.toThrow();
    // log(sigmoid(z)) for z = −1000 is −∞: the naive form is caught (use logSoftmax or bceWithLogits).
    expect(anomalyOf(() => jvp((xs: DualTensor[]) => xs[0].sigmoid().log().sum(), [x], [v]))).toEqual(['log', 'forward', 2]);
  });

  test('off, nothing is checked: the same NaN passes silently', () => {
    expect(derivative(f)(1)).toBe(2 / (2 * 1 - 3));
    expect(Number.isNaN(jvp(([x]: Dual[]) => f(x), [1], [1]).value as number)).toBe(true);
  });
});
