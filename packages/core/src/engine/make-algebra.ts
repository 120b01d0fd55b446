/**
 * Builds the typed `Algebra<T>` of a mode from its `Interpreter<T>`: every function of the op
 * table, read off the table (signature.ts), with plain numbers lifted to constants. Each entry's
 * method checks and normalises its own arguments; this file only gives methods their context.
 */
import { DTypeError } from '../errors.js';
import { Tensor } from '../tensor.js';
import type { Algebra, Interpreter } from '../ops/algebra.js';
import type { Op } from '../ops/define.js';
import type { MethodContext, MethodImpl, Operand } from '../ops/signature.js';
import { table, type Entry } from '../ops/table.js';
import { KIND } from './kind.js';

/** Every algebra built so far, with the context its methods are bound to: registerOp adds to each. */
const built: { algebra: Record<string, unknown>; context: MethodContext }[] = [];

/** The typed algebra of a mode, built from its interpreter (see the module comment). */
export function makeAlgebra<T>(I: Interpreter<T>): Algebra<T> {
  const lift = (op: string, x: Operand<T>): T => {
    if (typeof x === 'number') return I.constant(x);
    if (I.isValue?.(x)) return x;
    if (typeof x !== 'object' || x === null) {
      throw new DTypeError(op, `expected a tensor or a number, got ${x === null ? 'null' : typeof x} ${JSON.stringify(String(x))}`);
    }
    if (Array.isArray(x)) throw new DTypeError(op, 'expected a tensor or a number, got a plain array; wrap it with tensor([...])');
    // A Tensor, or a value of a differentiation mode (it carries a kind: see kind.ts).
    if (!(x instanceof Tensor) && !(KIND in x)) {
      throw new DTypeError(op, `expected a tensor or a number, got an object of class ${(x as object).constructor?.name ?? 'null'}`);
    }
    return x;
  };
  const algebra: Record<string, unknown> = {
    interpreter: I,
    shape: (x: T) => I.shape(x),
    constant: (c: number) => I.constant(c),
  };
  // Self is T here: the context is the interpreter seen through the placeholder.
  const context = {
    apply: <P>(op: Op<P, unknown>, xs: readonly T[], params: P) => I.apply(op, xs, params),
    lift,
    shape: (x: T) => I.shape(x),
    o: algebra,
  } as unknown as MethodContext;
  for (const entry of Object.values(table)) addFunction(algebra, context, entry);
  built.push({ algebra, context });
  return algebra as unknown as Algebra<T>;
}

function addFunction(algebra: Record<string, unknown>, context: MethodContext, entry: Entry): void {
  if (typeof entry.method === 'function') algebra[entry.name] = (entry.method as MethodImpl).bind(null, context);
}

/** Adds a newly registered entry's function to every algebra built so far (registerOp). */
export function addToAlgebras(entry: Entry): void {
  for (const { algebra, context } of built) addFunction(algebra, context, entry);
}
