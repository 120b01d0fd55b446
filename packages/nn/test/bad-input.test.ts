/**
 * Bad input to @ad/nn's public functions: a typed error naming the function and what was wrong,
 * or a documented result. The outcomes are docs/errors.md's @ad/nn section.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tensor, zeros, type Tensor } from '@ad/core';
import {
  Adam,
  DataLoader,
  Dropout,
  Linear,
  SGD,
  Sequential,
  Standardizer,
  bce,
  bceWithLogits,
  crossEntropy,
  moons,
  mse,
  oneHot,
  relu,
  softmax,
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
];

catalogue('@ad/nn', cases);
