/**
 * Guide 7: building and training MLPs — the README's example on a batch of MNIST digits, a full
 * training run on two moons, and a short run on a subset of MNIST.
 */
import type { Tensor } from '@ad/core';
import { noGrad } from '@ad/reverse';
import {
  Adam,
  DataLoader,
  Linear,
  SGD,
  Sequential,
  bce,
  compileStep,
  crossEntropy,
  moons,
  oneHot,
  relu,
  softmax,
  trainTestSplit,
  type Dataset,
  type Module,
} from '@ad/nn';
import { mnist } from '@ad/nn/node';

// #region accuracy
/** The fraction of rows whose highest-scoring class is the label (evaluation records nothing). */
export function accuracy(model: Module, data: Dataset): number {
  const scores = noGrad(() => model.forward(data.x)).primal; // [n, classes]
  const predicted = scores.argmax(1).toFloat64Array();
  const labels = data.y.toFloat64Array();
  return predicted.filter((c, i) => c === labels[i]).length / labels.length;
}
// #endregion accuracy

// #region mission
/** The README's example, on 64 MNIST digits: three steps of forward, backward, update. */
export function missionExample(): { losses: number[]; parameters: number } {
  const batch = mnist({ limit: 64 }); // 64 digits, balanced over the classes
  const images: Tensor = batch.x; // [64, 784], pixels in [0, 1]
  const oneHotLabels = oneHot(batch.y, 10); // [64, 10], a 1 in each digit's column

  const model = new Sequential([new Linear(784, 128, { seed: 0 }), relu, new Linear(128, 10, { seed: 1 })]);
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  const losses: number[] = [];
  for (let step = 0; step < 3; step++) {
    optimizer.zeroGrad(); // gradients add up across backward passes: clear them first
    const loss = bce(softmax(model.forward(images)), oneHotLabels); // a scalar
    loss.backward(); // ∂loss/∂θ for all 101,770 parameters, in one backward pass
    optimizer.step(); // θ ← θ − Adam's step
    losses.push(loss.item());
  }
  return { losses, parameters: model.parameterCount() };
}
// #endregion mission

// #region moons
/** A 2-16-16-2 ReLU network on two moons: softmax, binary cross-entropy, Adam, 40 epochs. */
export function trainMoons(): { firstLoss: number; lastLoss: number; testAccuracy: number } {
  const data = moons({ n: 400, noise: 0.1, seed: 0 }); // x [400, 2], y [400]: two half circles
  const { train, test } = trainTestSplit(data, { test: 100, seed: 0, stratify: true });
  const model = new Sequential([new Linear(2, 16, { seed: 1 }), relu, new Linear(16, 16, { seed: 2 }), relu, new Linear(16, 2, { seed: 3 })]);
  const optimizer = new Adam(model.parameters(), { lr: 0.01 });
  const loader = new DataLoader(train, { batchSize: 32, shuffle: true, seed: 4 });

  const epochLosses: number[] = [];
  for (let epoch = 0; epoch < 40; epoch++) {
    let total = 0;
    for (const { x, y } of loader) {
      optimizer.zeroGrad();
      const loss = bce(softmax(model.forward(x)), oneHot(y, 2)); // [32, 2] probabilities vs one-hot
      loss.backward();
      optimizer.step();
      total += loss.item();
    }
    epochLosses.push(total / loader.length);
  }
  return { firstLoss: epochLosses[0], lastLoss: epochLosses[epochLosses.length - 1], testAccuracy: accuracy(model, test) };
}
// #endregion moons

// #region sgd
/** The same network and data with plain SGD and momentum instead of Adam. */
export function trainMoonsWithSGD(): { lastLoss: number; testAccuracy: number } {
  const data = moons({ n: 400, noise: 0.1, seed: 0 });
  const { train, test } = trainTestSplit(data, { test: 100, seed: 0, stratify: true });
  const model = new Sequential([new Linear(2, 16, { seed: 1 }), relu, new Linear(16, 16, { seed: 2 }), relu, new Linear(16, 2, { seed: 3 })]);
  const optimizer = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  const loader = new DataLoader(train, { batchSize: 32, shuffle: true, seed: 4 });
  let lastLoss = 0;
  for (let epoch = 0; epoch < 40; epoch++) {
    let total = 0;
    for (const { x, y } of loader) {
      optimizer.zeroGrad();
      const loss = bce(softmax(model.forward(x)), oneHot(y, 2));
      loss.backward();
      optimizer.step();
      total += loss.item();
    }
    lastLoss = total / loader.length;
  }
  return { lastLoss, testAccuracy: accuracy(model, test) };
}
// #endregion sgd

// #region compiled
/**
 * The same network and data trained by a compiled step: `compileStep` traces the loss, its
 * gradient and Adam's update once per batch shape and replays the program, allocating nothing
 * per step. `eager: true` runs the loop it replaces, for comparison.
 */
export function trainMoonsCompiled({ eager = false } = {}): { epochLosses: number[]; testAccuracy: number; traces: number } {
  const data = moons({ n: 400, noise: 0.1, seed: 0 });
  const { train, test } = trainTestSplit(data, { test: 100, seed: 0, stratify: true });
  const model = new Sequential([new Linear(2, 16, { seed: 1 }), relu, new Linear(16, 16, { seed: 2 }), relu, new Linear(16, 2, { seed: 3 })]);
  const optimizer = new Adam(model.parameters(), { lr: 0.01 });
  const loader = new DataLoader(train, { batchSize: 32, shuffle: true, seed: 4 });
  const step = compileStep(model, crossEntropy, optimizer); // (x, y) => loss, one update per call

  const epochLosses: number[] = [];
  for (let epoch = 0; epoch < 40; epoch++) {
    let total = 0;
    for (const { x, y } of loader) {
      if (eager) {
        const loss = crossEntropy(model.forward(x), y);
        loss.backward();
        optimizer.step();
        optimizer.zeroGrad();
        total += loss.item();
      } else total += step(x, y);
    }
    epochLosses.push(total / loader.length);
  }
  return { epochLosses, testAccuracy: accuracy(model, test), traces: step.traces };
}
// #endregion compiled

// #region mnist-subset
/** MNIST in brief: 2,000 digits (1,500 to train, 500 to test), 784-64-10, Adam, 5 epochs. */
export function trainMnistSubset(): { trainRows: number; testRows: number; testAccuracy: number } {
  const data = mnist({ limit: 2000 });
  const { train, test } = trainTestSplit(data, { test: 500, seed: 0, stratify: true });
  const model = new Sequential([new Linear(784, 64, { seed: 1 }), relu, new Linear(64, 10, { seed: 2 })]);
  const optimizer = new Adam(model.parameters(), { lr: 3e-3 });
  const loader = new DataLoader(train, { batchSize: 64, shuffle: true, seed: 3 });
  for (let epoch = 0; epoch < 5; epoch++) {
    for (const { x, y } of loader) {
      optimizer.zeroGrad();
      crossEntropy(model.forward(x), y).backward(); // softmax and log-likelihood in one stable op
      optimizer.step();
    }
  }
  return { trainRows: train.x.shape[0], testRows: test.x.shape[0], testAccuracy: accuracy(model, test) };
}
// #endregion mnist-subset
