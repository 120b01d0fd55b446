/**
 * Determinism across the two ways of training: `ad train` twice with one seed gives
 * bit-identical weights, and so does the plain library loop written out by hand with the same
 * seeds (the CLI seeds each Linear with seed·1000 + i + 1 and its loader with seed·1000 + 900).
 */
import { join } from 'node:path';
import { Generator } from '@ad/core';
import { Adam, DataLoader, Linear, Sequential, Tanh, bceWithLogits, trainTestSplit, xor } from '@ad/nn';
import { load } from '@ad/nn/node';
import { ad, ensureBuilt, scratch } from './run.js';

beforeAll(() => ensureBuilt());

test('ad train twice and the library loop give bit-identical weights', async () => {
  const dir = scratch();
  const args = ['train', '--data', 'xor', '--epochs', '3', '--seed', '7'];
  const a = await ad([...args, '--out', join(dir, 'a.json'), '--plot', join(dir, 'a.svg')], dir);
  const b = await ad([...args, '--out', join(dir, 'b.json'), '--plot', join(dir, 'b.svg')], dir);
  expect([a.code, b.code]).toEqual([0, 0]);
  const wa = load(join(dir, 'a.json')).model;
  const wb = load(join(dir, 'b.json')).model;

  const seed = 7;
  const { train } = trainTestSplit(xor({ n: 400, noise: 0.2, seed }), { test: 0.25, seed, stratify: true });
  const model = new Sequential([new Linear(2, 8, { seed: seed * 1000 + 1 }), new Tanh(), new Linear(8, 1, { seed: seed * 1000 + 2 })]);
  const optimizer = new Adam(model.parameters(), { lr: 0.02 });
  const loader = new DataLoader(train, { batchSize: 32, shuffle: true, generator: new Generator(seed * 1000 + 900) });
  for (let epoch = 0; epoch < 3; epoch++) {
    for (const { x, y } of loader) {
      optimizer.zeroGrad();
      bceWithLogits(model.forward(x), y.reshape([-1, 1])).backward();
      optimizer.step();
    }
  }
  const library = model.stateDict();

  for (const key of Object.keys(library)) {
    expect(Array.from(wa[key].toFloat64Array())).toEqual(Array.from(wb[key].toFloat64Array()));
    expect(Array.from(wa[key].toFloat64Array())).toEqual(Array.from(library[key].toFloat64Array()));
  }
});
