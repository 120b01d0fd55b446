/**
 * scan without unrolling: reverse mode records one node per output and runs a scan of the
 * body's vjp backwards; forward mode scans the tangents alongside; under jit the body is traced
 * once and emitted as a loop. Each is checked against the loop written by hand, and the trace's
 * size and the number of times f is called show that nothing is unrolled.
 */
import { type Tensor, tensor } from '@ad/core';
import { hessian as fwdHessian, jacfwd, jvp } from '@ad/forward';
import { adjointProgram, jit, scan } from '@ad/jit';
import { grad, graphNodes, hessian, jacrev, type TensorVar, type Var, valueAndGrad, variable } from '@ad/reverse';

type T = Tensor | TensorVar;

let calls = 0;
/** h′ = tanh(w ⊙ h + x), y = 2h′; w is carried along unchanged. */
function cell(c: { h: T; w: T }, x: T): [{ h: T; w: T }, T] {
  calls++;
  const h = c.w.mul(c.h).add(x).tanh() as T;
  return [{ h, w: c.w }, h.mul(2) as T];
}
function viaScan(v: T, xs: T): T {
  const [c, ys] = scan(cell, { h: v.slice([0, 3]) as T, w: v.slice([3, 6]) as T }, xs);
  return c.h.sum().add((ys as T).sin().sum()) as T;
}
function byHand(v: T, xs: T): T {
  let c = { h: v.slice([0, 3]) as T, w: v.slice([3, 6]) as T };
  let total: T | null = null;
  for (let t = 0; t < xs.shape[0]; t++) {
    const [next, y] = cell(c, xs.slice(t) as T);
    c = next;
    const s = y.sin().sum() as T;
    total = total === null ? s : (total.add(s) as T);
  }
  return c.h.sum().add(total!) as T;
}
const rows = (n: number) => tensor(Array.from({ length: n }, (_, t) => [Math.sin(t), Math.cos(0.7 * t), ((0.37 * t) % 1) - 0.5]));
const v = tensor([0.1, 0.2, -0.3, 0.7, -0.4, 1.1]);

function expectNear(a: Tensor, b: Tensor, digits = 12): void {
  expect(a.shape).toEqual(b.shape);
  const y = b.toFloat64Array();
  a.toFloat64Array().forEach((x, i) => expect(x).toBeCloseTo(y[i], digits));
}

describe('reverse mode: one node per output, the backward pass a scan of vjp(f)', () => {
  test('grad equals the loop by hand, and the graph does not grow with the steps', () => {
    for (const n of [4, 40]) {
      const xs = rows(n);
      expectNear(grad((u: TensorVar) => viaScan(u, xs))(v) as Tensor, grad((u: TensorVar) => byHand(u, xs))(v) as Tensor);
      const u = variable(v) as TensorVar;
      const loss = viaScan(u, xs) as TensorVar;
      // slices, the scan's hidden node and two outputs, the loss's few ops: the same at any n
      expect(graphNodes(loss).length).toBeLessThan(15);
    }
  });

  test('gradients reach xs too, and a reverse scan (last step first) is transposed forwards', () => {
    const f = (p: { v: T; xs: T }) => {
      const [c, ys] = scan(cell, { h: p.v.slice([0, 3]) as T, w: p.v.slice([3, 6]) as T }, p.xs, { reverse: true });
      return c.h
        .mul(c.h)
        .sum()
        .add((ys as T).mul(p.xs).sum()) as T;
    };
    const hand = (p: { v: T; xs: T }) => {
      let c = { h: p.v.slice([0, 3]) as T, w: p.v.slice([3, 6]) as T };
      let total = c.h.sum().mul(0) as T;
      for (let t = p.xs.shape[0] - 1; t >= 0; t--) {
        const [next, y] = cell(c, p.xs.slice(t) as T);
        c = next;
        total = total.add(y.mul(p.xs.slice(t)).sum()) as T;
      }
      return c.h.mul(c.h).sum().add(total) as T;
    };
    const p = { v, xs: rows(6) };
    const g = grad(f)(p) as unknown as { v: Tensor; xs: Tensor };
    const want = grad(hand)(p) as unknown as { v: Tensor; xs: Tensor };
    expectNear(g.v, want.v);
    expectNear(g.xs, want.xs);
    const jg = jit(grad(f))(p as never) as unknown as { v: Tensor; xs: Tensor };
    expectNear(jg.v, want.v);
    expectNear(jg.xs, want.xs);
  });

  test('a body closing over a value being differentiated is still right (it runs step by step)', () => {
    const xs = rows(5);
    const f = (u: TensorVar) => {
      const w = u.slice([3, 6]) as T;
      const [c] = scan((h: T, x: T) => [w.mul(h).add(x).tanh() as T, 0], u.slice([0, 3]) as T, xs);
      return c.sum() as T;
    };
    const hand = (u: TensorVar) => {
      const w = u.slice([3, 6]) as T;
      let h = u.slice([0, 3]) as T;
      for (let t = 0; t < 5; t++) h = w.mul(h).add(xs.slice(t)).tanh() as T;
      return h.sum() as T;
    };
    expectNear(grad(f)(v) as Tensor, grad(hand)(v) as Tensor);
  });

  test('a scalar carry (the reverse rule records tensors, so this scan runs step by step) is still right', () => {
    // s_{t+1} = sin(a·s_t) + b over 6 steps, s_0 = a.
    const f = ([a, b]: Var[]) => scan((s: Var) => [s.mul(a).sin().add(b), s], a, null, { length: 6 })[0];
    const hand = ([a, b]: number[]) => {
      let s = a;
      for (let t = 0; t < 6; t++) s = Math.sin(a * s) + b;
      return s;
    };
    const at = [0.8, 0.3];
    const h = 1e-6;
    const fd = at.map((_, i) => (hand(at.map((x, j) => x + (i === j ? h : 0))) - hand(at.map((x, j) => x - (i === j ? h : 0)))) / (2 * h));
    const g = grad(f as never)(at) as number[];
    const jg = jit(grad(f as never))(at) as number[];
    g.forEach((x, i) => expect(x).toBeCloseTo(fd[i], 7));
    jg.forEach((x, i) => expect(x).toBeCloseTo(g[i], 13));
  });
});

describe('forward mode: the tangent scan alongside', () => {
  test('jacfwd and jvp equal the loop by hand; f runs once a step', () => {
    const xs = rows(12);
    const f = (u: T) => viaScan(u, xs).reshape([1]) as T;
    const hand = (u: T) => byHand(u, xs).reshape([1]) as T;
    calls = 0;
    const J = (jacfwd(f as never) as unknown as (x: Tensor) => Tensor)(v);
    expect(calls).toBe(12);
    expectNear(J, (jacfwd(hand as never) as unknown as (x: Tensor) => Tensor)(v));
    const dir = tensor([1, -2, 0.5, 0.25, 3, -1]);
    const a = jvp(f as never, v as never, dir as never) as unknown as { tangent: Tensor };
    const b = jvp(hand as never, v as never, dir as never) as unknown as { tangent: Tensor };
    expectNear(a.tangent, b.tangent);
  });

  test('hessian both ways (forward over reverse, forward over forward) equals the loop by hand', () => {
    const xs = rows(7);
    const f = (u: TensorVar) => viaScan(u, xs);
    const hand = (u: TensorVar) => byHand(u, xs);
    const want = (hessian(hand as never) as unknown as (x: Tensor) => Tensor)(v);
    expectNear((hessian(f as never) as unknown as (x: Tensor) => Tensor)(v), want, 10);
    expectNear((fwdHessian(f as never) as unknown as (x: Tensor) => Tensor)(v), want, 10);
  });
});

describe('reverse over reverse: the pullback scan is itself differentiated as a scan', () => {
  test('grad of ⟨∇f, d⟩ equals the loop by hand’s, eager and jitted; jitted, f is traced a fixed number of times', () => {
    const d = tensor([1, 0.5, -1, 2, 0.3, -0.7]);
    const hvpOf = (g: (u: TensorVar) => T) => grad((u: TensorVar) => (grad(g as never)(u as never) as unknown as TensorVar).mul(d).sum() as TensorVar);
    const traced: number[] = [];
    for (const n of [3, 30]) {
      const xs = rows(n);
      const want = hvpOf((u) => byHand(u, xs))(v) as Tensor;
      expectNear(hvpOf((u) => viaScan(u, xs))(v) as Tensor, want, 11);
      calls = 0;
      expectNear(jit(hvpOf((u) => viaScan(u, xs)))(v as never) as Tensor, want, 11);
      traced.push(calls);
    }
    expect(traced[1]).toBe(traced[0]);
  });
});

describe('under jit: the body traced once, emitted as a loop', () => {
  test('jit(f), jit(grad(f)), jit(jacfwd(f)), jit(jacrev(f)), jit(hessian(f)) equal eager; f is traced once or twice whatever the length', () => {
    for (const n of [3, 60]) {
      const xs = rows(n);
      const f = (u: T) => viaScan(u, xs);
      const hand = (u: T) => byHand(u, xs);
      const vec = (u: T) => f(u).reshape([1]) as T;
      const vecHand = (u: T) => hand(u).reshape([1]) as T;
      const want = (hand(v) as Tensor).item();
      calls = 0;
      expect((jit(f as never) as unknown as (x: Tensor) => Tensor)(v).item()).toBeCloseTo(want, 13);
      expect(calls).toBe(1);
      const cases: [unknown, unknown, number, number][] = [
        [jit(grad(f as never)), grad(hand as never), 2, 12],
        [jit(jacfwd(vec as never)), jacfwd(vecHand as never), 1, 12],
        [jit(jacrev(vec as never)), jacrev(vecHand as never), 2, 12],
        [jit(hessian(f as never)), hessian(hand as never), 2, 10],
      ];
      for (const [compiled, eager, traces, digits] of cases) {
        const expected = (eager as (x: Tensor) => Tensor)(v);
        calls = 0;
        expectNear((compiled as (x: Tensor) => Tensor)(v), expected, digits);
        expect(calls).toBe(traces);
      }
    }
  });

  test('the program holds one loop per scan and its size does not depend on the length', () => {
    const at = (n: number) => {
      const xs = rows(n);
      return jit(grad((u: TensorVar) => viaScan(u, xs))).lower(v as never);
    };
    const [short, long] = [at(100), at(500)];
    expect(long.traced).toBe(short.traced);
    expect(long.statements).toBe(short.statements);
    // The cell and its vjp are element-wise on [3]: each scan is one loop nest, no tensor per step.
    expect(long.source).toMatch(/\/\/ scan: 500 steps, fused into one loop over \[3\] per step\n/);
    expect(long.source).toMatch(/\/\/ scan: 500 steps, the last first, fused into one loop over \[3\] per step\n/);
    // Each loop nest is a function of the step count, called with 500 (the same text at any length).
    expect(long.source).toMatch(/steps0\([\w, ]+, 500\);/);
    expect(long.source.split('function (a0')[0]).toBe(short.source.split('function (a0')[0]);
    expect(long.source).not.toMatch(/scan0/);
  });

  test('a body closing over an input of the jitted function reads it as a capture; xs null with length; a nested scan', () => {
    const f = (x: Tensor, a: number) =>
      scan(
        (c: T) => {
          const [inner] = scan((d: T) => [d.mul(x).add(a) as T, 0], c, null, { length: 3 });
          return [inner.sin() as T, c.sum()];
        },
        x.mul(0.5) as T,
        null,
        { length: 4 },
      );
    const x = tensor([0.2, -0.5]);
    const [c, ys] = jit(f)(x, 0.3) as unknown as [Tensor, Tensor];
    const [ce, yse] = f(x, 0.3) as unknown as [Tensor, Tensor];
    expectNear(c, ce, 14);
    expectNear(ys, yse, 14);
    // The outer body holds a scan, so it is a program of its own (scan0) with a loop that calls
    // it; the inner body is element-wise, fused into a loop nest inside scan0.
    const source = jit(f).lower(x, 0.3).source;
    expect(source).toMatch(/\/\/ scan: 4 steps of scan0\n/);
    expect(source).toMatch(/\/\/ scan: 3 steps, fused into one loop over \[2\] per step\n/);
  });

  test('check mode compares the loop with eager; where code generation is forbidden, the scan runs eagerly', () => {
    const xs = rows(8);
    const g = jit(
      valueAndGrad((u: TensorVar) => viaScan(u, xs)),
      { check: true },
    );
    const r = g(v) as unknown as { value: Tensor; grad: Tensor };
    expectNear(r.grad, grad((u: TensorVar) => byHand(u, xs))(v) as Tensor);
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const realFunction = globalThis.Function;
    // biome-ignore lint/complexity/useArrowFunction: it stands in for Function, which is called with `new`
    globalThis.Function = function () {
      throw new EvalError('Code generation from strings disallowed for this context');
    } as unknown as FunctionConstructor;
    try {
      const eager = jit(grad((u: TensorVar) => viaScan(u, xs)));
      expectNear(eager(v) as Tensor, grad((u: TensorVar) => byHand(u, xs))(v) as Tensor);
      expect(eager.stats.traces).toBe(0);
    } finally {
      globalThis.Function = realFunction;
      warn.mockRestore();
    }
  });

  test('scalars under jit: a number carry and a number y per step (stacked into a tensor)', () => {
    // c ← c·a + 1 over 5 steps from c = a, emitting c before each step.
    const f = ([a]: number[]) => scan((c: number) => [(c as unknown as Var).mul(a).add(1) as unknown as number, c], a, null, { length: 5 });
    const [c, ys] = jit(f)([0.5]) as unknown as [number, Tensor];
    const want: number[] = [];
    let e = 0.5;
    for (let t = 0; t < 5; t++) {
      want.push(e);
      e = e * 0.5 + 1;
    }
    expect(c).toBeCloseTo(e, 15);
    expect(ys.toArray()).toEqual(want);
    expect(jit(f).lower([0.5]).source).toMatch(/s\d+_y1\[s\d+_t\] = s\d+_o\[1\];/);
  });

  test('adjointProgram refuses a function that scans, naming jit(grad(f))', () => {
    const f = (xs: never[]) => scan((c: number) => [c, 0], xs[0] as number, null, { length: 2 })[0];
    expect(() => adjointProgram(f as never, [1])).toThrow(/adjointProgram: f calls scan.*jit\(grad\(f\)\)/);
  });
});
