/**
 * What the table's entries are to the kinds: which are methods of tensor kinds, which of scalar
 * kinds, and how many operands a scalar function takes. Read off the table, never listed.
 */
import type { MethodName, ScalarMethodName } from '../ops/algebra.js';
import { hasPlainScalarMethod, type Op } from '../ops/define.js';
import type { Entry } from '../ops/signature.js';
import { isOp, table } from '../ops/table.js';

/** True for an entry that is a method of tensor kinds (every function but `where`-like ones). */
export function isMethod(entry: Entry): boolean {
  return typeof entry.method === 'function' && entry.receiver !== false;
}

/** True for an entry that is a method of scalar kinds: element-wise ops and scalar composites. */
export function isScalarMethod(entry: Entry): boolean {
  return isMethod(entry) && ((entry as { elementwise?: unknown }).elementwise !== undefined || entry.scalar === true);
}

/**
 * True for an entry a scalar kind may compile a fast method for (Dual's and Var's): an
 * element-wise op of one or two operands with the method `elementwise` gave it.
 */
export function hasFastPath(entry: Entry): entry is Op<undefined> {
  return isScalarMethod(entry) && isOp(entry) && hasPlainScalarMethod(entry);
}

/**
 * How many operands a scalar function takes: an element-wise op's inputs, or a composite's
 * required parameters (those before its first optional one, less the context).
 */
export function operandCount(entry: Entry): number {
  const ew = (entry as { elementwise?: { inputs: readonly string[] } }).elementwise;
  return ew !== undefined ? ew.inputs.length : (entry.method as (...a: unknown[]) => unknown).length - 1;
}

/** The names installed as methods on tensor kinds, read off the table. */
export function methodNames(): MethodName[] {
  return Object.values(table)
    .filter(isMethod)
    .map((e) => e.name as MethodName);
}

/** The names installed as methods on scalar kinds (Dual, Var), read off the table. */
export function scalarMethodNames(): ScalarMethodName[] {
  return Object.values(table)
    .filter(isScalarMethod)
    .map((e) => e.name as ScalarMethodName);
}
