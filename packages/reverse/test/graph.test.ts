/** The graph: micrograd's example, reuse, accumulation, release, noGrad, detach, long chains. */
import { ones, type Tensor, tensor } from '@ad/core';
import { AnomalyError, ReleasedGraphError, type TensorVar, type Var, detectAnomaly, noGrad, toDot, variable, zeroGrad } from '../src/index.js';

describe('micrograd README expression', () => {
  test('g = 24.7041, ∂g/∂a = 138.8338, ∂g/∂b = 645.5773', () => {
    const a = variable(-4);
    const b = variable(2);
    let c = a.add(b);
    let d = a.mul(b).add(b.pow(3));
    c = c.add(c.add(1));
    c = c.add(c.add(1).add(a.neg()));
    d = d.add(d.mul(2).add(b.add(a).relu()));
    d = d.add(d.mul(3).add(b.sub(a).relu()));
    const e = c.sub(d);
    const f = e.pow(2);
    let g = f.div(2);
    g = g.add(f.pow(-1).mul(10));
    expect(g.value).toBeCloseTo(24.7041, 4);
    g.backward();
    expect(a.grad).toBeCloseTo(138.8338, 4);
    expect(b.grad).toBeCloseTo(645.5773, 4);
  });
});

describe('backward', () => {
  test('a reused node is counted right: a = 1, b = a + a, c = b + b → dc/da = 4', () => {
    const a = variable(1);
    const b = a.add(a);
    const c = b.add(b);
    c.backward();
    expect(a.grad).toBe(4);
    expect(b.grad).toBe(2);
  });

  test('gradients accumulate across calls until zeroGrad', () => {
    const x = variable(3);
    x.mul(x).backward();
    x.mul(x).backward();
    expect(x.grad).toBe(12);
    zeroGrad([x]);
    expect(x.grad).toBeUndefined();
    x.mul(x).backward();
    expect(x.grad).toBe(6);
  });

  test('the graph is released after backward unless retainGraph', () => {
    const x = variable(2);
    const y = x.mul(x).sin();
    y.backward(1, { retainGraph: true });
    y.backward();
    expect(x.grad).toBeCloseTo(2 * (2 * 2 * Math.cos(4)), 14);
    expect(() => y.backward()).toThrow(ReleasedGraphError);
    expect(() => y.backward()).toThrow(/^backward: the graph through sin was released by an earlier backward; pass \{ retainGraph: true \}/);
  });

  test('noGrad records nothing; detach stops the flow; requiresGrad false is a constant', () => {
    const x = variable(3);
    const y = noGrad(() => x.mul(x));
    expect(y.requiresGrad).toBe(false);
    const z = x.mul(x.detach());
    z.backward();
    expect(x.grad).toBe(3);
    const k = variable(5, { requiresGrad: false });
    const w = variable(2);
    w.mul(k).backward();
    expect(w.grad).toBe(5);
    expect(k.grad).toBeUndefined();
  });

  test('tensor nodes: broadcasting adjoints, seeds of the output shape', () => {
    const W = variable(
      tensor([
        [1, 2],
        [3, 4],
      ]),
    );
    const b = variable(tensor([1, -1]));
    const x = tensor([
      [1, 1],
      [2, 0],
    ]);
    const y = W.matmul(x).add(b);
    y.backward(ones([2, 2]));
    expect((W.grad as Tensor).toArray()).toEqual([
      [2, 2],
      [2, 2],
    ]);
    expect((b.grad as Tensor).toArray()).toEqual([2, 2]);
    expect(() => y.backward()).toThrow(/a seed can be implied only for a scalar output, got shape \[2,2\]/);
  });

  test('a chain of 1,000,000 scalar nodes back-propagates without recursion', () => {
    const x = variable(0.5);
    let y: Var = x;
    for (let i = 0; i < 1_000_000; i++) y = y.add(x);
    y.backward();
    expect(x.grad).toBe(1_000_001);
  });

  test('a deep tensor chain (10,000 ops)', () => {
    const x = variable(tensor([1, 2, 3]));
    let y: TensorVar = x;
    for (let i = 0; i < 10_000; i++) y = y.mul(1.0001).sub(0.0001);
    y.sum().backward();
    const want = Math.pow(1.0001, 10_000);
    (x.grad as Tensor).toFloat64Array().forEach((g) => expect(g).toBeCloseTo(want, 9));
  });
});

describe('anomaly mode names the first op that went non-finite', () => {
  test('forward: log of a negative number', () => {
    const x = variable(-1);
    expect(() => detectAnomaly(() => x.mul(2).log())).toThrow(AnomalyError);
    expect(() => detectAnomaly(() => x.mul(2).log())).toThrow('log: produced a non-finite value (NaN or ±∞) from finite inputs in the forward pass at step 2');
    expect(x.mul(2).log().value).toBeNaN();
  });

  test('backward: sqrt at 0 has an infinite adjoint', () => {
    const x = variable(tensor([0, 1]));
    expect(() => detectAnomaly(() => x.sqrt().sum().backward())).toThrow(
      /^sqrt: produced a non-finite value \(NaN or ±∞\) from finite inputs in the backward pass at step \d+$/,
    );
  });
});

describe('toDot', () => {
  test('nodes carry op, value and grad; edges follow the data', () => {
    const x = variable(3);
    const y = variable(2);
    const f = x.add(y).mul(x.sub(y));
    f.backward(1, { retainGraph: true });
    const dot = toDot(f, {
      labels: new Map([
        [x, 'x'],
        [y, 'y'],
      ]),
    });
    expect(dot).toMatch(/^digraph G \{/);
    expect(dot).toContain('{ x | value 3 | grad 6 }');
    expect(dot).toContain('{ y | value 2 | grad -4 }');
    expect(dot).toContain('{ mul | value 5 | grad 1 }');
    expect(dot.match(/->/g)?.length).toBe(6);
  });
});

describe('comparisons on nodes give plain masks', () => {
  test('gt lt on Var', () => {
    const x = variable(3);
    expect(x.gt(2).value).toBe(1);
    expect(x.lt(2).value).toBe(0);
    expect(variable(-2).sign().value).toBe(-1);
  });
});

describe('plain-JavaScript misuse', () => {
  test('zeroGrad and noGrad check their arguments', () => {
    expect(() => zeroGrad(undefined as never)).toThrow('zeroGrad: expected an iterable of nodes (e.g. model.parameters()), got undefined');
    expect(() => noGrad('x' as never)).toThrow('noGrad: expected a function to run, got string');
  });
});
