/**
 * @ad/core — tensors (strided views with scijs ndarray's interface), the op table that both
 * differentiation modes read (and users extend with registerOp),
 * and the gradient checker.
 */

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
export { Generator, manualSeed, getDefaultGenerator, type RandomOptions } from './rng.js';
export { AdError, ShapeError, DTypeError, ValueError } from './errors.js';
export { nanSafeState, nanSafeMode, setNanSafeMode, withNanSafeMode } from './nan-safe.js';
export { AnomalyError, anomalyState, anomalyDetection, setAnomalyDetection, detectAnomaly, checkAnomaly, hasNonFinite } from './anomaly.js';
export { broadcastShapes, sizeOf, type Shape } from './shape.js';
export { erf, erfc, normalCdf as normalCdfScalar, Special } from './special.js';

export {
  tensorOps,
  tensorInterpreter,
  installTensorMethods,
  installScalarMethods,
  methodNames,
  scalarMethodNames,
  isMethod,
  isScalarMethod,
  operandCount,
  type ScalarMethodCompiler,
} from './tensor-ops.js';
export { numberOps, numberInterpreter } from './number-ops.js';
export { makeAlgebra } from './ops/facade.js';
export { scalarRuleSource, scalarMethodSource, type ScalarRuleSource, type ScalarFastPath } from './ops/scalar-source.js';
export { ops, composites, table, isOp, type OpName, type BuiltinTable } from './ops/table.js';
export { registerOp, type Registrable, type Registered } from './ops/register.js';
export type { Self, MethodContext, MethodImpl, Entry, OpTable, Signature, Subst, Free, FunctionName, AlgebraOf } from './ops/signature.js';
export {
  elementwise,
  linear,
  bilinear,
  custom,
  composite,
  withMethod,
  unbroadcast,
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
export type {
  Algebra,
  AlgebraBase,
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

export {
  KIND,
  newTag,
  currentTag,
  registerKind,
  isTagged,
  isTensorLike,
  liftLike,
  tagOf,
  plainApply,
  anyInterpreter,
  anyOps,
  type Kind,
  type Tagged,
} from './dispatch.js';
export { stackPieces } from './jacobian.js';
export { allocate } from './alloc.js';

export * from './functions.js';
