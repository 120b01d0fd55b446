/**
 * Every nesting, both orders, any depth: reverse over reverse, forward over reverse, reverse
 * over forward, forward over forward, on scalars and tensors; transforms take the values of an
 * enclosing transform as inputs and return values of its kind; an outer noGrad does not switch
 * a transform off. Written without casts: the types carry nesting.
 */
import { AdError, type Algebra, Tensor, ValueError, custom, registerOp, tensor } from '@ad/core';
import { anyOps, operandCount, scalarMethodNames, table } from '@ad/core/engine';
import { Dual, derivative, dual, hessian as forwardHessian, jacfwd, jvp, type DualTensor } from '@ad/forward';
import { type TensorVar, Var, backward, grad, hessian, hvp, jacrev, noGrad, valueAndGrad, variable, vjp } from '../src/index.js';

const cube = ([y]: Var[]) => y.mul(y).mul(y);
/** f(a, b) = a²b + sin b: H = [[2b, 2a], [2a, −sin b]]. */
const f = ([a, b]: Var[]) => a.mul(a).mul(b).add(b.sin());
const fDual = ([a, b]: Dual[]) => a.mul(a).mul(b).add(b.sin());
const hessianOfF = ([a, b]: number[]) => [
  [2 * b, 2 * a],
  [2 * a, -Math.sin(b)],
];

describe('reverse over reverse', () => {
  test('grad of grad: d²/dx² x³ = 6x = 18 at 3', () => {
    expect(grad((xs) => grad(cube)(xs)[0])([3])).toEqual([18]);
  });

  test('jacrev of grad is the Hessian, and hessian({ mode: reverse-over-reverse }) gives it', () => {
    const x = [0.3, -1.2];
    const want = hessianOfF(x);
    const byJacrev = jacrev((xs) => grad(f)(xs))(x);
    const byMode = hessian(f, { mode: 'reverse-over-reverse' })(x);
    for (const H of [byJacrev, byMode, hessian(f)(x), forwardHessian(fDual)(x)]) {
      H.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(want[i][j], 14)));
    }
  });

  test('tensors: the gradient of Σ ∇(Σ t³) = Σ 3t² is 6t', () => {
    const g = (t: TensorVar) => t.mul(t).mul(t).sum();
    expect(grad((t: TensorVar) => grad(g)(t).sum())(tensor([1, 2, -3])).toArray()).toEqual([6, 12, -18]);
  });

  test('tensors: jacrev of grad and hessian in reverse-over-reverse equal forward-over-reverse', () => {
    const L = (t: TensorVar) => t.mul(t).mul(t.sin()).sum();
    const x = tensor([0.5, -1.5, 2]);
    const rr = jacrev((t: TensorVar) => grad(L)(t))(x).toArray() as number[][];
    const fr = hessian(L)(x).toArray() as number[][];
    const rr2 = hessian(L, { mode: 'reverse-over-reverse' })(x).toArray() as number[][];
    fr.forEach((row, i) =>
      row.forEach((v, j) => {
        expect(rr[i][j]).toBeCloseTo(v, 12);
        expect(rr2[i][j]).toBeCloseTo(v, 12);
      }),
    );
    // d²/dt² t² sin t = 2 sin t + 4t cos t − t² sin t on the diagonal, zero elsewhere.
    const t = 0.5;
    expect(rr[0][0]).toBeCloseTo(2 * Math.sin(t) + 4 * t * Math.cos(t) - t * t * Math.sin(t), 12);
    expect(rr[0][1]).toBe(0);
  });

  test('vjp and valueAndGrad at values of an enclosing graph give that graph’s values', () => {
    const outer = grad((xs) => {
      const { value, vjp: pull } = vjp(([a, b]) => [a.mul(b), a.add(b)], xs);
      const [ga, gb] = pull([1, 2]); // ∂/∂a (ab + 2(a + b)) = b + 2, ∂/∂b = a + 2
      return ga.mul(gb).add(value[0]);
    })([3, 4]);
    // g(a, b) = (b + 2)(a + 2) + ab: ∂/∂a = b + 2 + b, ∂/∂b = a + 2 + a.
    expect(outer).toEqual([10, 8]);
    const vg = grad((xs) => {
      const { value, grad: g } = valueAndGrad(([a]) => a.exp())(xs);
      return value.mul(g[0]); // e^{2a}
    })([0.5]);
    expect(vg[0]).toBeCloseTo(2 * Math.exp(1), 14);
  });

  test('hvp inside grad', () => {
    // hvp of f along v = (1, 0) is H·v = (2b, 2a); its sum's gradient is (2, 2).
    expect(grad((xs) => hvp(f)(xs, [1, 0]).reduce((s: Var, v) => s.add(v)))([0.3, -1.2])).toEqual([2, 2]);
  });
});

describe('third derivatives: d³/dx³ x⁴ = 24x = 48 at 2, in every nesting of three', () => {
  const x4 = (z: Var) => z.mul(z).mul(z).mul(z);
  const x4Dual = (z: Dual) => z.mul(z).mul(z).mul(z);
  test('reverse ∘ reverse ∘ reverse', () => {
    expect(grad((xs) => grad((ys) => grad(([z]) => x4(z))(ys)[0])(xs)[0])([2])).toEqual([48]);
  });
  test('forward ∘ forward ∘ forward', () => {
    expect(derivative((x) => derivative((y) => derivative(x4Dual)(y))(x))(2)).toBe(48);
  });
  test('forward ∘ reverse ∘ forward', () => {
    expect(derivative((x) => grad(([y]) => derivative(x4Dual)(y))([x])[0])(2)).toBe(48);
  });
  test('reverse ∘ forward ∘ reverse', () => {
    expect(grad(([x]) => derivative((y) => grad(([z]) => x4(z))([y])[0])(x))([2])).toEqual([48]);
  });
  test('reverse ∘ reverse ∘ forward and forward ∘ reverse ∘ reverse', () => {
    expect(grad((xs) => grad(([y]) => derivative(x4Dual)(y))(xs)[0])([2])).toEqual([48]);
    expect(derivative((x) => grad((ys) => grad(([z]) => x4(z))(ys)[0])([x])[0])(2)).toBe(48);
  });
});

describe('a reverse rule that runs a backward pass of its own', () => {
  // y = x³ element-wise, whose reverse rule x̄ = ȳ·3x² comes from vjp of a scalar cube: every
  // pullback of this op runs a whole backward pass inside the enclosing one.
  const cubeOp = registerOp(
    custom<undefined>({
      name: 'cubeByInnerVjp',
      arity: 1,
      primal: ([x]) => x.mul(x).mul(x),
      jvp: () => {
        throw new AdError('cubeByInnerVjp', 'reverse mode only');
      },
      vjp:
        <T>(_o: Algebra<T>, [x]: readonly T[]) =>
        (yBar: T) => {
          const xs = (x as Tensor).toArray() as number[];
          const bars = (yBar as Tensor).toArray() as number[];
          return [tensor(xs.map((xi, i) => vjp(cube, [xi]).vjp(bars[i])[0])) as T];
        },
    }),
  ) as unknown as (x: Tensor | TensorVar) => TensorVar;

  test('the enclosing pass keeps its adjoints: d/dx Σ 2(3x)³ = 162x²', () => {
    const x = tensor([1, -2, 0.5]);
    expect(grad((t: TensorVar) => cubeOp(t.mul(3)).sum().mul(2))(x).toArray()).toEqual([162, 648, 40.5]);
  });

  test('backward adds the enclosing pass’s adjoints into .grad', () => {
    const x = variable(tensor([2, 3]));
    backward(cubeOp(x).sum());
    expect((x.grad as Tensor).toArray()).toEqual([12, 27]);
  });
});

describe('reverse over forward', () => {
  test('jacrev of the forward gradient is the Hessian', () => {
    const H = jacrev((xs) => jacfwd(fDual)(xs)[0])([3, 2]);
    expect(H).toEqual(hessianOfF([3, 2]));
  });
  test('grad through jvp and jacfwd on tensors', () => {
    expect(grad((t: TensorVar) => jacfwd((u: DualTensor) => u.mul(u))(t).sum())(tensor([1, 2])).toArray()).toEqual([2, 2]);
    const dirDeriv = grad(([a, b]) => jvp(([x, y]) => x.mul(y), [a, b], [1, 1]).tangent); // ∂/∂(a,b) of (a + b)
    expect(dirDeriv([3, 4])).toEqual([1, 1]);
  });
  test('forward over reverse on tensors: jacfwd of jacrev', () => {
    const J = jacfwd((t: DualTensor) => jacrev((u: TensorVar) => u.mul(u).mul(t))(t).sum())(tensor([1, 2]));
    expect(J.toArray()).toEqual([4, 8]);
  });
});

describe('results have the kind of the inputs', () => {
  test('a constant gradient at Var inputs is a Var, so it can be differentiated again', () => {
    const inner = grad(([a, b]: Var[]) => a.mul(2).add(b))([variable(1), variable(5)]);
    expect(inner[0]).toBeInstanceOf(Var);
    expect(inner[0].value).toBe(2);
    expect(inner[1].mul(3).value).toBe(3);
    // d/dx of a gradient that does not depend on x is 0, not an error.
    expect(grad((xs) => grad(([a]) => a.mul(2))(xs)[0])([7])).toEqual([0]);
  });
  test('a constant derivative at a Dual input is a Dual with zero tangents', () => {
    const d = derivative((x) => x.mul(5))(dual(2, [1, 0]));
    expect(d).toBeInstanceOf(Dual);
    expect(d.value).toBe(5);
    expect(Array.from(d.tangent)).toEqual([0, 0]);
  });
  test('closures over an enclosing derivative work: d/dx [x · d/dy (x + y)] = 1', () => {
    expect(derivative((x) => x.mul(derivative((y) => x.add(y))(1)))(5)).toBe(1);
    expect(grad(([x]) => x.mul(grad(([y]) => x.add(y))([1])[0]))([5])).toEqual([1]);
    expect(derivative((x) => derivative((y) => x.mul(y))(2))(3)).toBe(1);
  });
});

describe('transforms are not switched off by an outer noGrad', () => {
  test('grad, valueAndGrad, jacrev, hessian inside noGrad', () => {
    const g = ([x, y]: Var[]) => x.mul(x).mul(y);
    expect(noGrad(() => grad(g)([3, 2]))).toEqual([12, 9]);
    const vg = noGrad(() => valueAndGrad(g)([3, 2]));
    expect(vg).toEqual({ value: 18, grad: [12, 9] });
    expect(typeof vg.value).toBe('number');
    expect(noGrad(() => jacrev((xs: Var[]) => [g(xs)])([3, 2]))).toEqual([[12, 9]]);
    expect(noGrad(() => hessian(g, { mode: 'reverse-over-reverse' })([3, 2]))).toEqual([
      [4, 6],
      [6, 0],
    ]);
  });

  test('the graphs that exist when noGrad is entered stay frozen: a closed-over Var is a constant there', () => {
    const w = variable(3);
    const inner = noGrad(() => grad(([x]: Var[]) => x.mul(w).mul(x))([2]));
    expect(inner).toEqual([12]); // 2·w·x
    const y = noGrad(() => w.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(w.grad).toBeUndefined();
  });

  test('backward inside noGrad: a leaf made there gets its gradient; a frozen result is refused by name', () => {
    const x = noGrad(() => {
      const v = variable(2);
      v.backward();
      return v;
    });
    expect(x.grad).toBe(1);
    const w = variable(3);
    const frozen = noGrad(() => w.mul(w));
    expect(() => frozen.backward()).toThrow(AdError);
    expect(() => frozen.backward()).toThrow(/backward: this value does not require grad/);
    expect(w.grad).toBeUndefined();
  });
});

describe('errors', () => {
  test('hessian refuses an unknown mode, naming it', () => {
    expect(() => hessian(f, { mode: 'sideways' as never })).toThrow(ValueError);
    expect(() => hessian(f, { mode: 'sideways' as never })).toThrow(/hessian: mode must be .*got sideways/);
  });
  test('grad refuses a leaf that is neither a number nor a tensor, naming where it sits', () => {
    expect(() => grad(f)([1, 'a' as never])).toThrow('grad: x[1] must be a number or a Tensor (or a value of an enclosing transform), got string');
  });
  test('a plain Tensor input still gives plain tensors', () => {
    const g = grad((t: TensorVar) => t.mul(t).sum())(tensor([1, 2]));
    expect(g).toBeInstanceOf(Tensor);
  });
});

describe('released graphs', () => {
  test('a backward through an intermediate that an earlier backward released is a ReleasedGraphError', () => {
    const x = variable(tensor([1, 2]));
    const h = x.mul(3);
    h.sum().backward();
    expect(() => h.mul(2).sum().backward()).toThrow(/backward: the graph through mul was released/);
  });
});

describe('primal: the number behind a nested value, for control flow', () => {
  test('a Var of a Var, a Dual of a Var, a Var of a Dual and a Dual of a Dual read their innermost number', () => {
    const seen: number[] = [];
    grad(
      ([x]) =>
        grad(([y]) => {
          seen.push(y.primal, y.mul(x).primal);
          return y.mul(x);
        })([x])[0],
    )([3]);
    grad(([x]) =>
      derivative((y) => {
        seen.push(y.primal, y.mul(x).primal);
        return y.mul(x);
      })(x),
    )([3]);
    derivative(
      (x) =>
        grad(([y]) => {
          seen.push(y.primal, y.mul(x).primal);
          return y.mul(x);
        })([x])[0],
    )(3);
    derivative((x) =>
      derivative((y) => {
        seen.push(y.primal, y.mul(x).primal);
        return y.mul(x);
      })(x),
    )(3);
    expect(seen).toEqual([3, 9, 3, 9, 3, 9, 3, 9]);
  });

  test('a loop that stops on a nested value gives the second derivative in every order', () => {
    // g(a) = aⁿ for the first n with aⁿ > 10: n = 6 near a = 1.5, so g″ = 30·a⁴ there.
    const firstPowerPast10 = <X extends { primal: number; mul(y: X): X }>(a: X): X => {
      let p = a;
      for (let n = 1; n < 20 && !(p.primal > 10); n++) p = p.mul(a);
      return p;
    };
    const want = 30 * 1.5 ** 4;
    expect(grad(([a]) => grad(([b]) => firstPowerPast10(b))([a])[0])([1.5])[0]).toBeCloseTo(want, 12);
    expect(grad(([a]) => derivative((b) => firstPowerPast10(b))(a))([1.5])[0]).toBeCloseTo(want, 12);
    expect(derivative((a) => grad(([b]) => firstPowerPast10(b))([a])[0])(1.5)).toBeCloseTo(want, 12);
    expect(derivative((a) => derivative((b) => firstPowerPast10(b))(a))(1.5)).toBeCloseTo(want, 12);
  });

  test('a DualTensor over a TensorVar gives its innermost Tensor, not the TensorVar', () => {
    let inner: unknown;
    grad((t: TensorVar) =>
      jacfwd((u: DualTensor) => {
        inner = u.primal;
        return u.mul(u).sum();
      })(t).sum(),
    )(tensor([2, 5]));
    expect(inner).toBeInstanceOf(Tensor);
    expect((inner as Tensor).toArray()).toEqual([2, 5]);
  });
});

describe('element-wise ops that reach a graph through dispatch (the rules of an inner derivative)', () => {
  test('record the value and partials of the method’s fast path, for every element-wise op of the table', () => {
    const anyAlgebra = anyOps as unknown as Record<string, (...xs: unknown[]) => Var>;
    const names = scalarMethodNames().filter((name) => (table[name] as { elementwise?: { partials: unknown } }).elementwise?.partials);
    expect(names.length).toBeGreaterThan(30);
    for (const name of names) {
      const n = operandCount(table[name]);
      const x = [0.3, 0.6, 0.45].slice(0, n);
      const byMethod = valueAndGrad((xs: Var[]) => (xs[0] as unknown as Record<string, (...ys: Var[]) => Var>)[name](...xs.slice(1)))(x);
      const byDispatch = valueAndGrad((xs: Var[]) => anyAlgebra[name](...xs))(x);
      expect([name, byDispatch]).toEqual([name, byMethod]);
    }
  });
});
