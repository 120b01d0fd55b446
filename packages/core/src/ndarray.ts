/** Tensors from scijs ndarrays: a view of the same memory where the data is float64, a copy otherwise. */
import type { Data, NdArray } from 'ndarray';
import { DTypeError, ShapeError, ValueError, fmtShape } from './errors.js';
import { checkShape, sizeOf } from './shape.js';
import { Tensor } from './tensor.js';

const OP = 'fromNdarray';

/**
 * A tensor from a scijs ndarray (what `ndarray(data, shape, stride, offset)` returns, or a
 * tensor's own `nd`), as PyTorch's `torch.from_numpy`.
 *
 * Float64Array data is shared, not copied: the tensor has the ndarray's shape, stride and offset
 * over the same memory (transposed, stepped, negative and zero strides included), so a write
 * through either is seen by the other, and `fromNdarray(t.nd)` is a view of `t`. Any other data —
 * another typed array (Float32Array, Int32Array, Uint8Array, …), a plain array of numbers, or
 * ndarray's generic get/set array — is copied, in the view's row-major order, into a fresh
 * contiguous Float64Array (a tensor is float64, so it cannot view them); later writes to the
 * ndarray are then not seen.
 *
 * Errors, each message starting `fromNdarray:` and naming what it got: DTypeError for something
 * that is not an ndarray or data that is not numbers (BigInt arrays included); ValueError for a
 * shape that is not non-negative integers, or a stride or offset that is not integers;
 * ShapeError for a stride list of another length than the shape, or strides and offset that
 * reach outside the data.
 */
export function fromNdarray(a: NdArray<Data<number>>): Tensor {
  if (typeof a !== 'object' || a === null || Array.isArray(a) || !Array.isArray((a as { shape?: unknown }).shape)) {
    const hint = Array.isArray(a) || ArrayBuffer.isView(a) ? ' (make one with ndarray(data, shape), or a tensor with tensor())' : '';
    throw new DTypeError(OP, `expected an ndarray (an object with data, shape, stride and offset, as ndarray() makes), got ${describe(a)}${hint}`);
  }
  const shape = checkShape(OP, a.shape);
  const stride: unknown = a.stride;
  if (!Array.isArray(stride)) throw new DTypeError(OP, `stride must be an array of integers, got ${describe(stride)}`);
  if (stride.length !== shape.length) {
    throw new ShapeError(OP, `stride ${fmtShape(stride)} has ${stride.length} entries, shape ${fmtShape(shape)} needs ${shape.length}`);
  }
  if (!stride.every(isInteger)) throw new ValueError(OP, `stride must hold integers, got ${fmtShape(stride)}`);
  const offset: unknown = a.offset;
  if (typeof offset !== 'number') throw new DTypeError(OP, `offset must be an integer, got ${describe(offset)}`);
  if (!isInteger(offset)) throw new ValueError(OP, `offset must be an integer, got ${offset}`);

  const data: unknown = a.data;
  const read = reader(data);
  const length = (data as { length: number }).length;
  const size = sizeOf(shape);
  if (size > 0) {
    let lo = offset;
    let hi = offset;
    for (let i = 0; i < shape.length; i++) {
      const reach = stride[i] * (shape[i] - 1);
      if (reach < 0) lo += reach;
      else hi += reach;
    }
    if (lo < 0 || hi >= length) {
      throw new ShapeError(
        OP,
        `shape ${fmtShape(shape)} with stride ${fmtShape(stride)} and offset ${offset} reaches indices ${lo}…${hi}, ` +
          `outside data of length ${length} (needed within 0…${length - 1})`,
      );
    }
  }
  if (data instanceof Float64Array) return Tensor.view(data, shape, stride, offset);

  // A copy, in row-major order: an odometer over the view's multi-index.
  const out = new Float64Array(size);
  const index = new Array<number>(shape.length).fill(0);
  let pos = offset;
  for (let o = 0; o < size; o++) {
    const v = read(pos);
    if (typeof v !== 'number') throw new DTypeError(OP, `data[${pos}] is ${describe(v)}, needed a number`);
    out[o] = v;
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d]++;
      pos += stride[d];
      if (index[d] < shape[d]) break;
      pos -= stride[d] * shape[d];
      index[d] = 0;
    }
  }
  return Tensor.fromData(out, shape);
}

/** Reads element `i` of an ndarray's data, or throws when the data is not numbers of a kind ndarray holds. */
function reader(data: unknown): (i: number) => unknown {
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    throw new DTypeError(OP, `data is a ${data.constructor.name}: bigint values cannot become float64 exactly, convert them to numbers first`);
  }
  if (Array.isArray(data) || (ArrayBuffer.isView(data) && !(data instanceof DataView))) {
    const list = data as ArrayLike<unknown>;
    return (i) => list[i];
  }
  const generic = data as { get?: unknown; length?: unknown } | null;
  if (typeof generic === 'object' && generic !== null && typeof generic.get === 'function' && typeof generic.length === 'number') {
    const get = generic.get as (i: number) => unknown;
    return (i) => get.call(generic, i);
  }
  throw new DTypeError(OP, `data must be a typed array, an array of numbers or a get/set array, got ${describe(data)}`);
}

function isInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** A value as a message names it: `null`, `an array of length 2`, `string "abc"`, `an object without shape`. */
function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (typeof v === 'object') return 'shape' in v ? 'an object whose shape is not an array' : 'an object without shape';
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`;
  if (typeof v === 'bigint') return `bigint ${v}n`;
  return `${typeof v} ${String(v)}`;
}
