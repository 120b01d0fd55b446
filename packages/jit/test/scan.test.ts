/**
 * scan: the loop as JAX's lax.scan defines it, on every kind of value. Each derivative of a
 * function that scans is checked against the same loop written by hand and against central
 * finite differences.
 */
import { DTypeError, ShapeError, type Tensor, ValueError, tensor } from '@ad/core';
import { hessian as fwdHessian, jacfwd, jvp } from '@ad/forward';
import { scan } from '@ad/jit';
import { grad, hessian, jacrev, type TensorVar, type Var } from '@ad/reverse';

type T = Tensor | TensorVar;

/** A small recurrence: h′ = tanh(w·h + x), s′ = s + Σ h′², y = h′·2 (captures nothing). */
function cell(carry: { h: T; s: T; w: T }, x: T): [{ h: T; s: T; w: T }, T] {
  const h = carry.w.mul(carry.h).add(x).tanh();
  return [{ h, s: carry.s.add(h.square().sum()), w: carry.w }, h.mul(2)];
}

/** The loss through scan, and through the same loop by hand. */
function viaScan(p: { w: T; h0: T; xs: T }): T {
  const [c, ys] = scan(cell, { h: p.h0, s: p.h0.sum().mul(0), w: p.w }, p.xs);
  return c.s.add((ys as T).sin().sum());
}
function byHand(p: { w: T; h0: T; xs: T }): T {
  let carry = { h: p.h0, s: p.h0.sum().mul(0), w: p.w };
  const ys: T[] = [];
  for (let t = 0; t < p.xs.shape[0]; t++) {
    const [c, y] = cell(carry, p.xs.slice(t) as T);
    carry = c;
    ys.push(y);
  }
  return ys.reduce((a, y) => a.add(y.sin().sum()), carry.s);
}

const point = {
  w: tensor([0.7, -0.4, 1.1]),
  h0: tensor([0.1, 0.2, -0.3]),
  xs: tensor([
    [0.5, -1, 0.3],
    [0.2, 0.4, -0.6],
    [-0.9, 0.1, 0.8],
    [0.3, 0.3, 0.3],
  ]),
};

function flatOf(p: { w: Tensor; h0: Tensor; xs: Tensor }): number[] {
  return [...p.w.toFloat64Array(), ...p.h0.toFloat64Array(), ...p.xs.toFloat64Array()];
}
function fromFlat(v: readonly number[]): { w: Tensor; h0: Tensor; xs: Tensor } {
  return { w: tensor(v.slice(0, 3)), h0: tensor(v.slice(3, 6)), xs: tensor([v.slice(6, 9), v.slice(9, 12), v.slice(12, 15), v.slice(15, 18)]) };
}

function centralGradient(f: (v: number[]) => number, v: readonly number[], h = 1e-6): number[] {
  return v.map((_, i) => {
    const a = [...v];
    const b = [...v];
    a[i] += h;
    b[i] -= h;
    return (f(a) - f(b)) / (2 * h);
  });
}

describe('scan on plain values', () => {
  test('a running sum: final carry and the stacked partial sums', () => {
    const [total, partial] = scan((c: number, x: Tensor) => [c + x.item(), c + x.item()], 0, tensor([1, 2, 3, 4]));
    expect(total).toBe(10);
    expect((partial as Tensor).toArray()).toEqual([1, 3, 6, 10]);
  });

  test('reverse runs from the last slice and keeps ys[t] at t', () => {
    const order: number[] = [];
    const [c, ys] = scan(
      (c: number, x: Tensor) => {
        order.push(x.item());
        return [c * 10 + x.item(), c];
      },
      0,
      tensor([1, 2, 3]),
      { reverse: true },
    );
    expect(order).toEqual([3, 2, 1]);
    expect(c).toBe(321);
    expect((ys as Tensor).toArray()).toEqual([32, 3, 0]);
  });

  test('trees: an object carry, xs an array of two tensors, y an object of a number and a tensor', () => {
    const xs = [
      tensor([
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
      tensor([10, 20, 30]),
    ];
    const [c, ys] = scan(
      (c: { n: number; v: Tensor }, [row, k]: Tensor[]) => [
        { n: c.n + 1, v: c.v.add(row.mul(k)) },
        { n: c.n, v: c.v },
      ],
      { n: 0, v: tensor([0, 0]) },
      xs,
    );
    expect(c.n).toBe(3);
    expect(c.v.toArray()).toEqual([10 + 60 + 150, 20 + 80 + 180]);
    const y = ys as unknown as { n: Tensor; v: Tensor };
    expect(y.n.toArray()).toEqual([0, 1, 2]);
    expect(y.v.toArray()).toEqual([
      [0, 0],
      [10, 20],
      [70, 100],
    ]);
  });

  test('xs null with length: a loop of a fixed count', () => {
    const [c, ys] = scan((c: number) => [c * 2, c], 1, null, { length: 5 });
    expect(c).toBe(32);
    expect((ys as Tensor).toArray()).toEqual([1, 2, 4, 8, 16]);
  });

  test('a strided xs (a transposed view) is sliced along its leading axis', () => {
    const xs = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]).transpose();
    const [, ys] = scan((c: number, x: Tensor) => [c, x.mul(1)], 0, xs);
    expect((ys as Tensor).toArray()).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
  });

  test('the loss through scan equals the loop by hand', () => {
    expect((viaScan(point) as Tensor).item()).toBeCloseTo((byHand(point) as Tensor).item(), 14);
  });
});

describe('derivatives through scan: the loop by hand and central differences', () => {
  const loss = (f: (p: { w: T; h0: T; xs: T }) => T) => (p: { w: T; h0: T; xs: T }) => f(p);
  const numeric = (v: number[]) => (viaScan(fromFlat(v)) as Tensor).item();
  const v0 = flatOf(point);

  test('grad over a tree of tensors', () => {
    const g = grad(loss(viaScan))(point) as unknown as { w: Tensor; h0: Tensor; xs: Tensor };
    const want = grad(loss(byHand))(point) as unknown as { w: Tensor; h0: Tensor; xs: Tensor };
    for (const k of ['w', 'h0', 'xs'] as const) {
      const a = g[k].toFloat64Array();
      const b = want[k].toFloat64Array();
      a.forEach((x, i) => expect(x).toBeCloseTo(b[i], 12));
    }
    const fd = centralGradient(numeric, v0);
    flatOf(g).forEach((x, i) => expect(x).toBeCloseTo(fd[i], 7));
  });

  test('jvp and jacfwd (forward mode) agree with differences', () => {
    const f = (v: T) => viaScan(fromVector(v)).reshape([1]);
    const J = (jacfwd(f as never) as unknown as (x: Tensor) => Tensor)(tensor(v0));
    const fd = centralGradient(numeric, v0);
    J.toFloat64Array().forEach((x, i) => expect(x).toBeCloseTo(fd[i], 7));
    const dir = v0.map((_, i) => Math.cos(i));
    const { tangent } = jvp(f as never, tensor(v0) as never, tensor(dir) as never) as unknown as { tangent: Tensor };
    expect(tangent.item()).toBeCloseTo(
      fd.reduce((s, g, i) => s + g * dir[i], 0),
      7,
    );
  });

  test('hessian (reverse over reverse, and forward over forward) of a scalar recurrence', () => {
    // x_{t+1} = sin(a·x_t) + b·u_t over u = [0.3, −0.2, 0.5]: f(a, b) = x_3.
    const u = tensor([0.3, -0.2, 0.5]);
    const f = ([a, b]: (number | Var)[]) =>
      scan(
        (x: Var, ut: Tensor) => [
          (a as Var)
            .mul(x)
            .sin()
            .add((b as Var).mul(ut.item())),
          x,
        ],
        0.4 as unknown as Var,
        u,
      )[0];
    const byHandF = ([a, b]: number[]) => {
      let x = 0.4;
      for (const ut of [0.3, -0.2, 0.5]) x = Math.sin(a * x) + b * ut;
      return x;
    };
    const at = [0.9, 1.3];
    const H = hessian(f as never)(at) as number[][];
    const Hf = fwdHessian(f as never)(at) as number[][];
    const h = 1e-4;
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        const e = (k: number, s: number) => at.map((v, m) => v + (m === k ? s : 0));
        const shift = (si: number, sj: number) => byHandF(e(i, si * h).map((v, m) => v + (m === j ? sj * h : 0)));
        const fd = (shift(1, 1) - shift(1, -1) - shift(-1, 1) + shift(-1, -1)) / (4 * h * h);
        expect(H[i][j]).toBeCloseTo(fd, 5);
        expect(Hf[i][j]).toBeCloseTo(H[i][j], 12);
      }
    }
  });

  test('jacrev of the stacked ys: row t depends on steps up to t only', () => {
    const f = (v: Tensor | TensorVar) => scan((c: T, x: T) => [c.mul(x), c.mul(x)], (v as T).slice(0), v)[1] as T;
    const J = (jacrev(f as never) as unknown as (x: Tensor) => Tensor)(tensor([2, 3, 5]));
    // ys = [x0², x0²x1, x0²x1x2]
    expect(J.toArray()).toEqual([
      [4, 0, 0],
      [12, 4, 0],
      [60, 20, 12],
    ]);
  });
});

/** The point as one vector [18], cut by views: jacfwd and jvp take a tensor. */
function fromVector(v: T): { w: T; h0: T; xs: T } {
  return { w: v.slice([0, 3]) as T, h0: v.slice([3, 6]) as T, xs: (v.slice([6, 18]) as T).reshape([4, 3]) as T };
}

describe('scan refuses bad input by name', () => {
  const xs = tensor([1, 2, 3]);
  test('f must return a pair', () => {
    expect(() => scan(((c: number) => c) as never, 0, xs)).toThrow(new DTypeError('scan', 'f must return a pair [carry, y], got number at step 0'));
    expect(() => scan(((c: number) => [c]) as never, 0, xs)).toThrow(/f must return a pair \[carry, y\], got an array of 1 at step 0/);
  });
  test('the carry keeps its structure and shapes', () => {
    expect(() => scan((c: { a: number }) => [{ a: c.a, b: 1 }, 0] as never, { a: 0 }, xs)).toThrow(ValueError);
    expect(() => scan((c: { a: number }) => [{ a: c.a, b: 1 }, 0] as never, { a: 0 }, xs)).toThrow(
      /scan: f returned a carry of structure \{"a": \*, "b": \*\} at step 0; the carry must keep init's structure \{"a": \*\}/,
    );
    expect(() => scan((c: Tensor) => [c.reshape([1, 2]), 0] as never, tensor([1, 2]), xs)).toThrow(
      new ShapeError('scan', 'f returned the carry as shape [1,2] at step 0; init is shape [2], and a carry keeps its shapes'),
    );
    expect(() => scan((c: number, x: Tensor) => [x.mul(c), 0] as never, 1, xs)).toThrow(/carry as shape \[\] at step 0; init is a scalar/);
  });
  test('y keeps its structure and shapes from the first step', () => {
    expect(() => scan((c: number, x: Tensor) => [c + 1, c === 0 ? x : [x]] as never, 0, xs)).toThrow(
      /f returned y of structure \[\*\] at step 1, and \* at the first step/,
    );
  });
  test('xs leaves share one leading length; length agrees with it', () => {
    expect(() => scan((c: number) => [c, 0], 0, [tensor([1, 2]), tensor([1, 2, 3])])).toThrow(
      new ShapeError('scan', 'the leaves of xs must have one leading length: xs[0] has 2, xs[1] has 3'),
    );
    expect(() => scan((c: number) => [c, 0], 0, xs, { length: 4 })).toThrow(
      new ValueError('scan', 'length is 4 but the leaves of xs have leading length 3 (xs)'),
    );
    expect(() => scan((c: number) => [c, 0], 0, null)).toThrow(/xs has no leaves, so the number of steps must be given/);
    expect(() => scan((c: number) => [c, 0], 0, [1, 2])).toThrow(/every leaf of xs must be a tensor with a leading axis to scan over; xs\[0\] is a scalar/);
  });
  test('options and f are checked', () => {
    expect(() => scan((c: number) => [c, 0], 0, xs, { lenght: 3 } as never)).toThrow(/unknown option "lenght"; the options are length and reverse/);
    expect(() => scan((c: number) => [c, 0], 0, null, { length: 0 })).toThrow(/length must be an integer ≥ 1/);
    expect(() => scan(3 as never, 0, xs)).toThrow(/scan: f must be a function/);
    expect(() => scan((c: number) => [c, 0], 'a' as never, xs)).toThrow(/init is string/);
  });
});
