/**
 * The op spec table: the lines that check every function of the op table (input shapes, input
 * domains, and the op's parameters or the function's extra arguments). The core tests check each
 * primitive's own rules with it; @ad/forward and @ad/reverse check their engines on every line,
 * composites included; @ad/jit sweeps the table with it.
 *
 * It is a record keyed by every name of the built-in table (`BuiltinTable`), as jax-js types its
 * rule tables `{ [P in Primitive]: Rule<P> }`: a function added to the table without a line here
 * fails to compile, and so does a line filed under a name the table does not have, a function
 * line filed under another function, or an op's parameters of the wrong type. A function that is
 * not differentiable says so (`notDifferentiable`) instead of being left out. Ops a test adds
 * with `registerOp` are not built in and need no line.
 */
import { Generator, tensor, type Algebra, type FunctionName, type Op, type Tensor } from '@ad/core';
import { ops, type BuiltinTable, type OpName } from '@ad/core/engine';
import { randomTensor, type Domain } from './helpers.js';

interface Inputs {
  /** The title of the line's test (default: the name of its function). */
  label?: string;
  shapes: number[][];
  domains?: Domain[];
  wrt?: number[];
  rtol?: number;
}

/** A primitive op with its canonical parameters (what its rules receive). */
export interface OpSpec extends Inputs {
  op: Op<never>;
  params?: unknown;
}

/** A function of the table called as users call it: `fn(...inputs, ...args)`, or `call` when its result needs shaping. */
export interface FnSpec extends Inputs {
  fn: FunctionName;
  args?: unknown[];
  call?: <T>(o: Algebra<T>, xs: readonly T[]) => T;
}

export type Spec = OpSpec | FnSpec;

/** The name of every function built into the table, the internal ops (unslice, col2im) included. */
export type BuiltinName = keyof BuiltinTable;

/** The parameters of a primitive op, read off its type. */
type ParamsOf<K extends OpName> = (typeof ops)[K] extends Op<infer P, unknown> ? P : never;

/** A line of one function: an op applied with its own parameters, or the function called as users call it. */
export type SpecOf<K extends BuiltinName> =
  | (K extends OpName ? OpSpec & { op: (typeof ops)[K]; params?: ParamsOf<K> } : never)
  | (K extends FunctionName ? FnSpec & { fn: K } : never);

/** The mark of a function with nothing to check: its derivative is zero wherever it exists. */
export const notDifferentiable = 'not differentiable';

/** One line, several (different parameters or arguments), or the mark: never nothing. */
export type SpecLines<K extends BuiltinName> = SpecOf<K> | readonly [SpecOf<K>, ...SpecOf<K>[]] | typeof notDifferentiable;

/** Every built-in function of the table, each with its lines. */
export type SpecTable = { readonly [K in BuiltinName]: SpecLines<K> };

/** The function of the table a line checks. */
export function specName(spec: Spec): string {
  return 'op' in spec ? spec.op.name : spec.fn;
}

/** How a line applies to inputs of any algebra: the op through its interpreter, a function as users call it. */
export function specApply(spec: Spec): <T>(o: Algebra<T>, xs: readonly T[]) => T {
  if ('op' in spec) return (o, xs) => o.interpreter.apply(spec.op, xs, spec.params as never);
  if (spec.call !== undefined) return spec.call;
  const { fn, args = [] } = spec;
  return <T>(o: Algebra<T>, xs: readonly T[]) => (o as unknown as Record<string, (...a: unknown[]) => T>)[fn](...xs, ...args);
}

export const r = (axes: number[], keepdims = false) => ({ axes, keepdims });

export const specTable: SpecTable = {
  neg: { op: ops.neg, shapes: [[3, 4]] },
  exp: { op: ops.exp, shapes: [[3, 4]] },
  log: { op: ops.log, shapes: [[3, 4]], domains: ['positive'] },
  log1p: { op: ops.log1p, shapes: [[5]], domains: ['unit'] },
  expm1: { op: ops.expm1, shapes: [[5]] },
  sin: { op: ops.sin, shapes: [[2, 3]] },
  cos: { op: ops.cos, shapes: [[2, 3]] },
  tan: { op: ops.tan, shapes: [[2, 3]], domains: ['unit'] },
  tanh: { op: ops.tanh, shapes: [[2, 3]] },
  sigmoid: { op: ops.sigmoid, shapes: [[2, 3]] },
  relu: { op: ops.relu, shapes: [[4, 3]], domains: ['nonzero'] },
  sqrt: { op: ops.sqrt, shapes: [[4]], domains: ['positive'] },
  square: { op: ops.square, shapes: [[4]] },
  abs: { op: ops.abs, shapes: [[4, 2]], domains: ['nonzero'] },
  add: { label: 'add (broadcast)', op: ops.add, shapes: [[2, 3], [3]] },
  sub: {
    label: 'sub (broadcast both)',
    op: ops.sub,
    shapes: [
      [2, 1],
      [1, 3],
    ],
  },
  mul: {
    label: 'mul (broadcast)',
    op: ops.mul,
    shapes: [
      [4, 1, 3],
      [2, 3],
    ],
  },
  div: [
    { label: 'div (broadcast)', op: ops.div, shapes: [[2, 3], [3]], domains: ['real', 'nonzero'] },
    { label: 'div by 0-d', op: ops.div, shapes: [[2, 3], []], domains: ['real', 'nonzero'] },
  ],
  pow: [
    {
      op: ops.pow,
      shapes: [
        [2, 3],
        [2, 3],
      ],
      domains: ['positive', 'real'],
    },
    { label: 'pow (broadcast exponent)', op: ops.pow, shapes: [[2, 3], [1]], domains: ['positive', 'real'] },
  ],
  maximum: { op: ops.maximum, shapes: [[3, 3], [3]] },
  minimum: {
    op: ops.minimum,
    shapes: [
      [3, 3],
      [3, 1],
    ],
  },
  where: { op: ops.where, shapes: [[3], [2, 3], [2, 1]], domains: ['mask', 'real', 'real'], wrt: [1, 2] },
  sum: [
    { label: 'sum (all)', op: ops.sum, shapes: [[2, 3, 4]], params: r([0, 1, 2]) },
    { label: 'sum (axes 0, 2)', op: ops.sum, shapes: [[2, 3, 4]], params: r([0, 2]) },
    { label: 'sum (keepdims)', op: ops.sum, shapes: [[2, 3, 4]], params: r([1], true) },
  ],
  mean: [
    { op: ops.mean, shapes: [[2, 3, 4]], params: r([2]) },
    { label: 'mean (keepdims)', op: ops.mean, shapes: [[2, 3]], params: r([0, 1], true) },
  ],
  max: [
    { op: ops.max, shapes: [[3, 4]], params: r([1]) },
    { label: 'max (all, keepdims)', op: ops.max, shapes: [[3, 4]], params: r([0, 1], true) },
  ],
  min: { op: ops.min, shapes: [[3, 4, 2]], params: r([0, 2]) },
  logsumexp: [
    { op: ops.logsumexp, shapes: [[3, 4]], params: r([1]) },
    { label: 'logsumexp (two axes, keepdims)', op: ops.logsumexp, shapes: [[2, 3, 4]], params: r([0, 2], true) },
  ],
  softmax: [
    { label: 'softmax (last axis)', op: ops.softmax, shapes: [[3, 5]], params: { axis: 1 } },
    { label: 'softmax (axis 0)', op: ops.softmax, shapes: [[3, 5]], params: { axis: 0 } },
  ],
  logSoftmax: { op: ops.logSoftmax, shapes: [[2, 3, 4]], params: { axis: 1 } },
  reshape: { op: ops.reshape, shapes: [[2, 6]], params: { shape: [3, 2, 2] } },
  permute: { op: ops.permute, shapes: [[2, 3, 4]], params: { perm: [2, 0, 1] } },
  broadcastTo: { op: ops.broadcastTo, shapes: [[3, 1]], params: { shape: [2, 3, 4] } },
  sumToShape: { op: ops.sumToShape, shapes: [[2, 3, 4]], params: { shape: [3, 1] } },
  slice: {
    op: ops.slice,
    shapes: [[4, 5]],
    params: {
      axes: [
        { start: 1, step: 2, count: 2, drop: false },
        { start: 3, step: 1, count: 1, drop: true },
      ],
    },
  },
  unslice: {
    op: ops.unslice,
    shapes: [[2, 2]],
    params: {
      axes: [
        { start: 0, step: 2, count: 2, drop: false },
        { start: 4, step: -2, count: 2, drop: false },
      ],
      shape: [3, 5],
    },
  },
  matmul: [
    {
      op: ops.matmul,
      shapes: [
        [3, 4],
        [4, 2],
      ],
    },
    {
      label: 'matmul (batched)',
      op: ops.matmul,
      shapes: [
        [2, 3, 4],
        [2, 4, 5],
      ],
    },
    {
      label: 'matmul (broadcast batch)',
      op: ops.matmul,
      shapes: [
        [2, 3, 4],
        [4, 5],
      ],
    },
    {
      label: 'matmul (broadcast batch, other side)',
      op: ops.matmul,
      shapes: [
        [1, 3, 4],
        [3, 4, 2],
      ],
    },
  ],
  leakyRelu: { label: 'leakyRelu (broadcast slope)', op: ops.leakyRelu, shapes: [[3, 4], [4]], domains: ['nonzero', 'unit'] },
  elu: { op: ops.elu, shapes: [[3, 4], []], domains: ['nonzero', 'positive'] },
  softplus: { op: ops.softplus, shapes: [[3, 4]] },
  normalCdf: { op: ops.normalCdf, shapes: [[3, 4]] },
  im2col: { op: ops.im2col, shapes: [[2, 2, 5, 6]], params: w([3, 2], [2, 1], [1, 0], [1, 2]) },
  col2im: { op: ops.col2im, shapes: [[1, 8, 9]], params: { ...w([2, 2], [1, 1], [0, 0], [1, 1]), shape: [1, 2, 4, 4] } },
  take: {
    op: ops.take,
    shapes: [
      [3, 4],
      [2, 3],
    ],
    domains: ['real', 'mask'],
    wrt: [0],
  },
  indexSelect: [
    {
      label: 'indexSelect (axis 1; the mask domain gives indices 0 and 1, repeated)',
      op: ops.indexSelect,
      shapes: [[2, 3, 2], [4]],
      domains: ['real', 'mask'],
      wrt: [0],
      params: { axis: 1 },
    },
    { fn: 'indexSelect', shapes: [[4, 3]], args: [0, [3, 0, 3]] },
  ],
  indexAdd: {
    label: 'indexAdd (axis 0 into 3 slices; indices 0 and 1, repeated)',
    op: ops.indexAdd,
    shapes: [[4, 2], [4]],
    domains: ['real', 'mask'],
    wrt: [0],
    params: { axis: 0, size: 3 },
  },
  scatterAdd: {
    op: ops.scatterAdd,
    shapes: [
      [2, 3],
      [2, 3],
    ],
    domains: ['real', 'mask'],
    params: { shape: [2, 2] },
    wrt: [0],
  },
  asin: { op: ops.asin, shapes: [[3, 2]], domains: ['unit'] },
  acos: { op: ops.acos, shapes: [[3, 2]], domains: ['unit'] },
  atan: { op: ops.atan, shapes: [[3, 2]] },
  atan2: { label: 'atan2 (broadcast)', op: ops.atan2, shapes: [[2, 3], [3]], domains: ['nonzero', 'nonzero'] },
  hypot: { label: 'hypot (broadcast)', op: ops.hypot, shapes: [[2, 3], [3]] },
  sinh: { op: ops.sinh, shapes: [[4]] },
  cosh: { op: ops.cosh, shapes: [[4]] },
  asinh: { op: ops.asinh, shapes: [[4]] },
  acosh: { op: ops.acosh, shapes: [[4]], domains: ['aboveOne'] },
  atanh: { op: ops.atanh, shapes: [[4]], domains: ['unit'] },
  erf: { op: ops.erf, shapes: [[2, 3]] },
  rsqrt: { op: ops.rsqrt, shapes: [[4]], domains: ['positive'] },
  reciprocal: { op: ops.reciprocal, shapes: [[4]], domains: ['nonzero'] },
  logSigmoid: { fn: 'logSigmoid', shapes: [[2, 3]] },
  selu: { fn: 'selu', shapes: [[2, 3]], domains: ['nonzero'] },
  relu6: { op: ops.relu6, shapes: [[2, 3]], domains: ['offKinks6'] },
  clamp: [
    { label: 'clamp (tensor bounds)', op: ops.clamp, shapes: [[2, 3], [3], []], domains: ['real', 'lowBound', 'highBound'] },
    { label: 'clamp (method, one bound)', fn: 'clamp', shapes: [[2, 3]], args: [-0.25] },
  ],
  gelu: [
    { label: 'gelu (exact)', fn: 'gelu', shapes: [[2, 3]] },
    { label: 'gelu (tanh)', fn: 'gelu', shapes: [[2, 3]], args: ['tanh'] },
  ],
  transpose: { fn: 'transpose', shapes: [[2, 3, 4]], args: [[1, 2, 0]] },
  expandDims: { fn: 'expandDims', shapes: [[2, 3]], args: [1] },
  squeeze: { fn: 'squeeze', shapes: [[2, 1, 3]] },
  prod: [
    { label: 'prod (axis 1)', fn: 'prod', shapes: [[2, 5]], args: [1] },
    { label: 'prod (all, keepdims)', fn: 'prod', shapes: [[3, 2]], args: [undefined, true] },
  ],
  cumsum: { fn: 'cumsum', shapes: [[2, 5]], args: [1] },
  cumprod: { fn: 'cumprod', shapes: [[6, 2]], args: [0] },
  norm: [
    { label: 'norm (2, all)', fn: 'norm', shapes: [[2, 3]] },
    { label: 'norm (3, axis 1, keepdims)', fn: 'norm', shapes: [[2, 3]], domains: ['nonzero'], args: [3, 1, true] },
    { label: 'norm (1)', fn: 'norm', shapes: [[4]], domains: ['nonzero'], args: [1] },
    { label: 'norm (∞)', fn: 'norm', shapes: [[4]], args: [Infinity] },
  ],
  concat: {
    fn: 'concat',
    shapes: [
      [2, 3],
      [2, 1],
      [2, 2],
    ],
    call: (o, xs) => o.concat(xs, -1),
  },
  stack: {
    fn: 'stack',
    shapes: [
      [2, 3],
      [2, 3],
    ],
    call: (o, xs) => o.stack(xs, 1),
  },
  split: {
    fn: 'split',
    shapes: [[3, 5]],
    call: (o, [x]) =>
      o.concat(
        o.split(x, 2, 1).map((p, i) => o.mul(p, i + 1)),
        1,
      ),
  },
  tile: { fn: 'tile', shapes: [[2, 3]], args: [[2, 1, 2]] },
  pad: {
    fn: 'pad',
    shapes: [[2, 3]],
    args: [
      [
        [1, 0],
        [2, 1],
      ],
      0.5,
    ],
  },
  flip: { fn: 'flip', shapes: [[2, 3, 2]], args: [[0, 2]] },
  oneHot: {
    label: 'oneHot (a mask: x̄ is ȳ where the mask is 1)',
    fn: 'oneHot',
    shapes: [[3, 4]],
    call: (o, [x]) => o.mul(o.oneHot(tensor([0, 3, 1]) as never, 4), x),
  },
  gather: {
    fn: 'gather',
    shapes: [[3, 4]],
    call: (o, [x]) =>
      o.gather(
        x,
        1,
        tensor([
          [0, 3],
          [1, 1],
          [2, 0],
        ]),
      ),
  },
  // No rules to check: their derivative is zero wherever it exists (core's rules test holds them to no tangent and no adjoint).
  ceil: notDifferentiable,
  floor: notDifferentiable,
  isFinite: notDifferentiable,
  isInf: notDifferentiable,
  isNaN: notDifferentiable,
  round: notDifferentiable,
  sign: notDifferentiable,
  eq: notDifferentiable,
  ge: notDifferentiable,
  gt: notDifferentiable,
  le: notDifferentiable,
  lt: notDifferentiable,
  ne: notDifferentiable,
  argmax: notDifferentiable,
  argmin: notDifferentiable,
  maxPool2dIndices: notDifferentiable,
};

/** The lines of one entry of the table, none for a function that is not differentiable. */
export function linesOf(lines: SpecLines<BuiltinName>): readonly Spec[] {
  return lines === notDifferentiable ? [] : Array.isArray(lines) ? (lines as readonly Spec[]) : [lines as Spec];
}

/** Every line with the title of its test, in the table's order: what the tests iterate. */
export const opSpecs: [string, Spec][] = Object.entries(specTable).flatMap(([name, lines]) =>
  linesOf(lines).map((spec): [string, Spec] => [spec.label ?? name, spec]),
);

/** Window parameters of the convolution ops: kernel, stride, padding, dilation as [h, w]. */
type Pair = readonly [number, number];
function w(kernel: Pair, stride: Pair, padding: Pair, dilation: Pair) {
  return { kernel, stride, padding, dilation };
}

/** The inputs of a spec line, drawn from its domains with a fixed seed. */
export function specInputs(spec: Spec, seed = 42): Tensor[] {
  const g = new Generator(seed);
  return spec.shapes.map((s, i) => randomTensor(g, s, spec.domains?.[i] ?? 'real'));
}
