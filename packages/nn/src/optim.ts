/**
 * Optimizers with PyTorch's exact update rules (torch.optim's documented algorithms), applied
 * in place to each parameter's Float64Array. With g the gradient at step t:
 *
 * SGD:   g ← g + λθ;  b ← g (t = 1) or μb + (1 − τ)g;  g ← g + μb (Nesterov) or b;  θ ← θ − γg
 * Adam:  g ← g + λθ;  m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;
 *        m̂ = m/(1 − β₁ᵗ);  v̂ = v/(1 − β₂ᵗ) (AMSGrad: v̂ from max of all v);  θ ← θ − γ m̂/(√v̂ + ε)
 * AdamW: θ ← θ(1 − γλ) first (decoupled decay), then Adam without the λθ term.
 *
 * The per-parameter buffers (momentum; m, v, vMax) live as long as the optimizer, so they are
 * resident in the kernels' memory where there is one (allocateResident), as the parameters are.
 */
import { DTypeError, Tensor, ValueError } from '@ad/core';
import { adamUpdate, allocateResident, type Gradient } from '@ad/core/engine';
import type { Gradients } from '@ad/reverse';
import { Parameter } from './parameter.js';
import { checkOptions } from './types.js';

/** An optimizer's resumable state: its kind, step count, options and per-parameter buffers. */
export interface OptimizerState {
  readonly kind: string;
  readonly step: number;
  readonly options: Record<string, unknown>;
  /** Per-parameter buffers by position in the parameter list. */
  readonly buffers: Record<string, number[]>[];
}

/** Updates parameters in place from their gradients; subclasses give the update rule. */
export abstract class Optimizer {
  readonly params: readonly Parameter[];
  /** The learning rate γ; a schedule may change it between steps, as PyTorch's param_groups. */
  abstract lr: number;
  /** Number of steps taken. */
  stepCount = 0;

  constructor(params: Iterable<Parameter>) {
    const name = this.constructor.name;
    if (params === null || typeof (params as { [Symbol.iterator]?: unknown })?.[Symbol.iterator] !== 'function' || typeof params === 'string') {
      throw new DTypeError(name, `params must be an iterable of Parameters (model.parameters()), got ${params === null ? 'null' : typeof params}`);
    }
    this.params = [...params];
    // As PyTorch: an optimizer with nothing to optimize is a mistake (a model with no layers, a filter that kept nothing).
    if (this.params.length === 0) throw new ValueError(name, 'got an empty parameter list');
    this.params.forEach((p, i) => {
      if (!(p instanceof Parameter)) throw new DTypeError(name, `params[${i}] is not a Parameter, got ${p === null ? 'null' : typeof p}`);
    });
    if (new Set(this.params).size !== this.params.length) throw new ValueError(name, 'a parameter appears twice in params');
  }

  /** Clears every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }

  /**
   * One update. Uses each parameter's `.grad`, or the gradients a backward returned when
   * given (`optimizer.step(loss.backward())`). Parameters without a gradient are skipped.
   */
  step(gradients?: Gradients): void {
    if (gradients !== undefined && (gradients === null || typeof gradients !== 'object' || typeof (gradients as { get?: unknown }).get !== 'function')) {
      throw new DTypeError(
        `${this.constructor.name}.step`,
        `expects nothing (each parameter's .grad) or the gradients a backward returned (optimizer.step(loss.backward())), got ${
          gradients === null ? 'null' : typeof gradients
        }`,
      );
    }
    this.stepCount++;
    this.params.forEach((p, i) => {
      const g = gradients !== undefined ? gradients.get(p) : p.grad;
      if (g === undefined) return;
      const data = gradientData(g);
      const length = data instanceof Float64Array ? data.length : data.rows * data.cols;
      if (length !== p.data.length) {
        throw new ValueError(this.constructor.name, `gradient of parameter ${i} has ${length} values, the parameter ${p.data.length}`);
      }
      this.update(i, p.data, data);
    });
  }

  /** The update rule for parameter `index`: θ in place, from its gradient g (read in θ's row-major order). */
  protected abstract update(index: number, theta: Float64Array, g: Gradient): void;

  /** The state needed to resume (step count, buffers). */
  abstract stateDict(): OptimizerState;
  /** Restores a state from stateDict(); refuses one of another kind or size. */
  abstract loadStateDict(state: OptimizerState): void;
}

/**
 * A gradient's numbers in row-major order, read in place: contiguous, or a 2-D view (Linear's
 * W̄ is the transpose of xᵀȳ; copying it was a strided pass and a fresh array every step).
 * Other views are copied.
 */
function gradientData(g: unknown): Gradient {
  if (g instanceof Tensor) {
    if (g.isContiguous) return g.data.subarray(g.offset, g.offset + g.size);
    if (g.ndim === 2) return { data: g.data, offset: g.offset, rows: g.shape[0], cols: g.shape[1], rs: g.stride[0], cs: g.stride[1] };
    return g.toFloat64Array();
  }
  if (typeof g === 'number') return Float64Array.of(g);
  return (g as { toFloat64Array(): Float64Array }).toFloat64Array();
}

/** A state buffer restored from its numbers, resident where it can be. */
function residentFrom(values: readonly number[]): Float64Array {
  const out = allocateResident(values.length);
  out.set(values);
  return out;
}

/** The options object of an optimizer (omitted means every default). */
function optionsOf<T extends object>(name: string, options: T | undefined): T {
  checkOptions(name, options);
  return options ?? ({} as T);
}

/** A boolean option; 'yes' or 1 is refused, not taken as true. */
function flag(name: string, key: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new DTypeError(name, `${key} must be true or false, got ${typeof v} ${String(v)}`);
  return v;
}

function positive(name: string, key: string, v: number, allowZero = true): number {
  if (typeof v !== 'number') throw new DTypeError(name, `${key} must be a number, got ${typeof v} ${JSON.stringify(String(v))}`);
  if (!Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
    throw new ValueError(name, `${key} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${v}`);
  }
  return v;
}

/** SGD's options, PyTorch's names: lr (default 1e-3), momentum, dampening, nesterov, weightDecay. */
export interface SGDOptions {
  lr?: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

/** Stochastic gradient descent with momentum, dampening, Nesterov and weight decay (torch.optim.SGD). */
export class SGD extends Optimizer {
  lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  private buffers: (Float64Array | null)[];

  constructor(params: Iterable<Parameter>, options?: SGDOptions) {
    super(params);
    const o = optionsOf('SGD', options);
    this.lr = positive('SGD', 'lr', o.lr ?? 1e-3);
    this.momentum = positive('SGD', 'momentum', o.momentum ?? 0);
    this.dampening = positive('SGD', 'dampening', o.dampening ?? 0);
    this.nesterov = flag('SGD', 'nesterov', o.nesterov, false);
    this.weightDecay = positive('SGD', 'weightDecay', o.weightDecay ?? 0);
    if (this.nesterov && (this.momentum === 0 || this.dampening !== 0)) {
      throw new ValueError('SGD', 'Nesterov momentum requires a momentum and zero dampening');
    }
    this.buffers = this.params.map(() => null);
  }

  protected update(i: number, theta: Float64Array, grad: Gradient): void {
    const { lr, momentum: mu, dampening: tau, nesterov, weightDecay: wd } = this;
    let b = this.buffers[i];
    const first = b === null;
    if (mu !== 0 && b === null) b = this.buffers[i] = allocateResident(theta.length);
    const { data, offset, rows, cols, rs, cs } = grad instanceof Float64Array ? { data: grad, offset: 0, rows: 1, cols: grad.length, rs: 0, cs: 1 } : grad;
    for (let r = 0; r < rows; r++) {
      let src = offset + r * rs;
      for (let j = r * cols; j < (r + 1) * cols; j++) {
        let g = data[src] + wd * theta[j];
        src += cs;
        if (b !== null) {
          b[j] = first ? g : mu * b[j] + (1 - tau) * g;
          g = nesterov ? g + mu * b[j] : b[j];
        }
        theta[j] -= lr * g;
      }
    }
  }

  stateDict(): OptimizerState {
    return {
      kind: 'SGD',
      step: this.stepCount,
      options: { lr: this.lr, momentum: this.momentum, dampening: this.dampening, nesterov: this.nesterov, weightDecay: this.weightDecay },
      buffers: this.buffers.map((b): Record<string, number[]> => (b === null ? {} : { momentum: Array.from(b) })),
    };
  }

  loadStateDict(state: OptimizerState): void {
    checkState('SGD', state, this.params, ['momentum'], []);
    this.stepCount = state.step;
    this.buffers = state.buffers.map((b) => (b.momentum === undefined ? null : residentFrom(b.momentum)));
  }
}

/** Adam's options: lr (1e-3), betas ([0.9, 0.999]), eps (1e-8), weightDecay, amsgrad. */
export interface AdamOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
}

/** Adam with bias correction, L2 weight decay and AMSGrad (torch.optim.Adam). */
export class Adam extends Optimizer {
  lr: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  readonly amsgrad: boolean;
  /** AdamW applies weight decay to θ directly instead of adding it to the gradient. */
  protected readonly decoupled: boolean = false;
  private m: Float64Array[];
  private v: Float64Array[];
  private vMax: Float64Array[];
  /** Steps taken per parameter (a parameter without a gradient does not advance). */
  private steps: number[];

  constructor(params: Iterable<Parameter>, options?: AdamOptions, defaultWeightDecay = 0) {
    super(params);
    const name = this.constructor.name;
    const o = optionsOf(name, options);
    this.lr = positive(name, 'lr', o.lr ?? 1e-3);
    // undefined means the default; null is refused like any other value that is not a pair.
    const betas: unknown = o.betas === undefined ? [0.9, 0.999] : o.betas;
    if (!Array.isArray(betas) || betas.length !== 2 || !betas.every((b) => typeof b === 'number')) {
      throw new DTypeError(
        name,
        `betas must be a pair of numbers [β₁, β₂], got ${betas === null || typeof betas !== 'object' ? String(betas) : Array.isArray(betas) ? JSON.stringify(betas) : 'an object'}`,
      );
    }
    const [b1, b2] = betas as [number, number];
    if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1)) throw new ValueError(name, `betas must be in [0, 1), got [${b1}, ${b2}]`);
    this.betas = [b1, b2];
    this.eps = positive(name, 'eps', o.eps ?? 1e-8);
    this.weightDecay = positive(name, 'weightDecay', o.weightDecay ?? defaultWeightDecay);
    this.amsgrad = flag(name, 'amsgrad', o.amsgrad, false);
    this.m = this.params.map((p) => allocateResident(p.data.length));
    this.v = this.params.map((p) => allocateResident(p.data.length));
    this.vMax = this.params.map((p) => (this.amsgrad ? allocateResident(p.data.length) : new Float64Array(0)));
    this.steps = this.params.map(() => 0);
  }

  /** The update on @ad/core's Adam kernel (WebAssembly SIMD where it loads, the same bits as its JavaScript loop). */
  protected update(i: number, theta: Float64Array, grad: Gradient): void {
    const t = ++this.steps[i];
    const [b1, b2] = this.betas;
    const { lr, eps, weightDecay: wd } = this;
    adamUpdate(theta, grad, this.m[i], this.v[i], this.amsgrad ? this.vMax[i] : undefined, {
      b1,
      b2,
      stepSize: lr / (1 - Math.pow(b1, t)),
      sqrtC2: Math.sqrt(1 - Math.pow(b2, t)),
      eps,
      decay: this.decoupled ? 1 - lr * wd : 1,
      l2: this.decoupled ? 0 : wd,
    });
  }

  stateDict(): OptimizerState {
    return {
      kind: this.constructor.name,
      step: this.stepCount,
      options: { lr: this.lr, betas: [...this.betas], eps: this.eps, weightDecay: this.weightDecay, amsgrad: this.amsgrad },
      buffers: this.params.map((_, i) => ({
        step: [this.steps[i]],
        m: Array.from(this.m[i]),
        v: Array.from(this.v[i]),
        ...(this.amsgrad ? { vMax: Array.from(this.vMax[i]) } : {}),
      })),
    };
  }

  loadStateDict(state: OptimizerState): void {
    const where = `${this.constructor.name}.loadStateDict`;
    checkState(this.constructor.name, state, this.params, ['m', 'v', 'vMax'], ['step']);
    state.buffers.forEach((b, i) => {
      if (b.m?.length !== this.params[i].data.length || b.v?.length !== this.params[i].data.length) {
        throw new ValueError(where, `buffers of parameter ${i} do not match its ${this.params[i].data.length} values`);
      }
      // v̂ = v/(1 − β₂ᵗ) needs v ≥ 0, as the max of all v does under AMSGrad: a negative second moment is NaN at the next step.
      for (const key of ['v', 'vMax']) {
        if (b[key]?.some((x) => x < 0)) throw new ValueError(where, `buffer ${key} of parameter ${i} holds a negative second moment`);
      }
      if (this.amsgrad && b.vMax === undefined && (b.step?.[0] ?? 0) > 0) {
        throw new ValueError(where, `parameter ${i} has taken steps but its state has no vMax (saved without amsgrad?)`);
      }
      if ((b.step?.[0] ?? 0) > state.step) {
        throw new ValueError(where, `parameter ${i} has taken ${b.step?.[0]} steps, more than the optimizer's ${state.step}`);
      }
    });
    this.stepCount = state.step;
    this.steps = state.buffers.map((b) => b.step?.[0] ?? 0);
    this.m = state.buffers.map((b) => residentFrom(b.m));
    this.v = state.buffers.map((b) => residentFrom(b.v));
    this.vMax = state.buffers.map((b, i) =>
      this.amsgrad ? (b.vMax === undefined ? allocateResident(this.params[i].data.length) : residentFrom(b.vMax)) : new Float64Array(0),
    );
  }
}

/** Adam with decoupled weight decay (Loshchilov & Hutter); PyTorch's default λ = 0.01. */
export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;

  constructor(params: Iterable<Parameter>, options?: AdamOptions) {
    super(params, options, 0.01);
  }
}

/**
 * Checks a state completely before anything changes, so a refused load leaves the optimizer as
 * it was: its kind, an integer step, only buffers the optimizer keeps (`sized`: one value per
 * parameter value; `counters`: one non-negative integer), each an array of finite numbers (a
 * buffer of the wrong length would write NaN into the weights at step()).
 */
function checkState(name: string, state: OptimizerState, params: readonly Parameter[], sized: readonly string[], counters: readonly string[]): void {
  const where = `${name}.loadStateDict`;
  if (state === null || typeof state !== 'object' || !Array.isArray(state.buffers)) {
    throw new ValueError(where, 'not an optimizer state (expected kind, step, options, buffers)');
  }
  if (state.kind !== name) throw new ValueError(where, `the state is of a ${String(state.kind)} optimizer`);
  if (!Number.isInteger(state.step) || state.step < 0) throw new ValueError(where, `step must be a non-negative integer, got ${String(state.step)}`);
  if (state.buffers.length !== params.length) {
    throw new ValueError(where, `the state has buffers for ${state.buffers.length} parameters, the optimizer has ${params.length}`);
  }
  state.buffers.forEach((b, i) => {
    if (b === null || typeof b !== 'object')
      throw new ValueError(where, `buffers of parameter ${i} must be an object of arrays, got ${b === null ? 'null' : typeof b}`);
    for (const [key, values] of Object.entries(b)) {
      if (!sized.includes(key) && !counters.includes(key)) {
        throw new ValueError(where, `parameter ${i} has a buffer ${key}, which ${name} does not keep (it keeps ${[...sized, ...counters].join(', ')})`);
      }
      if (!Array.isArray(values) || !values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        throw new ValueError(where, `buffer ${key} of parameter ${i} must be an array of finite numbers`);
      }
      if (counters.includes(key) && (values.length !== 1 || !Number.isSafeInteger(values[0]) || values[0] < 0)) {
        throw new ValueError(where, `buffer ${key} of parameter ${i} must be one non-negative integer, got [${values.join(', ')}]`);
      }
      if (sized.includes(key) && values.length !== params[i].data.length) {
        throw new ValueError(where, `buffer ${key} of parameter ${i} has ${values.length} values, the parameter ${params[i].data.length}`);
      }
    }
  });
}
