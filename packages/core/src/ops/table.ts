/** Every primitive op of @ad, by name: the one table both modes interpret. */
import * as unary from './unary.js';
import * as binary from './binary.js';
import * as reduce from './reduce.js';
import * as nn from './nn.js';
import * as shape from './shape.js';
import { matmul } from './linalg.js';
import * as activations from './activations.js';
import * as conv from './conv.js';

/** The op table: every primitive op by name, each with its primal, forward rule and reverse rule. */
export const ops = {
  neg: unary.neg,
  exp: unary.exp,
  log: unary.log,
  log1p: unary.log1p,
  expm1: unary.expm1,
  sin: unary.sin,
  cos: unary.cos,
  tan: unary.tan,
  tanh: unary.tanh,
  sigmoid: unary.sigmoid,
  relu: unary.relu,
  sqrt: unary.sqrt,
  square: unary.square,
  abs: unary.abs,
  sign: unary.sign,
  add: binary.add,
  sub: binary.sub,
  mul: binary.mul,
  div: binary.div,
  pow: binary.pow,
  maximum: binary.maximum,
  minimum: binary.minimum,
  eq: binary.eq,
  ne: binary.ne,
  lt: binary.lt,
  le: binary.le,
  gt: binary.gt,
  ge: binary.ge,
  where: binary.where,
  sum: reduce.sum,
  mean: reduce.mean,
  max: reduce.max,
  min: reduce.min,
  logsumexp: reduce.logsumexp,
  argmax: reduce.argmax,
  argmin: reduce.argmin,
  softmax: nn.softmax,
  logSoftmax: nn.logSoftmax,
  reshape: shape.reshape,
  permute: shape.permute,
  broadcastTo: shape.broadcastTo,
  sumToShape: shape.sumToShape,
  slice: shape.slice,
  unslice: shape.unslice,
  matmul,
  leakyRelu: activations.leakyRelu,
  elu: activations.elu,
  softplus: activations.softplus,
  normalCdf: activations.normalCdf,
  im2col: conv.im2col,
  col2im: conv.col2im,
  take: conv.take,
  scatterAdd: conv.scatterAdd,
  maxPool2dIndices: conv.maxPool2dIndices,
} as const;

/** The name of a primitive op. */
export type OpName = keyof typeof ops;

/** Names of the element-wise ops of one input. */
export const unaryNames = ['neg', 'exp', 'log', 'log1p', 'expm1', 'sin', 'cos', 'tan', 'tanh', 'sigmoid', 'relu', 'sqrt', 'square', 'abs', 'sign', 'softplus'] as const;
/** Names of the element-wise ops of two inputs. */
export const binaryNames = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'leakyRelu', 'elu'] as const;
