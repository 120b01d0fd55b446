/**
 * The new functions of the table at their special points, against the values PyTorch gives:
 * kinks, ties, zeros, NaN, repeated indices, bad arguments. (Their rules away from such points
 * are checked by the spec table in every mode.)
 */
import { ShapeError, ValueError, atan2, clamp, concat, hypot, relu6, round, split, stack, tensor, type Tensor } from '@ad/core';
import { dual } from '@ad/forward';
import { grad, hessian, variable, type TensorVar, type Var } from '../src/index.js';

const g = (f: (x: TensorVar) => TensorVar, x: Tensor) => grad((v: TensorVar) => f(v).sum())(x).toArray();

test('round halves to even, as PyTorch and NumPy; floor, ceil and round have zero gradient', () => {
  expect(round(tensor([0.5, 1.5, 2.5, -0.5, -1.5, -2.7, 3.2])).toArray()).toEqual([0, 2, 2, -0, -2, -3, 3]);
  expect(g((x) => x.round().add(x.floor()).add(x.ceil()), tensor([0.3, 1.7]))).toEqual([0, 0]);
});

test('clamp passes the gradient on [min, max] bounds included, relu6 only strictly inside (0, 6)', () => {
  const x = tensor([-1, 0, 3, 6, 7]);
  expect(clamp(x, 0, 6).toArray()).toEqual([0, 0, 3, 6, 6]);
  expect(g((v) => v.clamp(0, 6), x)).toEqual([0, 1, 1, 1, 0]);
  expect(relu6(x).toArray()).toEqual([0, 0, 3, 6, 6]);
  expect(g((v) => v.relu6(), x)).toEqual([0, 0, 1, 0, 0]);
  // One bound; NaN passes through; min > max gives max.
  expect(clamp(tensor([NaN, -3, 3]), -1).toArray()).toEqual([NaN, -1, 3]);
  expect(clamp(tensor([0.5]), 2, 1).toArray()).toEqual([1]);
  // Tensor bounds get the gradient where they are the result.
  const lo = variable(tensor([0, 0, 0]));
  const out = variable(tensor([-1, 0.5, 2]))
    .clamp(lo, 1)
    .sum();
  out.backward();
  expect((lo.grad as Tensor).toArray()).toEqual([1, 0, 0]);
});

test('atan2 and hypot: NaN gradient at (0, 0) (0/0, as PyTorch), the right slopes elsewhere', () => {
  expect(atan2(tensor([1]), tensor([0])).item()).toBeCloseTo(Math.PI / 2, 15);
  const [dy, dx] = grad(([y, x]) => y.atan2(x))([1, 2]);
  expect([dy, dx]).toEqual([2 / 5, -1 / 5]);
  expect(grad(([y, x]) => y.atan2(x))([0, 0]).every(Number.isNaN)).toBe(true);
  expect(hypot(tensor([3, 1e200]), tensor([4, 1e200])).toArray()).toEqual([5, Math.SQRT2 * 1e200]);
  expect(grad(([x, y]) => x.hypot(y))([3, 4])).toEqual([0.6, 0.8]);
});

test('prod and cumprod are exact where an element is 0 (no division)', () => {
  const x = tensor([2, 0, 3, 4]);
  expect(x.prod().item()).toBe(0);
  // ∂/∂xᵢ Π x = Π_{k≠i} xₖ: only the zero's partial survives.
  expect(g((v) => v.prod(), x)).toEqual([0, 24, 0, 0]);
  expect(x.cumprod(0).toArray()).toEqual([2, 0, 0, 0]);
  // Σⱼ ∂yⱼ/∂x₁ = Σ_{j≥1} Π_{k≤j, k≠1} xₖ = 2 + 2·3 + 2·3·4
  expect((g((v) => v.cumprod(0), x) as number[])[1]).toBe(2 + 6 + 24);
  expect(
    tensor([
      [1, 2],
      [3, 4],
    ])
      .prod(1, true)
      .toArray(),
  ).toEqual([[2], [12]]);
  expect(tensor([]).prod().item()).toBe(1);
  expect(tensor([]).prod().shape).toEqual([]);
  expect(tensor([[], []]).prod(1).toArray()).toEqual([1, 1]);
  expect(tensor([1, 2, 3, 4, 5]).cumsum(0).toArray()).toEqual([1, 3, 6, 10, 15]);
});

test('norm: gradient 0 at the zero vector (PyTorch masks the 0/0), x/‖x‖ elsewhere', () => {
  expect(g((v) => v.norm(), tensor([0, 0, 0]))).toEqual([0, 0, 0]);
  const [gx, gy] = g((v) => v.norm(), tensor([3, 4])) as number[];
  expect(gx).toBeCloseTo(0.6, 15);
  expect(gy).toBeCloseTo(0.8, 15);
  expect(tensor([3, -4]).norm(1).item()).toBe(7);
  expect(tensor([3, -4]).norm(Infinity).item()).toBe(4);
  expect(() => tensor([1]).norm(0.5)).toThrow(ValueError);
});

test('concat, stack, split, tile, pad, flip: values, and adjoints routed back to their pieces', () => {
  const a = tensor([[1, 2]]);
  const b = tensor([
    [3, 4],
    [5, 6],
  ]);
  expect(concat([a, b], 0).toArray()).toEqual([
    [1, 2],
    [3, 4],
    [5, 6],
  ]);
  expect(stack([a, a], 0).shape).toEqual([2, 1, 2]);
  expect(() => concat([a, tensor([1, 2, 3])], 0)).toThrow(ShapeError);
  expect(() => stack([a, b])).toThrow(/stack: tensor 1 has shape \[2,2\], tensor 0 has \[1,2\]/);
  expect(split(tensor([1, 2, 3, 4, 5]), 2).map((p) => p.toArray())).toEqual([[1, 2], [3, 4], [5]]);
  expect(split(tensor([1, 2, 3]), [1, 2]).map((p) => p.toArray())).toEqual([[1], [2, 3]]);
  expect(() => split(tensor([1, 2, 3]), [1, 1])).toThrow(/sum to 2, but axis 0 has 3/);
  expect(
    tensor([[1, 2]])
      .tile([2, 2])
      .toArray(),
  ).toEqual([
    [1, 2, 1, 2],
    [1, 2, 1, 2],
  ]);
  expect(g((v) => v.tile([3]), tensor([1, 2]))).toEqual([3, 3]);
  expect(
    tensor([1, 2])
      .pad([[1, 2]], -1)
      .toArray(),
  ).toEqual([-1, 1, 2, -1, -1]);
  expect(g((v) => v.pad([[2, 0]], 9).mul(tensor([5, 5, 1, 2])), tensor([1, 1]))).toEqual([1, 2]);
  expect(
    tensor([
      [1, 2],
      [3, 4],
    ])
      .flip(1)
      .toArray(),
  ).toEqual([
    [2, 1],
    [4, 3],
  ]);
  expect(
    tensor([
      [1, 2],
      [3, 4],
    ])
      .flip()
      .toArray(),
  ).toEqual([
    [4, 3],
    [2, 1],
  ]);
});

test('indexSelect and gather: repeated indices add their adjoints; indices out of range are refused by name', () => {
  const x = tensor([
    [1, 2],
    [3, 4],
    [5, 6],
  ]);
  expect(x.indexSelect(0, [2, 0, 2]).toArray()).toEqual([
    [5, 6],
    [1, 2],
    [5, 6],
  ]);
  expect(g((v) => v.indexSelect(0, [2, 0, 2]), x)).toEqual([
    [1, 1],
    [0, 0],
    [2, 2],
  ]);
  expect(
    x
      .gather(
        1,
        tensor([
          [1, 1],
          [0, 1],
          [0, 0],
        ]),
      )
      .toArray(),
  ).toEqual([
    [2, 2],
    [3, 4],
    [5, 5],
  ]);
  expect(() => x.indexSelect(0, [3])).toThrow(/indexSelect: index 3 is not an integer in \[0, 3\)/);
  expect(() => x.gather(1, tensor([[2]]))).toThrow(ValueError);
});

test('oneHot: rows of a mask; out-of-range classes refused; a Dual gives a Dual with zero tangents', () => {
  expect(tensor([0, 2]).oneHot(3).toArray()).toEqual([
    [1, 0, 0],
    [0, 0, 1],
  ]);
  expect(() => tensor([3]).oneHot(3)).toThrow(/oneHot: index 3 is not an integer in \[0, 3\)/);
  expect(() => tensor([0]).oneHot(0)).toThrow(ValueError);
});

test('gelu, exact and tanh, as PyTorch: values and slopes at 0 and 1', () => {
  expect(tensor([1]).gelu().item()).toBeCloseTo(0.8413447460685429, 15);
  expect(tensor([1]).gelu('tanh').item()).toBeCloseTo(0.8411919906082768, 15);
  expect(dual(0).gelu().partials[0]).toBeCloseTo(0.5, 15);
  expect(() => tensor([1]).gelu('fast' as never)).toThrow(/approximate must be 'none' or 'tanh'/);
});

test('inverse trigonometric and hyperbolic functions: ∞ slopes at the domain edges, NaN outside', () => {
  expect(grad(([x]) => x.asin())([1])[0]).toBe(Infinity);
  expect(tensor([2]).asin().item()).toBeNaN();
  expect(grad(([x]) => x.acosh())([1])[0]).toBe(Infinity);
  expect(grad(([x]) => x.atanh())([0.5])[0]).toBeCloseTo(4 / 3, 15);
  expect(tensor([1]).erf().item()).toBeCloseTo(0.8427007929497149, 15);
  expect(tensor([NaN, Infinity, 1]).isNaN().toArray()).toEqual([1, 0, 0]);
  expect(tensor([NaN, Infinity, 1]).isFinite().toArray()).toEqual([0, 0, 1]);
});

test("elu's second derivatives are finite where eˣ overflows: both Hessian nestings agree (0, not 0·∞ = NaN)", () => {
  // y = elu(x, α) at x = 800: y = x, so every second derivative is 0; the untaken branch α(eˣ − 1)
  // must not leak ∞ into reverse-over-reverse.
  const f = ([x, alpha]: Var[]) => x.elu(alpha);
  const byForward = hessian(f)([800, 1.5]);
  const byReverse = hessian(f, { mode: 'reverse-over-reverse' })([800, 1.5]);
  expect(byForward).toEqual([
    [0, 0],
    [0, 0],
  ]);
  expect(byReverse).toEqual(byForward);
  // Where x ≤ 0 the branch is taken: ∂²y/∂x∂α = eˣ.
  expect(hessian(f, { mode: 'reverse-over-reverse' })([-0.5, 1.5])[0][1]).toBeCloseTo(Math.exp(-0.5), 14);
});
