/**
 * The op spec table: one line per op (input shapes, input domains, parameters). The core tests
 * check each op's own rules with it; @ad/forward and @ad/reverse check their engines with the
 * same lines, so adding an op means adding one line here.
 */
import { Generator, ops, type Op, type Tensor } from '../src/index.js';
import { randomTensor, type Domain } from './helpers.js';

export interface Spec {
  op: Op<never>;
  shapes: number[][];
  domains?: Domain[];
  params?: unknown;
  wrt?: number[];
  rtol?: number;
}

export const r = (axes: number[], keepdims = false) => ({ axes, keepdims });

export const opSpecs: [string, Spec][] = [
  ['neg', { op: ops.neg, shapes: [[3, 4]] }],
  ['exp', { op: ops.exp, shapes: [[3, 4]] }],
  ['log', { op: ops.log, shapes: [[3, 4]], domains: ['positive'] }],
  ['log1p', { op: ops.log1p, shapes: [[5]], domains: ['unit'] }],
  ['expm1', { op: ops.expm1, shapes: [[5]] }],
  ['sin', { op: ops.sin, shapes: [[2, 3]] }],
  ['cos', { op: ops.cos, shapes: [[2, 3]] }],
  ['tan', { op: ops.tan, shapes: [[2, 3]], domains: ['unit'] }],
  ['tanh', { op: ops.tanh, shapes: [[2, 3]] }],
  ['sigmoid', { op: ops.sigmoid, shapes: [[2, 3]] }],
  ['relu', { op: ops.relu, shapes: [[4, 3]], domains: ['nonzero'] }],
  ['sqrt', { op: ops.sqrt, shapes: [[4]], domains: ['positive'] }],
  ['square', { op: ops.square, shapes: [[4]] }],
  ['abs', { op: ops.abs, shapes: [[4, 2]], domains: ['nonzero'] }],
  ['add (broadcast)', { op: ops.add, shapes: [[2, 3], [3]] }],
  ['sub (broadcast both)', { op: ops.sub, shapes: [[2, 1], [1, 3]] }],
  ['mul (broadcast)', { op: ops.mul, shapes: [[4, 1, 3], [2, 3]] }],
  ['div (broadcast)', { op: ops.div, shapes: [[2, 3], [3]], domains: ['real', 'nonzero'] }],
  ['div by 0-d', { op: ops.div, shapes: [[2, 3], []], domains: ['real', 'nonzero'] }],
  ['pow', { op: ops.pow, shapes: [[2, 3], [2, 3]], domains: ['positive', 'real'] }],
  ['pow (broadcast exponent)', { op: ops.pow, shapes: [[2, 3], [1]], domains: ['positive', 'real'] }],
  ['maximum', { op: ops.maximum, shapes: [[3, 3], [3]] }],
  ['minimum', { op: ops.minimum, shapes: [[3, 3], [3, 1]] }],
  ['where', { op: ops.where, shapes: [[3], [2, 3], [2, 1]], domains: ['mask', 'real', 'real'], wrt: [1, 2] }],
  ['sum (all)', { op: ops.sum, shapes: [[2, 3, 4]], params: r([0, 1, 2]) }],
  ['sum (axes 0, 2)', { op: ops.sum, shapes: [[2, 3, 4]], params: r([0, 2]) }],
  ['sum (keepdims)', { op: ops.sum, shapes: [[2, 3, 4]], params: r([1], true) }],
  ['mean', { op: ops.mean, shapes: [[2, 3, 4]], params: r([2]) }],
  ['mean (keepdims)', { op: ops.mean, shapes: [[2, 3]], params: r([0, 1], true) }],
  ['max', { op: ops.max, shapes: [[3, 4]], params: r([1]) }],
  ['max (all, keepdims)', { op: ops.max, shapes: [[3, 4]], params: r([0, 1], true) }],
  ['min', { op: ops.min, shapes: [[3, 4, 2]], params: r([0, 2]) }],
  ['logsumexp', { op: ops.logsumexp, shapes: [[3, 4]], params: r([1]) }],
  ['logsumexp (two axes, keepdims)', { op: ops.logsumexp, shapes: [[2, 3, 4]], params: r([0, 2], true) }],
  ['softmax (last axis)', { op: ops.softmax, shapes: [[3, 5]], params: { axis: 1 } }],
  ['softmax (axis 0)', { op: ops.softmax, shapes: [[3, 5]], params: { axis: 0 } }],
  ['logSoftmax', { op: ops.logSoftmax, shapes: [[2, 3, 4]], params: { axis: 1 } }],
  ['reshape', { op: ops.reshape, shapes: [[2, 6]], params: { shape: [3, 2, 2] } }],
  ['permute', { op: ops.permute, shapes: [[2, 3, 4]], params: { perm: [2, 0, 1] } }],
  ['broadcastTo', { op: ops.broadcastTo, shapes: [[3, 1]], params: { shape: [2, 3, 4] } }],
  ['sumToShape', { op: ops.sumToShape, shapes: [[2, 3, 4]], params: { shape: [3, 1] } }],
  [
    'slice',
    {
      op: ops.slice,
      shapes: [[4, 5]],
      params: { axes: [{ start: 1, step: 2, count: 2, drop: false }, { start: 3, step: 1, count: 1, drop: true }] },
    },
  ],
  [
    'unslice',
    {
      op: ops.unslice,
      shapes: [[2, 2]],
      params: { axes: [{ start: 0, step: 2, count: 2, drop: false }, { start: 4, step: -2, count: 2, drop: false }], shape: [3, 5] },
    },
  ],
  ['matmul', { op: ops.matmul, shapes: [[3, 4], [4, 2]] }],
  ['matmul (batched)', { op: ops.matmul, shapes: [[2, 3, 4], [2, 4, 5]] }],
  ['matmul (broadcast batch)', { op: ops.matmul, shapes: [[2, 3, 4], [4, 5]] }],
  ['matmul (broadcast batch, other side)', { op: ops.matmul, shapes: [[1, 3, 4], [3, 4, 2]] }],
  ['leakyRelu (broadcast slope)', { op: ops.leakyRelu, shapes: [[3, 4], [4]], domains: ['nonzero', 'unit'] }],
  ['elu', { op: ops.elu, shapes: [[3, 4], []], domains: ['nonzero', 'positive'] }],
  ['softplus', { op: ops.softplus, shapes: [[3, 4]] }],
  ['normalCdf', { op: ops.normalCdf, shapes: [[3, 4]] }],
  ['im2col', { op: ops.im2col, shapes: [[2, 2, 5, 6]], params: w([3, 2], [2, 1], [1, 0], [1, 2]) }],
  ['col2im', { op: ops.col2im, shapes: [[1, 8, 9]], params: { ...w([2, 2], [1, 1], [0, 0], [1, 1]), shape: [1, 2, 4, 4] } }],
  ['take', { op: ops.take, shapes: [[3, 4], [2, 3]], domains: ['real', 'mask'], wrt: [0] }],
  ['scatterAdd', { op: ops.scatterAdd, shapes: [[2, 3], [2, 3]], domains: ['real', 'mask'], params: { shape: [2, 2] }, wrt: [0] }],
];

/** Window parameters of the convolution ops: kernel, stride, padding, dilation as [h, w]. */
function w(kernel: number[], stride: number[], padding: number[], dilation: number[]) {
  return { kernel, stride, padding, dilation };
}

/** The inputs of a spec line, drawn from its domains with a fixed seed. */
export function specInputs(spec: Spec, seed = 42): Tensor[] {
  const g = new Generator(seed);
  return spec.shapes.map((s, i) => randomTensor(g, s, spec.domains?.[i] ?? 'real'));
}
