/**
 * Placements (place.ts): a sum of unslices with disjoint windows — concat, stack, their
 * tangents and adjoints — is emitted as one array with each piece written into its window, not
 * as zeroed arrays added together. Each case is checked against eager mode bit for bit (−0
 * included: the sum turns a −0 piece into +0, and so must the placement), and the cases that
 * must stay sums (overlapping windows, a piece read elsewhere) are checked to stay sums.
 */
import { type Tensor, concat, randn, stack, tensor } from '@ad/core';
import { type DualTensor, jvp } from '@ad/forward';
import { type TensorVar, grad } from '@ad/reverse';
import { jit } from '../src/index.js';

const placed = (source: string): number => (source.match(/^\s*place\(/gm) ?? []).length;
const unslices = (source: string): number => (source.match(/op_unslice\.primal\(/g) ?? []).length;
/** Element by element with Object.is: +0 and −0 differ, NaN equals NaN. */
const bits = (t: Tensor): number[] => Array.from(t.toFloat64Array(), (v) => (Object.is(v, -0) ? -Infinity : v));

describe('a sum of unslices with disjoint windows is placed', () => {
  test('concat along each axis and stack along a middle axis: eager’s bits, no unslice statement', () => {
    const a = randn([3, 4], { seed: 1 });
    const b = randn([3, 2], { seed: 2 });
    const c = randn([2, 4], { seed: 3 });
    const cases: [string, (x: Tensor, y: Tensor, z: Tensor) => Tensor][] = [
      ['concat along the last axis', (x, y) => concat([x.mul(2), y.sin()], 1)],
      ['concat along the first axis, three pieces', (x, _y, z) => concat([x, z.exp(), x.neg()], 0)],
      ['stack along axis 1', (x) => stack([x, x.cos(), x.square()], 1)],
    ];
    for (const [name, f] of cases) {
      const g = jit(f);
      expect([name, bits(g(a, b, c))]).toEqual([name, bits(f(a, b, c))]);
      expect([name, unslices(g.source)]).toEqual([name, 0]);
      expect(placed(g.source)).toBeGreaterThanOrEqual(2);
    }
  });

  test('a −0 piece comes out +0, as the sum makes it', () => {
    const f = (x: Tensor) => concat([x.mul(-1), x], 0);
    const g = jit(f);
    const x = tensor([0, 1, -2]);
    const y = g(x);
    expect(bits(y)).toEqual(bits(f(x)));
    expect(Object.is(y.toFloat64Array()[0], 0)).toBe(true);
  });

  test('windows that leave elements uncovered: those stay zero (the adjoint of two slices)', () => {
    // x̄ = unslice(ȳ₁) + unslice(ȳ₂) for the slices [0, 2) and [5, 8) of 10 elements.
    const f = (x: TensorVar) =>
      x
        .slice([0, 2])
        .square()
        .sum()
        .add(x.slice([5, 8]).sin().sum());
    const g = jit(grad(f));
    const x = randn([10], { seed: 4 });
    const expected = grad(f)(x);
    expect(bits(g(x))).toEqual(bits(expected));
    expect(placed(g.source)).toBe(2);
    expect(g.source).toMatch(/alloc\(10\)/);
  });

  test('the tangents of a jvp through a concat, three directions given as arguments', () => {
    const f = (x: DualTensor) => {
      const t = x as unknown as Tensor;
      return concat([t.sin(), t.mul(3)], 0) as unknown as DualTensor;
    };
    const run = (x: Tensor, s0: Tensor, s1: Tensor, s2: Tensor) => jvp((xs: DualTensor[]) => f(xs[0]), [x], { seeds: [[s0, s1, s2]] }).tangent;
    const g = jit(run);
    const args = [8, 5, 6, 7].map((seed) => randn([5], { seed })) as [Tensor, Tensor, Tensor, Tensor];
    expect(g(...args).map(bits)).toEqual(run(...args).map(bits));
    expect(unslices(g.source)).toBe(0);
    expect(placed(g.source)).toBe(6);
  });
});

describe('sums that are not placements stay sums', () => {
  test('overlapping windows (the adjoint of two overlapping slices) are added', () => {
    const f = (x: TensorVar) =>
      x
        .slice([0, 6])
        .square()
        .sum()
        .add(x.slice([4, 10]).sin().sum());
    const g = jit(grad(f));
    const x = randn([10], { seed: 9 });
    expect(bits(g(x))).toEqual(bits(grad(f)(x)));
    expect(placed(g.source)).toBe(0);
    expect(unslices(g.source)).toBe(2);
  });

  test('a concat that is a result and is read again, and one whose sum then broadcasts: eager’s bits', () => {
    const x = randn([4], { seed: 10 });
    const shared = jit((a: Tensor) => {
      const y = concat([a, a.exp()], 0);
      return [y, stack([a, a], 0).sum()];
    });
    const [y0, s0] = shared(x) as Tensor[];
    expect(bits(y0)).toEqual(bits(concat([x, x.exp()], 0)));
    expect(s0.item()).toBe(stack([x, x], 0).sum().item());
    const readTwice = jit((a: Tensor) => {
      const p = a.reshape([1, 4]);
      const z = p.add(p);
      return concat([z, p], 0).add(z.sum());
    });
    const eager = (a: Tensor) => {
      const p = a.reshape([1, 4]);
      const z = p.add(p);
      return concat([z, p], 0).add(z.sum());
    };
    expect(bits(readTwice(x) as Tensor)).toEqual(bits(eager(x)));
  });
});
