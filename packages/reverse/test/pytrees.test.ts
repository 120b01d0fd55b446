/**
 * grad, valueAndGrad and vjp on trees of numbers and tensors, with argnums and hasAux, as JAX's
 * `jax.grad`/`jax.value_and_grad`/`jax.vjp` define them. The type annotations on the results
 * are checked by the compiler (tsconfig.test.json): no casts, the gradient's type comes from the
 * argument's.
 */
import { DTypeError, type Tensor, ValueError, tensor } from '@ad/core';
import { type TensorVar, type Var, grad, hvp, jacrev, valueAndGrad, vjp } from '@ad/reverse';

const close = (a: Tensor, b: readonly number[]) => (a.toArray() as number[]).forEach((v, i) => expect(v).toBeCloseTo(b[i], 12));

describe('trees of inputs', () => {
  test("JAX's first example: grad(tanh)(0.2) = 1 − tanh²(0.2) ≈ 0.961043, a number for a number", () => {
    const d: number = grad((x: Var) => x.tanh())(0.2);
    expect(d).toBeCloseTo(1 - Math.tanh(0.2) ** 2, 15);
    expect(d).toBeCloseTo(0.961043, 6);
  });

  test('an object of tensors: ∂/∂w and ∂/∂b of ½‖w·x + b − y‖², in the argument’s structure', () => {
    const x = tensor([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const y = tensor([1, 0, 2]);
    const w = tensor([0.5, -0.25]);
    const b = tensor(0.1);
    const loss = (p: { w: TensorVar; b: TensorVar }) => x.matmul(p.w).add(p.b).sub(y).square().sum().div(2);
    const g: { w: Tensor; b: Tensor } = grad(loss)({ w, b });
    // r = x·w + b − y; ∂/∂w = xᵀr, ∂/∂b = Σ r.
    const r = x.matmul(w).add(b).sub(y);
    close(g.w, x.transpose().matmul(r).toArray() as number[]);
    expect(g.b.shape).toEqual([]);
    expect(g.b.item()).toBeCloseTo(r.sum().item(), 12);
    expect(Object.keys(g).sort()).toEqual(['b', 'w']);
  });

  test('nested arrays and objects, numbers beside tensors, and null kept in place', () => {
    const f = (p: { scale: Var; layers: { w: TensorVar; bias: Var | null }[] }) =>
      p.layers[0].w
        .mul(p.scale)
        .sum()
        .add((p.layers[1].bias as Var).mul(p.scale));
    const g = grad(f)({
      scale: 2,
      layers: [
        { w: tensor([1, 2, 3]), bias: null },
        { w: tensor([4]), bias: 5 },
      ],
    });
    // f = s·Σw₀ + b₁·s: ∂/∂s = Σw₀ + b₁ = 11, ∂/∂w₀ = s, ∂/∂w₁ = 0, ∂/∂b₁ = s.
    expect(g.scale).toBeCloseTo(11, 14);
    close(g.layers[0].w, [2, 2, 2]);
    expect(g.layers[0].bias).toBeNull();
    close(g.layers[1].w, [0]);
    expect(g.layers[1].bias).toBe(2);
  });

  test('the array-of-scalars and single-tensor forms keep their meaning', () => {
    const a: number[] = grad((xs: Var[]) => xs[0].mul(xs[1]))([3, 4]);
    expect(a).toEqual([4, 3]);
    const t: Tensor = grad((v: TensorVar) => v.square().sum())(tensor([1, 2]));
    expect(t.toArray()).toEqual([2, 4]);
  });
});

describe('argnums (JAX: an index gives that argument’s gradient, a list a tuple of them)', () => {
  // The arguments not differentiated arrive as they were given (tensors here), as in JAX.
  const f = (x: TensorVar, y: TensorVar, z: TensorVar) => x.mul(y.square()).add(z).sum();
  const [x, y, z] = [tensor([2]), tensor([3]), tensor([7])];

  test('default 0, then 1, then [0, 2]', () => {
    const gx: Tensor = grad(f)(x, y, z);
    expect(gx.toArray()).toEqual([9]);
    const gy: Tensor = grad(f, { argnums: 1 })(x, y, z);
    expect(gy.toArray()).toEqual([12]);
    const [gx2, gz]: [Tensor, Tensor] = grad(f, { argnums: [0, 2] })(x, y, z);
    expect([gx2.toArray(), gz.toArray()]).toEqual([[9], [1]]);
  });

  test('the other arguments are constants, of any type', () => {
    const scaled = (x: TensorVar, options: { scale: number; label: string }) => x.mul(options.scale).sum();
    expect(grad(scaled)(tensor([1, 2]), { scale: 3, label: 'not differentiated' }).toArray()).toEqual([3, 3]);
  });

  test('valueAndGrad with argnums', () => {
    const r = valueAndGrad(f, { argnums: [1] })(x, y, z);
    expect(r.value.item()).toBe(25);
    expect(r.grad.map((g) => g.toArray())).toEqual([[12]]);
  });
});

describe('hasAux (f returns [output, aux])', () => {
  test('grad returns [gradient, aux]; aux values of the derivative come back as plain values', () => {
    const f = (x: Var): [Var, { square: Var; note: string }] => [x.mul(x).mul(x), { square: x.mul(x), note: 'cube' }];
    const [g, aux] = grad(f, { hasAux: true })(3);
    expect(g).toBe(27);
    expect(aux).toEqual({ square: 9, note: 'cube' });
  });

  test('valueAndGrad returns { value, grad, aux }', () => {
    const loss = (w: TensorVar): [TensorVar, TensorVar] => {
      const y = w.mul(2);
      return [y.square().sum(), y];
    };
    const r = valueAndGrad(loss, { hasAux: true })(tensor([1, -1]));
    expect(r.value.item()).toBe(8);
    expect(r.grad.toArray()).toEqual([8, -8]);
    expect(r.aux.toArray()).toEqual([2, -2]);
  });

  test('vjp with hasAux returns the aux beside the pullback', () => {
    const { value, vjp: pull, aux } = vjp((x: Var): [Var, number] => [x.sin(), 42], 0.5, { hasAux: true });
    expect(value).toBeCloseTo(Math.sin(0.5), 15);
    expect(pull(2)).toBeCloseTo(2 * Math.cos(0.5), 15);
    expect(aux).toBe(42);
  });
});

describe('vjp on trees', () => {
  test('an object of outputs takes a cotangent of the same structure and gives the primals’ structure back', () => {
    const f = (p: { a: Var; b: TensorVar }) => ({ sum: p.b.sum().mul(p.a), scaled: p.b.mul(p.a) });
    const { value, vjp: pull } = vjp(f, { a: 2, b: tensor([1, 2]) });
    expect(value.sum.item()).toBe(6);
    expect(value.scaled.toArray()).toEqual([2, 4]);
    const g = pull({ sum: tensor(1), scaled: tensor([1, 0]) });
    // ā = Σb·1 + b·[1,0] = 3 + 1 = 4; b̄ = a·1 + a·[1,0] = [4, 2].
    expect(g.a).toBe(4);
    expect(g.b.toArray()).toEqual([4, 2]);
    expect(() => pull({ sum: tensor(1) } as never)).toThrow(
      new ValueError('vjp', 'the cotangent must have the structure of f\'s output, {"scaled": *, "sum": *} (2 outputs), got {"sum": *}'),
    );
  });
});

describe('jacrev and hvp on trees', () => {
  test('jacrev: a tree of the output’s structure whose leaves are blocks ∂yᵢ/∂xⱼ of shape [...yᵢ, ...xⱼ]', () => {
    // y = { s: a·Σb, v: a·b } for x = { a: number, b: [2] }.
    const f = (p: { a: Var; b: TensorVar }) => ({ s: p.b.sum().mul(p.a), v: p.b.mul(p.a) });
    const J = jacrev(f)({ a: 2, b: tensor([1, 3]) }) as { s: { a: Tensor; b: Tensor }; v: { a: Tensor; b: Tensor } };
    // s has shape [] (a shape-[] tensor): ∂s/∂a = Σb = 4 (shape []), ∂s/∂b = [a, a] (shape [2]).
    expect(J.s.a.item()).toBe(4);
    expect(J.s.b.toArray()).toEqual([2, 2]);
    // v has shape [2]: ∂v/∂a = b (shape [2]), ∂v/∂b = a·I (shape [2, 2]).
    expect(J.v.a.toArray()).toEqual([1, 3]);
    expect(J.v.b.toArray()).toEqual([
      [2, 0],
      [0, 2],
    ]);
  });

  test('jacrev of a scalar function of a number is a number; the array forms are as before', () => {
    expect(jacrev((x: Var) => x.square())(3)).toBe(6);
    expect(jacrev((xs: Var[]) => [xs[0].mul(xs[1]), xs[1]])([2, 5])).toEqual([
      [5, 2],
      [0, 1],
    ]);
  });

  test('hvp: H·v in x’s structure, for f(w, b) = Σ w² · b (H = [[2b·I, 2w], [2wᵀ, 0]])', () => {
    const f = (p: { w: TensorVar; b: Var }) => p.w.square().sum().mul(p.b);
    const w = tensor([1, 2]);
    const Hv = hvp(f)({ w, b: 3 }, { w: tensor([1, 0]), b: 1 });
    // (Hv)_w = 2b·v_w + 2w·v_b = [6, 0] + [2, 4]; (Hv)_b = 2wᵀv_w = 2.
    expect(Hv.w.toArray()).toEqual([8, 4]);
    expect(Hv.b).toBe(2);
    expect(() => hvp(f)({ w, b: 3 }, { w } as never)).toThrow(new ValueError('hvp', 'v must have the structure of x, {"b": *, "w": *}, got {"w": *}'));
  });
});

describe('nesting', () => {
  test('a second derivative through a scalar argument: d²/dx² sin x = −sin x', () => {
    const d2: number = grad((x: Var) => grad((u: Var) => u.sin())(x) as unknown as Var)(0.7);
    expect(d2).toBeCloseTo(-Math.sin(0.7), 14);
  });

  test('the gradient of a function of an object, differentiated again through one of its leaves', () => {
    // f(w, b) = w²·b: ∂f/∂w = 2wb, and ∂/∂b of that is 2w.
    const inner = (p: { w: Var; b: Var }) => p.w.square().mul(p.b);
    const outer = (b: Var) => grad(inner)({ w: 3, b: b as unknown as number }).w as unknown as Var;
    expect(grad(outer)(5)).toBeCloseTo(6, 14);
  });
});

describe('bad input', () => {
  const f = (x: TensorVar, y: TensorVar) => x.mul(y).sum();
  test('argnums out of range, negative, repeated; an unknown option', () => {
    expect(() => grad(f, { argnums: 2 })(tensor(1), tensor(2))).toThrow(
      new ValueError('grad', 'argnums asks for argument 2, but f was called with 2 arguments'),
    );
    expect(() => grad(f, { argnums: -1 })).toThrow(new ValueError('grad', 'argnums must be a non-negative integer or a non-empty array of them, got -1'));
    expect(() => grad(f, { argnums: [0, 0] })).toThrow(new ValueError('grad', 'argnums must not repeat an index, got [0, 0]'));
    expect(() => grad(f, { argnum: 1 } as never)).toThrow(new ValueError('grad', 'unknown option argnum; the options are argnums and hasAux'));
    expect(() => vjp((x: Var) => x, 1, { argnums: 0 } as never)).toThrow(new ValueError('vjp', 'unknown option argnums; the options are hasAux'));
  });

  test('hasAux with f not returning a pair; a leaf that is not a number or tensor, named by its path', () => {
    expect(() => grad((x: Var) => x as never, { hasAux: true })(1)).toThrow(
      new DTypeError('grad', 'with hasAux, f must return a pair [output, aux], got object'),
    );
    expect(() => grad((p: { w: Var; name: Var }) => p.w)({ w: 1, name: 'w' as never })).toThrow(
      new DTypeError('grad', 'x.name must be a number or a Tensor (or a value of an enclosing transform), got string'),
    );
    expect(() => grad(f, { argnums: [0, 1] })(tensor(1), 'y' as never)).toThrow(
      new DTypeError('grad', 'args[1] must be a number or a Tensor (or a value of an enclosing transform), got string'),
    );
  });
});

describe('types: the gradient’s type is inferred from the argument’s (checked by tsc, tsconfig.test.json)', () => {
  test('wrong annotations are compile errors, so the inferred types are not any', () => {
    const loss = (p: { w: TensorVar; b: Var }) => p.w.sum().mul(p.b);
    const g = grad(loss)({ w: tensor([1, 2]), b: 3 });
    // @ts-expect-error the gradient of a number is a number
    const notTensor: Tensor = g.b;
    // @ts-expect-error the gradient of a tensor is a Tensor
    const notNumber: number = g.w;
    // @ts-expect-error the structure has no key c
    const missing = g.c;
    const [gw, aux] = grad((w: TensorVar): [TensorVar, { n: number }] => [w.sum(), { n: 1 }], { hasAux: true })(tensor([1]));
    // @ts-expect-error aux keeps its type
    const notString: string = aux.n;
    expect(notTensor).toBe(3); // ∂(b·Σw)/∂b = Σw
    expect(notNumber).toBe(g.w);
    expect(missing).toBeUndefined();
    expect(notString).toBe(1);
    expect(gw.toArray()).toEqual([1]);
  });
});
