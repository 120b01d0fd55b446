/**
 * Tensor's methods: every function of the table, installed on Tensor.prototype and running on
 * `anyOps`, so `x.exp()` is `exp(x)` and `w.matmul(x)` works when x is a dual or a graph node.
 * Imported for this effect by both entries of the package.
 */
import { Tensor } from '../tensor.js';
import type { Algebra } from '../ops/algebra.js';
import { anyOps } from './dispatch.js';
import { installTensorMethods } from './hosts.js';
import type { TensorMethods } from './methods.js';

declare module '../tensor.js' {
  interface Tensor extends TensorMethods<Tensor> {}
}

installTensorMethods(Tensor.prototype, () => anyOps as Algebra<Tensor>);
