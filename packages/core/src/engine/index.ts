/**
 * @ad/core/engine — the machinery the other packages build kinds and interpreters with:
 * value kinds and dispatch, the algebras (any kind, tensors, numbers) and their maker, the
 * method hosts, the scalar-source builder, the op table itself, the kernels and the allocator.
 * Users import `@ad/core`; forward, reverse, jit and nn import this as well.
 */
import './tensor-methods.js';

export { KIND, newTag, currentTag, registerKind, isTagged, isScalarLike, isTensorLike, liftLike, primalOf, tagOf, type Kind, type Tagged } from './kind.js';
export { plainApply, anyInterpreter, anyOps } from './dispatch.js';
export { makeAlgebra } from './make-algebra.js';
export { tensorOps, tensorInterpreter } from './tensor-algebra.js';
export { numberOps, numberInterpreter } from './number-algebra.js';
export { installTensorMethods, installScalarMethods, type ScalarMethodCompiler } from './hosts.js';
export { methodNames, scalarMethodNames, isMethod, isScalarMethod, hasFastPath, operandCount } from './entries.js';
export { scalarRuleSource, scalarMethodSource, scalarMethod, type ScalarRuleSource, type ScalarFastPath, type FastMethod } from './scalar-source.js';
export { stackPieces } from './stack-pieces.js';
export { partialShare, unbroadcast } from '../ops/define.js';
export {
  allOf,
  alongAxis,
  broadcastSource,
  elementwisePattern,
  gathered,
  groupBy,
  isPatternRule,
  patternRuleOf,
  productPattern,
  reduced,
  scattered,
  strideMap,
} from '../ops/sparsity.js';

export { ops, composites, table, isOp, type OpName, type BuiltinTable } from '../ops/table.js';
export type { MethodImpl, Entry, Signature, Subst, Free, AlgebraOf } from '../ops/signature.js';
export type { AlgebraBase, Interpreter, Method, MethodName, ScalarMethodName, TaggedOperand } from '../ops/algebra.js';
export type { TensorMethods, ScalarMethods, TensorMethodsOf, ScalarMethodsOf } from './methods.js';

export { nanSafeState } from '../nan-safe.js';
export { anomalyState, checkAnomaly, hasNonFinite } from '../anomaly.js';
export { erfc, Special } from '../special.js';
export { allocate, allocateUnfilled, BufferPlan } from '../kernels/alloc.js';
export { allocateResident, isResident, residentBytes, setResidentCap, sharedMemoryBytes } from '../kernels/resident.js';
export { ADAM_SPLIT, EXP_BLOCK, setAdamSplit, wasmShared, type ExpScratch } from '../kernels/wasm.js';
export { poolTesting } from '../kernels/pool.js';
export { expScratch } from '../kernels/paths.js';
export { gemm } from '../kernels/matmul.js';
export { adamUpdate, type AdamUpdate } from '../kernels/adam.js';
export type { Gradient, GradientView } from '../kernels/gradient-view.js';
export { parseElementwise, MAX_DEPTH, MAX_INPUTS, type ParsedExpression } from '../kernels/expression.js';
export { ElementwiseKernel, addGenerated, compileKernel, copyKernel, kernelSources, type Strided } from '../kernels/elementwise.js';
export { ReduceKernel, reduceKernels, reduceSource } from '../kernels/reduce.js';
export {
  tsOnly,
  typed,
  cast,
  render,
  renderFactory,
  compileFunction,
  kernelScope,
  type Language,
  type FunctionSource,
  type Factory,
  type KernelScope,
  type GeneratedKernels,
  type GeneratedReduction,
  type GeneratedLoop,
} from '../kernels/template.js';
