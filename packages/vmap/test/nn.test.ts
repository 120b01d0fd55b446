/**
 * @ad/nn's layers and losses under vmap, each against the loop over examples: a CNN (Conv2d,
 * ReLU, MaxPool2d, Flatten, Linear, LayerNorm), Embedding with a padding row, the losses that
 * check their inputs' numbers (bce's probabilities, crossEntropy's labels — one label tensor per
 * example), and per-example gradients through them. What cannot be per example is refused by
 * name: BatchNorm1d updating its running statistics from a batch.
 */
import { DTypeError, type Tensor, ValueError, manualSeed, rand, randn, stack, tensor } from '@ad/core';
import { BatchNorm1d, Conv2d, Embedding, Flatten, LayerNorm, Linear, MaxPool2d, ReLU, Sequential, bce, crossEntropy } from '@ad/nn';
import { type TensorVar, grad } from '@ad/reverse';
import { vmap } from '../src/index.js';

function expectNear(got: Tensor, want: Tensor): void {
  expect(got.shape).toEqual(want.shape);
  const a = got.toFloat64Array();
  const b = want.toFloat64Array();
  a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(b[i]))));
}

/** f on each example (first axis) of every input, stacked. */
function loop(f: (...xs: Tensor[]) => Tensor, ...inputs: Tensor[]): Tensor {
  return stack(Array.from({ length: inputs[0].shape[0] }, (_, b) => f(...inputs.map((x) => x.slice(b)))));
}

test('a CNN (Conv2d, ReLU, MaxPool2d, Flatten, Linear, LayerNorm) over a batch equals the loop', () => {
  manualSeed(4);
  const net = new Sequential([new Conv2d(1, 2, 3), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(18, 4), new LayerNorm(4)]);
  const images = randn([5, 1, 1, 8, 8]); // 5 examples, each a batch of one 8×8 image
  const forward = (x: Tensor) => net.forward(x) as unknown as Tensor;
  expectNear(vmap(forward)(images), loop(forward, images));
});

test('per-example gradients through the CNN equal the loop of grad', () => {
  manualSeed(5);
  const conv = new Conv2d(1, 2, 3);
  const images = randn([3, 1, 1, 6, 6]);
  const loss = (w: TensorVar, x: Tensor) => (conv.forward(x) as unknown as TensorVar).mul(w.sum()).square().mean();
  const w = randn([2]);
  const perExample = vmap(grad(loss), { inAxes: [null, 0] })(w, images) as Tensor;
  expectNear(
    perExample,
    loop((x) => grad(loss)(w, x) as Tensor, images),
  );
});

test('Embedding: each example reads its own rows; the padding row reads zero', () => {
  manualSeed(6);
  const emb = new Embedding(5, 3, { paddingIdx: 0 });
  const ids = tensor([
    [1, 0, 4],
    [2, 2, 3],
  ]);
  const lookup = (i: Tensor) => emb.forward(i) as unknown as Tensor;
  expectNear(vmap(lookup)(ids), loop(lookup, ids));
  expect(() => vmap(lookup)(tensor([[1, 7]]))).toThrow(/^Embedding: index 7 \(at position 1\) is out of range for 5 embeddings/);
});

test('bce and crossEntropy per example: their checks read every example, their values equal the loop', () => {
  manualSeed(7);
  const p = rand([4, 3]);
  const t = rand([4, 3]);
  const perBce = (a: Tensor, b: Tensor) => bce(a, b) as Tensor;
  expectNear(vmap(perBce)(p, t), loop(perBce, p, t));
  expect(() => vmap(perBce)(p.mul(3), t)).toThrow(ValueError);

  const logits = randn([4, 2, 3]);
  const labels = tensor([
    [0, 2],
    [1, 1],
    [2, 0],
    [1, 2],
  ]);
  const perCe = (z: Tensor, y: Tensor) => crossEntropy(z, y) as Tensor;
  expectNear(vmap(perCe)(logits, labels), loop(perCe, logits, labels));
  expect(() => vmap(perCe)(logits, labels.add(1))).toThrow(/^crossEntropy: label \d+ is 3; labels must be class indices in 0…2/);
});

test('BatchNorm1d: evaluation mode batches; updating running statistics from a batch is refused by name', () => {
  manualSeed(8);
  const bn = new BatchNorm1d(3);
  const xs = randn([4, 2, 3]);
  const forward = (x: Tensor) => bn.forward(x) as unknown as Tensor;
  expect(() => vmap(forward)(xs)).toThrow(DTypeError);
  expect(() => vmap(forward)(xs)).toThrow(/^BatchNorm1d: cannot update its running statistics from a batched value/);
  bn.eval();
  expectNear(vmap(forward)(xs), loop(forward, xs));
});
