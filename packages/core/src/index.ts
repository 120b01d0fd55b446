/**
 * @ad/core — tensors on scijs ndarray, the op table that both differentiation modes read,
 * and the gradient checker.
 */
import { anyOps } from './kinds.js';
import type { Tensor } from './tensor.js';
import type { Algebra } from './ops/algebra.js';

export { Tensor, type NestedArray } from './tensor.js';
export {
  tensor,
  scalar,
  zeros,
  ones,
  full,
  zerosLike,
  onesLike,
  arange,
  linspace,
  eye,
  rand,
  randn,
  uniform,
  fromData,
} from './create.js';
export { Generator, manualSeed, getDefaultGenerator, type RandomOptions } from './rng.js';
export { AdError, ShapeError, DTypeError, ValueError } from './errors.js';
export { AnomalyError, anomalyDetection, setAnomalyDetection, detectAnomaly, checkAnomaly, hasNonFinite } from './anomaly.js';
export { broadcastShapes, sizeOf, type Shape } from './shape.js';

export {
  tensorOps,
  tensorInterpreter,
  installTensorMethods,
  installScalarMethods,
  methodNames,
  scalarMethodNames,
} from './tensor-ops.js';
export { numberOps, numberInterpreter } from './number-ops.js';
export { makeAlgebra } from './ops/facade.js';
export { scalarRuleSource, type ScalarRuleSource } from './ops/scalar-source.js';
export { ops, type OpName } from './ops/table.js';
export {
  elementwise,
  linear,
  bilinear,
  custom,
  unbroadcast,
  type Op,
  type Pushforward,
  type Pullback,
  type Partial,
  type ElementwiseInfo,
} from './ops/define.js';
export type {
  Algebra,
  Interpreter,
  Operand,
  Axis,
  SliceArg,
  TensorMethods,
  MethodName,
  ScalarMethods,
  ScalarMethodName,
} from './ops/algebra.js';
export { checkGradients, opRules, GradCheckError, type Differentiable, type CheckOptions, type CheckReport } from './check.js';
export { gemm } from './kernels/matmul.js';
export { ElementwiseKernel, type Strided } from './kernels/elementwise.js';

export { KIND, newTag, registerKind, isTagged, tagOf, plainApply, anyInterpreter, anyOps, type Kind, type Tagged } from './kinds.js';

/**
 * Every op as a function. Typed on tensors; at run time each dispatches on its operands' kinds,
 * so the same call works on duals and graph nodes (numbers are taken as constants).
 */
export const {
  neg,
  exp,
  log,
  log1p,
  expm1,
  sin,
  cos,
  tan,
  tanh,
  sigmoid,
  relu,
  sqrt,
  square,
  abs,
  sign,
  add,
  sub,
  mul,
  div,
  pow,
  maximum,
  minimum,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  where,
  sum,
  mean,
  max,
  min,
  logsumexp,
  argmax,
  argmin,
  softmax,
  logSoftmax,
  reshape,
  transpose,
  permute,
  broadcastTo,
  sumToShape,
  expandDims,
  squeeze,
  slice,
  matmul,
} = anyOps as Algebra<Tensor>;
