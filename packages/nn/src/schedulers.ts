/**
 * Learning-rate schedules on PyTorch's model: a scheduler wraps an optimizer, sets its lr on
 * construction (step 0) and again at each `step()` (called after `optimizer.step()`). Each lr
 * is PyTorch's documented closed form in the step count t and the initial lr γ₀, so a
 * schedule can be resumed from its state alone and chained (SequentialLR):
 *
 * StepLR             γ₀·γ^⌊t/stepSize⌋
 * MultiStepLR        γ₀·γ^(number of milestones ≤ t)
 * ExponentialLR      γ₀·γᵗ
 * CosineAnnealingLR  η_min + (γ₀ − η_min)·(1 + cos(π t/T_max))/2
 * LinearLR           γ₀·(s + (e − s)·min(t, T)/T)    (s, e: start and end factors)
 * OneCycleLR         warm-up from max/div to max, then annealing to max/(div·finalDiv)
 * ReduceLROnPlateau  γ ← max(γ·factor, minLr) when a metric stops improving (step(metric))
 *
 * PyTorch computes most of these recursively (lrₜ from lrₜ₋₁); the closed forms are equal in
 * exact arithmetic and differ from them by rounding only.
 */
import { ValueError } from '@ad/core';
import type { Optimizer } from './optim.js';

/** A scheduler's resumable state: its step count, its initial lr, and its own counters. */
export interface SchedulerState {
  readonly lastEpoch: number;
  readonly baseLr: number;
  readonly lastLr: number;
  readonly [key: string]: unknown;
}

function check(name: string, key: string, v: number, ok: boolean, needed: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok) throw new ValueError(name, `${key} must be ${needed}, got ${String(v)}`);
  return v;
}

const positiveInt = (name: string, key: string, v: number) => check(name, key, v, Number.isInteger(v) && v > 0, 'a positive integer');
const nonNegative = (name: string, key: string, v: number) => check(name, key, v, v >= 0, 'a non-negative number');

/**
 * Each optimizer's lr when its first scheduler was made (PyTorch's param_group['initial_lr'],
 * set once with setdefault): schedulers made later on the same optimizer, such as the children
 * of a SequentialLR, start from it rather than from what an earlier one set.
 */
const initialLr = new WeakMap<Optimizer, number>();

/** A schedule of the step count: sets the optimizer's lr to `lrAt(t)` at each step. */
export abstract class LRScheduler {
  readonly optimizer: Optimizer;
  /** The optimizer's lr when its first scheduler was made (PyTorch's initial_lr). */
  readonly baseLr: number;
  /** Steps taken (0 after construction, as PyTorch's last_epoch). */
  lastEpoch = 0;
  private lastLr: number;

  constructor(optimizer: Optimizer) {
    if (optimizer === null || typeof optimizer !== 'object' || typeof optimizer.lr !== 'number') {
      throw new ValueError(this.constructor.name, 'expects an optimizer as its first argument');
    }
    this.optimizer = optimizer;
    if (!initialLr.has(optimizer)) initialLr.set(optimizer, optimizer.lr);
    this.baseLr = initialLr.get(optimizer)!;
    this.lastLr = optimizer.lr;
  }

  /** The lr at step t, from the initial lr. */
  abstract lrAt(t: number): number;

  /** Sets the lr of step 0; subclasses call it once their fields are set. */
  protected start(): void {
    this.apply(this.lrAt(0));
  }

  /** Advances one step and sets the optimizer's lr. */
  step(): void {
    this.lastEpoch++;
    this.apply(this.lrAt(this.lastEpoch));
  }

  /** The lr last set, one entry per parameter group (PyTorch's get_last_lr; one group here). */
  getLastLr(): number[] {
    return [this.lastLr];
  }

  /** Sets the optimizer's lr and remembers it as the last one. */
  protected apply(lr: number): void {
    this.optimizer.lr = lr;
    this.lastLr = lr;
  }

  /** The state needed to resume: step count, initial lr and last lr. */
  stateDict(): SchedulerState {
    return { lastEpoch: this.lastEpoch, baseLr: this.baseLr, lastLr: this.lastLr };
  }

  /** Restores a state from stateDict() and sets the optimizer's lr to the state's last lr. */
  loadStateDict(state: SchedulerState): void {
    if (state === null || typeof state !== 'object' || !Number.isInteger(state.lastEpoch) || state.lastEpoch < 0 || typeof state.lastLr !== 'number') {
      throw new ValueError(`${this.constructor.name}.loadStateDict`, 'not a scheduler state (expected lastEpoch, baseLr, lastLr)');
    }
    if (state.baseLr !== this.baseLr) {
      throw new ValueError(`${this.constructor.name}.loadStateDict`, `the state's initial lr ${state.baseLr} differs from this scheduler's ${this.baseLr}`);
    }
    this.lastEpoch = state.lastEpoch;
    this.apply(state.lastLr);
  }
}

/** lr = γ₀·γ^⌊t/stepSize⌋ (torch.optim.lr_scheduler.StepLR; γ defaults to 0.1). */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: { stepSize: number; gamma?: number }) {
    super(optimizer);
    this.stepSize = positiveInt('StepLR', 'stepSize', options?.stepSize);
    this.gamma = nonNegative('StepLR', 'gamma', options.gamma ?? 0.1);
    this.start();
  }

  lrAt(t: number): number {
    return this.baseLr * Math.pow(this.gamma, Math.floor(t / this.stepSize));
  }
}

/** lr = γ₀·γ^(milestones passed) (torch.optim.lr_scheduler.MultiStepLR; γ defaults to 0.1). */
export class MultiStepLR extends LRScheduler {
  readonly milestones: readonly number[];
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: { milestones: readonly number[]; gamma?: number }) {
    super(optimizer);
    if (!Array.isArray(options?.milestones) || !options.milestones.every((m) => Number.isInteger(m) && m >= 0)) {
      throw new ValueError('MultiStepLR', `milestones must be a list of non-negative integers, got ${JSON.stringify(options?.milestones)}`);
    }
    this.milestones = [...options.milestones].sort((a, b) => a - b);
    this.gamma = nonNegative('MultiStepLR', 'gamma', options.gamma ?? 0.1);
    this.start();
  }

  lrAt(t: number): number {
    // A milestone listed twice counts twice, as PyTorch's Counter of milestones.
    return this.baseLr * Math.pow(this.gamma, this.milestones.filter((m) => m <= t).length);
  }
}

/** lr = γ₀·γᵗ (torch.optim.lr_scheduler.ExponentialLR). */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: { gamma: number }) {
    super(optimizer);
    this.gamma = nonNegative('ExponentialLR', 'gamma', options?.gamma);
    this.start();
  }

  lrAt(t: number): number {
    return this.baseLr * Math.pow(this.gamma, t);
  }
}

/** lr = η_min + (γ₀ − η_min)·(1 + cos(π t/T_max))/2 (torch.optim.lr_scheduler.CosineAnnealingLR). */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;

  constructor(optimizer: Optimizer, options: { tMax: number; etaMin?: number }) {
    super(optimizer);
    this.tMax = positiveInt('CosineAnnealingLR', 'tMax', options?.tMax);
    this.etaMin = nonNegative('CosineAnnealingLR', 'etaMin', options.etaMin ?? 0);
    this.start();
  }

  lrAt(t: number): number {
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * t) / this.tMax))) / 2;
  }
}

/**
 * lr = γ₀·(s + (e − s)·min(t, T)/T): a linear ramp of the factor from startFactor (1/3) to
 * endFactor (1) over totalIters (5) steps, then constant — the usual warm-up
 * (torch.optim.lr_scheduler.LinearLR).
 */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  constructor(optimizer: Optimizer, options: { startFactor?: number; endFactor?: number; totalIters?: number } = {}) {
    super(optimizer);
    const name = 'LinearLR';
    this.startFactor = check(
      name,
      'startFactor',
      options.startFactor ?? 1 / 3,
      (options.startFactor ?? 1 / 3) > 0 && (options.startFactor ?? 1 / 3) <= 1,
      'in (0, 1]',
    );
    this.endFactor = check(name, 'endFactor', options.endFactor ?? 1, (options.endFactor ?? 1) >= 0 && (options.endFactor ?? 1) <= 1, 'in [0, 1]');
    this.totalIters = positiveInt(name, 'totalIters', options.totalIters ?? 5);
    this.start();
  }

  lrAt(t: number): number {
    return this.baseLr * (this.startFactor + ((this.endFactor - this.startFactor) * Math.min(t, this.totalIters)) / this.totalIters);
  }
}

/** OneCycleLR's options, PyTorch's names in camelCase. */
export interface OneCycleOptions {
  /** The peak lr. */
  maxLr: number;
  /** Steps in the cycle; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent rising (default 0.3). */
  pctStart?: number;
  /** 'cos' (default) or 'linear'. */
  annealStrategy?: 'cos' | 'linear';
  /** Initial lr = maxLr/divFactor (default 25). */
  divFactor?: number;
  /** Final lr = initial lr/finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** A third phase: up, back down to the initial lr, then down to the final lr (default false). */
  threePhase?: boolean;
}

/**
 * The one-cycle policy (torch.optim.lr_scheduler.OneCycleLR): from maxLr/div up to maxLr over
 * pctStart of the steps, then down to maxLr/(div·finalDiv), each phase annealed by
 * cos (end + (start − end)(1 + cos(π·p))/2) or linearly. Unlike PyTorch it does not cycle the
 * momentum (PyTorch's cycle_momentum = True); the optimizer's momentum is left alone.
 * Stepping past totalSteps is refused, as PyTorch does.
 */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  private readonly phases: { end: number; from: number; to: number }[];
  private readonly anneal: (from: number, to: number, p: number) => number;

  constructor(optimizer: Optimizer, options: OneCycleOptions) {
    super(optimizer);
    const name = 'OneCycleLR';
    const maxLr = check(name, 'maxLr', options?.maxLr, options?.maxLr > 0, 'a positive number');
    this.totalSteps =
      options.totalSteps !== undefined
        ? positiveInt(name, 'totalSteps', options.totalSteps)
        : positiveInt(name, 'epochs', options.epochs ?? NaN) * positiveInt(name, 'stepsPerEpoch', options.stepsPerEpoch ?? NaN);
    const pct = check(name, 'pctStart', options.pctStart ?? 0.3, (options.pctStart ?? 0.3) > 0 && (options.pctStart ?? 0.3) < 1, 'in (0, 1)');
    const div = check(name, 'divFactor', options.divFactor ?? 25, (options.divFactor ?? 25) > 0, 'positive');
    const finalDiv = check(name, 'finalDivFactor', options.finalDivFactor ?? 1e4, (options.finalDivFactor ?? 1e4) > 0, 'positive');
    const initial = maxLr / div;
    const min = initial / finalDiv;
    const n = this.totalSteps;
    this.phases = options.threePhase
      ? [
          { end: pct * n - 1, from: initial, to: maxLr },
          { end: 2 * pct * n - 2, from: maxLr, to: initial },
          { end: n - 1, from: initial, to: min },
        ]
      : [
          { end: pct * n - 1, from: initial, to: maxLr },
          { end: n - 1, from: maxLr, to: min },
        ];
    const strategy = options.annealStrategy ?? 'cos';
    if (strategy !== 'cos' && strategy !== 'linear') throw new ValueError(name, `annealStrategy must be 'cos' or 'linear', got ${String(strategy)}`);
    this.anneal = strategy === 'cos' ? (from, to, p) => to + ((from - to) * (1 + Math.cos(Math.PI * p))) / 2 : (from, to, p) => (to - from) * p + from;
    this.start();
  }

  lrAt(t: number): number {
    if (t >= this.totalSteps) {
      throw new ValueError('OneCycleLR', `stepped ${t + 1} times, past its totalSteps ${this.totalSteps}`);
    }
    let begin = 0;
    for (let i = 0; i < this.phases.length; i++) {
      const { end, from, to } = this.phases[i];
      if (t <= end || i === this.phases.length - 1) return this.anneal(from, to, (t - begin) / (end - begin));
      begin = end;
    }
    return this.getLastLr()[0];
  }
}

/**
 * Runs schedulers one after another (torch.optim.lr_scheduler.SequentialLR): scheduler i
 * rules from milestone i−1 to milestone i, counting its own steps from 0 there.
 * Typical: a LinearLR warm-up, then CosineAnnealingLR.
 */
export class SequentialLR extends LRScheduler {
  readonly schedulers: readonly LRScheduler[];
  readonly milestones: readonly number[];

  constructor(optimizer: Optimizer, options: { schedulers: readonly LRScheduler[]; milestones: readonly number[] }) {
    super(optimizer);
    const { schedulers, milestones } = options ?? {};
    if (!Array.isArray(schedulers) || schedulers.length === 0 || !schedulers.every((s) => s instanceof LRScheduler && s.optimizer === optimizer)) {
      throw new ValueError('SequentialLR', 'schedulers must be a non-empty list of schedulers of this same optimizer');
    }
    if (
      !Array.isArray(milestones) ||
      milestones.length !== schedulers.length - 1 ||
      !milestones.every((m, i) => Number.isInteger(m) && m > (milestones[i - 1] ?? 0))
    ) {
      throw new ValueError(
        'SequentialLR',
        `needs ${schedulers.length - 1} increasing positive milestones for ${schedulers.length} schedulers, got ${JSON.stringify(milestones)}`,
      );
    }
    this.schedulers = [...schedulers];
    this.milestones = [...milestones];
    this.start();
  }

  lrAt(t: number): number {
    let i = 0;
    while (i < this.milestones.length && t >= this.milestones[i]) i++;
    const child = this.schedulers[i];
    const local = t - (i === 0 ? 0 : this.milestones[i - 1]);
    child.lastEpoch = local;
    return child.lrAt(local);
  }
}

/** ReduceLROnPlateau's options, PyTorch's names in camelCase. */
export interface PlateauOptions {
  /** 'min' (default): lower is better; 'max': higher is better. */
  mode?: 'min' | 'max';
  /** The lr is multiplied by this when the metric stalls (default 0.1). */
  factor?: number;
  /** Steps without improvement tolerated before a reduction (default 10). */
  patience?: number;
  /** How much better counts as better (default 1e-4). */
  threshold?: number;
  /** 'rel' (default): relative to the best; 'abs': an absolute margin. */
  thresholdMode?: 'rel' | 'abs';
  /** Steps to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  /** The lr never goes below this (default 0). */
  minLr?: number;
  /** A reduction smaller than this is skipped (default 1e-8). */
  eps?: number;
}

/**
 * Cuts the lr when a metric stops improving (torch.optim.lr_scheduler.ReduceLROnPlateau):
 * `step(metric)` after each evaluation; after more than `patience` steps without an
 * improvement (better than best·(1 − threshold) in 'min', 'rel' mode), lr ← max(lr·factor, minLr).
 */
export class ReduceLROnPlateau {
  readonly optimizer: Optimizer;
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLr: number;
  readonly eps: number;
  lastEpoch = 0;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;

  constructor(optimizer: Optimizer, options: PlateauOptions = {}) {
    const name = 'ReduceLROnPlateau';
    if (optimizer === null || typeof optimizer !== 'object' || typeof optimizer.lr !== 'number')
      throw new ValueError(name, 'expects an optimizer as its first argument');
    this.optimizer = optimizer;
    this.mode = options.mode ?? 'min';
    this.thresholdMode = options.thresholdMode ?? 'rel';
    if (this.mode !== 'min' && this.mode !== 'max') throw new ValueError(name, `mode must be 'min' or 'max', got ${String(this.mode)}`);
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs')
      throw new ValueError(name, `thresholdMode must be 'rel' or 'abs', got ${String(this.thresholdMode)}`);
    this.factor = check(name, 'factor', options.factor ?? 0.1, (options.factor ?? 0.1) >= 0 && (options.factor ?? 0.1) < 1, 'in [0, 1)');
    this.patience = check(
      name,
      'patience',
      options.patience ?? 10,
      Number.isInteger(options.patience ?? 10) && (options.patience ?? 10) >= 0,
      'a non-negative integer',
    );
    this.threshold = nonNegative(name, 'threshold', options.threshold ?? 1e-4);
    this.cooldown = check(
      name,
      'cooldown',
      options.cooldown ?? 0,
      Number.isInteger(options.cooldown ?? 0) && (options.cooldown ?? 0) >= 0,
      'a non-negative integer',
    );
    this.minLr = nonNegative(name, 'minLr', options.minLr ?? 0);
    this.eps = nonNegative(name, 'eps', options.eps ?? 1e-8);
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  /** One evaluation's metric (a validation loss in 'min' mode). */
  step(metric: number): void {
    if (typeof metric !== 'number' || Number.isNaN(metric))
      throw new ValueError('ReduceLROnPlateau.step', `expects the metric as a number, got ${String(metric)}`);
    this.lastEpoch++;
    if (this.isBetter(metric)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else this.numBadEpochs++;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      const old = this.optimizer.lr;
      const lr = Math.max(old * this.factor, this.minLr);
      if (old - lr > this.eps) this.optimizer.lr = lr;
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
  }

  private isBetter(a: number): boolean {
    const { best, threshold } = this;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - threshold) : a < best - threshold;
    return this.thresholdMode === 'rel' ? a > best * (1 + threshold) : a > best + threshold;
  }

  /** The optimizer's current lr, one entry per parameter group (one here). */
  getLastLr(): number[] {
    return [this.optimizer.lr];
  }

  /** The counters needed to resume (JSON-safe but for best = ±Infinity, which loadStateDict accepts back as null). */
  stateDict(): { lastEpoch: number; best: number | null; numBadEpochs: number; cooldownCounter: number; lr: number } {
    return { lastEpoch: this.lastEpoch, best: this.best, numBadEpochs: this.numBadEpochs, cooldownCounter: this.cooldownCounter, lr: this.optimizer.lr };
  }

  /** Restores the counters (and the lr) from stateDict(). */
  loadStateDict(state: ReturnType<ReduceLROnPlateau['stateDict']>): void {
    if (
      state === null ||
      typeof state !== 'object' ||
      ![state.lastEpoch, state.numBadEpochs, state.cooldownCounter, state.lr].every((v) => typeof v === 'number')
    ) {
      throw new ValueError('ReduceLROnPlateau.loadStateDict', 'not a ReduceLROnPlateau state');
    }
    this.lastEpoch = state.lastEpoch;
    // ±Infinity (no metric seen yet) comes back from JSON as null.
    this.best = typeof state.best === 'number' ? state.best : this.mode === 'min' ? Infinity : -Infinity;
    this.numBadEpochs = state.numBadEpochs;
    this.cooldownCounter = state.cooldownCounter;
    this.optimizer.lr = state.lr;
  }
}
