/**
 * How nodes print in Node's console (`util.inspect.custom`, reached through its registered
 * symbol so nothing here imports Node): a `Var` as its `toString`, `Var(6, grad=-4)`; a
 * `TensorVar` as its one-line summary followed by its values (and its gradient, once a backward
 * pass has set one) in Tensor's format. Without this, console.log dumps the tape chunk the
 * handle points into.
 */
import { Tensor } from '@ad/core';
import { TensorVar, Var } from './node.js';

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

Object.defineProperty(Var.prototype, INSPECT, {
  value: function (this: Var): string {
    return this.toString();
  },
  writable: true,
  configurable: true,
});

Object.defineProperty(TensorVar.prototype, INSPECT, {
  value: function (this: TensorVar): string {
    const lines = [this.toString(), this.primal.toString()];
    const g = this.grad;
    if (g instanceof Tensor) lines.push(`grad=${g.toString()}`);
    return lines.join('\n');
  },
  writable: true,
  configurable: true,
});
