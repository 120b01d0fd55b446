/**
 * Bad input to @ad/nn's public functions: a typed error naming the function and what was wrong,
 * or a documented result. The outcomes are docs/errors.md's @ad/nn section.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randn, tensor, zeros, type Tensor } from '@ad/core';
import {
  Adam,
  AvgPool2d,
  BatchNorm1d,
  Conv2d,
  DataLoader,
  Dropout,
  Embedding,
  ExponentialLR,
  Flatten,
  LayerNorm,
  Linear,
  MaxPool2d,
  OneCycleLR,
  Parameter,
  ReLU,
  ReduceLROnPlateau,
  StepLR,
  SGD,
  Sequential,
  Standardizer,
  bce,
  bceWithLogits,
  clipGradNorm,
  compileStep,
  conv2d,
  crossEntropy,
  maxPool2d,
  moons,
  mse,
  oneHot,
  relu,
  softmax,
  spirals,
  trainTestSplit,
  withParameters,
  xor,
} from '../src/index.js';
import { load, restore } from '../src/node-only.js';
import { catalogue, type BadCase } from '@ad/test-support/bad-input-catalogue';

const js = <T>(v: unknown) => v as T;
const E = (error: string, name?: string) => ({ error, name });
const finite = { finite: true as const };
const propagates = { propagates: true as const };
const dir = mkdtempSync(join(tmpdir(), 'ad-bad-'));
/** Writes `text` to a file of `dir` and returns its path. */
const written = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const net = () => new Sequential([new Linear(3, 4, { seed: 1 }), relu, new Linear(4, 2, { seed: 2 })]);
const data = () => ({ x: zeros([4, 2]), y: tensor([0, 1, 0, 1]) });
const image = () => randn([1, 1, 3, 3], { seed: 1 });
const sgd = () => new SGD([new Parameter(tensor([1, 2]))], { lr: 1 });
/** A parameter whose gradient is `grad`. */
const withGrad = (grad: number[]) => {
  const p = new Parameter(tensor(grad.map(() => 0)));
  p.grad = tensor(grad);
  return p;
};

const cases: BadCase[] = [
  { fn: 'Linear', input: 'inFeatures 0', call: () => new Linear(0, 2), expect: E('ValueError') },
  { fn: 'Linear', input: 'inFeatures 2.5', call: () => new Linear(2.5, 2), expect: E('ValueError') },
  { fn: 'Linear', input: "inFeatures '3' (a string)", call: () => new Linear(js('3'), 2), expect: E('ValueError') },
  { fn: 'Linear', input: 'outFeatures NaN', call: () => new Linear(2, NaN), expect: E('ValueError') },
  { fn: 'Linear', input: 'an input with 5 features for 3', call: () => new Linear(3, 2).forward(zeros([4, 5])), expect: E('ValueError') },
  { fn: 'Linear', input: 'NaN in the input', call: () => new Linear(2, 1, { seed: 1 }).forward(tensor([[NaN, 1]])), expect: propagates },
  { fn: 'Sequential', input: 'a layer that is a number', call: () => new Sequential(js([new Linear(2, 2), 3])), expect: E('ValueError') },
  { fn: 'Dropout', input: 'p = 1', call: () => new Dropout(1), expect: E('ValueError') },
  { fn: 'Dropout', input: 'p = NaN', call: () => new Dropout(NaN), expect: E('ValueError') },
  { fn: 'loadStateDict', input: 'a missing key', call: () => net().loadStateDict({ '0.weight': zeros([4, 3]) }), expect: E('ValueError') },
  {
    fn: 'loadStateDict',
    input: 'a plain array for a tensor',
    call: () => {
      const m = net();
      const s = m.stateDict();
      return m.loadStateDict({ ...s, '0.bias': js([1, 2, 3, 4]) });
    },
    expect: E('ValueError'),
  },
  {
    fn: 'loadStateDict',
    input: 'a tensor of another shape',
    call: () => {
      const m = net();
      return m.loadStateDict({ ...m.stateDict(), '2.bias': zeros([3]) });
    },
    expect: E('ShapeError'),
  },
  { fn: 'SGD', input: 'lr −1', call: () => new SGD(net().parameters(), { lr: -1 }), expect: E('ValueError') },
  { fn: 'SGD', input: 'lr NaN', call: () => new SGD(net().parameters(), { lr: NaN }), expect: E('ValueError') },
  { fn: 'SGD', input: 'params that are numbers', call: () => new SGD(js([1, 2])), expect: E('DTypeError') },
  { fn: 'SGD', input: 'Nesterov without momentum', call: () => new SGD(net().parameters(), { nesterov: true }), expect: E('ValueError') },
  { fn: 'Adam', input: 'betas [1, 0.999]', call: () => new Adam(net().parameters(), { betas: [1, 0.999] }), expect: E('ValueError') },
  { fn: 'Adam', input: 'betas [NaN, 0.999]', call: () => new Adam(net().parameters(), { betas: [NaN, 0.999] }), expect: E('ValueError') },
  { fn: 'Adam', input: 'eps −1', call: () => new Adam(net().parameters(), { eps: -1 }), expect: E('ValueError') },
  {
    fn: 'compileStep',
    input: 'a model that is a function',
    call: () =>
      compileStep(
        js(() => 0),
        crossEntropy,
        new Adam(net().parameters()),
      ),
    expect: E('DTypeError'),
  },
  { fn: 'compileStep', input: 'a loss that is a string', call: () => compileStep(net(), js('mse'), new Adam(net().parameters())), expect: E('DTypeError') },
  {
    fn: 'compileStep',
    input: 'an optimizer of another model',
    call: () => compileStep(net(), crossEntropy, new Adam(net().parameters())),
    expect: E('ValueError'),
  },
  {
    fn: 'compileStep',
    input: 'a step of a model in training mode with BatchNorm1d',
    call: () => {
      const m = new Sequential([new Linear(2, 4, { seed: 1 }), new BatchNorm1d(4), new Linear(4, 2, { seed: 2 })]);
      return compileStep(m, crossEntropy, new Adam(m.parameters()))(zeros([4, 2]), tensor([0, 1, 0, 1]));
    },
    expect: E('ValueError'),
  },
  {
    fn: 'compileStep',
    input: 'a step with label 2 for 2 classes',
    call: () => {
      const m = new Sequential([new Linear(2, 4, { seed: 1 }), relu, new Linear(4, 2, { seed: 2 })]);
      return compileStep(m, crossEntropy, new Adam(m.parameters()))(zeros([4, 2]), tensor([0, 1, 2, 1]));
    },
    expect: E('ValueError'),
  },
  {
    fn: 'compileStep',
    input: 'a step on inputs of 3 features for 2',
    call: () => {
      const m = new Sequential([new Linear(2, 4, { seed: 1 }), relu, new Linear(4, 2, { seed: 2 })]);
      return compileStep(m, crossEntropy, new Adam(m.parameters()))(zeros([4, 3]), tensor([0, 1, 0, 1]));
    },
    expect: E('ValueError'),
  },
  { fn: 'bce', input: 'a probability 1.5', call: () => bce(tensor([1.5]), tensor([1])), expect: E('ValueError') },
  { fn: 'bce', input: 'a NaN probability', call: () => bce(tensor([NaN]), tensor([1])), expect: E('ValueError') },
  { fn: 'bce', input: 'shapes [2] and [3]', call: () => bce(tensor([0.5, 0.5]), tensor([1, 0, 1])), expect: E('ShapeError') },
  { fn: 'bce', input: 'p = 0 and 1, the wrong way round (clamped, as PyTorch)', call: () => bce(tensor([0, 1]), tensor([1, 0])), expect: finite },
  { fn: 'bceWithLogits', input: 'logits ±1000 (finite: the stable form)', call: () => bceWithLogits(tensor([1000, -1000]), tensor([0, 1])), expect: finite },
  { fn: 'bceWithLogits', input: 'an ∞ logit', call: () => bceWithLogits(tensor([Infinity]), tensor([1])), expect: propagates },
  { fn: 'crossEntropy', input: 'logits of rank 1', call: () => crossEntropy(tensor([1, 2]), [0]), expect: E('ShapeError') },
  { fn: 'crossEntropy', input: 'label 3 for 2 classes', call: () => crossEntropy(zeros([1, 2]), [3]), expect: E('ValueError') },
  { fn: 'crossEntropy', input: 'label 0.5', call: () => crossEntropy(zeros([1, 2]), [0.5]), expect: E('ValueError') },
  { fn: 'crossEntropy', input: 'label NaN', call: () => crossEntropy(zeros([1, 2]), [NaN]), expect: E('ValueError') },
  { fn: 'crossEntropy', input: '2 rows of logits, 1 label', call: () => crossEntropy(zeros([2, 2]), [0]), expect: E('ShapeError') },
  { fn: 'crossEntropy', input: 'logits [1000, −1000] (finite: fused logSoftmax)', call: () => crossEntropy(tensor([[1000, -1000]]), [1]), expect: finite },
  { fn: 'mse', input: "reduction 'avg'", call: () => mse(tensor([1]), tensor([1]), { reduction: js('avg') }), expect: E('ValueError') },
  { fn: 'mse', input: 'shapes [1] and [2]', call: () => mse(tensor([1]), tensor([1, 2])), expect: E('ShapeError') },
  { fn: 'softmax', input: 'axis 3 of a rank-1 tensor', call: () => softmax(tensor([1, 2]), 3), expect: E('ShapeError') },
  { fn: 'load', input: 'a missing file', call: () => load(join(dir, 'missing.json')), expect: E('CheckpointError') },
  { fn: 'load', input: 'a directory', call: () => load(dir), expect: E('CheckpointError') },
  { fn: 'load', input: "a file holding 'null'", call: () => load(written('null.json', 'null')), expect: E('CheckpointError') },
  { fn: 'load', input: 'an empty file', call: () => load(written('empty.json', '')), expect: E('CheckpointError') },
  {
    fn: 'restore',
    input: 'a truncated file',
    call: () => restore(written('cut.json', '{"format":"@ad/nn checkpoint","vers'), net()),
    expect: E('CheckpointError'),
  },
  { fn: 'DataLoader', input: 'batchSize 0', call: () => new DataLoader(data(), { batchSize: 0 }), expect: E('ValueError') },
  { fn: 'DataLoader', input: 'no options', call: () => new DataLoader(data(), js(undefined)), expect: E('ValueError') },
  {
    fn: 'DataLoader',
    input: 'x of 4 rows, y of 3',
    call: () => new DataLoader({ x: zeros([4, 2]), y: zeros([3]) }, { batchSize: 2 }),
    expect: E('ShapeError'),
  },
  { fn: 'DataLoader', input: 'a number instead of a data set', call: () => new DataLoader(js(3), { batchSize: 2 }), expect: E('ValueError') },
  { fn: 'moons', input: 'n = −1', call: () => moons({ n: -1 }), expect: E('ValueError') },
  { fn: 'moons', input: 'noise NaN', call: () => moons({ noise: NaN }), expect: E('ValueError') },
  { fn: 'xor', input: "n = 'a'", call: () => xor({ n: js('a') }), expect: E('ValueError') },
  { fn: 'xor', input: 'n = 1e12', call: () => xor({ n: 1e12 }), expect: E('ValueError') },
  { fn: 'SGD', input: 'params undefined', call: () => new SGD(js(undefined), { lr: 0.1 }), expect: E('DTypeError') },
  { fn: 'SGD', input: 'an empty parameter list', call: () => new SGD([], { lr: 0.1 }), expect: E('ValueError') },
  { fn: 'SGD', input: "nesterov 'yes'", call: () => new SGD(net().parameters(), { lr: 0.1, momentum: 0.9, nesterov: js('yes') }), expect: E('DTypeError') },
  { fn: 'SGD', input: "lr '0.1' (a string)", call: () => new SGD(net().parameters(), { lr: js('0.1') }), expect: E('DTypeError') },
  {
    fn: 'SGD',
    input: 'the same parameter twice',
    call: () => {
      const p = net().parameters();
      return new SGD([p[0], p[0]]);
    },
    expect: E('ValueError'),
  },
  { fn: 'Adam', input: 'options null', call: () => new Adam(net().parameters(), js(null)), expect: E('DTypeError') },
  { fn: 'Adam', input: "amsgrad 'no'", call: () => new Adam(net().parameters(), { amsgrad: js('no') }), expect: E('DTypeError') },
  { fn: 'Adam', input: 'betas 0.9 (not a pair)', call: () => new Adam(net().parameters(), { betas: js(0.9) }), expect: E('DTypeError') },
  {
    fn: 'Adam.loadStateDict',
    input: "step 'x'",
    call: () => {
      const o = new Adam(net().parameters());
      return o.loadStateDict({ ...o.stateDict(), step: js('x') });
    },
    expect: E('ValueError'),
  },
  {
    fn: 'Adam.loadStateDict',
    input: 'a buffer of the wrong length (would give NaN weights)',
    call: () => {
      const o = new Adam(net().parameters());
      const st = o.stateDict();
      return o.loadStateDict({ ...st, buffers: st.buffers.map((b) => ({ ...b, m: [1] })) });
    },
    expect: E('ValueError'),
  },
  {
    fn: 'SGD.loadStateDict',
    input: 'a NaN in a momentum buffer',
    call: () => {
      const o = new SGD(net().parameters(), { momentum: 0.9 });
      const st = o.stateDict();
      return o.loadStateDict({ ...st, buffers: st.buffers.map((b) => ({ ...b, momentum: [NaN] })) });
    },
    expect: E('ValueError'),
  },
  { fn: 'loadStateDict', input: 'null', call: () => net().loadStateDict(js(null)), expect: E('DTypeError') },
  { fn: 'loadStateDict', input: "strict 'no'", call: () => net().loadStateDict(net().stateDict(), { strict: js('no') }), expect: E('DTypeError') },
  { fn: 'Sequential', input: "'abc'", call: () => new Sequential(js('abc')), expect: E('DTypeError') },
  { fn: 'Sequential', input: "forward('x')", call: () => net().forward(js<Tensor>('x')), expect: E('DTypeError') },
  { fn: 'Dropout', input: "p '0.5' (a string)", call: () => new Dropout(js('0.5')), expect: E('DTypeError') },
  { fn: 'Linear', input: "bias 'no'", call: () => new Linear(2, 3, { bias: js('no') }), expect: E('DTypeError') },
  { fn: 'Linear', input: 'forward of a plain array', call: () => new Linear(2, 3).forward(js<Tensor>([1, 2])), expect: E('DTypeError') },
  { fn: 'withParameters', input: 'values null', call: () => withParameters(net(), js(null), () => 1), expect: E('DTypeError') },
  { fn: 'withParameters', input: 'fn 3', call: () => withParameters(net(), {}, js(3)), expect: E('DTypeError') },
  { fn: 'trainTestSplit', input: 'test fraction 1.5', call: () => trainTestSplit(moons({ n: 10, seed: 1 }), { test: 1.5 }), expect: E('ValueError') },
  { fn: 'oneHot', input: 'label 2 for 2 classes', call: () => oneHot(tensor([0, 2]), 2), expect: E('ValueError') },
  { fn: 'oneHot', input: 'label NaN', call: () => oneHot(tensor([NaN]), 2), expect: E('ValueError') },
  {
    fn: 'Standardizer',
    input: 'a constant column (std 0: left unscaled)',
    call: () =>
      Standardizer.fit(
        tensor([
          [1, 2],
          [1, 3],
        ]),
      ).transform(tensor([[1, 2]])),
    expect: finite,
  },
  // Issue 23: layers, losses, clipping, optimizers and schedulers at their edges.
  { fn: 'Conv2d', input: 'a 5×5 kernel on a 3×3 image', call: () => new Conv2d(1, 1, 5).forward(image()), expect: E('ShapeError') },
  { fn: 'Conv2d', input: 'a 3×3 kernel dilated 2 on a 3×3 image', call: () => new Conv2d(1, 1, 3, { dilation: 2 }).forward(image()), expect: E('ShapeError') },
  { fn: 'conv2d', input: 'a 4×4 weight on a 3×3 image', call: () => conv2d(image(), zeros([1, 1, 4, 4])), expect: E('ShapeError') },
  { fn: 'conv2d', input: 'options null', call: () => conv2d(image(), zeros([1, 1, 2, 2]), null, js(null)), expect: E('DTypeError') },
  { fn: 'conv2d', input: 'a plain array as the weight', call: () => conv2d(image(), js([[[[1]]]])), expect: E('DTypeError') },
  { fn: 'conv2d', input: 'a bias of 2 for 1 channel', call: () => conv2d(image(), zeros([1, 1, 2, 2]), zeros([2])), expect: E('ShapeError') },
  { fn: 'Conv2d', input: "bias 'no'", call: () => new Conv2d(1, 1, 2, { bias: js('no') }), expect: E('DTypeError') },
  { fn: 'Conv2d', input: 'forward of a nested plain array', call: () => new Conv2d(1, 1, 1).forward(js<Tensor>([[[[1]]]])), expect: E('DTypeError') },
  { fn: 'MaxPool2d', input: 'a 5×5 window on a 3×3 image', call: () => new MaxPool2d(5).forward(image()), expect: E('ShapeError') },
  { fn: 'AvgPool2d', input: 'a 5×5 window on a 3×3 image', call: () => new AvgPool2d(5).forward(image()), expect: E('ShapeError') },
  {
    fn: 'AvgPool2d',
    input: 'a 4×4 window padded 1 on a 1×1 image',
    call: () => new AvgPool2d(4, { padding: 1 }).forward(zeros([1, 1, 1, 1])),
    expect: E('ShapeError'),
  },
  { fn: 'maxPool2d', input: 'a string as the image', call: () => maxPool2d(js<Tensor>('img'), { kernelSize: 2 }), expect: E('DTypeError') },
  { fn: 'Linear', input: 'forward of a string', call: () => new Linear(2, 3).forward(js<Tensor>('ab')), expect: E('DTypeError') },
  { fn: 'ReLU', input: 'forward of a nested plain array', call: () => new ReLU().forward(js<Tensor>([[1, -1]])), expect: E('DTypeError') },
  { fn: 'LayerNorm', input: 'forward of a nested plain array', call: () => new LayerNorm(2).forward(js<Tensor>([[1, 2]])), expect: E('DTypeError') },
  { fn: 'BatchNorm1d', input: 'forward of a nested plain array', call: () => new BatchNorm1d(2).forward(js<Tensor>([[1, 2]])), expect: E('DTypeError') },
  { fn: 'Flatten', input: 'forward of a string', call: () => new Flatten().forward(js<Tensor>('x')), expect: E('DTypeError') },
  { fn: 'Flatten', input: 'startDim 1.5', call: () => new Flatten(1.5), expect: E('ValueError') },
  { fn: 'Flatten', input: "endDim '2' (a string)", call: () => new Flatten(1, js('2')), expect: E('DTypeError') },
  { fn: 'Embedding', input: 'indices as a plain array', call: () => new Embedding(3, 2).forward(js<Tensor>([0, 1])), expect: E('DTypeError') },
  { fn: 'Embedding', input: 'indices as a number', call: () => new Embedding(3, 2).forward(js<Tensor>(1)), expect: E('DTypeError') },
  { fn: 'clipGradNorm', input: 'parameters null', call: () => clipGradNorm(js(null), 1), expect: E('DTypeError') },
  { fn: 'clipGradNorm', input: 'parameters [3]', call: () => clipGradNorm(js([3]), 1), expect: E('DTypeError') },
  { fn: 'clipGradNorm', input: 'normType 1e-300 (the norm overflows)', call: () => clipGradNorm([withGrad([3, 4])], 1, 1e-300), expect: E('ValueError') },
  {
    fn: 'clipGradNorm',
    input: 'a NaN gradient, errorIfNonfinite true',
    call: () => clipGradNorm([withGrad([NaN, 1])], 1, 2, { errorIfNonfinite: true }),
    expect: E('ValueError'),
  },
  {
    fn: 'clipGradNorm',
    input: "errorIfNonfinite 'yes'",
    call: () => clipGradNorm([withGrad([1])], 1, 2, { errorIfNonfinite: js('yes') }),
    expect: E('DTypeError'),
  },
  { fn: 'clipGradNorm', input: 'a NaN gradient (default: returned, as PyTorch)', call: () => clipGradNorm([withGrad([NaN, 1])], 1), expect: propagates },
  { fn: 'BatchNorm1d', input: 'eps −1', call: () => new BatchNorm1d(2, { eps: -1 }), expect: E('ValueError') },
  { fn: 'BatchNorm1d', input: 'eps NaN', call: () => new BatchNorm1d(2, { eps: NaN }), expect: E('ValueError') },
  {
    fn: 'BatchNorm1d',
    input: 'a NaN in a training batch',
    call: () =>
      new BatchNorm1d(2).forward(
        tensor([
          [NaN, 1],
          [2, 3],
        ]),
      ),
    expect: E('ValueError'),
  },
  { fn: 'BatchNorm1d', input: "affine 'no'", call: () => new BatchNorm1d(2, { affine: js('no') }), expect: E('DTypeError') },
  { fn: 'LayerNorm', input: 'eps −1', call: () => new LayerNorm(2, { eps: -1 }), expect: E('ValueError') },
  { fn: 'LayerNorm', input: 'eps NaN', call: () => new LayerNorm(2, { eps: NaN }), expect: E('ValueError') },
  { fn: 'LayerNorm', input: 'options null', call: () => new LayerNorm(2, js(null)), expect: E('DTypeError') },
  { fn: 'SGD.step', input: "'a'", call: () => sgd().step(js('a')), expect: E('DTypeError') },
  { fn: 'SGD.step', input: 'null', call: () => sgd().step(js(null)), expect: E('DTypeError') },
  { fn: 'Adam', input: 'betas null', call: () => new Adam([new Parameter(tensor([1]))], { betas: js(null) }), expect: E('DTypeError') },
  { fn: 'Adam', input: "betas ['0.9', 0.999]", call: () => new Adam([new Parameter(tensor([1]))], { betas: js(['0.9', 0.999]) }), expect: E('DTypeError') },
  { fn: 'crossEntropy', input: 'labels null', call: () => crossEntropy(zeros([2, 3]), js(null)), expect: E('DTypeError') },
  { fn: 'crossEntropy', input: 'BigInt labels', call: () => crossEntropy(zeros([2, 3]), js([1n, 2n])), expect: E('DTypeError') },
  { fn: 'crossEntropy', input: 'logits as a plain array', call: () => crossEntropy(js<Tensor>([[1, 2]]), [0]), expect: E('DTypeError') },
  { fn: 'mse', input: 'options null', call: () => mse(zeros([2]), zeros([2]), js(null)), expect: E('DTypeError') },
  { fn: 'mse', input: 'target [[1]] (a plain array)', call: () => mse(zeros([1, 1]), js<Tensor>([[1]])), expect: E('DTypeError') },
  { fn: 'bce', input: "reduction 'avg'", call: () => bce(zeros([1]), zeros([1]), { reduction: js('avg') }), expect: E('ValueError') },
  { fn: 'spirals', input: 'classes 1e9', call: () => spirals({ classes: 1e9 }), expect: E('ValueError') },
  { fn: 'spirals', input: 'n 1e12', call: () => spirals({ n: 1e12 }), expect: E('ValueError') },
  {
    fn: 'StepLR',
    input: 'gamma 1e308, two steps (the lr overflows)',
    call: () => {
      const s = new StepLR(sgd(), { stepSize: 1, gamma: 1e308 });
      s.step();
      s.step();
    },
    expect: E('ValueError', 'StepLR.step'),
  },
  {
    fn: 'StepLR.loadStateDict',
    input: 'lastEpoch NaN',
    call: () => new StepLR(sgd(), { stepSize: 1 }).loadStateDict({ lastEpoch: NaN, baseLr: 1, lastLr: 1 }),
    expect: E('ValueError'),
  },
  {
    fn: 'StepLR.loadStateDict',
    input: 'lastEpoch −1',
    call: () => new StepLR(sgd(), { stepSize: 1 }).loadStateDict({ lastEpoch: -1, baseLr: 1, lastLr: 1 }),
    expect: E('ValueError'),
  },
  {
    fn: 'ExponentialLR.loadStateDict',
    input: 'lastEpoch 2.5',
    call: () => new ExponentialLR(sgd(), { gamma: 0.5 }).loadStateDict({ lastEpoch: 2.5, baseLr: 1, lastLr: 1 }),
    expect: E('ValueError'),
  },
  {
    fn: 'ReduceLROnPlateau.loadStateDict',
    input: 'numBadEpochs −1',
    call: () => new ReduceLROnPlateau(sgd()).loadStateDict({ lastEpoch: 0, best: null, numBadEpochs: -1, cooldownCounter: 0, lr: 1 }),
    expect: E('ValueError'),
  },
  { fn: 'OneCycleLR', input: 'options null', call: () => new OneCycleLR(sgd(), js(null)), expect: E('DTypeError') },
  {
    fn: 'OneCycleLR',
    input: 'totalSteps 2, pctStart 0.5 (PyTorch: ZeroDivisionError)',
    call: () => new OneCycleLR(sgd(), { maxLr: 1, totalSteps: 2, pctStart: 0.5 }).getLastLr(),
    expect: finite,
  },
];

catalogue('@ad/nn', cases);
