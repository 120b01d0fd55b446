/**
 * @ad/forward — forward-mode AD: dual numbers and dual tensors that carry seed vectors, and
 * the transforms `derivative`, `jvp`, `jacfwd`, `hessian`.
 */
import './methods.js';
import './inspect.js';

export { Dual, DualTensor, newTag, tagOf, type Scalar, type Value } from './dual.js';
export { forwardInterpreter, ForwardModeError } from './interpreter.js';
export { dual, dualTensor, BY_HAND_TAG } from './make.js';
export {
  derivative,
  jvp,
  jacfwd,
  hessian,
  PerturbationError,
  type JvpResult,
  type JvpDirections,
  type JvpSeeds,
  type JvpBatch,
  type JacfwdOptions,
  type ScalarFunction,
  type VectorFunction,
  type TensorFunction,
  type ArrayJacobian,
  type TensorJacobian,
  type TaggedScalar,
  type TaggedTensor,
} from './transforms.js';
export { unitSeeds, defaultChunk, chunks } from './seeds.js';
