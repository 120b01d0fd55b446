/**
 * Learning-rate schedules and gradient clipping against hand-computed values of PyTorch's
 * documented formulas (each trajectory lists the lr at steps 0, 1, 2, …).
 */
import { ValueError, tensor } from '@ad/core';
import {
  CosineAnnealingLR,
  ExponentialLR,
  LinearLR,
  MultiStepLR,
  OneCycleLR,
  Parameter,
  ReduceLROnPlateau,
  SGD,
  SequentialLR,
  StepLR,
  clipGradNorm,
  clipGradValue,
  type LRScheduler,
  type SchedulerState,
} from '../src/index.js';

const optimizer = (lr = 1) => new SGD([new Parameter(tensor([1, 2]))], { lr });

/** The lr at step 0 and after each of `steps` further steps, with the optimizer following it. */
function trajectory(s: LRScheduler, steps: number): number[] {
  const out = [s.getLastLr()[0]];
  for (let i = 0; i < steps; i++) {
    s.optimizer.step();
    s.step();
    expect(s.optimizer.lr).toBe(s.getLastLr()[0]);
    out.push(s.getLastLr()[0]);
  }
  return out;
}

function expectTrajectory(got: number[], want: number[]): void {
  expect(got).toHaveLength(want.length);
  got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 12));
}

test('StepLR: γ₀·γ^⌊t/stepSize⌋', () => {
  expectTrajectory(trajectory(new StepLR(optimizer(), { stepSize: 2, gamma: 0.5 }), 6), [1, 1, 0.5, 0.5, 0.25, 0.25, 0.125]);
});

test('MultiStepLR: γ₀·γ^(milestones passed)', () => {
  expectTrajectory(trajectory(new MultiStepLR(optimizer(), { milestones: [5, 2], gamma: 0.1 }), 6), [1, 1, 0.1, 0.1, 0.1, 0.01, 0.01]);
});

test('ExponentialLR: γ₀·γᵗ', () => {
  expectTrajectory(trajectory(new ExponentialLR(optimizer(0.5), { gamma: 0.9 }), 3), [0.5, 0.45, 0.405, 0.3645]);
});

test('CosineAnnealingLR: η_min + (γ₀ − η_min)(1 + cos(πt/T))/2, rising again past T', () => {
  // cos(π/4) = 0.70710678…: (1 + 0.70710678)/2 = 0.85355339, (1 − 0.70710678)/2 = 0.14644661
  expectTrajectory(trajectory(new CosineAnnealingLR(optimizer(), { tMax: 4 }), 5), [1, 0.8535533905932737, 0.5, 0.14644660940672627, 0, 0.14644660940672627]);
  expectTrajectory(trajectory(new CosineAnnealingLR(optimizer(2), { tMax: 2, etaMin: 1 }), 2), [2, 1.5, 1]);
});

test('CosineAnnealingLR gives bit for bit the cosine decay ad train computed by hand before it used the scheduler', () => {
  const lr = 2e-3;
  const total = 1875;
  const s = new CosineAnnealingLR(optimizer(lr), { tMax: total });
  for (let step = 0; step < total; step++) {
    expect(s.optimizer.lr).toBe((lr * (1 + Math.cos((Math.PI * step) / total))) / 2);
    s.step();
  }
});

test('LinearLR: a warm-up of the factor from start to end over totalIters, then constant', () => {
  expectTrajectory(trajectory(new LinearLR(optimizer(), { startFactor: 0.25, totalIters: 3 }), 5), [0.25, 0.5, 0.75, 1, 1, 1]);
  // PyTorch's defaults: 1/3 → 1 over 5 steps.
  expectTrajectory(trajectory(new LinearLR(optimizer(3)), 1), [1, 1.4]);
});

test('OneCycleLR: up from max/25 over 30 % of the steps, then cosine down to max/25/1e4', () => {
  const s = new OneCycleLR(optimizer(), { maxLr: 1, totalSteps: 10 });
  // Phase 1 ends at step 0.3·10 − 1 = 2: 0.04, 1 + (0.04 − 1)·(1 + cos(π/2))/2 = 0.52, 1.
  // Phase 2 runs steps 2…9: at step 3, p = 1/7: 4e-6 + (1 − 4e-6)·(1 + cos(π/7))/2 = 0.95048…
  const lrs = trajectory(s, 9);
  expectTrajectory(lrs.slice(0, 4), [0.04, 0.52, 1, 0.9504844339512095 * (1 - 4e-6) + 4e-6]);
  expect(lrs[9]).toBeCloseTo(4e-6, 15);
  // As PyTorch: totalSteps calls to step() (one after each of the 10 training steps), not one more.
  s.step();
  expect(() => s.step()).toThrow(/^OneCycleLR.step: stepped 11 times, past its totalSteps 10/);
  const linear = new OneCycleLR(optimizer(), { maxLr: 1, epochs: 2, stepsPerEpoch: 5, annealStrategy: 'linear', pctStart: 0.5 });
  // Phase 1 ends at step 4: 0.04 + 0.96·t/4; phase 2, steps 4…9, down to 4e-6.
  expectTrajectory(trajectory(linear, 9).slice(0, 6), [0.04, 0.28, 0.52, 0.76, 1, 1 - (1 - 4e-6) / 5]);
});

test('SequentialLR: a warm-up, then a schedule that starts over at its milestone from the initial lr', () => {
  const opt = optimizer();
  const warm = new LinearLR(opt, { startFactor: 0.5, totalIters: 2 });
  const decay = new ExponentialLR(opt, { gamma: 0.5 });
  expect(decay.baseLr).toBe(1);
  expectTrajectory(trajectory(new SequentialLR(opt, { schedulers: [warm, decay], milestones: [3] }), 5), [0.5, 0.75, 1, 1, 0.5, 0.25]);
  expect(() => new SequentialLR(opt, { schedulers: [warm, decay], milestones: [] })).toThrow(ValueError);
  expect(() => new SequentialLR(opt, { schedulers: [warm, new StepLR(optimizer(), { stepSize: 1 })], milestones: [2] })).toThrow(/same optimizer/);
});

test('ReduceLROnPlateau: after more than patience steps without a relative improvement, lr·factor, then cooldown', () => {
  const opt = optimizer();
  const s = new ReduceLROnPlateau(opt, { patience: 1, factor: 0.5, cooldown: 1, minLr: 0.2 });
  const lrs: number[] = [];
  // 1.0 best; 0.99995 is not better by the 1e-4 relative threshold; two bad steps > patience 1.
  for (const metric of [1, 0.99995, 1, 1, 1, 1, 0.5, 0.6, 0.6, 0.6, 0.6]) {
    s.step(metric);
    lrs.push(s.getLastLr()[0]);
  }
  expect(lrs).toEqual([1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2]);
  const max = new ReduceLROnPlateau(optimizer(), { mode: 'max', patience: 0, thresholdMode: 'abs', threshold: 0.1 });
  max.step(1);
  max.step(1.05);
  expect(max.getLastLr()).toEqual([0.1]);
  expect(() => s.step(NaN)).toThrow(ValueError);
  // Resumed from JSON: the counters and the lr come back, a fresh best (Infinity) included.
  const fresh = new ReduceLROnPlateau(optimizer(), { patience: 0 });
  const resumed = new ReduceLROnPlateau(optimizer(), { patience: 0 });
  resumed.loadStateDict(JSON.parse(JSON.stringify(fresh.stateDict())));
  resumed.step(5);
  resumed.step(6);
  expect(resumed.getLastLr()).toEqual([0.1]);
});

test('a scheduler resumes from its state dict', () => {
  const a = new CosineAnnealingLR(optimizer(), { tMax: 10 });
  trajectory(a, 3);
  const b = new CosineAnnealingLR(optimizer(), { tMax: 10 });
  b.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())));
  expect(b.optimizer.lr).toBe(a.optimizer.lr);
  a.step();
  b.step();
  expect(b.getLastLr()).toEqual(a.getLastLr());
  expect(() => b.loadStateDict({ lastEpoch: 1, baseLr: 2, lastLr: 1 })).toThrow(/initial lr 2 differs/);
  expect(() => new StepLR(optimizer(), { stepSize: 0 })).toThrow(/stepSize must be a positive integer/);
});

describe('gradient clipping', () => {
  const params = () => {
    const a = new Parameter(tensor([3, 0]));
    const b = new Parameter(tensor([[0, 4]]));
    a.grad = tensor([3, 0]);
    b.grad = tensor([[0, -4]]);
    return [a, b];
  };

  test('clipGradNorm returns the total 2-norm and scales by maxNorm/(total + 1e-6)', () => {
    const ps = params();
    expect(clipGradNorm(ps, 1)).toBe(5);
    const c = 1 / (5 + 1e-6);
    expect((ps[0].grad as ReturnType<typeof tensor>).toArray()).toEqual([3 * c, 0]);
    expect((ps[1].grad as ReturnType<typeof tensor>).toArray()).toEqual([[0, -4 * c]]);
  });

  test('a norm below maxNorm leaves the gradients alone; the ∞-norm and a 1-norm', () => {
    const ps = params();
    expect(clipGradNorm(ps, 10)).toBe(5);
    expect((ps[1].grad as ReturnType<typeof tensor>).toArray()).toEqual([[0, -4]]);
    expect(clipGradNorm(params(), 1, Infinity)).toBe(4);
    const one = params();
    expect(clipGradNorm(one, 3.5, 1)).toBeCloseTo(7, 14);
    expect(((one[0].grad as ReturnType<typeof tensor>).toArray() as number[])[0]).toBeCloseTo((3 * 3.5) / (7 + 1e-6), 14);
    expect(clipGradNorm([new Parameter(tensor([1]))], 1)).toBe(0);
  });

  test('a non-finite gradient: by default the norm is returned and the gradients scaled by it, as PyTorch (errorIfNonfinite false)', () => {
    // PyTorch 1.13, float64: clip_grad_norm_([g = [nan, 1]], 1) → nan, g = [nan, nan];
    // g = [inf, 3] → inf, g = [nan, 0].
    const nan = new Parameter(tensor([0, 0]));
    nan.grad = tensor([NaN, 1]);
    expect(clipGradNorm(nan, 1)).toBeNaN();
    expect(nan.grad.toArray()).toEqual([NaN, NaN]);
    const inf = new Parameter(tensor([0, 0]));
    inf.grad = tensor([Infinity, 3]);
    expect(clipGradNorm([inf], 1, 2, { errorIfNonfinite: false })).toBe(Infinity);
    expect(inf.grad.toArray()).toEqual([NaN, 0]);
  });

  test('errorIfNonfinite: true refuses a non-finite norm by name and leaves the gradients alone', () => {
    const p = new Parameter(tensor([0, 0]));
    p.grad = tensor([Infinity, 3]);
    expect(() => clipGradNorm([p], 1, 2, { errorIfNonfinite: true })).toThrow(ValueError);
    expect(() => clipGradNorm([p], 1, Infinity, { errorIfNonfinite: true })).toThrow(
      /^clipGradNorm: the total norm of order Infinity of the gradients is Infinity/,
    );
    expect(p.grad.toArray()).toEqual([Infinity, 3]);
    // Finite gradients are clipped as without the option.
    const q = new Parameter(tensor([0, 0]));
    q.grad = tensor([3, 4]);
    expect(clipGradNorm([q], 1, 2, { errorIfNonfinite: true })).toBe(5);
  });

  test('a norm that overflows from finite gradients (normType 1e-300) is refused, the gradients unchanged', () => {
    const p = new Parameter(tensor([0, 0]));
    p.grad = tensor([3, 4]);
    expect(() => clipGradNorm([p], 1, 1e-300)).toThrow(/^clipGradNorm: the 1e-300-norm of these finite gradients overflows to Infinity; .*use a normType ≥ 1/);
    expect(p.grad.toArray()).toEqual([3, 4]);
    expect(() => clipGradNorm(null as unknown as Parameter[], 1)).toThrow(/^clipGradNorm: parameters must be an iterable of Parameters/);
  });

  test('clipGradValue clamps each element', () => {
    const ps = params();
    clipGradValue(ps, 3.5);
    expect((ps[0].grad as ReturnType<typeof tensor>).toArray()).toEqual([3, 0]);
    expect((ps[1].grad as ReturnType<typeof tensor>).toArray()).toEqual([[0, -3.5]]);
    expect(() => clipGradValue(ps, -1)).toThrow(ValueError);
    expect(() => clipGradNorm(ps, NaN)).toThrow(/maxNorm must be a non-negative number/);
  });
});

describe('bad input to schedulers', () => {
  test.each([
    ['NaN', NaN],
    ['negative', -1],
    ['fractional', 2.5],
    ['a string', '3'],
  ])('loadStateDict refuses a %s lastEpoch by name and leaves the scheduler as it was', (_, lastEpoch) => {
    const s = new StepLR(optimizer(), { stepSize: 1, gamma: 0.5 });
    s.step();
    const state = { ...s.stateDict(), lastEpoch } as unknown as SchedulerState;
    expect(() => s.loadStateDict(state)).toThrow(ValueError);
    expect(() => s.loadStateDict(state)).toThrow(/^StepLR.loadStateDict: lastEpoch must be a non-negative integer, got /);
    expect(s.lastEpoch).toBe(1);
    expect(s.optimizer.lr).toBe(0.5);
  });

  test("loadStateDict refuses a non-finite or negative lastLr, a lastEpoch past OneCycleLR's end, and null", () => {
    const s = new CosineAnnealingLR(optimizer(), { tMax: 4 });
    expect(() => s.loadStateDict({ lastEpoch: 1, baseLr: 1, lastLr: NaN })).toThrow(
      /^CosineAnnealingLR.loadStateDict: lastLr must be a finite non-negative number, got NaN/,
    );
    expect(() => s.loadStateDict({ lastEpoch: 1, baseLr: 1, lastLr: -0.5 })).toThrow(/lastLr must be a finite non-negative number, got -0.5/);
    expect(() => s.loadStateDict(null as unknown as SchedulerState)).toThrow(/^CosineAnnealingLR.loadStateDict: expects a scheduler state .* got null/);
    expect(s.optimizer.lr).toBe(1);
    const one = new OneCycleLR(optimizer(), { maxLr: 1, totalSteps: 5 });
    expect(() => one.loadStateDict({ ...one.stateDict(), lastEpoch: 6 })).toThrow(/^OneCycleLR.loadStateDict: lastEpoch 6 is past totalSteps 5/);
  });

  test.each([
    ['NaN', NaN],
    ['negative', -1],
    ['fractional', 0.5],
  ])('ReduceLROnPlateau.loadStateDict refuses a %s counter by its key', (_, v) => {
    const s = new ReduceLROnPlateau(optimizer());
    const good = s.stateDict();
    for (const key of ['lastEpoch', 'numBadEpochs', 'cooldownCounter'] as const) {
      expect(() => s.loadStateDict({ ...good, [key]: v })).toThrow(new RegExp(`^ReduceLROnPlateau.loadStateDict: ${key} must be a non-negative integer`));
    }
    expect(() => s.loadStateDict({ ...good, best: NaN })).toThrow(/^ReduceLROnPlateau.loadStateDict: best must be a number or null, got NaN/);
    expect(() => s.loadStateDict({ ...good, lr: Infinity })).toThrow(/^ReduceLROnPlateau.loadStateDict: lr must be a finite non-negative number/);
    expect(s.stateDict()).toEqual(good);
  });

  test('StepLR with γ = 1e308: the step whose lr would overflow is refused (PyTorch sets inf), the lr kept', () => {
    const s = new StepLR(optimizer(), { stepSize: 1, gamma: 1e308 });
    s.step();
    expect(s.getLastLr()).toEqual([1e308]);
    expect(() => s.step()).toThrow(ValueError);
    expect(() => s.step()).toThrow(/^StepLR.step: the lr at step 2 would be Infinity \(initial lr 1\)/);
    expect(s.lastEpoch).toBe(1);
    expect(s.optimizer.lr).toBe(1e308);
    expect(() => new ExponentialLR(optimizer(1e300), { gamma: 1e10 }).step()).toThrow(/^ExponentialLR.step: the lr at step 1 would be Infinity/);
  });

  test("options that are not an object are refused by the scheduler's name", () => {
    expect(() => new StepLR(optimizer(), null as unknown as { stepSize: number })).toThrow(/^StepLR: options must be an object, got null/);
    expect(() => new OneCycleLR(optimizer(), undefined as unknown as { maxLr: number })).toThrow(/^OneCycleLR: options must be an object, got undefined/);
    expect(() => new LinearLR(optimizer(), null as unknown as object)).toThrow(/^LinearLR: options must be an object/);
    expect(() => new ReduceLROnPlateau(optimizer(), 'min' as unknown as object)).toThrow(/^ReduceLROnPlateau: options must be an object, got string/);
    expect(() => new OneCycleLR(optimizer(), { maxLr: 1, totalSteps: 4, threePhase: 'yes' as unknown as boolean })).toThrow(
      /^OneCycleLR: threePhase must be true or false, got string/,
    );
    expect(() => new OneCycleLR(optimizer(), { maxLr: 1, totalSteps: 4, pctStart: 1.5 })).toThrow(/^OneCycleLR: pctStart must be in \[0, 1\], got 1.5/);
  });
});
