/**
 * `registerOp`: users extend the table the way the core defines it. An op made with
 * `elementwise`, `linear`, `bilinear`, `custom` (and `withMethod`), or a `composite`, becomes a
 * method of every kind that has the table's methods, a function of every algebra, and so
 * differentiable in every mode and nesting — jit included, which traces the same table.
 */
import { DTypeError, ValueError } from './errors.js';
import type { Tensor } from './tensor.js';
import type { Composite, CompositeFlags, Op } from './ops/define.js';
import type { Entry, MethodContext, MethodImpl, Operand, Self, Signature } from './ops/signature.js';
import { table } from './ops/table.js';
import { anyOps } from './engine/dispatch.js';
import { hostsHave } from './engine/hosts.js';
import { addEntry } from './engine/register.js';

/** An entry that users can register: an op (with its method, or given the default one), or a composite. */
export type Registrable = Op<never, unknown> | Composite;

/** The free function of a registered entry: its method's signature on tensors, or every operand a tensor or number. */
export type Registered<E> = E extends { readonly method: MethodImpl } ? Signature<E['method'], Tensor> : (...xs: (Tensor | number)[]) => Tensor;

/**
 * Adds an op to the table and returns its free function (typed on tensors; it dispatches on
 * any kind). Its method appears on Tensor, DualTensor, TensorVar, Dual and Var (the last two
 * for element-wise ops, and for others registered with `{ scalar: true }`); an op without a
 * method takes its operands as they come. Declare it on `OpTable` for the methods' types:
 *
 * ```ts
 * const steOp: Op<undefined> = custom<undefined>({ name: 'ste', arity: 1, primal, jvp, vjp });
 * declare module '@ad/core' {
 *   interface OpTable { ste: typeof steOp & { readonly method: (c: MethodContext, x: Self) => Self; readonly scalar: true } }
 * }
 * const ste = registerOp(steOp, { scalar: true });
 * ```
 *
 * Throws a ValueError for a name the table has (ops cannot be replaced: that would change
 * every model) and a DTypeError for something that is not an op.
 */
export function registerOp<E extends Registrable>(entry: E, flags: CompositeFlags = {}): Registered<E> {
  if (entry === null || typeof entry !== 'object' || typeof entry.name !== 'string') {
    throw new DTypeError(
      'registerOp',
      `expected an op (made with elementwise, linear, bilinear, custom or composite), got ${entry === null ? 'null' : typeof entry}`,
    );
  }
  const name = entry.name;
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw new ValueError('registerOp', `the op's name must be an identifier, got ${JSON.stringify(name)}`);
  if (typeof flags !== 'object' || flags === null)
    throw new DTypeError('registerOp', `flags must be an object ({ scalar?: true, receiver?: false }), got ${flags === null ? 'null' : typeof flags}`);
  const isOp =
    typeof (entry as Op<never>).primal === 'function' && typeof (entry as Op<never>).vjp === 'function' && typeof (entry as Op<never>).jvp === 'function';
  if (!isOp && !('composite' in entry)) {
    throw new DTypeError('registerOp', `${name} is not an op: make it with elementwise, linear, bilinear, custom or composite`);
  }
  if (Object.hasOwn(table, name)) throw new ValueError('registerOp', `the table already has a function named ${name}`);
  // A method must not hide a member the kinds have (shape, grad, backward, toString, …).
  if (name in Object.prototype || ['interpreter', 'shape', 'constant'].includes(name) || hostsHave(name)) {
    throw new ValueError('registerOp', `${name} is already a member of tensors or values; choose another name`);
  }
  // An op without a method takes its operands as they come, each a value or a number (as the
  // element-wise ops do), and no parameters.
  if (typeof entry.method !== 'function') {
    const op = entry as Op<undefined>;
    Object.assign(op, {
      method: (c: MethodContext, ...xs: Operand<Self>[]): Self =>
        c.apply(
          op,
          xs.map((x) => c.lift(name, x)),
          undefined,
        ),
    });
  }
  Object.assign(entry, flags);
  addEntry(entry as Entry);
  return (anyOps as unknown as Record<string, Registered<E>>)[name];
}
