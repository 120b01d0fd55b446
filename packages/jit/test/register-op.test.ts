/**
 * Users extend the table as the core defines it: `registerOp` with the same helpers. Written
 * from outside the packages (public imports only): a straight-through estimator and a gradient
 * clip (custom rules, PyTorch's autograd.Function / JAX's custom_vjp), and an element-wise op
 * from its expression — each a method and a free function, differentiable in every mode, nested,
 * and under jit.
 */
import { AdError, DTypeError, ValueError, custom, elementwise, registerOp, tensor, type MethodContext, type Op, type Self, type Unary } from '@ad/core';
import { Dual, type DualTensor, dual, jvp, jacfwd } from '@ad/forward';
import { type TensorVar, Var, grad, hessian, variable, valueAndGrad } from '@ad/reverse';
import { jit } from '@ad/jit';

/** round(x) forward, the identity backward: ẏ = ẋ, x̄ = ȳ. */
const steOp: Op<undefined> = custom<undefined>({
  name: 'ste',
  arity: 1,
  primal: ([x]) => x.round(),
  jvp:
    () =>
    ([xDot]) =>
      xDot,
  vjp: () => (yBar, needs) => [needs[0] ? yBar : null],
});

/** The identity forward; ȳ clipped to [−1, 1] backward (a gradient-clipping op). */
const clipOp: Op<undefined> = custom<undefined>({
  name: 'clipGradient',
  arity: 1,
  primal: ([x]) => x,
  jvp:
    () =>
    ([xDot]) =>
      xDot,
  vjp: (o) => (yBar, needs) => [needs[0] ? o.clamp(yBar, -1, 1) : null],
});

/** softsign x = x/(1 + |x|).  ẏ = ẋ/(1 + |x|)² */
const softsignOp: Unary = elementwise({
  name: 'softsign',
  inputs: ['x'],
  expr: 'x / (1 + Math.abs(x))',
  partials: [(o, [x]) => o.reciprocal(o.square(o.add(o.abs(x), 1)))],
});

// The methods' types: an op's type must be declared (not inferred from its rules, which are typed by the table).
declare module '@ad/core' {
  interface OpTable {
    ste: typeof steOp & { readonly method: (c: MethodContext, x: Self) => Self; readonly scalar: true };
    clipGradient: typeof clipOp & { readonly method: (c: MethodContext, x: Self) => Self; readonly scalar: true };
    softsign: typeof softsignOp;
  }
}

const ste = registerOp(steOp, { scalar: true });
const clipGradient = registerOp(clipOp, { scalar: true });
const softsign = registerOp(softsignOp);

describe('a straight-through estimator', () => {
  test('on tensors: round forward, identity backward', () => {
    expect(ste(tensor([0.4, 1.6, -2.5])).toArray()).toEqual([0, 2, -2]);
    const g = grad((w: TensorVar) => w.ste().mul(w).sum())(tensor([0.4, 1.6]));
    // d/dw [ste(w)·w] = 1·w + ste(w)
    expect(g.toArray()).toEqual([0.4, 2 + 1.6]);
  });

  test('on scalar Vars and Duals, as a method and a function (the custom rule on a scalar)', () => {
    const x = variable(1.7);
    const y = x.ste().mul(x);
    y.backward();
    expect(x.grad).toBeCloseTo(1.7 + 2, 14);
    expect(dual(1.7).ste().partials).toEqual([1]);
    const d = dual(0.3, [2]).ste();
    expect(d).toBeInstanceOf(Dual);
    expect([d.value, ...d.partials]).toEqual([0, 2]);
    expect(variable(2.2).ste()).toBeInstanceOf(Var);
  });

  test('nested: forward over reverse and reverse over reverse agree', () => {
    const f = ([x]: Var[]) => x.ste().mul(x.square());
    // f = ste(x)·x², f' = x² + 2x·ste(x), f'' = 2x + 2x + 2·ste(x) (ste' = 1 through its rule)
    const x = 1.4;
    for (const mode of ['forward-over-reverse', 'reverse-over-reverse'] as const) {
      expect(hessian(f, { mode })([x])[0][0]).toBeCloseTo(4 * x + 2 * 1, 12);
    }
  });

  test('under jit: the same gradient as eager', () => {
    const f = (w: TensorVar) => w.ste().mul(w.sin()).sum();
    const w = tensor([0.3, 1.7, -2.2]);
    expect(jit(grad(f))(w).toArray()).toEqual(grad(f)(w).toArray());
  });
});

describe('a gradient-clipping op', () => {
  test('the forward value is untouched; the adjoint is clipped, the tangent is not', () => {
    const x = tensor([1, 2]);
    expect(clipGradient(x).toArray()).toEqual([1, 2]);
    expect(valueAndGrad((w: TensorVar) => w.clipGradient().mul(10).sum())(x).grad.toArray()).toEqual([1, 1]);
    expect(jvp(([w]: DualTensor[]) => w.clipGradient().mul(10), [x], [tensor([1, 1])]).tangent.toArray()).toEqual([10, 10]);
    const v = variable(3);
    v.clipGradient().mul(-7).backward();
    expect(v.grad).toBe(-1);
  });
});

describe('an element-wise op from its expression', () => {
  const x0 = 0.8;
  const fd = (f: (x: number) => number, x: number, h = 1e-6) => (f(x + h) - f(x - h)) / (2 * h);
  const value = (x: number) => x / (1 + Math.abs(x));

  test('values and derivatives in every kind, against finite differences', () => {
    expect(softsign(tensor([x0])).toArray()).toEqual([value(x0)]);
    const d = fd(value, x0);
    expect(dual(x0).softsign().partials[0]).toBeCloseTo(d, 8);
    expect(grad(([x]: Var[]) => x.softsign())([x0])[0]).toBeCloseTo(d, 8);
    const f = (t: TensorVar) => t.softsign().sum();
    expect(grad(f)(tensor([x0])).item()).toBeCloseTo(d, 8);
    expect(jacfwd(([x]: Dual[]) => [x.softsign()])([x0])[0][0]).toBeCloseTo(d, 8);
    expect(jit(grad(f))(tensor([x0, -x0])).toArray()).toEqual(grad(f)(tensor([x0, -x0])).toArray());
  });
});

describe('registerOp refuses by name', () => {
  test('a name the table has, a member of the kinds, something that is not an op', () => {
    expect(() => registerOp(elementwise({ name: 'exp', inputs: ['x'], expr: 'x' }))).toThrow(ValueError);
    expect(() => registerOp(elementwise({ name: 'exp', inputs: ['x'], expr: 'x' }))).toThrow(/already has a function named exp/);
    expect(() => registerOp(elementwise({ name: 'backward', inputs: ['x'], expr: 'x' }))).toThrow(/already a member/);
    expect(() => registerOp(elementwise({ name: 'shape', inputs: ['x'], expr: 'x' }))).toThrow(/already a member/);
    expect(() => registerOp({ name: 'nothing' } as never)).toThrow(DTypeError);
    expect(() => registerOp(null as never)).toThrow(AdError);
    expect(() => registerOp(steOp)).toThrow(/already has a function named ste/);
  });
});
