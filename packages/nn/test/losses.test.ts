/** Losses against hand-derived values and gradients, including the extremes. */
import { type Tensor, tensor } from '@ad/core';
import { DualTensor } from '@ad/forward';
import { grad, variable, type TensorVar } from '@ad/reverse';
import { bce, bceWithLogits, crossEntropy, mse, softmax } from '../src/index.js';

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

describe('bce', () => {
  test('value and gradient against the formula', () => {
    const p = [0.2, 0.7, 0.9];
    const t = [0, 1, 0.5];
    const loss = bce(variable(tensor(p)), tensor(t));
    const want = p.reduce((s, pi, i) => s - (t[i] * Math.log(pi) + (1 - t[i]) * Math.log(1 - pi)), 0) / 3;
    expect(loss.item()).toBeCloseTo(want, 14);
    const g = grad((v: TensorVar) => bce(v, tensor(t)))(tensor(p)).toArray() as number[];
    g.forEach((gi, i) => expect(gi).toBeCloseTo((p[i] - t[i]) / (p[i] * (1 - p[i])) / 3, 12));
  });

  test('finite at p = 0 and p = 1 (logs clamped at −100, gradient as PyTorch)', () => {
    const p = tensor([0, 1, 0, 1]);
    const t = tensor([0, 1, 1, 0]);
    expect(bce(p, t, { reduction: 'none' }).toArray()).toEqual([0, 0, 100, 100]);
    const g = grad((v: TensorVar) => bce(v, t, { reduction: 'sum' }))(p).toArray() as number[];
    expect(g.every(Number.isFinite)).toBe(true);
    expect(g).toEqual([0, 0, -1e12, 1e12]);
  });

  test('refuses values outside [0, 1] and mismatched shapes', () => {
    expect(() => bce(tensor([0.5, 1.5]), tensor([0, 1]))).toThrow(
      'bce: every input must be a probability in [0, 1], got 1.5 at index 1; for logits use bceWithLogits',
    );
    expect(() => bce(tensor([0.5]), tensor([0, 1]))).toThrow('bce: input has shape [1] but target has shape [2]; they must match');
  });
});

describe('bceWithLogits', () => {
  test('equals bce(σ(z)) and has gradient σ(z) − t', () => {
    const z = [-2, 0, 0.5, 3];
    const t = [0, 1, 1, 0];
    const got = bceWithLogits(tensor(z), tensor(t), { reduction: 'none' }).toArray() as number[];
    got.forEach((v, i) => expect(v).toBeCloseTo(-(t[i] * Math.log(sigmoid(z[i])) + (1 - t[i]) * Math.log(1 - sigmoid(z[i]))), 14));
    const g = grad((v: TensorVar) => bceWithLogits(v, tensor(t), { reduction: 'sum' }))(tensor(z)).toArray() as number[];
    g.forEach((gi, i) => expect(gi).toBeCloseTo(sigmoid(z[i]) - t[i], 15));
    expect(g[1]).toBe(-0.5); // at z = 0 exactly: σ(0) − 1
  });

  test('finite at ±1000', () => {
    const z = tensor([1000, -1000, 1000, -1000]);
    const t = tensor([1, 0, 0, 1]);
    expect(bceWithLogits(z, t, { reduction: 'none' }).toArray()).toEqual([0, 0, 1000, 1000]);
    expect(grad((v: TensorVar) => bceWithLogits(v, t, { reduction: 'sum' }))(z).toArray()).toEqual([0, 0, 1, -1]);
  });
});

describe('crossEntropy and softmax', () => {
  test('against −log softmax at the label, finite for logits [1000, 0, −1000]', () => {
    const logits = tensor([
      [1000, 0, -1000],
      [1, 2, 3],
    ]);
    const loss = crossEntropy(logits, [0, 2], { reduction: 'none' }).toArray() as number[];
    expect(loss[0]).toBe(0);
    expect(loss[1]).toBeCloseTo(-Math.log(Math.exp(3) / (Math.exp(1) + Math.exp(2) + Math.exp(3))), 14);
    expect(softmax(tensor([1000, 0, -1000])).toArray()).toEqual([1, Math.exp(-1000), Math.exp(-2000)]);
    // ∂/∂z of mean cross-entropy = (softmax(z) − onehot)/n
    const g = grad((v: TensorVar) => crossEntropy(v, [0, 2]))(logits).toArray() as number[][];
    const s = softmax(tensor([1, 2, 3])).toArray() as number[];
    expect(g[0]).toEqual([0, 0, 0]);
    g[1].forEach((gi, j) => expect(gi).toBeCloseTo((s[j] - (j === 2 ? 1 : 0)) / 2, 15));
  });

  test('labels are checked', () => {
    expect(() => crossEntropy(tensor([[1, 2]]), [2])).toThrow('crossEntropy: label 0 is 2; labels must be class indices in 0…1');
    expect(() => crossEntropy(tensor([[1, 2]]), [0, 1])).toThrow('crossEntropy: got 1 rows of logits but 2 labels');
  });
});

describe('mse and reductions', () => {
  test('mean, sum, none', () => {
    const x = tensor([1, 2, 4]);
    const y = tensor([1, 0, 1]);
    expect(mse(x, y).item()).toBeCloseTo(13 / 3, 15);
    expect(mse(x, y, { reduction: 'sum' }).item()).toBe(13);
    expect(mse(x, y, { reduction: 'none' }).toArray()).toEqual([0, 4, 9]);
    expect(() => mse(x, y, { reduction: 'avg' as never })).toThrow("mse: reduction must be 'mean', 'sum' or 'none', got avg");
  });

  test('loss ops differentiate in forward mode too', () => {
    const z = tensor([0.3, -1.2]);
    const t = tensor([1, 0]);
    const out = bceWithLogits(new DualTensor(Number.MAX_SAFE_INTEGER - 1, z, [tensor([1, 0])]), t, { reduction: 'sum' }) as unknown as DualTensor;
    expect((out.tangents[0] as Tensor).item()).toBeCloseTo(sigmoid(0.3) - 1, 15);
  });
});
