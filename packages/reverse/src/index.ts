/**
 * @ad/reverse — reverse-mode AD on a closure-based graph: `Var` and `TensorVar` nodes,
 * `backward`, and the transforms `grad`, `valueAndGrad`, `vjp`, `jacrev`, `hvp`, `hessian`.
 */
import './methods.js';
import './inspect.js';

export { Node, Var, TensorVar, leaf, leafEntry, type Primal, type Pull } from './node.js';
export { backward, propagate, Gradients, ReleasedGraphError, type BackwardOptions, type PropagateOptions } from './backward.js';
export { reverseInterpreter, recordMany } from './interpreter.js';
export { noGrad, ambientTag, state as recordingState } from './state.js';
export { detectAnomaly, setAnomalyDetection, AnomalyError } from '@ad/core';
export {
  variable,
  zeroGrad,
  grad,
  valueAndGrad,
  vjp,
  jacrev,
  hvp,
  hessian,
  type VjpResult,
  type GradOptions,
  type Gradient,
  type Returned,
  type ScalarOutput,
} from './transforms.js';
export { toDot, graphNodes, topologicalOrder, parents, type DotOptions } from './graphviz.js';
