/**
 * `ad train`'s epoch loop runs compiled (compileStep) and must give the eager loop's numbers bit
 * for bit, dropout (one generator shared by the layers, as the CLI builds them) included; a loss
 * that does not compile (binary cross-entropy against one-hot targets) trains eagerly.
 */
import { Generator, randn, tensor, type Tensor } from '@ad/core';
import { Adam, DataLoader, Dropout, Linear, Sequential, primalOf, relu, type Module } from '@ad/nn';
import { lossOf, trainEpoch, type LossName } from '../src/training.js';

const data = { x: randn([96, 4], { seed: 1 }), y: tensor(Array.from({ length: 96 }, (_, i) => i % 3)) };
const model = () => {
  const generator = new Generator(5);
  return new Sequential([new Linear(4, 32, { seed: 2 }), relu, new Dropout(0.2, { generator }), new Linear(32, 3, { seed: 3 })]);
};

function eagerEpoch(m: Module, optimizer: Adam, loader: DataLoader, loss: LossName): number {
  m.train();
  let total = 0;
  for (const { x, y } of loader) {
    optimizer.zeroGrad();
    const l = lossOf(loss, m.forward(x), y, 3);
    (l as { backward(): unknown }).backward();
    optimizer.step();
    total += (primalOf(l) as Tensor).item() * x.shape[0];
  }
  return total / 96;
}

test.each(['ce', 'bce'] as const)('%s: three epochs give the eager loop’s losses and weights bit for bit', (loss) => {
  const a = model();
  const b = model();
  const optA = new Adam(a.parameters(), { lr: 1e-2 });
  const optB = new Adam(b.parameters(), { lr: 1e-2 });
  const loaderA = new DataLoader(data, { batchSize: 20, shuffle: true, seed: 4 });
  const loaderB = new DataLoader(data, { batchSize: 20, shuffle: true, seed: 4 });
  for (let epoch = 0; epoch < 3; epoch++) expect(trainEpoch(a, optA, loaderA, loss, 3)).toBe(eagerEpoch(b, optB, loaderB, loss));
  expect(a.parameters().map((p) => Array.from(p.data))).toEqual(b.parameters().map((p) => Array.from(p.data)));
});
