/** PyTorch's numbers at the extremes: log-softmax keeps log Σ exp at the scale of x − max. */
import { logSoftmax, softmax, tensor } from '@ad/core';
import { variable } from '@ad/reverse';

describe('logSoftmax = (x − max) − log Σ exp(x − max)', () => {
  test('equal logits of 1e16 give −log 2 each, not 0 (max + log Σ would round log 2 away)', () => {
    expect(logSoftmax(tensor([1e16, 1e16])).toArray()).toEqual([-Math.LN2, -Math.LN2]);
  });

  test('logits of 1e13: the log 2 is exact, not rounded at 1e13’s scale (relative error was 3e-4)', () => {
    const [a, b, c] = logSoftmax(tensor([1e13, 0, 1e13])).toArray() as number[];
    expect(a).toBe(-Math.LN2);
    expect(c).toBe(-Math.LN2);
    expect(b).toBe(-1e13 - Math.LN2);
  });

  test('its gradient at 1e16: x̄ = ȳ − softmax(x)·Σȳ = [0.5, −0.5] for ȳ = [1, 0]', () => {
    const x = variable(tensor([1e16, 1e16]));
    x.logSoftmax()
      .mul(tensor([1, 0]))
      .sum()
      .backward();
    expect(x.grad!.toArray()).toEqual([0.5, -0.5]);
  });

  test('−∞ entries stay −∞ and the rest is exact; an all −∞ row is NaN, as PyTorch', () => {
    expect(logSoftmax(tensor([-Infinity, 0, 0])).toArray()).toEqual([-Infinity, -Math.LN2, -Math.LN2]);
    expect((logSoftmax(tensor([-Infinity, -Infinity])).toArray() as number[]).every(Number.isNaN)).toBe(true);
    expect(softmax(tensor([-Infinity, 0])).toArray()).toEqual([0, 1]);
  });
});
