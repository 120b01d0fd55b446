/**
 * Reverse mode through every op of the table: the engine's Jᵀȳ (a recorded graph and one
 * backward pass) against central finite differences, and against forward mode's J·v through
 * the identity ⟨x̄, v⟩ = ⟨ȳ, J v⟩ — the two engines checked against each other, op by op.
 */
import { checkGradients, Tensor, type Algebra, type Differentiable } from '@ad/core';
import { anyOps, newTag, tensorOps } from '@ad/core/engine';
import { DualTensor } from '@ad/forward';
import { Node, leaf, propagate } from '../src/index.js';
import { opSpecs, specApply, specInputs, type Spec } from '@ad/test-support/op-specs';

function engines(spec: Spec, wrt: readonly number[]): Differentiable {
  const apply = specApply(spec);
  const any = anyOps as Algebra<unknown>;
  return {
    f: (xs) => apply(tensorOps, xs),
    jvp: (xs, vs) => {
      const tag = newTag();
      const y = apply(
        any,
        xs.map((x, i) => (wrt.includes(i) ? new DualTensor(tag, x, [vs[i]]) : x)),
      );
      return y instanceof DualTensor ? (y.tangents[0] as Tensor) : Tensor.fromData(new Float64Array(xs[0].size * 0 + (y as Tensor).size), (y as Tensor).shape);
    },
    vjp: (xs, yBar) => {
      const tag = newTag();
      const leaves = xs.map((x, i) => (wrt.includes(i) ? leaf(tag, x, true) : x));
      const y = apply(any, leaves);
      if (!(y instanceof Node)) throw new Error('no node recorded');
      propagate([y], [yBar]);
      return leaves.map((l) => (l instanceof Node ? (l.adjoint as Tensor | null) : null));
    },
  };
}

describe('reverse mode on every op', () => {
  test.each(opSpecs)('%s', (name, spec) => {
    const xs = specInputs(spec);
    const wrt = spec.wrt ?? xs.map((_, i) => i);
    const report = checkGradients(name, engines(spec, wrt), xs, { wrt, directions: 3 });
    expect(report.vjpError).toBeLessThanOrEqual(1);
    expect(report.identityError).toBeLessThan(1e-9);
  });
});
