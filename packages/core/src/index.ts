/**
 * @ad/core — what users call: tensors (strided views with scijs ndarray's interface), their
 * creation and random numbers, one free function per function of the op table, registerOp and
 * the helpers ops are written with, errors, numerics modes and the gradient checker. The
 * machinery the other packages build on is `@ad/core/engine`.
 */
import './engine/tensor-methods.js';

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
export { fromNdarray } from './ndarray.js';
export * as tree from './tree.js';
export type { Tree, MapLeaves, Structure } from './tree.js';
export { Generator, manualSeed, getDefaultGenerator, type RandomOptions } from './rng.js';
export { AdError, ShapeError, DTypeError, ValueError, ThreadError } from './errors.js';
export { nanSafeMode, setNanSafeMode, withNanSafeMode } from './nan-safe.js';
export { AnomalyError, anomalyDetection, setAnomalyDetection, detectAnomaly } from './anomaly.js';
export { broadcastShapes, sizeOf, type Shape } from './shape.js';
export { setKernels, kernels, type KernelMode, type KernelPath } from './kernels/paths.js';
export { setNumThreads, getNumThreads } from './kernels/pool.js';

export { registerOp, type Registrable, type Registered } from './register-op.js';
export type { Self, MethodContext, OpTable, FunctionName } from './ops/signature.js';
export {
  elementwise,
  linear,
  bilinear,
  custom,
  composite,
  withMethod,
  type Op,
  type OpWithMethod,
  type Composite,
  type CompositeSpec,
  type CompositeFlags,
  type ElementwiseOp,
  type ElementwiseMethod,
  type ElementwiseSpec,
  type LinearSpec,
  type BilinearSpec,
  type CustomSpec,
  type Unary,
  type Binary,
  type Pushforward,
  type Pullback,
  type Partial,
  type ElementwiseInfo,
} from './ops/define.js';
export type { Algebra, Operand, Axis, SliceArg, Pair, WindowOptions } from './ops/algebra.js';
export { elementwiseBatch, type BatchRule } from './ops/batching.js';
export type { PatternRule, Dependence, ElementGroups, PatternOperand } from './ops/sparsity.js';
export { checkGradients, opRules, GradCheckError, type Differentiable, type CheckOptions, type CheckReport } from './gradcheck.js';

export * from './functions.generated.js';
