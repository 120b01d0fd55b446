/** The mission's example, verbatim, and the two ways to step an optimizer. */
import { Tensor, tensor } from '@ad/core';
import { Linear, SGD, Sequential, bce, relu, softmax } from '../src/index.js';

test('the mission example runs as written', () => {
  const inSize = 4;
  const hiddenSize = 8;
  const outSize = 3;
  const feature = tensor([
    [0.5, -1, 2, 0.1],
    [1, 0, -0.5, 0.3],
  ]);
  const label = tensor([
    [1, 0, 0],
    [0, 0, 1],
  ]);

  const model = new Sequential([new Linear(inSize, hiddenSize), relu, new Linear(hiddenSize, outSize)]);
  const optimizer = new SGD(model.parameters(), { lr: 0.1 });
  const before = (() => {
    const logPosterior = model.forward(feature);
    const posterior = softmax(logPosterior);
    return bce(posterior, label).item();
  })();

  const logPosterior = model.forward(feature);
  const posterior = softmax(logPosterior);
  const loss = bce(posterior, label);
  const gradients = loss.backward(); // also fills .grad on every parameter
  optimizer.step(); // or: optimizer.step(gradients)

  expect(gradients.size).toBe(4);
  for (const p of model.parameters()) {
    expect(p.grad).toBeInstanceOf(Tensor);
    expect((gradients.get(p) as Tensor).toArray()).toEqual((p.grad as Tensor).toArray());
  }
  const after = bce(softmax(model.forward(feature)), label).item();
  expect(after).toBeLessThan(before);
});

test('optimizer.step(gradients) uses the gradients a backward returned', () => {
  const make = () => new Sequential([new Linear(2, 3, { seed: 1 }), relu, new Linear(3, 1, { seed: 2 })]);
  const a = make();
  const b = make();
  const x = tensor([
    [1, 2],
    [-1, 0.5],
  ]);
  const oa = new SGD(a.parameters(), { lr: 0.05 });
  const ob = new SGD(b.parameters(), { lr: 0.05 });
  a.forward(x).square().mean().backward();
  oa.step();
  ob.step(b.forward(x).square().mean().backward());
  expect(a.stateDict()['0.weight'].toArray()).toEqual(b.stateDict()['0.weight'].toArray());
  expect(Object.keys(a.stateDict())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
});

test('a module shared in two places counts its parameters once (tied weights)', () => {
  const shared = new Linear(2, 2, { seed: 1 });
  const model = new Sequential([shared, shared]);
  expect(model.namedParameters().map(([k]) => k)).toEqual(['0.weight', '0.bias']);
});
