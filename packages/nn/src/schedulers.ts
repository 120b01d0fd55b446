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
import { DTypeError, ValueError } from '@ad/core';
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

/** A scheduler's options: an object (or, where every option has a default, omitted). */
function optionsObject<T extends object>(name: string, options: T | undefined, required: boolean): T {
  if (options === undefined && !required) return {} as T;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new DTypeError(name, `options must be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  }
  return options;
}

/** A counter read back from a state dict: a non-negative integer, refused by its key otherwise. */
function counter(where: string, key: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new ValueError(where, `${key} must be a non-negative integer, got ${typeof v === 'number' ? v : v === null ? 'null' : typeof v}`);
  }
  return v;
}

/** An lr read back from a state dict: a finite non-negative number. */
function learningRate(where: string, key: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new ValueError(where, `${key} must be a finite non-negative number, got ${typeof v === 'number' ? v : v === null ? 'null' : typeof v}`);
  }
  return v;
}

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
    this.apply(this.finite(this.constructor.name, 0));
  }

  /**
   * Advances one step and sets the optimizer's lr. An lr that overflows (StepLR with γ = 1e308
   * after two steps; PyTorch sets inf) is refused, and the scheduler stays where it was.
   */
  step(): void {
    const lr = this.finite(`${this.constructor.name}.step`, this.lastEpoch + 1);
    this.lastEpoch++;
    this.apply(lr);
  }

  /** lrAt(t), refused by name when it is not a finite number. */
  private finite(where: string, t: number): number {
    const lr = this.lrAt(t);
    if (!Number.isFinite(lr)) {
      throw new ValueError(where, `the lr at step ${t} would be ${lr} (initial lr ${this.baseLr}); the schedule's factors must keep it finite`);
    }
    return lr;
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

  /**
   * Restores a state from stateDict() and sets the optimizer's lr to the state's last lr. A
   * counter that is not a non-negative integer (NaN, −1, 2.5) or an lr that is not a finite
   * non-negative number is refused by its key, and the scheduler is left as it was.
   */
  loadStateDict(state: SchedulerState): void {
    const where = `${this.constructor.name}.loadStateDict`;
    if (state === null || typeof state !== 'object' || Array.isArray(state)) {
      throw new ValueError(where, `expects a scheduler state (lastEpoch, baseLr, lastLr), got ${state === null ? 'null' : typeof state}`);
    }
    const lastEpoch = counter(where, 'lastEpoch', state.lastEpoch);
    const lastLr = learningRate(where, 'lastLr', state.lastLr);
    if (state.baseLr !== this.baseLr) {
      throw new ValueError(where, `the state's initial lr ${String(state.baseLr)} differs from this scheduler's ${this.baseLr}`);
    }
    this.checkLastEpoch(where, lastEpoch);
    this.lastEpoch = lastEpoch;
    this.apply(lastLr);
  }

  /** A subclass refuses a step count its schedule cannot reach (OneCycleLR: past totalSteps). */
  protected checkLastEpoch(_where: string, _lastEpoch: number): void {}
}

/** lr = γ₀·γ^⌊t/stepSize⌋ (torch.optim.lr_scheduler.StepLR; γ defaults to 0.1). */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: { stepSize: number; gamma?: number }) {
    super(optimizer);
    optionsObject('StepLR', options, true);
    this.stepSize = positiveInt('StepLR', 'stepSize', options.stepSize);
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
    optionsObject('MultiStepLR', options, true);
    if (!Array.isArray(options.milestones) || !options.milestones.every((m) => Number.isInteger(m) && m >= 0)) {
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
    optionsObject('ExponentialLR', options, true);
    this.gamma = nonNegative('ExponentialLR', 'gamma', options.gamma);
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
    optionsObject('CosineAnnealingLR', options, true);
    this.tMax = positiveInt('CosineAnnealingLR', 'tMax', options.tMax);
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
    optionsObject(name, options, false);
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
 * cos (end + (start − end)(1 + cos(π·p))/2) or linearly, where p = (t − begin)/(end − begin)
 * runs from 0 at a phase's first step to 1 at its end step (phase ends at pctStart·n − 1,
 * [2·pctStart·n − 2 with threePhase,] n − 1). Unlike PyTorch it does not cycle the momentum
 * (PyTorch's cycle_momentum = True); the optimizer's momentum is left alone.
 *
 * A phase of zero width (end = begin: pctStart·n = 1, as totalSteps 2 with pctStart 0.5, or
 * pctStart 1) is taken at its end (p = 1), the value every other phase has at its end step;
 * PyTorch divides 0 by 0 there and raises ZeroDivisionError. As PyTorch, totalSteps calls to
 * step() are allowed (the last one sets an lr no training step uses, p past 1 in the last
 * phase) and one more is refused.
 */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  private readonly phases: { end: number; from: number; to: number }[];
  private readonly anneal: (from: number, to: number, p: number) => number;

  constructor(optimizer: Optimizer, options: OneCycleOptions) {
    super(optimizer);
    const name = 'OneCycleLR';
    optionsObject(name, options, true);
    const maxLr = check(name, 'maxLr', options.maxLr, options.maxLr > 0, 'a positive number');
    this.totalSteps =
      options.totalSteps !== undefined
        ? positiveInt(name, 'totalSteps', options.totalSteps)
        : positiveInt(name, 'epochs', options.epochs ?? NaN) * positiveInt(name, 'stepsPerEpoch', options.stepsPerEpoch ?? NaN);
    const pct = check(name, 'pctStart', options.pctStart ?? 0.3, (options.pctStart ?? 0.3) >= 0 && (options.pctStart ?? 0.3) <= 1, 'in [0, 1]');
    const div = check(name, 'divFactor', options.divFactor ?? 25, (options.divFactor ?? 25) > 0, 'positive');
    const finalDiv = check(name, 'finalDivFactor', options.finalDivFactor ?? 1e4, (options.finalDivFactor ?? 1e4) > 0, 'positive');
    const initial = maxLr / div;
    const min = initial / finalDiv;
    const n = this.totalSteps;
    if (options.threePhase !== undefined && typeof options.threePhase !== 'boolean') {
      throw new DTypeError(name, `threePhase must be true or false, got ${typeof options.threePhase}`);
    }
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

  protected override checkLastEpoch(where: string, lastEpoch: number): void {
    if (lastEpoch > this.totalSteps) throw new ValueError(where, `lastEpoch ${lastEpoch} is past totalSteps ${this.totalSteps}`);
  }

  lrAt(t: number): number {
    if (t > this.totalSteps) {
      throw new ValueError('OneCycleLR.step', `stepped ${t} times, past its totalSteps ${this.totalSteps}`);
    }
    let begin = 0;
    for (let i = 0; ; i++) {
      const { end, from, to } = this.phases[i];
      if (t <= end || i === this.phases.length - 1) return this.anneal(from, to, end === begin ? 1 : (t - begin) / (end - begin));
      begin = end;
    }
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
    const { schedulers, milestones } = optionsObject('SequentialLR', options, true);
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
    optionsObject(name, options, false);
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
    const where = 'ReduceLROnPlateau.loadStateDict';
    if (state === null || typeof state !== 'object' || Array.isArray(state)) {
      throw new ValueError(where, `expects a ReduceLROnPlateau state, got ${state === null ? 'null' : typeof state}`);
    }
    const lastEpoch = counter(where, 'lastEpoch', state.lastEpoch);
    const numBadEpochs = counter(where, 'numBadEpochs', state.numBadEpochs);
    const cooldownCounter = counter(where, 'cooldownCounter', state.cooldownCounter);
    const lr = learningRate(where, 'lr', state.lr);
    // ±Infinity (no metric seen yet) comes back from JSON as null; NaN would never improve.
    if (state.best !== null && (typeof state.best !== 'number' || Number.isNaN(state.best))) {
      throw new ValueError(where, `best must be a number or null, got ${typeof state.best === 'number' ? state.best : typeof state.best}`);
    }
    this.lastEpoch = lastEpoch;
    this.best = state.best ?? (this.mode === 'min' ? Infinity : -Infinity);
    this.numBadEpochs = numBadEpochs;
    this.cooldownCounter = cooldownCounter;
    this.optimizer.lr = lr;
  }
}
