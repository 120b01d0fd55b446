/**
 * @ad/core — tensors on scijs ndarray, the op table that both differentiation modes read,
 * and the gradient checker.
 */
import { anyOps } from './dispatch.js';
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
export { nanSafeState, nanSafeMode, setNanSafeMode, withNanSafeMode } from './nan-safe.js';
export { AnomalyError, anomalyState, anomalyDetection, setAnomalyDetection, detectAnomaly, checkAnomaly, hasNonFinite } from './anomaly.js';
export { broadcastShapes, sizeOf, type Shape } from './shape.js';
export { erfc, normalCdfScalar } from './ops/activations.js';

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
  Pair,
  WindowOptions,
  TensorMethods,
  MethodName,
  ScalarMethods,
  ScalarMethodName,
  TaggedOperand,
} from './ops/algebra.js';
export { checkGradients, opRules, GradCheckError, type Differentiable, type CheckOptions, type CheckReport } from './check.js';
export { gemm } from './kernels/matmul.js';
export { setKernels, kernels, type KernelMode, type KernelPath } from './kernels/paths.js';
export { adamUpdate, type AdamUpdate } from './kernels/adam.js';
export {
  ElementwiseKernel,
  addGenerated,
  compileAllKernels,
  compileFunction,
  requestedSources,
  sourceKey,
  type Factory,
  type GeneratedSource,
  type Strided,
} from './kernels/elementwise.js';

export { KIND, newTag, currentTag, registerKind, isTagged, isTensorLike, liftLike, tagOf, plainApply, anyInterpreter, anyOps, type Kind, type Tagged } from './dispatch.js';
export { stackPieces } from './jacobian.js';

/**
 * Every op as a function. Typed on tensors; at run time each dispatches on its operands' kinds,
 * so the same call works on duals and graph nodes (numbers are taken as constants).
 */
const A = anyOps as Algebra<Tensor>;

/** −x, element by element. */
export const neg = A.neg;
/** eˣ, element by element. */
export const exp = A.exp;
/** ln x (NaN below 0, −∞ at 0). */
export const log = A.log;
/** ln(1 + x), exact near 0. */
export const log1p = A.log1p;
/** eˣ − 1, exact near 0. */
export const expm1 = A.expm1;
/** sin x. */
export const sin = A.sin;
/** cos x. */
export const cos = A.cos;
/** tan x. */
export const tan = A.tan;
/** tanh x. */
export const tanh = A.tanh;
/** σ(x) = 1/(1 + e⁻ˣ), never NaN for large |x|. */
export const sigmoid = A.sigmoid;
/** max(x, 0); derivative 0 at 0. */
export const relu = A.relu;
/** √x. */
export const sqrt = A.sqrt;
/** x². */
export const square = A.square;
/** |x|; derivative 0 at 0. */
export const abs = A.abs;
/** sign x ∈ {−1, 0, 1}. */
export const sign = A.sign;
/** x + y with NumPy broadcasting (numbers are constants). */
export const add = A.add;
/** x − y, broadcasting. */
export const sub = A.sub;
/** x·y, element by element, broadcasting. */
export const mul = A.mul;
/** x/y, broadcasting. */
export const div = A.div;
/** xʸ, broadcasting. */
export const pow = A.pow;
/** max(x, y) element by element (ties share the derivative). */
export const maximum = A.maximum;
/** min(x, y) element by element. */
export const minimum = A.minimum;
/** [x = y] as 1/0. */
export const eq = A.eq;
/** [x ≠ y] as 1/0. */
export const ne = A.ne;
/** [x < y] as 1/0. */
export const lt = A.lt;
/** [x ≤ y] as 1/0. */
export const le = A.le;
/** [x > y] as 1/0. */
export const gt = A.gt;
/** [x ≥ y] as 1/0. */
export const ge = A.ge;
/** `c ? x : y` element by element. */
export const where = A.where;
/** Σ over axes (all by default), with keepdims. */
export const sum = A.sum;
/** Mean over axes. */
export const mean = A.mean;
/** Max over axes (ties share the derivative). */
export const max = A.max;
/** Min over axes. */
export const min = A.min;
/** log Σ exp over axes, stable. */
export const logsumexp = A.logsumexp;
/** Index of the first maximum along an axis. */
export const argmax = A.argmax;
/** Index of the first minimum along an axis. */
export const argmin = A.argmin;
/** Softmax along an axis (the last by default), stable. */
export const softmax = A.softmax;
/** log softmax along an axis, fused and stable. */
export const logSoftmax = A.logSoftmax;
/** The same elements in a new shape (one −1 inferred); a view when contiguous. */
export const reshape = A.reshape;
/** Axes reversed, or permuted as given (a view). */
export const transpose = A.transpose;
/** Axes permuted (a view). */
export const permute = A.permute;
/** Stretched to a shape by NumPy rules (a view, stride 0). */
export const broadcastTo = A.broadcastTo;
/** Summed down to a shape: the reverse of broadcasting. */
export const sumToShape = A.sumToShape;
/** A new axis of size 1. */
export const expandDims = A.expandDims;
/** Axes of size 1 removed. */
export const squeeze = A.squeeze;
/** Basic slicing, one index or [start, end, step] per axis (a view). */
export const slice = A.slice;
/** Matrix product, NumPy semantics (1-D promoted, batch axes broadcast). */
export const matmul = A.matmul;
/** ln(1 + eˣ), stable for any x. */
export const softplus = A.softplus;
/** x for x > 0, a·x otherwise; derivative a at 0, as PyTorch. */
export const leakyRelu = A.leakyRelu;
/** x for x > 0, α(eˣ − 1) otherwise; derivative α at 0, as PyTorch. */
export const elu = A.elu;
/** Φ(x), the standard normal distribution function. */
export const normalCdf = A.normalCdf;
/** Every window of an image batch [N, C, H, W] as a column: [N, C·kh·kw, Hₒ·Wₒ] (PyTorch's unfold). */
export const im2col = A.im2col;
/** Elements by flat index; the result has the indices' shape. */
export const take = A.take;
/** Values added into a zero tensor at flat indices (the transpose of take). */
export const scatterAdd = A.scatterAdd;
/** Flat indices of each window's maximum (PyTorch's choice on ties and NaN). */
export const maxPool2dIndices = A.maxPool2dIndices;
