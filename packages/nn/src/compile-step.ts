/**
 * `compileStep(model, lossFn, optimizer)`: a whole training step — forward, loss, gradient,
 * update — as one compiled program, what PyTorch users reach for with `torch.compile` and JAX
 * users write as `jit(train_step)`.
 *
 * The loss and its gradient are `jit(valueAndGrad(loss))` over the model's parameters
 * (functionalCall), traced once per batch shape: one straight-line program, the element-wise
 * ops fused into loops, the products on the kernels eager mode runs. The program runs under a
 * BufferPlan: its first run records the arrays it allocates, every later run gets the same
 * arrays back, so a step allocates no array once warm. The update is the optimizer's own, in
 * place, reading the program's gradients where they lie (the Adam kernel reads a transposed
 * weight gradient as it is): its learning rate and step count are read at every step, so a
 * scheduler works exactly as in eager mode, and the numbers are those of the eager loop
 * `loss.backward(); optimizer.step(); optimizer.zeroGrad()`. Dropout masks are inputs of the
 * program, drawn before each run by the layers themselves; the set of layers in training mode is
 * part of what is compiled, so switching `model.train()` / `model.eval()` uses another program.
 */
import { AdError, DTypeError, ones, type Tensor, ValueError } from '@ad/core';
import { BufferPlan } from '@ad/core/engine';
import { jit, type Jitted } from '@ad/jit';
import { noGrad, valueAndGrad } from '@ad/reverse';
import { Dropout, dropoutMasks } from './layers.js';
import { functionalCall, Module } from './module.js';
import { BatchNorm1d } from './normalization.js';
import { Optimizer } from './optim.js';
import type { Parameter } from './parameter.js';
import type { TensorLike } from './types.js';

/** The loss of a batch: the model's output and the batch's targets in, a scalar tensor out. */
export type LossFunction = (output: TensorLike, target: Tensor) => TensorLike;

/**
 * A compiled training step: `step(x, y)` trains on one batch and returns its loss.
 */
export interface CompiledStep {
  /** One training step on the batch (x, y): the parameters and the optimizer's state updated in place; returns the loss. */
  (x: Tensor, y: Tensor): number;
  /** The generated program of the loss and its gradient for the last batch shape (empty before the first step). */
  readonly source: string;
  /** Programs traced so far: one per batch shape seen. */
  readonly traces: number;
}

/**
 * Compiles one training step of `model` under `lossFn` and `optimizer`. Each call
 * `step(x, y)` computes `lossFn(model.forward(x), y)`, its gradient with respect to every
 * parameter, and the optimizer's update of its parameters in place, and returns the loss: the
 * eager loop `loss = lossFn(model.forward(x), y); loss.backward(); optimizer.step();
 * optimizer.zeroGrad()`, with the same numbers, and no array allocated per step once the
 * first steps of a batch shape have run.
 *
 * Dropout in training mode works as in eager mode: each step draws every mask with the layer's
 * own generator (the eager numbers) and passes them to the program. Refused, by name, because
 * tracing would bake them into the program: a BatchNorm1d in training mode that tracks running
 * statistics (state written at every step); a parameter shared by two layers or replaced after
 * compiling; a Dropout layer applied twice in one forward; a parameter holding a gradient when a
 * step starts (a compiled step computes the gradient afresh, it does not accumulate). Anything
 * else random or stateful in a custom `forward` is traced once.
 */
export function compileStep(model: Module, lossFn: LossFunction, optimizer: Optimizer): CompiledStep {
  if (!(model instanceof Module)) throw new DTypeError('compileStep', `model must be a Module, got ${model === null ? 'null' : typeof model}`);
  if (typeof lossFn !== 'function') throw new DTypeError('compileStep', `lossFn must be a function (output, target) => loss, got ${typeof lossFn}`);
  if (!(optimizer instanceof Optimizer)) {
    throw new DTypeError('compileStep', `optimizer must be an Optimizer (SGD, Adam, AdamW, …), got ${optimizer === null ? 'null' : typeof optimizer}`);
  }
  const named = model.namedParameters();
  const slots = slotsOf(model);
  const owned = new Set<Parameter>(named.map(([, p]) => p));
  optimizer.params.forEach((p, i) => {
    if (!owned.has(p)) throw new ValueError('compileStep', `the optimizer's parameter ${i} is not a parameter of the model`);
  });
  const dropouts = layersOf(model, Dropout);
  const norms = layersOf(model, BatchNorm1d);
  // The parameters' tensors: the same objects at every step, their arrays updated in place.
  const values: Record<string, Tensor> = Object.fromEntries(named.map(([k, p]) => [k, p.value]));
  /** One program per set of Dropout layers in training mode (a mode is baked into the trace). */
  const variants = new Map<string, Variant>();
  let current: Masks | undefined;
  const lossOf = (params: Record<string, TensorLike>, x: Tensor, y: Tensor, masks: readonly Tensor[]) => {
    current?.order.forEach(([layer], k) => dropoutMasks.set(layer, (_, apply) => apply(masks[k])));
    try {
      return lossFn(functionalCall(model, params, x), y);
    } finally {
      for (const [layer] of current?.order ?? []) dropoutMasks.delete(layer);
    }
  };
  let last: Variant | undefined;

  const step = (x: Tensor, y: Tensor): number => {
    for (const [name, layer] of norms) {
      if (layer.training && layer.trackRunningStats) {
        throw new ValueError(
          'compileStep',
          `layer ${name} (BatchNorm1d) is in training mode, where it updates its running statistics at every step; a compiled step would trace it once and replay it. Call model.eval() or train this model eagerly`,
        );
      }
    }
    for (const { layer, field, key, param } of slots) {
      if ((layer as unknown as Record<string, unknown>)[field] !== param || param.value !== values[key]) {
        throw new ValueError('compileStep', `parameter ${key} was replaced after compileStep; compile the step again`);
      }
    }
    for (const [key, p] of named) {
      if (p.grad !== undefined) {
        throw new ValueError(
          'compileStep',
          `parameter ${key} holds a gradient from an earlier backward; call optimizer.zeroGrad() first (a compiled step computes the gradient afresh, it does not accumulate)`,
        );
      }
    }
    let mode = '';
    for (const [, layer] of dropouts) mode += layer.training && layer.p > 0 ? '1' : '0';
    let variant = variants.get(mode);
    if (variant === undefined) {
      variant = { program: jit(valueAndGrad(lossOf)), plan: new BufferPlan(), masks: new Map() };
      variants.set(mode, variant);
    }
    last = variant;
    let out: { value: TensorLike; grad: Record<string, Tensor> };
    try {
      current = mode.includes('1') ? masksFor(variant, x, y) : undefined;
      // Each mask drawn by its layer's generator in the order the eager forward draws them: the eager numbers.
      for (const [layer, mask] of current?.order ?? []) layer.drawMask(mask.data);
      const program = variant.program;
      const traces = program.stats.traces;
      out = variant.plan.run(() => program(values, x, y, current?.tensors ?? NO_MASKS) as unknown as { value: TensorLike; grad: Record<string, Tensor> });
      // A run that traced may have computed the program's constants in the plan's arrays: start a new plan.
      if (program.stats.traces !== traces) variant.plan = new BufferPlan();
    } catch (e) {
      // The error of the op that refused (a shape while tracing, a label out of range on a run), named after the call the user made.
      if (e instanceof AdError && !e.message.startsWith('compileStep: ')) {
        throw new (e.constructor as new (op: string, message: string) => AdError)('compileStep', e.message.replace(/^jit: /, ''));
      }
      throw e;
    } finally {
      current = undefined;
    }
    const loss = (out.value as Tensor).item();
    for (const [key, p] of named) p.grad = out.grad[key];
    try {
      optimizer.step();
    } finally {
      for (const [, p] of named) p.grad = null;
    }
    return loss;
  };

  /**
   * The masks of a batch shape: which Dropout layers run, in what order and on what shapes, found
   * once by running the model forward (nothing recorded, nothing drawn); each mask's array is
   * made once.
   */
  const masksFor = (variant: Variant, x: Tensor, y: Tensor): Masks => {
    const key = x.shape.join(',');
    const known = variant.masks.get(key);
    if (known !== undefined) return known;
    const order: [Dropout, Tensor][] = [];
    for (const [name, layer] of dropouts) {
      dropoutMasks.set(layer, (shape, apply) => {
        if (order.some(([seen]) => seen === layer)) {
          throw new ValueError('compileStep', `layer ${name} (Dropout) runs twice in one forward; a compiled step gives each Dropout one mask per step`);
        }
        const mask = ones(shape);
        order.push([layer, mask]);
        return apply(mask);
      });
    }
    try {
      noGrad(() => model.forward(x));
    } finally {
      for (const [, layer] of dropouts) dropoutMasks.delete(layer);
    }
    const masks = { order, tensors: order.map(([, t]) => t) };
    // Traced once before any mask is drawn, so a step refused while tracing leaves the layers' generators as they were.
    current = masks;
    variant.program.lower(values, x, y, masks.tensors);
    variant.masks.set(key, masks);
    return masks;
  };

  Object.defineProperties(step, {
    source: { get: () => (last === undefined ? '' : last.program.source) },
    traces: { get: () => [...variants.values()].reduce((n, v) => n + v.program.stats.traces, 0) },
  });
  return step as CompiledStep;
}

const NO_MASKS: readonly Tensor[] = [];

/** The Dropout masks of one batch shape: the layers in the order the forward runs them, and their masks. */
interface Masks {
  readonly order: readonly [Dropout, Tensor][];
  readonly tensors: readonly Tensor[];
}

/** The program of one set of Dropout layers in training mode, its buffer plan, and its masks by batch shape. */
interface Variant {
  readonly program: Jitted<(params: Record<string, TensorLike>, x: Tensor, y: Tensor, masks: readonly Tensor[]) => unknown>;
  plan: BufferPlan;
  readonly masks: Map<string, Masks>;
}

/** The layers of a class in the model, each once, by its first dotted name. */
function layersOf<T extends Module>(model: Module, cls: new (...args: never[]) => T): [string, T][] {
  const out: [string, T][] = [];
  const walk = (m: Module, at: string): void => {
    if (m instanceof cls && !out.some(([, seen]) => seen === m)) out.push([at === '' ? '(the model)' : at, m]);
    for (const [name, child] of m.children()) walk(child, at === '' ? name : `${at}.${name}`);
  };
  walk(model, '');
  return out;
}

/** Where a parameter sits: the layer, its field, and its dotted name. */
interface Slot {
  readonly layer: Module;
  readonly field: string;
  readonly key: string;
  readonly param: Parameter;
}

/**
 * Every parameter's place in the model. Refuses a parameter held by two layers (tied weights):
 * functionalCall replaces it in the first layer only. A layer used twice holds its parameters
 * once and is fine.
 */
function slotsOf(model: Module): Slot[] {
  const params = new Set(model.parameters());
  const seen = new Map<Parameter, Slot>();
  const walk = (m: Module, at: string): void => {
    for (const [field, value] of Object.entries(m)) {
      if (!params.has(value as Parameter)) continue;
      const first = seen.get(value as Parameter);
      if (first === undefined) seen.set(value as Parameter, { layer: m, field, key: at + field, param: value as Parameter });
      else if (first.layer !== m || first.field !== field) {
        throw new ValueError('compileStep', `parameter ${first.key} is also ${at + field} (tied weights), which a compiled step does not support`);
      }
    }
    for (const [name, child] of m.children()) walk(child, `${at}${name}.`);
  };
  walk(model, '');
  return [...seen.values()];
}
