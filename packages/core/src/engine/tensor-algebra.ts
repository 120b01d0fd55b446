/**
 * The plain tensor mode: an interpreter that runs each op's primal, with no dispatch on kinds
 * (`tensorOps`, for code that knows it has tensors). Tensor's methods go through `anyOps`
 * (tensor-methods.ts), so `w.matmul(x)` works when x is a dual or a graph node.
 */
import type { Tensor } from '../tensor.js';
import { scalar } from '../create.js';
import type { Algebra, Interpreter } from '../ops/algebra.js';
import { makeAlgebra } from './make-algebra.js';

/** Plain evaluation: runs each op's primal on tensors. */
export const tensorInterpreter: Interpreter<Tensor> = {
  apply: (op, xs, params) => op.primal(xs, params),
  constant: scalar,
  shape: (x) => x.shape,
};

/** Every op as a function on tensors. */
export const tensorOps: Algebra<Tensor> = makeAlgebra(tensorInterpreter);
