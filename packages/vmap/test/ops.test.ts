/**
 * Every function of the op table under vmap: for each line of the spec table (and a line for
 * each op whose derivative is zero, which that table has none of), vmap(f) over a batch equals
 * f called on each example and the results stacked — with the batch at axis 0, at axis 1, at
 * the last axis, and with some inputs shared (inAxes null). Every primitive op has a rule.
 */
import { Generator, stack, type Tensor, type Op } from '@ad/core';
import { anyOps, ops } from '@ad/core/engine';
import { expectClose, randomTensor, type Domain } from '@ad/test-support/helpers';
import { linesOf, specApply, specName, specTable, type Spec } from '@ad/test-support/op-specs';
import { vmap, type Axis } from '../src/index.js';

const window = { kernel: [2, 2] as const, stride: [1, 2] as const, padding: [1, 0] as const, dilation: [1, 1] as const };

/** The ops whose derivative is zero (the spec table marks them, with no line): a line each here. */
const zeroDerivative: Spec[] = [
  ...(['ceil', 'floor', 'isFinite', 'isInf', 'isNaN', 'round', 'sign'] as const).map((name): Spec => ({ op: ops[name] as Op<never>, shapes: [[3, 4]] })),
  ...(['eq', 'ge', 'gt', 'le', 'lt', 'ne'] as const).map((name): Spec => ({ op: ops[name] as Op<never>, shapes: [[2, 3], [3]], domains: ['mask', 'mask'] })),
  { label: 'argmax (axis 1)', fn: 'argmax', shapes: [[3, 4]], args: [1] },
  { label: 'argmin (all)', fn: 'argmin', shapes: [[3, 4]] },
  { label: 'argmax (all, keepdims)', fn: 'argmax', shapes: [[2, 3]], args: [undefined, true] },
  { op: ops.maxPool2dIndices as Op<never>, shapes: [[2, 2, 4, 5]], params: window },
];

const lines: Spec[] = [...Object.values(specTable).flatMap((l) => linesOf(l)), ...zeroDerivative];

/** The inAxes to try for inputs of these ranks (per example): 0, 1, the last axis, and shared inputs. */
function axesCombos(ranks: readonly number[]): Axis[][] {
  const combos: Axis[][] = [ranks.map(() => 0), ranks.map((r) => (r >= 1 ? 1 : 0)), ranks.map(() => -1)];
  if (ranks.length > 1) {
    combos.push(ranks.map((_, i) => (i === 0 ? null : 0)));
    combos.push(ranks.map((r, i) => (i === 0 ? (r >= 1 ? 1 : 0) : null)));
  }
  return combos;
}

const B = 3;

describe.each(lines.map((spec) => [spec.label ?? specName(spec), spec] as const))('%s', (_label, spec) => {
  const f = specApply(spec);
  const call = (...xs: unknown[]) => f(anyOps, xs);
  test.each(axesCombos(spec.shapes.map((s) => s.length)).map((axes) => [JSON.stringify(axes), axes] as const))('inAxes %s', (_name, axes) => {
    const g = new Generator(7);
    const domain = (i: number): Domain => spec.domains?.[i] ?? 'real';
    // Per example, each batched input's own value; a shared input once.
    const examples = spec.shapes.map((s, i) => (axes[i] === null ? null : Array.from({ length: B }, () => randomTensor(g, s, domain(i)))));
    const shared = spec.shapes.map((s, i) => (axes[i] === null ? randomTensor(g, s, domain(i)) : null));
    const batchedInputs = examples.map((ex, i) => (ex === null ? (shared[i] as Tensor) : stack(ex, axes[i] as number)));
    const want = stack(
      Array.from({ length: B }, (_, b) => call(...examples.map((ex, i) => (ex === null ? shared[i] : ex[b]))) as Tensor),
      0,
    );
    const got = vmap(call, { inAxes: axes })(...batchedInputs) as Tensor;
    expectClose(got, want, 1e-12, 1e-12);
  });
});

test('every primitive op of the table has a batching rule', () => {
  expect(
    Object.values(ops)
      .filter((op) => (op as Op<never>).batch === undefined)
      .map((op) => op.name),
  ).toEqual([]);
});
