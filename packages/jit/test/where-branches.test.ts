/**
 * `where` in a fused loop computes only the branch it picks (branches.ts): the members only one
 * branch reads go into an if/else block. Each case is checked against eager mode bit for bit —
 * with both branches picked somewhere, with a NaN or ∞ in the branch not picked, nested, through
 * a jvp and a gradient — and the cases where a member must stay outside the block (read by the
 * other branch, the condition, or outside the loop) are checked to compute the same values.
 */
import { type Tensor, randn, tensor, where } from '@ad/core';
import { type DualTensor, jvp } from '@ad/forward';
import { type TensorVar, grad } from '@ad/reverse';
import { jit } from '../src/index.js';

const blocks = (source: string): number => (source.match(/if \([^)]*!== 0\) \{ \/\/ where/g) ?? []).length;
const bits = (t: Tensor): number[] => Array.from(t.toFloat64Array(), (v) => (Object.is(v, -0) ? -Infinity : v));
const x = randn([64], { seed: 1 });

describe('a where’s exclusive branches are computed only where picked', () => {
  test('both branches picked somewhere; the one not picked may be NaN or ∞ (log and 1/x of negatives, 0)', () => {
    const f = (v: Tensor) => where(v.gt(0), v.log().mul(v.sin()).add(1), v.neg().sqrt().mul(v.reciprocal())).mul(2);
    const g = jit(f);
    const at = tensor([...x.toFloat64Array(), 0]);
    expect(bits(g(at))).toEqual(bits(f(at)));
    expect(blocks(g.source)).toBe(1);
  });

  test('nested wheres, each with its own blocks', () => {
    const f = (v: Tensor) => where(v.gt(0.5), v.exp().sub(1), where(v.lt(-0.5), v.square().mul(3), v.cos().add(v.sin())));
    const g = jit(f);
    expect(bits(g(x))).toEqual(bits(f(x)));
    expect(blocks(g.source)).toBe(2);
  });

  test('through a jvp of three directions and a gradient: eager’s bits', () => {
    const h = (v: Tensor) => where(v.gt(0), v.square().mul(v.sin()), v.exp().sub(1));
    const seeds = [randn([64], { seed: 2 }), randn([64], { seed: 3 }), randn([64], { seed: 4 })];
    const tangents = (v: Tensor) => jvp((xs: DualTensor[]) => h(xs[0] as unknown as Tensor) as unknown as DualTensor, [v], { seeds: [seeds] }).tangent;
    const jt = jit(tangents);
    jt(x).forEach((t, k) => expect(bits(t)).toEqual(bits(tangents(x)[k])));
    expect(blocks(jt.source)).toBeGreaterThan(0);
    const loss = (v: TensorVar) => (h(v as unknown as Tensor) as unknown as TensorVar).sum();
    expect(bits(jit(grad(loss))(x))).toEqual(bits(grad(loss)(x)));
  });
});

describe('members read outside a branch stay outside it', () => {
  test('a member both branches read, one the condition reads, and one that is a result', () => {
    const f = (v: Tensor) => {
      const shared = v.sin();
      const c = v.mul(3).gt(shared);
      const out = where(c, shared.mul(2).add(v), shared.sub(v.exp()));
      const alsoResult = v.cos().add(1);
      return [where(v.gt(0), alsoResult.mul(v), v), alsoResult, out];
    };
    const g = jit(f);
    const got = g(x) as Tensor[];
    f(x).forEach((t, k) => expect(bits(got[k])).toEqual(bits(t)));
  });
});
