/**
 * Bad input to @ad/core's public functions: each call gives a typed error that names the
 * function and what was wrong, or a documented result. The outcomes are docs/errors.md's
 * @ad/core section (see bad-input-catalogue.ts; regenerate with AD_WRITE_ERRORS_DOC=1).
 */
import {
  Generator,
  arange,
  argmax,
  broadcastTo,
  div,
  expandDims,
  eye,
  fromData,
  full,
  linspace,
  log,
  logSoftmax,
  matmul,
  max,
  ones,
  permute,
  pow,
  rand,
  randn,
  reshape,
  scalar,
  slice,
  softmax,
  sqrt,
  squeeze,
  sum,
  tensor,
  uniform,
  where,
  zeros,
  add,
  setAnomalyDetection,
} from '../src/index.js';
import { catalogue, type BadCase } from '@ad/test-support/bad-input-catalogue';

const js = <T>(v: unknown) => v as T; // a plain JavaScript caller: no types to stop it
const x23 = () =>
  tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
const E = (error: string, name?: string) => ({ error, name });
const finite = { finite: true as const };
const propagates = { propagates: true as const };
const outsideDomain = { outsideDomain: true as const };

const cases: BadCase[] = [
  // tensor(): the front door for data
  { fn: 'tensor', input: 'ragged rows [[1, 2], [3]]', call: () => tensor([[1, 2], [3]]), expect: E('ShapeError') },
  {
    fn: 'tensor',
    input: 'ragged depth [[1, 2], [3, [4]]]',
    call: () =>
      tensor(
        js([
          [1, 2],
          [3, [4]],
        ]),
      ),
    expect: E('DTypeError'),
  },
  { fn: 'tensor', input: "a string element [1, 'a']", call: () => tensor(js([1, 'a'])), expect: E('DTypeError') },
  { fn: 'tensor', input: 'null and undefined elements', call: () => tensor(js([1, null, undefined])), expect: E('DTypeError') },
  { fn: 'tensor', input: 'a boolean [true]', call: () => tensor(js([true])), expect: E('DTypeError') },
  { fn: 'tensor', input: "a string 'abc' instead of an array", call: () => tensor(js('abc')), expect: E('DTypeError') },
  { fn: 'tensor', input: 'undefined', call: () => tensor(js(undefined)), expect: E('DTypeError') },
  { fn: 'tensor', input: 'an object {}', call: () => tensor(js({})), expect: E('DTypeError') },
  { fn: 'tensor', input: 'empty array []', call: () => tensor([]), expect: finite },
  { fn: 'tensor', input: 'NaN and ±Infinity elements', call: () => tensor([NaN, Infinity, -Infinity]), expect: propagates },
  { fn: 'scalar', input: "a string '1'", call: () => scalar(js('1')), expect: E('DTypeError') },
  // shapes and fills
  { fn: 'zeros', input: 'a negative dimension [2, -1]', call: () => zeros([2, -1]), expect: E('ValueError') },
  { fn: 'zeros', input: 'a fractional dimension [2.5]', call: () => zeros([2.5]), expect: E('ValueError') },
  { fn: 'zeros', input: 'a NaN dimension', call: () => zeros([NaN]), expect: E('ValueError') },
  { fn: 'zeros', input: 'a number 3 instead of a shape', call: () => zeros(js(3)), expect: E('ValueError') },
  { fn: 'zeros', input: "a string dimension ['2']", call: () => zeros(js(['2'])), expect: E('ValueError') },
  { fn: 'zeros', input: 'the empty shape [] (0-d)', call: () => zeros([]), expect: finite },
  { fn: 'ones', input: 'an ∞ dimension', call: () => ones([Infinity]), expect: E('ValueError') },
  { fn: 'full', input: "a string fill value 'x'", call: () => full([2], js('x')), expect: E('DTypeError') },
  { fn: 'full', input: 'a NaN fill value', call: () => full([2], NaN), expect: propagates },
  { fn: 'arange', input: 'NaN', call: () => arange(NaN), expect: E('ValueError') },
  { fn: 'arange', input: 'stop = Infinity', call: () => arange(0, Infinity), expect: E('ValueError') },
  { fn: 'arange', input: 'step 0', call: () => arange(0, 1, 0), expect: E('ValueError') },
  { fn: 'arange', input: "a string stop '5'", call: () => arange(0, js('5')), expect: E('ValueError') },
  { fn: 'arange', input: 'stop before start (empty)', call: () => arange(5, 1), expect: finite },
  { fn: 'linspace', input: 'num −1', call: () => linspace(0, 1, -1), expect: E('ValueError') },
  { fn: 'linspace', input: 'num 2.5', call: () => linspace(0, 1, 2.5), expect: E('ValueError') },
  { fn: 'linspace', input: 'start NaN', call: () => linspace(NaN, 1, 3), expect: propagates },
  { fn: 'eye', input: 'n = −1', call: () => eye(-1), expect: E('ValueError') },
  { fn: 'eye', input: "n = '2' (a string)", call: () => eye(js('2')), expect: E('ValueError') },
  { fn: 'fromData', input: 'a plain array instead of a Float64Array', call: () => fromData(js([1, 2]), [2]), expect: E('DTypeError') },
  { fn: 'fromData', input: '3 values for shape [2]', call: () => fromData(new Float64Array(3), [2]), expect: E('ShapeError') },
  // random numbers
  { fn: 'rand', input: 'seed 1.5', call: () => rand([2], { seed: 1.5 }), expect: E('ValueError', 'Generator') },
  { fn: 'randn', input: 'std −1', call: () => randn([2], { std: -1 }), expect: E('ValueError') },
  { fn: 'randn', input: 'std NaN', call: () => randn([2], { std: NaN }), expect: E('ValueError') },
  { fn: 'uniform', input: 'low > high', call: () => uniform([2], 1, 0), expect: E('ValueError') },
  { fn: 'uniform', input: 'low NaN', call: () => uniform([2], NaN, 1), expect: E('ValueError') },
  { fn: 'uniform', input: 'low −∞, high ∞', call: () => uniform([2], -Infinity, Infinity), expect: E('ValueError') },
  { fn: 'uniform', input: "low '0'", call: () => uniform([2], js('0'), 1), expect: E('DTypeError') },
  { fn: 'randn', input: "mean 'a'", call: () => randn([2], { mean: js('a') }), expect: E('DTypeError') },
  { fn: 'randn', input: 'mean ∞', call: () => randn([2], { mean: Infinity }), expect: E('ValueError') },
  { fn: 'tensor', input: 'a BigInt [1n]', call: () => tensor(js([BigInt(1)])), expect: E('DTypeError') },
  { fn: 'add', input: 'an object {}', call: () => add(x23(), js({})), expect: E('DTypeError') },
  { fn: 'mul', input: 'an object {} (x.mul({}))', call: () => x23().mul(js({})), expect: E('DTypeError') },
  { fn: 'sum', input: 'axis null', call: () => sum(x23(), js(null)), expect: E('DTypeError') },
  { fn: 'sum', input: "axis 'a'", call: () => sum(x23(), js('a')), expect: E('DTypeError') },
  { fn: 'setAnomalyDetection', input: "'no'", call: () => setAnomalyDetection(js('no')), expect: E('DTypeError') },
  { fn: 'Generator', input: "seed '1' (a string)", call: () => new Generator(js('1')), expect: E('ValueError') },
  { fn: 'Generator', input: 'seed NaN', call: () => new Generator(NaN), expect: E('ValueError') },
  { fn: 'Generator.int', input: 'n = 0', call: () => new Generator(1).int(0), expect: E('ValueError') },
  // element-wise ops and broadcasting
  { fn: 'add', input: 'shapes [2,3] and [2] (no broadcast)', call: () => add(x23(), tensor([1, 2])), expect: E('ShapeError') },
  { fn: 'add', input: 'NaN and ±Infinity operands', call: () => add(tensor([NaN, Infinity]), -Infinity), expect: propagates },
  { fn: 'add', input: 'two plain numbers', call: () => add(js(1), js(2)), expect: finite },
  { fn: 'log', input: '−1 and 0', call: () => log(tensor([-1, 0])), expect: outsideDomain },
  { fn: 'sqrt', input: '−1', call: () => sqrt(tensor([-1])), expect: outsideDomain },
  { fn: 'div', input: 'by 0', call: () => div(tensor([1, -1]), 0), expect: outsideDomain },
  { fn: 'pow', input: '(−8)^(1/3)', call: () => pow(tensor([-8]), 1 / 3), expect: outsideDomain },
  { fn: 'where', input: 'a mask of shape [4] for [2,3]', call: () => where(tensor([1, 0, 1, 0]), x23(), 0), expect: E('ShapeError') },
  // reductions and softmax
  { fn: 'sum', input: 'axis 5 of a rank-2 tensor', call: () => sum(x23(), 5), expect: E('ShapeError') },
  { fn: 'sum', input: 'axis 1.5', call: () => sum(x23(), 1.5), expect: E('ShapeError') },
  { fn: 'sum', input: 'axis NaN', call: () => sum(x23(), NaN), expect: E('ShapeError') },
  { fn: 'sum', input: 'axis 0 twice', call: () => sum(x23(), [0, 0]), expect: E('ShapeError') },
  { fn: 'sum', input: "axis '0' (a string)", call: () => sum(x23(), js('0')), expect: E('DTypeError') },
  { fn: 'sum', input: 'an empty tensor (0)', call: () => sum(zeros([0])), expect: finite },
  { fn: 'max', input: 'an empty axis', call: () => max(zeros([2, 0]), 1), expect: E('ShapeError') },
  { fn: 'argmax', input: 'axis −3 of a rank-2 tensor', call: () => argmax(x23(), -3), expect: E('ShapeError') },
  { fn: 'softmax', input: 'axis 2 of a rank-2 tensor', call: () => softmax(x23(), 2), expect: E('ShapeError') },
  { fn: 'softmax', input: 'logits [1000, 0, −1000] (finite: the max is subtracted)', call: () => softmax(tensor([1000, 0, -1000])), expect: finite },
  { fn: 'softmax', input: 'an ∞ logit', call: () => softmax(tensor([Infinity, 1])), expect: propagates },
  { fn: 'logSoftmax', input: 'logits [1000, −1000] (finite: fused)', call: () => logSoftmax(tensor([1000, -1000])), expect: finite },
  // shape ops
  { fn: 'reshape', input: '[2,3] into [4]', call: () => reshape(x23(), [4]), expect: E('ShapeError') },
  { fn: 'reshape', input: 'two −1 dimensions', call: () => reshape(x23(), [-1, -1]), expect: E('ShapeError') },
  { fn: 'reshape', input: 'a NaN dimension', call: () => reshape(x23(), [NaN, 6]), expect: E('ValueError') },
  { fn: 'reshape', input: "a string shape '6'", call: () => reshape(x23(), js('6')), expect: E('ValueError') },
  { fn: 'permute', input: 'axis 0 twice', call: () => permute(x23(), [0, 0]), expect: E('ShapeError') },
  { fn: 'permute', input: 'too few axes', call: () => permute(x23(), [0]), expect: E('ShapeError') },
  { fn: 'broadcastTo', input: '[3] to [2]', call: () => broadcastTo(tensor([1, 2, 3]), [2]), expect: E('ShapeError') },
  { fn: 'broadcastTo', input: 'a negative dimension', call: () => broadcastTo(tensor([1]), [-1]), expect: E('ValueError') },
  { fn: 'squeeze', input: 'an axis of size 2', call: () => squeeze(x23(), 0), expect: E('ShapeError') },
  { fn: 'expandDims', input: 'axis 5 of a rank-2 tensor', call: () => expandDims(x23(), 5), expect: E('ShapeError') },
  { fn: 'slice', input: 'index 5 of an axis of size 2', call: () => slice(x23(), 5), expect: E('ShapeError') },
  { fn: 'slice', input: 'step 0', call: () => slice(x23(), [0, 2, 0]), expect: E('ValueError') },
  { fn: 'slice', input: 'more ranges than axes', call: () => slice(x23(), null, null, 0), expect: E('ShapeError') },
  { fn: 'slice', input: 'index 1.5', call: () => slice(x23(), 1.5), expect: E('ShapeError') },
  { fn: 'slice', input: 'start NaN', call: () => slice(x23(), [NaN, 2]), expect: E('ValueError') },
  { fn: 'slice', input: 'end 1.5', call: () => slice(x23(), [0, 1.5]), expect: E('ValueError') },
  { fn: 'slice', input: "range 'a'", call: () => slice(x23(), js('a')), expect: E('DTypeError') },
  { fn: 'matmul', input: '[2,3] by [4,5]', call: () => matmul(x23(), zeros([4, 5])), expect: E('ShapeError') },
  { fn: 'matmul', input: 'a 0-d operand', call: () => matmul(scalar(2), x23()), expect: E('ShapeError') },
  { fn: 'matmul', input: 'batch axes [2] and [3] (no broadcast)', call: () => matmul(zeros([2, 2, 3]), zeros([3, 3, 1])), expect: E('ShapeError') },
  { fn: 'matmul', input: 'inner dimension 0 (a zero matrix)', call: () => matmul(zeros([2, 0]), zeros([0, 3])), expect: finite },
  // Tensor methods
  { fn: 'get', input: 'index 2 of an axis of size 2', call: () => x23().get(2, 0), expect: E('ShapeError') },
  { fn: 'get', input: 'one index for a rank-2 tensor', call: () => x23().get(0), expect: E('ShapeError') },
  { fn: 'get', input: "index '0' (a string)", call: () => x23().get(js('0'), 0), expect: E('ShapeError') },
  { fn: 'item', input: 'a tensor of 6 elements', call: () => x23().item(), expect: E('ShapeError') },
];

catalogue('@ad/core', cases);
