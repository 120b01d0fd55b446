/**
 * jvp, jacfwd and hessian on trees of numbers and tensors (JAX's pytrees): tangents and
 * Jacobian blocks in the structures JAX gives, checked against analytic derivatives and
 * against reverse mode's jacrev on the same trees.
 */
import { DTypeError, type Tensor, ValueError, tensor } from '@ad/core';
import { type Dual, type DualTensor, hessian, jacfwd, jvp } from '@ad/forward';
import { hessian as hessianReverse, jacrev } from '@ad/reverse';

// f(a, b) = { s: a·Σb, v: a·b } for a number a and a vector b.
const f = (p: { a: Dual; b: DualTensor }) => ({ s: p.b.sum().mul(p.a), v: p.b.mul(p.a) });
const x = { a: 2, b: tensor([1, 3]) };

describe('jvp on trees', () => {
  test('the tangent has the output’s structure: J·v for v of the primals’ structure', () => {
    const { value, tangent } = jvp(f, x, { a: 1, b: tensor([0, 1]) });
    expect((value.s as Tensor).item()).toBe(8);
    expect((value.v as Tensor).toArray()).toEqual([2, 6]);
    // ṡ = ȧ·Σb + a·Σḃ = 4 + 2; v̇ = ȧ·b + a·ḃ = [1, 3] + [0, 2].
    expect((tangent.s as Tensor).item()).toBe(6);
    expect((tangent.v as Tensor).toArray()).toEqual([1, 5]);
  });

  test('a number in, a number out', () => {
    const r = jvp((t: Dual) => t.sin(), 0.3, 2);
    expect(r.value).toBeCloseTo(Math.sin(0.3), 15);
    expect(r.tangent).toBeCloseTo(2 * Math.cos(0.3), 15);
  });

  test('bad input: tangents of another structure, a tensor tangent of another shape, a string leaf', () => {
    expect(() => jvp(f, x, { a: 1 } as never)).toThrow(new ValueError('jvp', 'tangents must have the structure of primals, {"a": *, "b": *}, got {"a": *}'));
    expect(() => jvp(f, x, { a: 1, b: tensor([1]) })).toThrow(new ValueError('jvp', 'tangents.b must be a tensor of shape [2]'));
    expect(() => jvp(f, { a: 'x', b: tensor([1]) } as never, { a: 1, b: tensor([1]) } as never)).toThrow(
      new DTypeError('jvp', 'primals.a must be a number or a Tensor (or a value of an enclosing transform), got string'),
    );
  });
});

describe('jacfwd on trees', () => {
  test('blocks ∂yᵢ/∂xⱼ of shape [...yᵢ, ...xⱼ], in the output’s structure of x’s, equal to jacrev’s', () => {
    const J = jacfwd(f)(x) as { s: { a: Tensor; b: Tensor }; v: { a: Tensor; b: Tensor } };
    expect(J.s.a.item()).toBe(4);
    expect(J.s.b.toArray()).toEqual([2, 2]);
    expect(J.v.a.toArray()).toEqual([1, 3]);
    expect(J.v.b.toArray()).toEqual([
      [2, 0],
      [0, 2],
    ]);
    const R = jacrev(f as (x: never) => unknown)(x) as typeof J;
    for (const out of ['s', 'v'] as const) for (const inp of ['a', 'b'] as const) expect(J[out][inp].toArray()).toEqual(R[out][inp].toArray());
  });

  test('every chunk width gives the same blocks (seeds split across leaves)', () => {
    for (const chunk of [1, 2, 3]) {
      const J = jacfwd(f, { chunk })(x) as { v: { b: Tensor; a: Tensor } };
      expect(J.v.b.toArray()).toEqual([
        [2, 0],
        [0, 2],
      ]);
      expect(J.v.a.toArray()).toEqual([1, 3]);
    }
  });

  test('an array of numbers to a tensor: one block ∂y/∂xⱼ per input, as jacrev gives (it was refused)', () => {
    // y = [u·w, u + w] as a tensor: ∂y/∂u = [w, 1], ∂y/∂w = [u, 1].
    const g = ([u, w]: readonly Dual[]) =>
      tensor([1, 0])
        .mul(u.mul(w))
        .add(tensor([0, 1]).mul(u.add(w)));
    const forward = jacfwd(g as never)([2, 5]) as unknown as Tensor[];
    const reverse = jacrev(g as never)([2, 5]) as unknown as Tensor[];
    expect(forward.map((b) => b.toArray())).toEqual([
      [5, 1],
      [2, 1],
    ]);
    expect(reverse.map((b) => b.toArray())).toEqual(forward.map((b) => b.toArray()));
  });

  test('numbers in and out: plain numbers', () => {
    expect(jacfwd((p: { u: Dual; w: Dual }) => [p.u.mul(p.w), p.w])({ u: 2, w: 5 })).toEqual([
      { u: 5, w: 2 },
      { u: 0, w: 1 },
    ]);
  });
});

describe('hessian on trees (forward over forward, and reverse mode’s forward over reverse)', () => {
  test('g(a, b) = a²·Σb²: blocks ∂²g/∂xᵢ∂xⱼ in x’s structure of x’s', () => {
    const g = (p: { a: Dual; b: DualTensor }) => p.b.square().sum().mul(p.a.square());
    const H = hessian(g)(x) as { a: { a: Tensor; b: Tensor }; b: { a: Tensor; b: Tensor } };
    // ∂²/∂a² = 2Σb² = 20; ∂²/∂a∂b = 4ab = [8, 24]; ∂²/∂b² = 2a²·I = 8·I.
    expect(H.a.a.item()).toBe(20);
    expect(H.a.b.toArray()).toEqual([8, 24]);
    expect(H.b.a.toArray()).toEqual([8, 24]);
    expect(H.b.b.toArray()).toEqual([
      [8, 0],
      [0, 8],
    ]);
    const R = hessianReverse(g as (x: never) => DualTensor)(x) as typeof H;
    expect(R.a.a.item()).toBe(20);
    expect(R.b.b.toArray()).toEqual(H.b.b.toArray());
    expect(R.a.b.toArray()).toEqual(H.a.b.toArray());
  });
});
