/** crossEntropy at the extremes, against PyTorch's values, and its gradient stays finite. */
import { tensor } from '@ad/core';
import { variable } from '@ad/reverse';
import { crossEntropy } from '../src/index.js';

test('a −∞ logit in the row: crossEntropy is log(1 + e) − 1 = 0.3133 (PyTorch), not NaN', () => {
  expect(crossEntropy(tensor([[-Infinity, 0, 1]]), [2]).item()).toBeCloseTo(Math.log(1 + Math.E) - 1, 15);
  const w = variable(tensor([[-Infinity, 0, 1]]));
  crossEntropy(w, [2]).backward();
  // softmax − onehot = [0, 1/(1+e), e/(1+e) − 1]
  const g = w.grad!.toArray() as number[][];
  expect(g[0][0]).toBe(0);
  expect(g[0][1]).toBeCloseTo(1 / (1 + Math.E), 15);
  expect(g[0][2]).toBeCloseTo(Math.E / (1 + Math.E) - 1, 15);
});

test('logits [1e308, 0, −1e308]: the loss of class 0 is 0, of class 1 is 1e308, finite', () => {
  expect(crossEntropy(tensor([[1e308, 0, -1e308]]), [0]).item()).toBe(0);
  expect(crossEntropy(tensor([[1e308, 0, -1e308]]), [1]).item()).toBe(1e308);
});
