/**
 * Training reaches the accuracy it must, from fixed seeds, with a plain PyTorch-style loop:
 * XOR 100 %, two moons ≥ 97 %, Iris ≥ 95 % (mean over splits) and MNIST (8,000 / 2,000 seeded split, 784-128-10,
 * Adam) ≥ 94 % test accuracy. TensorFlow.js reaches about 94.5 % on such an MNIST split.
 */
import type { Tensor } from '@ad/core';
import { noGrad } from '@ad/reverse';
import {
  Adam,
  AdamW,
  DataLoader,
  Linear,
  Sequential,
  Standardizer,
  Tanh,
  bceWithLogits,
  crossEntropy,
  iris,
  moons,
  relu,
  trainTestSplit,
  xor,
  type Dataset,
  type Module,
} from '../src/index.js';
import { mnist } from '../src/node-only.js';

/** Fraction of rows whose arg-max class (or sign, for one output) matches the label. */
function accuracy(model: Module, ds: { x: Tensor; y: Tensor }): number {
  const out = noGrad(() => model.forward(ds.x)).primal;
  const y = ds.y.toFloat64Array();
  const predicted = out.shape[1] === 1 ? Array.from(out.toFloat64Array(), (z) => (z > 0 ? 1 : 0)) : Array.from(out.argmax(1).toFloat64Array());
  return predicted.filter((p, i) => p === y[i]).length / y.length;
}

/** The usual loop: zeroGrad, forward, loss, backward, step. */
function fit(
  model: Module,
  train: Dataset,
  options: { epochs: number; lr: number; batchSize: number; seed: number; binary?: boolean; weightDecay?: number },
): void {
  const optimizer =
    options.weightDecay === undefined
      ? new Adam(model.parameters(), { lr: options.lr })
      : new AdamW(model.parameters(), { lr: options.lr, weightDecay: options.weightDecay });
  const loader = new DataLoader(train, { batchSize: options.batchSize, shuffle: true, seed: options.seed });
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (const { x, y } of loader) {
      optimizer.zeroGrad();
      const logits = model.forward(x);
      const loss = options.binary ? bceWithLogits(logits, y.reshape([-1, 1])) : crossEntropy(logits, y);
      loss.backward();
      optimizer.step();
    }
  }
}

test('XOR: 100 %', () => {
  const { train, test } = trainTestSplit(xor({ n: 400, noise: 0.2, seed: 1 }), { test: 0.25, seed: 2 });
  const model = new Sequential([new Linear(2, 8, { seed: 3 }), new Tanh(), new Linear(8, 1, { seed: 4 })]);
  fit(model, train, { epochs: 60, lr: 0.02, batchSize: 32, seed: 5, binary: true });
  expect(accuracy(model, test)).toBe(1);
});

test('two moons: ≥ 97 %', () => {
  const { train, test } = trainTestSplit(moons({ n: 600, noise: 0.1, seed: 1 }), { test: 0.25, seed: 2 });
  const model = new Sequential([new Linear(2, 32, { seed: 3 }), relu, new Linear(32, 32, { seed: 4 }), relu, new Linear(32, 2, { seed: 5 })]);
  fit(model, train, { epochs: 80, lr: 0.01, batchSize: 32, seed: 6 });
  expect(accuracy(model, test)).toBeGreaterThanOrEqual(0.97);
});

test('Iris: ≥ 95 % mean test accuracy over eight seeded stratified splits', () => {
  // 45 test flowers make one split's accuracy move in steps of 2.2 %: measured per split it
  // ranges 91–100 % with this model, so the claim is about the mean, with every split ≥ 90 %.
  const accuracies = [0, 1, 2, 3, 4, 5, 6, 7].map((seed) => {
    const { train, test } = trainTestSplit(iris(), { test: 0.3, seed, stratify: true });
    const scaler = Standardizer.fit(train.x);
    const scaled = (d: Dataset): Dataset => ({ ...d, x: scaler.transform(d.x) });
    const model = new Sequential([new Linear(4, 16, { seed: 2 }), new Tanh(), new Linear(16, 3, { seed: 3 })]);
    fit(model, scaled(train), { epochs: 30, lr: 0.01, weightDecay: 0.1, batchSize: 16, seed: 4 });
    return accuracy(model, scaled(test));
  });
  expect(Math.min(...accuracies)).toBeGreaterThanOrEqual(0.9);
  expect(accuracies.reduce((a, b) => a + b, 0) / accuracies.length).toBeGreaterThanOrEqual(0.95);
});

test('MNIST 784-128-10 with Adam: ≥ 94 % on a seeded 8,000 / 2,000 split', () => {
  const { train, test } = trainTestSplit(mnist(), { test: 2000, seed: 0, stratify: true });
  expect([train.x.shape[0], test.x.shape[0]]).toEqual([8000, 2000]);
  const model = new Sequential([new Linear(784, 128, { seed: 1 }), relu, new Linear(128, 10, { seed: 2 })]);
  fit(model, train, { epochs: 8, lr: 3e-3, batchSize: 64, seed: 3 });
  const acc = accuracy(model, test);
  expect(acc).toBeGreaterThanOrEqual(0.94);
});
