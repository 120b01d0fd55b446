/** derivative, jacfwd, hessian against analytic derivatives; nesting without perturbation confusion. */
import { type Tensor, detectAnomaly, randn, tensor } from '@ad/core';
import { type Dual, type DualTensor, PerturbationError, defaultChunk, derivative, dualTensor, hessian, jacfwd, jvp, type Scalar } from '../src/index.js';

function rosenbrock(xs: Dual[]): Scalar {
  let s: Scalar = 0;
  for (let i = 0; i + 1 < xs.length; i++) {
    const a = xs[i + 1].sub(xs[i].square());
    const b = xs[i].neg().add(1);
    s = a.square().mul(100).add(b.square()).add(s);
  }
  return s;
}

function rosenbrockGrad(x: number[]): number[] {
  return x.map((xi, i) => {
    let g = 0;
    if (i + 1 < x.length) g += -400 * xi * (x[i + 1] - xi * xi) - 2 * (1 - xi);
    if (i > 0) g += 200 * (xi - x[i - 1] * x[i - 1]);
    return g;
  });
}

function rosenbrockHessian(x: number[]): number[][] {
  const n = x.length;
  const h = x.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    if (i + 1 < n) {
      h[i][i] += 1200 * x[i] * x[i] - 400 * x[i + 1] + 2;
      h[i][i + 1] = h[i + 1][i] = -400 * x[i];
    }
    if (i > 0) h[i][i] += 200;
  }
  return h;
}

function ackley(xs: Dual[]): Scalar {
  const n = xs.length;
  let sq: Scalar = 0;
  let cs: Scalar = 0;
  for (const x of xs) {
    sq = x.square().add(sq);
    cs = x
      .mul(2 * Math.PI)
      .cos()
      .add(cs);
  }
  const r = (sq as Dual).div(n).sqrt();
  return r
    .mul(-0.2)
    .exp()
    .mul(-20)
    .sub((cs as Dual).div(n).exp())
    .add(20 + Math.E);
}

function ackleyGrad(x: number[]): number[] {
  const n = x.length;
  const r = Math.sqrt(x.reduce((s, v) => s + v * v, 0) / n);
  const c = x.reduce((s, v) => s + Math.cos(2 * Math.PI * v), 0) / n;
  return x.map((v) => (4 * Math.exp(-0.2 * r) * v) / (n * r) + ((2 * Math.PI) / n) * Math.sin(2 * Math.PI * v) * Math.exp(c));
}

function expectMatrixClose(got: number[][], want: number[][], digits = 9): void {
  expect(got.length).toBe(want.length);
  got.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(want[i][j], digits)));
}

describe('derivative', () => {
  test('elementary functions against their analytic derivatives', () => {
    expect(derivative((x) => x.sin())(0.7)).toBeCloseTo(Math.cos(0.7), 15);
    expect(derivative((x) => x.mul(x).mul(x))(2)).toBe(12);
    expect(derivative((x) => x.pow(2.5))(4)).toBeCloseTo(2.5 * Math.pow(4, 1.5), 13);
    expect(derivative((x) => x.log().div(x))(2)).toBeCloseTo((1 - Math.log(2)) / 4, 15);
    expect(derivative(() => 3)(1)).toBe(0);
  });

  test('second derivatives of tanh, sigmoid, exp by nesting', () => {
    const d2 = (f: (x: Dual) => Scalar) => derivative((x) => derivative(f)(x as unknown as number) as unknown as Scalar);
    const x = 0.8;
    const t = Math.tanh(x);
    const s = 1 / (1 + Math.exp(-x));
    expect(d2((v) => v.tanh())(x)).toBeCloseTo(-2 * t * (1 - t * t), 14);
    expect(d2((v) => v.sigmoid())(x)).toBeCloseTo(s * (1 - s) * (1 - 2 * s), 14);
    expect(d2((v) => v.exp())(x)).toBeCloseTo(Math.exp(x), 14);
    // Third derivative of sin is −cos.
    const d3 = derivative((v) => d2((w) => w.sin())(v as unknown as number) as unknown as Scalar);
    expect(d3(x)).toBeCloseTo(-Math.cos(x), 14);
  });
});

describe('nested derivatives without perturbation confusion', () => {
  test('d/dx [x · d/dy (x + y)] = 1 at every x', () => {
    for (const x0 of [-2, 0, 1, 3.5]) {
      expect(derivative((x) => x.mul(derivative((y) => x.add(y))(1)))(x0)).toBe(1);
    }
  });

  test('d/dx [x · d/dy (x·y)] at x = 4 is 8', () => {
    expect(derivative((x) => x.mul(derivative((y) => x.mul(y))(2)))(4)).toBe(8);
  });

  test('a closure called twice inside one derivative', () => {
    // h(v) = d/dt (t·v) = v, so f(x) = h(x) + h(x²) = x + x², f′(x) = 1 + 2x.
    const h = (v: Scalar) => derivative((t) => t.mul(v))(1) as unknown as Dual;
    expect(derivative((x) => h(x).add(h(x.square())))(3)).toBe(7);
  });

  test('an escaped perturbation is refused with both tags', () => {
    let inner: Dual | undefined;
    const leak = derivative((x) => {
      derivative((y) => {
        inner = y;
        return y.mul(x);
      })(1);
      return inner as Dual;
    });
    expect(() => leak(2)).toThrow(PerturbationError);
    expect(() => leak(2)).toThrow(/^derivative: f returned a Dual from another derivative \(tag \d+, expected \d+\)$/);
  });
});

describe('jacfwd', () => {
  const g = ([x, y, z, u, v]: Dual[]) => [x.mul(y).sin(), z.div(u).add(v.exp()), x.sub(v).tanh().mul(y)];

  test('chunk sizes 1, 2, n, n+1 and the default give identical Jacobians', () => {
    const x = [0.3, -1.2, 0.8, 2.1, -0.4];
    const reference = jacfwd(g, { chunk: 1 })(x);
    for (const chunk of [2, 5, 6, undefined]) expect(jacfwd(g, { chunk })(x)).toEqual(reference);
    expect(reference.length).toBe(3);
    expect(reference[0][0]).toBeCloseTo(Math.cos(x[0] * x[1]) * x[1], 15);
  });

  test('default chunk as ForwardDiff: all inputs up to 12, then an even split', () => {
    expect([1, 12, 13, 24, 25, 100].map((n) => defaultChunk(n))).toEqual([1, 12, 7, 12, 9, 12]);
  });

  test('Rosenbrock gradient (100-d) against the analytic one', () => {
    const x = Array.from({ length: 100 }, (_, i) => Math.sin(i) * 1.3);
    const [row] = jacfwd(rosenbrock)(x);
    row.forEach((v, i) => expect(v).toBeCloseTo(rosenbrockGrad(x)[i], 9));
  });

  test('Ackley gradient against the analytic one', () => {
    const x = [0.4, -1.3, 2.2];
    const [row] = jacfwd(ackley)(x);
    row.forEach((v, i) => expect(v).toBeCloseTo(ackleyGrad(x)[i], 12));
  });

  test('tensor functions give [...out, ...in]: the Jacobian of softmax is diag(s) − s sᵀ', () => {
    const x = tensor([0.5, -1, 2, 0]);
    const J = jacfwd((v: DualTensor) => v.softmax())(x);
    expect(J.shape).toEqual([4, 4]);
    const s = x.softmax().toArray() as number[];
    const got = J.toArray() as number[][];
    s.forEach((si, i) => s.forEach((sj, j) => expect(got[i][j]).toBeCloseTo((i === j ? si : 0) - si * sj, 15)));
    expect(jacfwd((v: DualTensor) => v.reshape([2, 2]).sum(0))(x).shape).toEqual([2, 4]);
  });

  test('a small MLP: gradient of the loss w.r.t. the input against hand-written backprop', () => {
    const W1 = randn([5, 3], { seed: 1 });
    const b1 = randn([5], { seed: 2 });
    const w2 = randn([5], { seed: 3 });
    const loss = (x: DualTensor) => x.matmul(W1.transpose()).add(b1).tanh().mul(w2).sum();
    const x = randn([3], { seed: 4 });
    const got = jacfwd(loss)(x).toArray() as number[];
    // ∂L/∂x = W1ᵀ (w2 ⊙ (1 − h²)), h = tanh(W1 x + b1)
    const h = W1.matmul(x).add(b1).tanh();
    const want = W1.transpose()
      .matmul(w2.mul(h.square().neg().add(1)))
      .toArray() as number[];
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 14));
  });
});

describe('hessian', () => {
  test('Rosenbrock (6-d) against the analytic Hessian, symmetric', () => {
    const x = [0.5, -0.3, 1.2, 0.9, -1.1, 0.2];
    const H = hessian(rosenbrock)(x);
    expectMatrixClose(H, rosenbrockHessian(x), 9);
    H.forEach((row, i) => row.forEach((v, j) => expect(v).toBe(H[j][i])));
  });

  test('chunked Hessian equals unchunked', () => {
    const x = [0.5, -0.3, 1.2, 0.9, -1.1];
    expect(hessian(rosenbrock, { chunk: 2 })(x)).toEqual(hessian(rosenbrock, { chunk: 5 })(x));
  });

  test('tensor function: the Hessian of Σ x³ is diag(6x)', () => {
    const x = tensor([1, -2, 0.5]);
    const H = hessian((v: DualTensor) => v.pow(3).sum())(x);
    expect(H.shape).toEqual([3, 3]);
    expect(H.toArray()).toEqual([
      [6, 0, 0],
      [0, -12, 0],
      [0, 0, 3],
    ]);
  });
});

describe('errors name the transform and hint at the fix', () => {
  test('derivative of a vector function', () => {
    expect(() => derivative((x) => [x, x, x] as unknown as Dual)(1)).toThrow('derivative: f must return a scalar, got an array of 3; did you mean jacfwd?');
  });

  test('jvp with mismatched primals and tangents', () => {
    expect(() => jvp(([x]) => x, [1, 2], [1])).toThrow('jvp: got 2 primals but 1 tangents; give one tangent per input');
    expect(() => jvp(([x]) => x, [1, 2], { seeds: [[1, 0], [1]] })).toThrow('jvp: input 1 has a seed vector of width 1, input 0 of width 2');
  });

  test('jacfwd with a bad chunk or a non-function', () => {
    expect(() => jacfwd(([x]) => x, { chunk: 0 })).toThrow('jacfwd: chunk must be a positive integer, got 0');
    expect(() => jacfwd(3 as never)).toThrow('jacfwd: f must be a function, got number');
  });

  test('tensor jvp checks tangent shapes', () => {
    const x = tensor([1, 2]);
    expect(() => jvp((xs: DualTensor[]) => xs[0], [x], [tensor([1, 2, 3])])).toThrow('jvp: tangent 0 of input 0 must be a tensor of shape [2]');
    const out = jvp((xs: DualTensor[]) => xs[0].mul(xs[0]), [x], [tensor([1, 1])]);
    expect((out.tangent as Tensor).toArray()).toEqual([2, 4]);
  });
});

describe('argument checks', () => {
  test('hessian checks its chunk like jacfwd', () => {
    expect(() => hessian(rosenbrock, { chunk: 0 })).toThrow('hessian: chunk must be a positive integer, got 0');
    expect(() => hessian(rosenbrock, { chunk: 1.5 })).toThrow('hessian: chunk must be a positive integer, got 1.5');
  });

  test('a dual tensor needs at least one tangent', () => {
    expect(() => dualTensor(tensor([1]), [])).toThrow('dualTensor: a dual tensor needs at least one tangent (a seed vector of width ≥ 1)');
  });
});

describe('anomaly mode in forward mode', () => {
  test('names the op, the pass and the step', () => {
    expect(() => detectAnomaly(() => derivative((x) => x.mul(2).sub(3).log())(1))).toThrow(
      'log: produced a non-finite value (NaN or ±∞) from finite inputs in the forward pass at step 3',
    );
    // sqrt at 0: the value is finite, its tangent 1/(2·0)·ẋ is not.
    expect(() => detectAnomaly(() => derivative((x) => x.mul(0).sqrt())(1))).toThrow(/^sqrt: produced a non-finite value .* in the tangent pass at step \d+$/);
    // Without detection nothing complains: log(−1) is NaN, yet its tangent 2/(2x − 3) = −2 is finite.
    expect(derivative((x) => x.mul(2).sub(3).log())(1)).toBe(-2);
  });
});
