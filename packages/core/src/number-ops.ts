/**
 * The scalar mode: the op table on plain numbers. Element-wise ops run their compiled scalar
 * primal directly (no arrays, no shapes), which is what scalar `Dual` and `Var` build on.
 * Reductions over no axes and shape ops to `[]` are the identity; anything that needs axes
 * is refused.
 */
import { ShapeError } from './errors.js';
import type { Algebra, Interpreter } from './ops/algebra.js';
import { makeAlgebra } from './ops/facade.js';
import { ops, unaryNames, binaryNames } from './ops/table.js';

const identityOnScalars = new Set(['sum', 'mean', 'max', 'min', 'logsumexp', 'reshape', 'broadcastTo', 'sumToShape', 'permute']);

/** The op table on plain numbers (element-wise ops; trivial shape ops). */
export const numberInterpreter: Interpreter<number> = {
  apply: (op, xs, params) => {
    if (op.elementwise !== undefined) return op.elementwise.scalar(...xs);
    const p = params as { axes?: readonly number[]; shape?: readonly number[]; perm?: readonly number[] } | undefined;
    const trivial = (p?.axes?.length ?? 0) === 0 && (p?.shape?.length ?? 0) === 0 && (p?.perm?.length ?? 0) === 0;
    if (identityOnScalars.has(op.name) && trivial) return xs[0];
    throw new ShapeError(op.name, 'needs a tensor, got a plain number (a scalar has no axes)');
  },
  constant: (c) => c,
  shape: () => [],
};

function build(): Algebra<number> {
  const algebra = makeAlgebra(numberInterpreter) as unknown as Record<string, unknown>;
  for (const name of [...unaryNames, ...binaryNames]) algebra[name] = ops[name].elementwise!.scalar;
  algebra.where = ops.where.elementwise!.scalar;
  return algebra as unknown as Algebra<number>;
}

/** Every element-wise op on plain numbers. */
export const numberOps: Algebra<number> = build();
