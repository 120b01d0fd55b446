/**
 * The interpreter's numeric path (interpreter.ts, numericDual): an element-wise op of the table
 * reached through dispatch (as other modes' rules reach it) on first-order duals of one width,
 * or a dual and a number. For every such op of the table it must give the general path's bits:
 * the general path is what NaN-safe mode runs (numericDual steps aside there), and with every
 * tangent nonzero NaN-safe mode's arithmetic is the default's.
 */
import { withNanSafeMode, type Op } from '@ad/core';
import { anyInterpreter, isOp, table } from '@ad/core/engine';
import { Dual, newTag } from '../src/index.js';

const ops = Object.values(table).filter(
  (e): e is Op<unknown> => isOp(e) && e.differentiable && e.elementwise !== undefined && e.elementwise.partials !== null && e.elementwise.inputs.length <= 2,
);
const bits = (d: unknown): number[] => {
  const x = d as Dual;
  return [x.value as number, ...(x.partials as number[])].map((v) => (Object.is(v, -0) ? -Infinity : v));
};

test('the table has element-wise ops of one and two operands for this path', () => {
  expect(ops.filter((op) => op.elementwise!.inputs.length === 1).length).toBeGreaterThan(10);
  expect(ops.filter((op) => op.elementwise!.inputs.length === 2).length).toBeGreaterThan(4);
});

test.each(ops.map((op) => [op.name, op] as const))('%s: duals of width 3, and a dual with a number, give the general path’s bits', (_name, op) => {
  const tag = newTag();
  const a = Dual.of(tag, 0.7, [0.3, -1.1, 2.5]);
  const b = Dual.of(tag, 1.3, [1.7, 0.4, -0.9]);
  const one = Dual.of(tag, 0.45, [-0.6]);
  const cases: unknown[][] =
    op.elementwise!.inputs.length === 1
      ? [[a], [one]]
      : [
          [a, b],
          [a, 2.5],
          [0.5, b],
        ];
  for (const xs of cases) {
    const fast = anyInterpreter.apply(op, xs, undefined);
    const general = withNanSafeMode(() => anyInterpreter.apply(op, xs, undefined));
    expect(fast).toBeInstanceOf(Dual);
    expect(bits(fast)).toEqual(bits(general));
  }
});
