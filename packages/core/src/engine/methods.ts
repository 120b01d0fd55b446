/**
 * The methods' types of every kind: `TensorMethods` for tensor kinds (Tensor, DualTensor,
 * TensorVar, jit's TensorTracer), `ScalarMethods` for scalar kinds (Dual, Var, jit's Tracer).
 *
 * The functions of the built-in table are declared one by one in methods.generated.ts, each
 * with its definition's doc comment, so an editor shows a method's doc and rule on hover; each
 * member's type is read off the table (`Method`). Functions registered by users, declared on
 * `OpTable` by module augmentation (see registerOp), are the names the built-in table lacks:
 * a mapped type adds those, so `x.ste()` is typed on every kind once `ste` is declared.
 */
import type { Method, MethodName, ScalarMethodName } from '../ops/algebra.js';
import type { BuiltinTable } from '../ops/table.js';
import type { ScalarMethodsOf, TensorMethodsOf } from './methods.generated.js';

export type { ScalarMethodsOf, TensorMethodsOf };

/** The methods of the functions registered by users (on OpTable, not in the built-in table), among names N. */
type RegisteredMethods<N extends MethodName, T, O> = { [K in Exclude<N, keyof BuiltinTable>]: Method<K, T, O> };

/** The methods every tensor kind has: the built-in table's (documented) and the registered ones. */
export interface TensorMethods<T, O = never> extends TensorMethodsOf<T, O>, RegisteredMethods<MethodName, T, O> {}

/** The methods every scalar kind has: `x.add(y)`, `x.exp()`, with numbers taken as constants. */
export interface ScalarMethods<S, O = never> extends ScalarMethodsOf<S, O>, RegisteredMethods<ScalarMethodName, S, O> {}
