/**
 * Tracers: the values a jitted function runs on while it is traced. A tracer stands for one
 * node of the graph being recorded (graph.ts); it has no number yet. `Tracer` stands for a
 * scalar (it has no `shape`, so the modes treat it as a number), `TensorTracer` for a tensor.
 * Both carry every method of their plain counterparts, installed from the op table, so user
 * code and the forward and reverse transforms run on them unchanged.
 */
import { AdError, type Algebra, type Tensor } from '@ad/core';
import { anyOps, installScalarMethods, installTensorMethods, type ScalarMethods, type TensorMethods } from '@ad/core/engine';
import type { Graph } from './graph.js';

/**
 * A traced value was read as a number: a JavaScript `if`, comparison or arithmetic operator
 * needs a value that only exists when the compiled program runs (JAX's concretization error).
 */
export class TracingError extends AdError {}

/** A traced scalar: node `id` of `graph`. */
export class Tracer {
  constructor(
    readonly graph: Graph,
    readonly id: number,
  ) {}

  /** The derivative level of the trace (core's tag), so dispatch finds the tracing interpreter. */
  get tag(): number {
    return this.graph.tag;
  }

  /** A traced value has no number while tracing: throws a TracingError naming the op. */
  valueOf(): never {
    throw this.graph.concretization(this.id, 'a JavaScript operator or an `if` on it');
  }

  /** `Tracer(v3 (mul))`: the node it stands for. */
  toString(): string {
    return `Tracer(${this.graph.describe(this.id)})`;
  }
}

/** A traced tensor: node `id` of `graph`, with its shape known at trace time. */
export class TensorTracer {
  constructor(
    readonly graph: Graph,
    readonly id: number,
  ) {}

  get tag(): number {
    return this.graph.tag;
  }

  get shape(): readonly number[] {
    return this.graph.nodes[this.id].shape!;
  }

  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** Throws a TracingError: the tensor's values exist only when the compiled program runs. */
  item(): never {
    throw this.graph.concretization(this.id, 'item()');
  }

  /** Throws a TracingError, as item() does. */
  toArray(): never {
    throw this.graph.concretization(this.id, 'toArray()');
  }

  /** Throws a TracingError, as item() does. */
  toFloat64Array(): never {
    throw this.graph.concretization(this.id, 'toFloat64Array()');
  }

  /** A traced tensor used with a JavaScript operator: throws a TracingError naming the op. */
  valueOf(): never {
    throw this.graph.concretization(this.id, 'a JavaScript operator or an `if` on it');
  }

  /** `TensorTracer(v3 (matmul), shape [2,4])`. */
  toString(): string {
    return `TensorTracer(${this.graph.describe(this.id)}, shape [${this.shape.join(',')}])`;
  }
}

declare module './tracer.js' {
  interface Tracer extends ScalarMethods<Tracer> {}
  interface TensorTracer extends TensorMethods<TensorTracer, Tensor> {}
}

installScalarMethods(Tracer.prototype, () => anyOps as Algebra<Tracer>);
installTensorMethods(TensorTracer.prototype, () => anyOps as Algebra<TensorTracer>);
