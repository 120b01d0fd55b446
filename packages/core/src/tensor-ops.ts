/**
 * The plain tensor mode: an interpreter that runs each op's primal, with no dispatch on kinds
 * (`tensorOps`, for code that knows it has tensors). Tensor's methods go through `anyOps`, so
 * `w.matmul(x)` works when x is a dual or a graph node.
 */
import { Tensor } from './tensor.js';
import type { Algebra, Interpreter, MethodName, ScalarMethodName, TensorMethods } from './ops/algebra.js';
import { binaryNames, unaryNames } from './ops/table.js';
import { makeAlgebra } from './ops/facade.js';
import { scalar } from './create.js';
import { anyOps } from './dispatch.js';

/** Plain evaluation: runs each op's primal on tensors. */
export const tensorInterpreter: Interpreter<Tensor> = {
  apply: (op, xs, params) => op.primal(xs, params),
  constant: scalar,
  shape: (x) => x.shape,
};

/** Every op as a function on tensors. */
export const tensorOps: Algebra<Tensor> = makeAlgebra(tensorInterpreter);

/** The names installed as methods: every algebra function whose first operand is the receiver. */
export const methodNames: readonly MethodName[] = (Object.keys(tensorOps) as (keyof Algebra<Tensor>)[]).filter(
  (k): k is MethodName => k !== 'interpreter' && k !== 'shape' && k !== 'constant' && k !== 'where',
);

/**
 * Installs the algebra's functions as methods on a tensor class, so `x.exp()` is
 * `algebra.exp(x)`. Every tensor kind (Tensor, DualTensor, the reverse-mode node) uses this,
 * which is how they share one method interface.
 */
export function installTensorMethods<V>(proto: object, algebra: () => Algebra<V>): void {
  install(proto, algebra, methodNames);
}

/** The element-wise method names, shared by scalar kinds. */
export const scalarMethodNames: readonly ScalarMethodName[] = [...unaryNames, ...binaryNames];

/** Installs the element-wise ops as methods on a scalar class (Dual, Var). */
export function installScalarMethods<V>(proto: object, algebra: () => Algebra<V>): void {
  install(proto, algebra, scalarMethodNames);
}

function install<V>(proto: object, algebra: () => Algebra<V>, names: readonly MethodName[]): void {
  for (const name of names) {
    Object.defineProperty(proto, name, {
      value: function (this: V, ...args: unknown[]) {
        return (algebra()[name] as (x: V, ...rest: unknown[]) => V)(this, ...args);
      },
      writable: true,
      configurable: true,
    });
  }
}

declare module './tensor.js' {
  interface Tensor extends TensorMethods<Tensor> {}
}

installTensorMethods(Tensor.prototype, () => anyOps as Algebra<Tensor>);
