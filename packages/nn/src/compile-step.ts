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
 * `loss.backward(); optimizer.step(); optimizer.zeroGrad()`.
 */
import { AdError, DTypeError, type Tensor, ValueError } from '@ad/core';
import { BufferPlan } from '@ad/core/engine';
import { jit } from '@ad/jit';
import { valueAndGrad } from '@ad/reverse';
import { Dropout } from './layers.js';
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
 * Refused, by name, because tracing would bake them into the program: a model in training
 * mode holding Dropout (a random mask per step) or a BatchNorm1d that tracks running statistics
 * (state written at every step); a parameter shared by two layers; a parameter holding a
 * gradient when a step starts (a compiled step computes the gradient afresh, it does not
 * accumulate). Anything else random or stateful in a custom `forward` is traced once as well.
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
  const stateful = statefulLayers(model);
  // The parameters' tensors: the same objects at every step, their arrays updated in place.
  const values: Record<string, Tensor> = Object.fromEntries(named.map(([k, p]) => [k, p.value]));
  const lossOf = (params: Record<string, TensorLike>, x: Tensor, y: Tensor) => lossFn(functionalCall(model, params, x), y);
  const program = jit(valueAndGrad(lossOf));
  let plan = new BufferPlan();

  const step = (x: Tensor, y: Tensor): number => {
    for (const [name, layer, refusal] of stateful) {
      const why = layer.training ? refusal(layer) : undefined;
      if (why !== undefined) {
        throw new ValueError(
          'compileStep',
          `layer ${name} (${layer.constructor.name}) is in training mode, where ${why}; a compiled step would trace it once and replay it. Call model.eval() or train this model eagerly`,
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
    const traces = program.stats.traces;
    let out: { value: TensorLike; grad: Record<string, Tensor> };
    try {
      out = plan.run(() => program(values, x, y) as unknown as { value: TensorLike; grad: Record<string, Tensor> });
    } catch (e) {
      // The error of the op that refused (a shape while tracing, a label out of range on a run), named after the call the user made.
      if (e instanceof AdError) throw new (e.constructor as new (op: string, message: string) => AdError)('compileStep', e.message.replace(/^jit: /, ''));
      throw e;
    }
    // A run that traced may have computed the program's constants in the plan's arrays: start a new plan.
    if (program.stats.traces !== traces) plan = new BufferPlan();
    const loss = (out.value as Tensor).item();
    for (const [key, p] of named) p.grad = out.grad[key];
    try {
      optimizer.step();
    } finally {
      for (const [, p] of named) p.grad = null;
    }
    return loss;
  };
  Object.defineProperties(step, {
    source: { get: () => (program.stats.traces === 0 ? '' : program.source) },
    traces: { get: () => program.stats.traces },
  });
  return step as CompiledStep;
}

/** Why a layer cannot be compiled in training mode (undefined if it can), by class. */
type Refusal = (layer: Module) => string | undefined;

const REFUSALS: readonly [new (...args: never[]) => Module, Refusal][] = [
  [Dropout, (l) => ((l as Dropout).p > 0 ? `it draws a random mask at every step (p = ${(l as Dropout).p})` : undefined)],
  [BatchNorm1d, (l) => ((l as BatchNorm1d).trackRunningStats ? 'it updates its running statistics at every step' : undefined)],
];

/** The layers whose training mode a compiled step cannot replay, with their dotted names. */
function statefulLayers(model: Module): [string, Module, Refusal][] {
  const out: [string, Module, Refusal][] = [];
  const walk = (m: Module, at: string): void => {
    for (const [cls, why] of REFUSALS) if (m instanceof cls) out.push([at === '' ? '(the model)' : at, m, why]);
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
