/**
 * softmax and logSoftmax along one axis, fused so they stay finite: the kernels subtract the
 * row max, and logSoftmax is x − logsumexp(x) rather than log(softmax(x)), which would be
 * log 0 = −∞ for very negative logits.
 */
import { allocate } from '../kernels/alloc.js';
import type { Tensor } from '../tensor.js';
import { logSoftmaxRows, softmaxRows } from '../kernels/reduce.js';
import { normalizeAxis } from '../shape.js';
import { custom, withMethod, type Op, type OpWithMethod } from './define.js';
import type { MethodContext, Self } from './signature.js';
import { fromRows, rowData, toRows } from './rows.js';
import { shiftedParams, type BatchRule } from './batching.js';
import { alongAxis as alongAxisPattern } from './sparsity.js';

/** Along the same axis of each example: that axis moved past the batch axis. */
const axisBatch: BatchRule<AxisParams> = shiftedParams('axis + 1', ({ axis }) => ({ axis: axis + 1 }));

export interface AxisParams {
  readonly axis: number;
}

function rowwise(kernel: typeof softmaxRows) {
  return ([x]: readonly Tensor[], { axis }: AxisParams): Tensor => {
    const rows = toRows(x, [axis]);
    const out = allocate(rows.rows * rows.n);
    kernel(out, rowData(rows), rows.rows, rows.n);
    return fromRows(out, rows);
  };
}

/** An op along one axis: `x.softmax(axis?)`. */
export type AlongAxis = OpWithMethod<AxisParams, (c: MethodContext, x: Self, axis?: number) => Self>;

/** The method of an op along one axis, the last by default. */
function alongAxis(op: Op<AxisParams>) {
  return (c: MethodContext, x: Self, axis = -1): Self => c.apply(op, [x], { axis: normalizeAxis(op.name, axis, c.shape(x).length) });
}

/** Softmax along an axis (the last by default), stable: y = exp(x − max) / Σ exp(x − max).  ẏ = y⊙(ẋ − Σ y⊙ẋ),  x̄ = y⊙(ȳ − Σ y⊙ȳ) */
export const softmax: AlongAxis = withMethod(
  custom<AxisParams>({
    name: 'softmax',
    arity: 1,
    primal: rowwise(softmaxRows),
    jvp:
      (o, _xs, y, { axis }) =>
      ([xDot]) =>
        xDot === null ? null : o.mul(y, o.sub(xDot, o.sum(o.mul(y, xDot), axis, true))),
    vjp:
      (o, _xs, y, { axis }) =>
      (yBar, needs) => [needs[0] ? o.mul(y, o.sub(yBar, o.sum(o.mul(y, yBar), axis, true))) : null],
    batch: axisBatch,
    pattern: alongAxisPattern,
  }),
  alongAxis,
);

/** log softmax along an axis, fused and stable: y = x − logsumexp(x).  With s = exp(y):  ẏ = ẋ − Σ s⊙ẋ,  x̄ = ȳ − s⊙Σ ȳ */
export const logSoftmax: AlongAxis = withMethod(
  custom<AxisParams>({
    name: 'logSoftmax',
    arity: 1,
    primal: rowwise(logSoftmaxRows),
    jvp:
      (o, _xs, y, { axis }) =>
      ([xDot]) =>
        xDot === null ? null : o.sub(xDot, o.sum(o.mul(o.exp(y), xDot), axis, true)),
    vjp:
      (o, _xs, y, { axis }) =>
      (yBar, needs) => [needs[0] ? o.sub(yBar, o.mul(o.exp(y), o.sum(yBar, axis, true))) : null],
    batch: axisBatch,
    pattern: alongAxisPattern,
  }),
  alongAxis,
);
