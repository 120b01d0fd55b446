/** grad, valueAndGrad, vjp with many seeds, jacrev against jacfwd, hvp and hessian. */
import { Generator, type Tensor, exp, randn, tensor } from '@ad/core';
import { ops } from '@ad/core/engine';
import { derivative, hessian as forwardHessian, jacfwd, type Dual, type DualTensor } from '@ad/forward';
import { type TensorVar, type Var, grad, hessian, hvp, jacrev, valueAndGrad, variable, vjp } from '../src/index.js';

type Num = Var | Dual;

function rosenbrock(xs: Num[]): Num {
  let s = xs[0].mul(0) as Num;
  for (let i = 0; i + 1 < xs.length; i++) {
    const a = (xs[i + 1] as Var).sub(xs[i].square() as Var);
    const b = (xs[i].neg() as Var).add(1);
    s = (a.square().mul(100).add(b.square()) as Var).add(s as Var);
  }
  return s;
}

/** A random program R^n → R^m over smooth ops, the same code for both modes. */
function randomProgram(seed: number, n: number, m: number) {
  const g = new Generator(seed);
  const steps: { kind: number; i: number; j: number }[] = [];
  for (let s = 0; s < 12; s++) steps.push({ kind: g.int(8), i: g.int(n + s), j: g.int(n + s) });
  return (xs: Num[]): Num[] => {
    const v: Var[] = [...(xs as Var[])];
    for (const { kind, i, j } of steps) {
      const a = v[i];
      const b = v[j];
      const next = [
        () => a.sin(),
        () => a.tanh(),
        () => a.mul(b),
        () => a.add(b.cos()),
        () => a.sub(b).sigmoid(),
        () => a.div(b.square().add(1)),
        () => a.square().add(1).sqrt(),
        () => a.square().log1p().mul(b),
      ][kind]();
      v.push(next);
    }
    return v.slice(-m);
  };
}

describe('grad and valueAndGrad', () => {
  test('Rosenbrock gradient equals forward mode', () => {
    const x = [0.5, -0.3, 1.2, 0.9, -1.1];
    const g = grad(rosenbrock as (xs: Var[]) => Var)(x);
    const [row] = jacfwd(rosenbrock as (xs: Dual[]) => Dual)(x);
    g.forEach((v, i) => expect(v).toBeCloseTo(row[i], 10));
    const vg = valueAndGrad(rosenbrock as (xs: Var[]) => Var)(x);
    expect(vg.grad).toEqual(g);
  });

  test('tensor input: gradient of a small MLP loss matches the analytic backprop', () => {
    const W = randn([4, 3], { seed: 1 });
    const w2 = randn([4], { seed: 2 });
    const x = randn([3], { seed: 3 });
    const g = grad((v: TensorVar) => v.matmul(W.transpose()).tanh().mul(w2).sum())(x);
    const h = W.matmul(x).tanh();
    const want = W.transpose().matmul(w2.mul(h.square().neg().add(1)));
    (g.toArray() as number[]).forEach((v, i) => expect(v).toBeCloseTo((want.toArray() as number[])[i], 14));
  });

  test('a function that ignores its input has a zero gradient', () => {
    expect(grad(() => 3)([1, 2])).toEqual([0, 0]);
  });

  test('errors: vector output', () => {
    expect(() => grad((v: TensorVar) => v.mul(2) as never)(tensor([1, 2, 3]))).toThrow('grad: f must return a scalar, got shape [3]; did you mean jacrev?');
    expect(() => grad(((xs: Var[]) => [xs[0], xs[1]]) as never)([1, 2])).toThrow(
      'grad: f must return a scalar, got an array of 2; did you mean jacrev? (or hasAux: true, for f returning [output, aux])',
    );
  });
});

describe('vjp: many cotangents on one recorded graph', () => {
  test('f runs once; each cotangent is one backward pass', () => {
    let calls = 0;
    const f = ([x, y]: Var[]) => {
      calls++;
      return [x.mul(y), x.sin(), y.exp()];
    };
    const { value, vjp: pull } = vjp(f, [1, 2]);
    expect(value).toEqual([2, Math.sin(1), Math.exp(2)]);
    expect(pull([1, 0, 0])).toEqual([2, 1]);
    expect(pull([0, 1, 0])).toEqual([Math.cos(1), 0]);
    expect(pull([0, 0, 1])).toEqual([0, Math.exp(2)]);
    expect(pull([1, 1, 1])).toEqual([2 + Math.cos(1), 1 + Math.exp(2)]);
    expect(pull([0, 0, 0])).toEqual([0, 0]);
    expect(calls).toBe(1);
  });
});

describe('jacrev equals jacfwd on random vector → vector programs', () => {
  test.each([1, 2, 3, 4, 5, 6, 7, 8])('program %i', (seed) => {
    const n = 2 + (seed % 4);
    const m = 1 + (seed % 3);
    const f = randomProgram(seed, n, m);
    const x = Array.from({ length: n }, (_, i) => Math.sin(seed * 7 + i));
    const J1 = jacrev(f as (xs: Var[]) => Var[])(x);
    const J2 = jacfwd(f as (xs: Dual[]) => Dual[])(x);
    J1.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(J2[i][j], 12)));
  });

  test('tensor functions: [...out, ...in]', () => {
    const x = tensor([0.5, -1, 2]);
    const J = jacrev((v: TensorVar) => v.softmax())(x);
    const Jf = jacfwd((v: DualTensor) => v.softmax())(x);
    (J.toArray() as number[][]).forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo((Jf.toArray() as number[][])[i][j], 15)));
  });
});

describe('second order', () => {
  test('hvp equals the Hessian times v', () => {
    const x = [0.5, -0.3, 1.2, 0.9];
    const v = [1, -2, 0.5, 3];
    const H = forwardHessian(rosenbrock as (xs: Dual[]) => Dual)(x);
    const Hv = hvp(rosenbrock as (xs: Var[]) => Var)(x, v);
    H.forEach((row, i) =>
      expect(Hv[i]).toBeCloseTo(
        row.reduce((s, h, j) => s + h * v[j], 0),
        9,
      ),
    );
  });

  test('hessian (forward-over-reverse) agrees with forward-over-forward', () => {
    const x = [0.5, -0.3, 1.2];
    const H1 = hessian(rosenbrock as (xs: Var[]) => Var)(x);
    const H2 = forwardHessian(rosenbrock as (xs: Dual[]) => Dual)(x);
    H1.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(H2[i][j], 9)));
  });

  test('tensor hvp and hessian', () => {
    const x = tensor([1, -2, 0.5]);
    const f = (v: TensorVar) => v.pow(3).sum();
    expect(Array.from(hvp(f)(x, tensor([1, 0, 1])).toFloat64Array(), (v) => v + 0)).toEqual([6, 0, 3]);
    expect(Array.from((hessian(f)(x) as Tensor).toFloat64Array(), (v) => v + 0)).toEqual([6, 0, 0, 0, -12, 0, 0, 0, 3]);
  });
});

describe('the cheap-gradient principle, by operation count', () => {
  test('gradient of an MLP loss costs at most 4× the ops of the loss', () => {
    const counts = new Map<string, number>();
    let counting = false;
    const originals = new Map<object, unknown>();
    for (const op of Object.values(ops)) {
      const primal = op.primal;
      originals.set(op, primal);
      (op as { primal: unknown }).primal = (xs: never, p: never) => {
        if (counting) counts.set('n', (counts.get('n') ?? 0) + 1);
        return (primal as (xs: never, p: never) => Tensor)(xs, p);
      };
    }
    try {
      const H = randn([32, 16], { seed: 1 });
      const W = randn([4, 16], { seed: 2 });
      // loss(W) = mean over rows of logsumexp(relu(H Wᵀ)): 5 ops, one of them a matmul.
      const loss = (w: TensorVar) => w.matmul(H.transpose()).transpose().relu().logsumexp(1).mean();
      counting = true;
      const forwardOnly = (() => {
        counts.set('n', 0);
        loss(W as never);
        return counts.get('n')!;
      })();
      counts.set('n', 0);
      grad(loss)(W);
      const withGradient = counts.get('n')!;
      counting = false;
      expect(forwardOnly).toBeGreaterThan(3);
      expect(withGradient / forwardOnly).toBeLessThanOrEqual(4);
    } finally {
      for (const op of Object.values(ops)) (op as { primal: unknown }).primal = originals.get(op);
    }
  });
});

describe('closing over nodes of an enclosing graph', () => {
  test('the gradient w.r.t. x of x·w is w, a node of the outer graph', () => {
    const w = variable(5);
    const [g] = grad(([x]: Var[]) => x.mul(w))([3]) as unknown as Var[];
    expect(g.value).toBe(5);
    expect(g.tag).toBe(w.tag);
  });

  test('a variable made inside f belongs to the outer (ambient) graph, a constant here', () => {
    const [g] = grad(([x]: Var[]) => x.mul(variable(2)))([3]) as unknown as Var[];
    expect(g.value).toBe(2);
  });
});

describe('nesting both ways on scalars, and second derivatives of pow', () => {
  test('reverse over forward: grad of a forward derivative', () => {
    // d/dx [d/dt t² at t = x] = d/dx 2x = 2
    expect(grad(([x]: Var[]) => derivative((t) => t.mul(t))(x as never) as never)([3])).toEqual([2]);
  });

  test('forward over reverse, the inner function using the outer variable', () => {
    // g(s) = d/dt (−t·s) = −s, so dg/ds = −1
    expect(derivative((s) => grad(([t]: Var[]) => t.neg().mul(s as never))([2])[0] as never)(3)).toBe(-1);
  });

  test('pow: Hessians finite and symmetric at x = 0 and y = 0', () => {
    expect(hessian(([x]: Var[]) => x.pow(0))([0])).toEqual([[0]]);
    const H = hessian(([x, y]: Var[]) => x.pow(y))([2, 0]);
    expect(H[0][1]).toBeCloseTo(0.5, 12); // ∂²/∂x∂y xʸ = xʸ⁻¹(1 + y ln x) = 1/2 at (2, 0)
    expect(H[1][0]).toBeCloseTo(0.5, 12);
    hessian(([x, y]: Var[]) => x.mul(0).pow(y))([1, 2])
      .flat()
      .forEach((v) => expect(Number.isFinite(v)).toBe(true));
  });

  test('valueAndGrad keeps the value of an output made on the general path', () => {
    expect(valueAndGrad(([a]: Var[]) => exp(a as never) as never)([0])).toEqual({ value: 1, grad: [1] });
  });
});
