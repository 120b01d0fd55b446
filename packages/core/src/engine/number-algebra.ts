/**
 * The scalar mode: the op table on plain numbers. Element-wise ops run their compiled scalar
 * primal directly (no arrays, no shapes), which is what scalar `Dual` and `Var` build on.
 * Other ops run their primal on 0-d tensors: reductions over no axes and shape ops to `[]`
 * give a number back; anything that needs axes is refused.
 */
import { ShapeError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor.js';
import type { Algebra, Interpreter } from '../ops/algebra.js';
import { isOp, table } from '../ops/table.js';
import { makeAlgebra } from './make-algebra.js';

/** The op table on plain numbers (element-wise ops directly; any other op on 0-d tensors). */
export const numberInterpreter: Interpreter<number> = {
  apply: (op, xs, params) => {
    if (op.elementwise !== undefined) return op.elementwise.scalar(...xs);
    // A reduction over no axes, a reshape to []: the op's own primal on 0-d tensors says what
    // a number gives, so no list of ops that pass scalars through is kept.
    const y = op.primal(
      xs.map((x) => Tensor.fromData(Float64Array.of(x), [])),
      params,
    );
    if (y.ndim !== 0) throw new ShapeError(op.name, `needs a tensor, got a plain number (its result would have shape ${fmtShape(y.shape)})`);
    return y.item();
  },
  constant: (c) => c,
  shape: () => [],
};

function build(): Algebra<number> {
  const algebra = makeAlgebra(numberInterpreter) as unknown as Record<string, unknown>;
  // Element-wise ops run their scalar primal directly (where included: its scalar form selects).
  for (const entry of Object.values(table)) if (isOp(entry) && entry.elementwise !== undefined) algebra[entry.name] = entry.elementwise.scalar;
  return algebra as unknown as Algebra<number>;
}

/** Every element-wise op on plain numbers. */
export const numberOps: Algebra<number> = build();
