/** The model summary: output shapes for an input shape and parameter counts, nested modules and plain functions included. */
import { tensor } from '@ad/core';
import { BatchNorm1d, Conv2d, Flatten, Linear, MaxPool2d, Module, Sequential, relu, summary, type Out, type TensorLike } from '../src/index.js';

class Block extends Module {
  conv = new Conv2d(2, 4, 3, { padding: 1, seed: 1 });
  pool = new MaxPool2d(2);

  forward<X extends TensorLike>(x: X): Out<X> {
    return this.pool.forward(this.conv.forward(x)) as unknown as Out<X>;
  }
}

test('each layer with its output shape and parameter count, in order and nested', () => {
  const model = new Sequential([new Block(), relu, new Flatten(), new Linear(4 * 3 * 3, 5, { seed: 2 }), new BatchNorm1d(5)]);
  const s = summary(model, [2, 2, 6, 7]);
  expect(s.rows.map((r) => [r.name, r.type, r.depth, r.outputShape, r.params])).toEqual([
    ['', 'Sequential', 0, [2, 5], 2 * 4 * 9 + 4 + 36 * 5 + 5 + 10],
    ['0', 'Block', 1, [2, 4, 3, 3], 76],
    ['0.conv', 'Conv2d', 2, [2, 4, 6, 7], 76],
    ['0.pool', 'MaxPool2d', 2, [2, 4, 3, 3], 0],
    ['1', 'relu', 1, [2, 4, 3, 3], 0],
    ['2', 'Flatten', 1, [2, 36], 0],
    ['3', 'Linear', 1, [2, 5], 185],
    ['4', 'BatchNorm1d', 1, [2, 5], 10],
  ]);
  expect(s.totalParams).toBe(271);
  expect(s.bufferValues).toBe(11);
  expect(s.text.split('\n')).toContain('Total params: 271');
  expect(s.text).toMatch(/ {4}0\.conv Conv2d +\[2, 4, 6, 7\] +76/);
  // The pass ran in eval mode and left the model as it was: training, running statistics unmoved, forwards unwrapped.
  expect(model.training).toBe(true);
  expect(model.stateDict()['4.num_batches_tracked'].item()).toBe(0);
  expect(Object.keys(model.layers[0])).not.toContain('forward');
  expect(model.layers[1]).toBe(relu);
  expect(() => summary(model, [2, 3, 6, 7])).toThrow(/^Conv2d: expects input \[N, 2, H, W\]/);
  expect(() => summary(model, [0, 2])).toThrow(/inputShape must be positive integers/);
  expect(model.layers[1]).toBe(relu);
  model.eval();
  expect(model.forward(tensor(new Array(2 * 2 * 6 * 7).fill(1)).reshape([2, 2, 6, 7])).value.shape).toEqual([2, 5]);
});
