/**
 * vmap's types, checked by the compiler with no casts: the vmapped function takes f's
 * arguments (a number may come as a tensor of them) and returns f's result with every number a
 * tensor — through a generic function too, so vmap(grad(loss)) has the parameters' structure.
 */
import { type Tensor, randn, tensor } from '@ad/core';
import { type TensorVar, grad } from '@ad/reverse';
import { vmap } from '../src/index.js';

test('vmap(grad(loss)) has the parameters’ structure and type, with no casts', () => {
  const loss = (p: { w: TensorVar; b: TensorVar }, x: Tensor, t: Tensor) => p.w.mul(x).sum().add(p.b).sub(t).square();
  const params = { w: randn([3]), b: tensor(0.5) };
  const perExample = vmap(grad(loss), { inAxes: [null, 0, 0] })(params, randn([8, 3]), randn([8]));
  const w: Tensor = perExample.w;
  const b: Tensor = perExample.b;
  // @ts-expect-error the gradient has exactly the parameters' keys
  perExample.scale;
  expect(w.shape).toEqual([8, 3]);
  expect(b.shape).toEqual([8]);
});

test('numbers per example come back as tensors; tuples stay tuples', () => {
  const stats = (x: Tensor): [number, Tensor] => [2, x.sum()];
  const [two, sums] = vmap(stats)(
    tensor([
      [1, 2],
      [3, 4],
    ]),
  );
  const a: Tensor = two;
  const s: Tensor = sums;
  expect(a.toArray()).toEqual([2, 2]);
  expect(s.toArray()).toEqual([3, 7]);
});
