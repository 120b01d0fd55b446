/**
 * Optimizer trajectories over several steps against PyTorch's published update rules, written
 * out by hand here for a fixed gradient sequence (θ has one element; g is fed explicitly).
 */
import { tensor } from '@ad/core';
import { Adam, AdamW, Parameter, SGD, type Optimizer } from '../src/index.js';

/** Runs `steps` updates of θ with gradients g(θ) = 2θ + 1 (the loss θ² + θ). */
function trajectory(make: (p: Parameter) => Optimizer, theta0: number, steps: number): number[] {
  const p = new Parameter(tensor([theta0]));
  const opt = make(p);
  const out: number[] = [];
  for (let t = 0; t < steps; t++) {
    p.grad = tensor([2 * p.data[0] + 1]);
    opt.step();
    out.push(p.data[0]);
  }
  return out;
}

/** The same rules, as plain scalar code. */
function reference(rule: (theta: number, g: number, t: number, s: Record<string, number>) => number, theta0: number, steps: number): number[] {
  let theta = theta0;
  const s: Record<string, number> = {};
  const out: number[] = [];
  for (let t = 1; t <= steps; t++) {
    theta = rule(theta, 2 * theta + 1, t, s);
    out.push(theta);
  }
  return out;
}

function expectSame(a: number[], b: number[]): void {
  a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 14));
}

describe('SGD', () => {
  test('plain, with weight decay', () => {
    const lr = 0.1;
    const wd = 0.01;
    expectSame(
      trajectory((p) => new SGD([p], { lr, weightDecay: wd }), 1.5, 5),
      reference((th, g) => th - lr * (g + wd * th), 1.5, 5),
    );
  });

  test('momentum with dampening: b₁ = g, then b = μb + (1 − τ)g', () => {
    const lr = 0.1;
    const mu = 0.9;
    const tau = 0.1;
    expectSame(
      trajectory((p) => new SGD([p], { lr, momentum: mu, dampening: tau }), 1.5, 6),
      reference(
        (th, g, t, s) => {
          s.b = t === 1 ? g : mu * s.b + (1 - tau) * g;
          return th - lr * s.b;
        },
        1.5,
        6,
      ),
    );
  });

  test('Nesterov: θ −= γ(g + μb)', () => {
    const lr = 0.05;
    const mu = 0.8;
    expectSame(
      trajectory((p) => new SGD([p], { lr, momentum: mu, nesterov: true, weightDecay: 0.1 }), -2, 6),
      reference(
        (th, g0, t, s) => {
          const g = g0 + 0.1 * th;
          s.b = t === 1 ? g : mu * s.b + g;
          return th - lr * (g + mu * s.b);
        },
        -2,
        6,
      ),
    );
  });

  test('Nesterov needs momentum and no dampening', () => {
    expect(() => new SGD([new Parameter(tensor([1]))], { nesterov: true })).toThrow('SGD: Nesterov momentum requires a momentum and zero dampening');
  });
});

describe('Adam and AdamW', () => {
  const b1 = 0.9;
  const b2 = 0.999;
  const eps = 1e-8;

  test('bias-corrected moments', () => {
    const lr = 0.01;
    expectSame(
      trajectory((p) => new Adam([p], { lr }), 1.5, 8),
      reference(
        (th, g, t, s) => {
          s.m = b1 * (s.m ?? 0) + (1 - b1) * g;
          s.v = b2 * (s.v ?? 0) + (1 - b2) * g * g;
          const mHat = s.m / (1 - b1 ** t);
          const vHat = s.v / (1 - b2 ** t);
          return th - (lr * mHat) / (Math.sqrt(vHat) + eps);
        },
        1.5,
        8,
      ),
    );
  });

  test('L2 weight decay (Adam) adds λθ to the gradient; AMSGrad keeps the max of v', () => {
    const lr = 0.02;
    const wd = 0.1;
    expectSame(
      trajectory((p) => new Adam([p], { lr, weightDecay: wd, amsgrad: true }), 1.5, 8),
      reference(
        (th, g0, t, s) => {
          const g = g0 + wd * th;
          s.m = b1 * (s.m ?? 0) + (1 - b1) * g;
          s.v = b2 * (s.v ?? 0) + (1 - b2) * g * g;
          s.vMax = Math.max(s.vMax ?? 0, s.v);
          return th - ((lr / (1 - b1 ** t)) * s.m) / (Math.sqrt(s.vMax) / Math.sqrt(1 - b2 ** t) + eps);
        },
        1.5,
        8,
      ),
    );
  });

  test('AdamW decays θ by (1 − γλ) before the Adam step', () => {
    const lr = 0.02;
    const wd = 0.1;
    expectSame(
      trajectory((p) => new AdamW([p], { lr, weightDecay: wd }), 1.5, 8),
      reference(
        (th0, g, t, s) => {
          const th = th0 * (1 - lr * wd);
          s.m = b1 * (s.m ?? 0) + (1 - b1) * g;
          s.v = b2 * (s.v ?? 0) + (1 - b2) * g * g;
          return th - ((lr / (1 - b1 ** t)) * s.m) / (Math.sqrt(s.v) / Math.sqrt(1 - b2 ** t) + eps);
        },
        1.5,
        8,
      ),
    );
    expect(new AdamW([new Parameter(tensor([1]))]).weightDecay).toBe(0.01);
  });
});

describe('optimizer state resumes training exactly', () => {
  test.each([
    ['SGD', (p: Parameter) => new SGD([p], { lr: 0.1, momentum: 0.9 })],
    ['Adam', (p: Parameter) => new Adam([p], { lr: 0.05, amsgrad: true })],
    ['AdamW', (p: Parameter) => new AdamW([p], { lr: 0.05 })],
  ] as const)('%s', (_name, make) => {
    const straight = trajectory(make, 1.5, 6);
    const p = new Parameter(tensor([1.5]));
    const first = make(p);
    for (let t = 0; t < 3; t++) {
      p.grad = tensor([2 * p.data[0] + 1]);
      first.step();
    }
    const saved = JSON.parse(JSON.stringify(first.stateDict()));
    const q = new Parameter(tensor([p.data[0]]));
    const second = make(q);
    second.loadStateDict(saved);
    const rest: number[] = [];
    for (let t = 0; t < 3; t++) {
      q.grad = tensor([2 * q.data[0] + 1]);
      second.step();
      rest.push(q.data[0]);
    }
    expect(rest).toEqual(straight.slice(3));
  });

  test('a state of the wrong kind or size is refused', () => {
    const p = new Parameter(tensor([1]));
    const state = new SGD([p]).stateDict();
    expect(() => new Adam([p]).loadStateDict(state)).toThrow('Adam.loadStateDict: the state is of a SGD optimizer');
    expect(() => new SGD([p, new Parameter(tensor([2]))]).loadStateDict(state)).toThrow(
      'SGD.loadStateDict: the state has buffers for 1 parameters, the optimizer has 2',
    );
  });
});
