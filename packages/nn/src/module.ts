/**
 * Modules, PyTorch-style: a Module knows its parameters (own Parameter fields, and those of its
 * child modules, named with PyTorch's dotted keys), has a train/eval mode, and a forward.
 */
import { DTypeError, ShapeError, Tensor, ValueError } from '@ad/core';
import { Parameter } from './parameter.js';
import { checkInput, type Out, type TensorLike } from './types.js';
import { formatModule } from './repr.js';

/** A model's numbers by PyTorch key (`0.weight`, `0.bias`, `2.weight`, …). */
export type StateDict = Record<string, Tensor>;

export abstract class Module {
  /** Dropout and similar layers act only in training mode. */
  training = true;
  /** State that is not trained but saved (running statistics), by PyTorch's name. */
  readonly #buffers = new Map<string, Tensor>();

  /** The layer's computation: a plain or recorded tensor in gives a node out; a dual in, a dual out. */
  abstract forward<X extends TensorLike>(x: X): Out<X>;

  /** The layer's settings, shown inside its parentheses when it prints (PyTorch's extra_repr). */
  extraRepr(): string {
    return '';
  }

  /** What prints inside the model's summary, by name: child modules (and Sequential's functions). */
  reprChildren(): [string, Module | LayerFunction][] {
    return this.children();
  }

  /**
   * A summary like PyTorch's repr, with parameter counts:
   * `Sequential(\n  (0): Linear(inFeatures=2, outFeatures=16, bias=true)  48 parameters\n …)`.
   */
  toString(): string {
    return formatModule(this);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** Child modules by name (own fields holding modules; Sequential lists them by index). */
  children(): [string, Module][] {
    return Object.entries(this).filter((e): e is [string, Module] => e[1] instanceof Module);
  }

  /**
   * Every parameter with its dotted name, in registration order, each once: a module shared
   * between two places (tied weights) keeps its first name, as PyTorch's named_parameters.
   */
  namedParameters(prefix = ''): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Parameter>();
    const walk = (m: Module, at: string): void => {
      for (const [name, value] of Object.entries(m)) {
        if (value instanceof Parameter && !seen.has(value)) {
          seen.add(value);
          out.push([at + name, value]);
        }
      }
      for (const [name, child] of m.children()) walk(child, `${at}${name}.`);
    };
    walk(this, prefix);
    return out;
  }

  /**
   * Registers state that is saved and loaded with the parameters but not trained (BatchNorm's
   * running statistics), under PyTorch's name (`running_mean`), as torch's register_buffer.
   */
  protected registerBuffer(name: string, value: Tensor): void {
    this.#buffers.set(name, Tensor.fromData(value.toFloat64Array(), value.shape));
  }

  /** A registered buffer (its data may be updated in place). */
  protected buffer(name: string): Tensor {
    const b = this.#buffers.get(name);
    if (b === undefined) throw new ValueError(this.constructor.name, `has no buffer ${name}`);
    return b;
  }

  /** Every buffer with its dotted name (`1.running_mean`), children after their parent's own. */
  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const walk = (m: Module, at: string): void => {
      for (const [name, value] of m.#buffers) out.push([at + name, value]);
      for (const [name, child] of m.children()) walk(child, `${at}${name}.`);
    };
    walk(this, prefix);
    return out;
  }

  /** Every parameter, each once (what an optimizer takes). */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Clears every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Sets training mode (and that of every child). */
  train(mode = true): this {
    this.training = mode;
    for (const [, child] of this.children()) child.train(mode);
    return this;
  }

  /** Evaluation mode (dropout off): `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** Copies of the parameters and buffers by PyTorch key, in PyTorch's order (each module's own, then its children's). */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [name, t] of this.stateTensors()) out[name] = Tensor.fromData(t.toFloat64Array(), t.shape);
    return out;
  }

  /** Everything a state dict holds, by key: each parameter's and buffer's live tensor. */
  private stateTensors(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    const seen = new Set<Parameter>();
    const walk = (m: Module, at: string): void => {
      for (const [name, value] of Object.entries(m)) {
        if (value instanceof Parameter && !seen.has(value)) {
          seen.add(value);
          out.set(at + name, value.value);
        }
      }
      for (const [name, value] of m.#buffers) out.set(at + name, value);
      for (const [name, child] of m.children()) walk(child, `${at}${name}.`);
    };
    walk(this, '');
    return out;
  }

  /**
   * Loads parameters by key. Everything is checked before anything is written, so a
   * mismatched state dict leaves the model untouched: missing or unexpected keys (unless not
   * strict) and shape differences are refused with the key and both shapes.
   */
  loadStateDict(state: StateDict, options: { strict?: boolean } = {}): void {
    if (state === null || typeof state !== 'object' || Array.isArray(state) || state instanceof Tensor) {
      throw new DTypeError(
        'loadStateDict',
        `expected a state dict (an object of tensors by key), got ${state === null ? 'null' : Array.isArray(state) ? 'an array' : typeof state}`,
      );
    }
    if (options === null || typeof options !== 'object')
      throw new DTypeError('loadStateDict', `options must be an object, got ${options === null ? 'null' : typeof options}`);
    if (options.strict !== undefined && typeof options.strict !== 'boolean')
      throw new DTypeError('loadStateDict', `strict must be true or false, got ${typeof options.strict}`);
    const strict = options.strict ?? true;
    const own = this.stateTensors();
    const missing = [...own.keys()].filter((k) => !Object.hasOwn(state, k));
    const unexpected = Object.keys(state).filter((k) => !own.has(k));
    if (strict && (missing.length > 0 || unexpected.length > 0)) {
      const parts = [];
      if (missing.length > 0) parts.push(`missing keys ${missing.join(', ')}`);
      if (unexpected.length > 0) parts.push(`unexpected keys ${unexpected.join(', ')}`);
      throw new ValueError('loadStateDict', parts.join('; '));
    }
    for (const [key, p] of own) {
      const t = state[key];
      if (t === undefined) continue;
      if (!(t instanceof Tensor)) throw new ValueError('loadStateDict', `${key} must be a Tensor`);
      const want = p.shape;
      if (t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i])) {
        throw new ShapeError('loadStateDict', `${key} has shape [${t.shape.join(',')}] in the state dict, the model has [${want.join(',')}]`);
      }
    }
    for (const [key, p] of own) {
      const t = state[key];
      if (t !== undefined) p.data.set(t.toFloat64Array());
    }
  }

  /** Number of trainable numbers. */
  parameterCount(): number {
    return this.parameters().reduce((n, p) => n + p.data.length, 0);
  }
}

/** A plain function used as a layer (relu, softmax, …). */
export type LayerFunction = (x: TensorLike) => TensorLike;

/**
 * Layers applied in order. Accepts modules and plain functions; keys count every position, so
 * `[Linear, relu, Linear]` has `0.weight`, `0.bias`, `2.weight`, `2.bias`, like PyTorch's.
 */
export class Sequential extends Module {
  readonly layers: readonly (Module | LayerFunction)[];

  constructor(layers: readonly (Module | LayerFunction)[]) {
    super();
    if (!Array.isArray(layers)) throw new DTypeError('Sequential', `expected an array of layers, got ${layers === null ? 'null' : typeof layers}`);
    layers.forEach((l, i) => {
      if (!(l instanceof Module) && typeof l !== 'function') {
        throw new ValueError('Sequential', `layer ${i} must be a Module or a function, got ${typeof l}`);
      }
    });
    this.layers = [...layers];
  }

  override children(): [string, Module][] {
    return this.layers.flatMap((l, i): [string, Module][] => (l instanceof Module ? [[String(i), l]] : []));
  }

  override reprChildren(): [string, Module | LayerFunction][] {
    return this.layers.map((l, i) => [String(i), l]);
  }

  /** Applies the layers in order. */
  forward<X extends TensorLike>(x: X): Out<X> {
    checkInput('Sequential', x);
    let y: TensorLike = x;
    for (const l of this.layers) y = l instanceof Module ? l.forward(y) : l(y);
    return y as Out<X>;
  }
}

/**
 * Runs fn with some parameters replaced by other values (duals for forward mode, say), then
 * puts the parameters back: the model as a function of its parameters, as torch.func's
 * functional_call.
 */
export function withParameters<T>(model: Module, values: Record<string, TensorLike>, fn: () => T): T {
  return replacing('withParameters', model, values, fn);
}

/**
 * `model.forward(x)` with the parameters named in `params` (by PyTorch key, as
 * `namedParameters` gives them) replaced by the given values, and the model's own put back
 * after: torch.func's `functional_call`, the model as a function of its parameters. So the
 * transforms can take the parameters as a tree:
 * `grad((p) => crossEntropy(functionalCall(model, p, x), labels))(params)` gives `{ '0.weight': …, … }`.
 */
export function functionalCall<X extends TensorLike>(model: Module, params: Record<string, TensorLike>, x: X): Out<X> {
  return replacing('functionalCall', model, params, () => model.forward(x));
}

/** The parameters' current values by PyTorch key, as plain tensors: a tree to differentiate `functionalCall` by. */
export function parameterValues(model: Module): Record<string, Tensor> {
  if (!(model instanceof Module)) throw new DTypeError('parameterValues', `model must be a Module, got ${model === null ? 'null' : typeof model}`);
  return Object.fromEntries(model.namedParameters().map(([k, p]) => [k, p.value]));
}

function replacing<T>(op: string, model: Module, values: Record<string, TensorLike>, fn: () => T): T {
  if (!(model instanceof Module)) throw new DTypeError(op, `model must be a Module, got ${model === null ? 'null' : typeof model}`);
  if (values === null || typeof values !== 'object' || Array.isArray(values)) {
    throw new DTypeError(
      op,
      `${op === 'withParameters' ? 'values' : 'params'} must be an object of tensors by parameter name, got ${values === null ? 'null' : typeof values}`,
    );
  }
  if (typeof fn !== 'function') throw new DTypeError(op, `fn must be a function, got ${typeof fn}`);
  const slots = new Map<string, [Record<string, unknown>, string]>();
  const walk = (m: Module, prefix: string) => {
    for (const [name, value] of Object.entries(m)) if (value instanceof Parameter) slots.set(prefix + name, [m as unknown as Record<string, unknown>, name]);
    for (const [name, child] of m.children()) walk(child, `${prefix}${name}.`);
  };
  walk(model, '');
  const saved: [Record<string, unknown>, string, unknown][] = [];
  for (const key of Object.keys(values)) {
    const slot = slots.get(key);
    if (slot === undefined) throw new ValueError(op, `the model has no parameter ${key}; it has ${[...slots.keys()].join(', ')}`);
    saved.push([slot[0], slot[1], slot[0][slot[1]]]);
  }
  try {
    for (const key of Object.keys(values)) {
      const [owner, name] = slots.get(key)!;
      owner[name] = values[key];
    }
    return fn();
  } finally {
    for (const [owner, name, value] of saved) owner[name] = value;
  }
}
