/**
 * jit composes with the transforms' trees, argnums and hasAux: one compiled program per
 * signature gives what the eager transform gives, in the same structure.
 */
import { type Tensor, tensor } from '@ad/core';
import { jit } from '@ad/jit';
import { type TensorVar, grad, jacrev, valueAndGrad } from '@ad/reverse';

describe('jit of transforms on trees', () => {
  test('a result of nested objects keeps each object’s own keys (they shared one key list in scope)', () => {
    const f = jit((x: Tensor) => ({ outer: { a: x, b: x.mul(2) }, other: { c: x.neg() }, last: x }));
    const r = f(tensor([1])) as { outer: { a: Tensor; b: Tensor }; other: { c: Tensor }; last: Tensor };
    expect(Object.keys(r)).toEqual(['outer', 'other', 'last']);
    expect(Object.keys(r.outer)).toEqual(['a', 'b']);
    expect(Object.keys(r.other)).toEqual(['c']);
    expect(r.outer.b.toArray()).toEqual([2]);
    expect(r.other.c.toArray()).toEqual([-1]);
  });

  test('grad with argnums [0, 2]: a tuple of gradients, as eager', () => {
    const f = (x: TensorVar, y: TensorVar, z: TensorVar) => x.mul(y.square()).add(z).sum();
    const args = [tensor([2, -1]), tensor([3, 0.5]), tensor([7, 1])] as const;
    const compiled = jit(grad(f, { argnums: [0, 2] }))(...args) as Tensor[];
    const eager = grad(f, { argnums: [0, 2] })(...args);
    expect(compiled.map((t) => t.toArray())).toEqual(eager.map((t) => t.toArray()));
    expect(compiled[0].toArray()).toEqual([9, 0.25]); // ∂/∂x = y²
  });

  test('valueAndGrad with hasAux: { value, grad, aux } from one program', () => {
    const loss = (w: TensorVar): [TensorVar, TensorVar] => [w.square().sum(), w.mul(2)];
    const r = jit(valueAndGrad(loss, { hasAux: true }))(tensor([1, -1])) as { value: Tensor; grad: Tensor; aux: Tensor };
    expect(r.value.item()).toBe(2);
    expect(r.grad.toArray()).toEqual([2, -2]);
    expect(r.aux.toArray()).toEqual([2, -2]);
  });

  test('jacrev of an object of tensors to an object: the blocks, as eager', () => {
    const f = (p: { a: TensorVar; b: TensorVar }) => ({ s: p.a.mul(p.b).sum(), v: p.b.mul(p.a) });
    const x = { a: tensor([2, 3]), b: tensor([5, 7]) };
    type J = { s: { a: Tensor; b: Tensor }; v: { a: Tensor; b: Tensor } };
    const compiled = jit(jacrev(f as (x: never) => unknown))(x) as J;
    const eager = jacrev(f as (x: never) => unknown)(x) as J;
    for (const out of ['s', 'v'] as const) for (const inp of ['a', 'b'] as const) expect(compiled[out][inp].toArray()).toEqual(eager[out][inp].toArray());
    expect(compiled.v.a.toArray()).toEqual([
      [5, 0],
      [0, 7],
    ]);
  });
});
