/**
 * How duals print in Node's console (`util.inspect.custom`, reached through its registered
 * symbol so nothing here imports Node): a `Dual` as its `toString`, `Dual(5; [6, -4])`; a
 * `DualTensor` as its one-line summary, then its primal values and each tangent in Tensor's
 * format.
 */
import { DualTensor, Dual } from './dual.js';

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

Object.defineProperty(Dual.prototype, INSPECT, {
  value: function (this: Dual): string {
    return this.toString();
  },
  writable: true,
  configurable: true,
});

Object.defineProperty(DualTensor.prototype, INSPECT, {
  value: function (this: DualTensor): string {
    const lines = [this.toString(), `value=${this.value.toString()}`];
    this.tangents.forEach((t, j) => lines.push(`tangent ${j}=${t.toString()}`));
    return lines.join('\n');
  },
  writable: true,
  configurable: true,
});
