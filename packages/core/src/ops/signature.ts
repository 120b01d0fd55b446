/**
 * How an entry of the op table says what it looks like to users: its method, written once over
 * a placeholder kind `Self`. `exp`'s is `(c, x: Self) => Self`; `sum`'s is
 * `(c, x: Self, axis?: Axis, keepdims?: boolean) => Self`. Substituting a mode's kind for Self
 * gives that mode's function (`Tensor`, `Dual`, `Var`, …), so the `Algebra` type, the methods of
 * every kind and the free functions are all read off the table: nothing lists the ops again.
 *
 * Self is opaque, so an implementation can only hand its values to the context — apply an op,
 * lift a number, ask a shape — exactly as code generic in the kind would.
 */
import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { Op } from './define.js';
import type { BuiltinTable } from './table.js';

declare const SELF: unique symbol;

/** The value kind in a method's signature: Tensor for tensors, Dual for duals, and so on. */
export interface Self {
  readonly [SELF]: true;
}

/** An operand: a value of the mode, or a plain number taken as a constant. */
export type Operand<T> = T | number;

/** What a method implementation works with: the mode it is called in, seen through Self. */
export interface MethodContext {
  /** Applies a primitive op of the table with the mode's interpreter. */
  apply<P>(op: Op<P, unknown>, xs: readonly Self[], params: P): Self;
  /** A plain number as a constant of the mode; a value of the mode as it is; anything else refused by name. */
  lift(op: string, x: Operand<Self>): Self;
  /** The shape of a value (`[]` for a scalar). */
  shape(x: Self): Shape;
  /** Every other function of the table, in the same mode (composites are written with these). */
  readonly o: SelfAlgebra;
}

/**
 * The table's functions over Self, as a method implementation sees them. Declared as an interface
 * so that the table's type, which mentions it, does not refer to itself while it is being formed.
 */
export interface SelfAlgebra extends AlgebraOf<Self> {}

/** A method implementation: the context first, then the user's arguments. */
export type MethodImpl = (c: MethodContext, ...args: never[]) => unknown;

/** `X` with T written for every Self in it (through unions, arrays, tuples and functions). */
export type Subst<X, T> = X extends Self
  ? T
  : X extends (...args: infer A) => infer R
    ? (...args: SubstTuple<A, T>) => Subst<R, T>
    : X extends readonly unknown[]
      ? SubstTuple<X, T>
      : X;

type SubstTuple<A, T> = { [I in keyof A]: Subst<A[I], T> };

/** A method implementation's public signature in kind T: the context dropped, Self replaced by T. */
export type Signature<M, T> = M extends (c: MethodContext, ...args: infer A) => infer R ? (...args: SubstTuple<A, T>) => Subst<R, T> : never;

/** What every entry of the table has: its name, and its method unless it is internal. */
export interface Entry {
  readonly name: string;
  readonly method?: unknown;
  /** False for a function that is not a method (`where`: the receiver would be the condition). */
  readonly receiver?: boolean;
  /** True for a composite defined on scalars too (a method of Dual and Var). */
  readonly scalar?: boolean;
}

/**
 * The entries of the table by name. Extended by `registerOp` at run time; its types by module
 * augmentation, so that a registered op is a typed method of every kind (the op's own type
 * declared, not inferred from its rules, which are typed by this table):
 *
 * ```ts
 * const clipOp: Op<undefined> = custom<undefined>({ ... });
 * declare module '@ad/core' {
 *   interface OpTable { clip: typeof clipOp & { readonly method: (c: MethodContext, x: Self) => Self } }
 * }
 * ```
 */
export interface OpTable extends BuiltinTable {}

/** The free function of a function of the table: typed on tensors (core's functions.generated.ts). */
export type Free<K extends FunctionName> = Signature<OpTable[K]['method'], Tensor>;

/** Names of entries that have a method. */
export type FunctionName = { [K in keyof OpTable]: OpTable[K] extends { readonly method: MethodImpl } ? K : never }[keyof OpTable];

/** Every function of the table over kind T. */
export type AlgebraOf<T> = { [K in FunctionName]: Signature<OpTable[K]['method'], T> };

/** Names of the functions installed as methods (all but those with `receiver: false`). */
export type MethodName = { [K in FunctionName]: OpTable[K] extends { readonly receiver: false } ? never : K }[FunctionName];

/** Names of the methods of scalar kinds: element-wise ops and scalar composites. */
export type ScalarMethodName = {
  [K in MethodName]: OpTable[K] extends { readonly elementwise: object } | { readonly scalar: true } ? K : never;
}[MethodName];
