/**
 * The one tensor type of @ad: a view with scijs ndarray's interface (data, shape, stride,
 * offset; view.ts says why it is not built by `ndarray()`) over a Float64Array. Views (transpose, slice, broadcast with stride 0, reshape of contiguous data)
 * share the data; ops return fresh contiguous tensors. Float64 throughout: derivative checking
 * by finite differences needs it, and it is what JAX's x64 mode and PyTorch's double give.
 *
 * The arithmetic methods (`x.add(y)`, `x.sum(0)`, `x.matmul(w)` …) are installed from the op
 * table by engine/tensor-methods.ts, so Tensor, DualTensor and the reverse-mode tensor node all have
 * exactly the same methods.
 */
import type { NdArray } from 'ndarray';
import { rowMajorStrides, sizeOf, type Shape } from './shape.js';
import { formatTensor } from './format.js';
import { ShapeError } from './errors.js';
import { StridedView } from './view.js';

/** Nested arrays of numbers, as `toArray()` returns them and `tensor()` accepts them. */
export type NestedArray = number | NestedArray[];

/**
 * A float64 tensor: a strided view (data, shape, stride, offset) with scijs ndarray's interface
 * in `nd`, and every function of the op table as a method (`x.exp()`, `w.matmul(x)`).
 */
export class Tensor {
  /** The ndarray view this tensor is (scijs ndarray's interface). */
  readonly nd: NdArray<Float64Array>;

  constructor(nd: NdArray<Float64Array>) {
    this.nd = nd;
  }

  /** A tensor over `data`, read row-major with `shape` (no copy). */
  static fromData(data: Float64Array, shape: Shape): Tensor {
    return new Tensor(new StridedView(data, shape.slice(), rowMajorStrides(shape), 0));
  }

  /** A view over `data` with explicit strides and offset (no copy, no checks). */
  static view(data: Float64Array, shape: Shape, stride: readonly number[], offset: number): Tensor {
    return new Tensor(new StridedView(data, shape.slice(), stride.slice(), offset));
  }

  get shape(): readonly number[] {
    return this.nd.shape;
  }

  get stride(): readonly number[] {
    return this.nd.stride;
  }

  get offset(): number {
    return this.nd.offset;
  }

  get data(): Float64Array {
    return this.nd.data;
  }

  /** Number of dimensions (0 for a scalar). */
  get ndim(): number {
    return this.nd.shape.length;
  }

  /** Number of elements. */
  get size(): number {
    return sizeOf(this.nd.shape);
  }

  /** True when the elements lie row-major, densely, from `offset` on. */
  get isContiguous(): boolean {
    const { shape, stride } = this.nd;
    let expected = 1;
    for (let i = shape.length - 1; i >= 0; i--) {
      if (shape[i] !== 1 && stride[i] !== expected) return false;
      expected *= shape[i];
    }
    return true;
  }

  /** The element at a multi-index (negative indices count from the end). */
  get(...index: number[]): number {
    const { shape, stride, offset, data } = this.nd;
    if (index.length !== shape.length) {
      throw new ShapeError('get', `expected ${shape.length} indices for shape [${shape.join(',')}], got ${index.length}`);
    }
    let pos = offset;
    for (let i = 0; i < index.length; i++) {
      const k = index[i] < 0 ? index[i] + shape[i] : index[i];
      if (!Number.isInteger(k) || k < 0 || k >= shape[i]) {
        throw new ShapeError('get', `index ${index[i]} is out of range for axis ${i} of size ${shape[i]}`);
      }
      pos += k * stride[i];
    }
    return data[pos];
  }

  /** The elements in row-major order, copied into a fresh Float64Array. */
  toFloat64Array(): Float64Array {
    const { shape, stride, offset, data } = this.nd;
    const n = sizeOf(shape);
    if (this.isContiguous) return data.slice(offset, offset + n);
    const out = new Float64Array(n);
    if (n === 0) return out;
    // An odometer over the outer axes, a tight loop over the last one.
    const rank = shape.length;
    const last = rank - 1;
    const inner = shape[last];
    const step = stride[last];
    const index = new Array<number>(rank).fill(0);
    let pos = offset;
    for (let o = 0; o < n; ) {
      for (let j = 0; j < inner; j++) out[o++] = data[pos + j * step];
      for (let d = last - 1; d >= 0; d--) {
        index[d]++;
        pos += stride[d];
        if (index[d] < shape[d]) break;
        pos -= stride[d] * shape[d];
        index[d] = 0;
      }
    }
    return out;
  }

  /** The elements as nested arrays (a plain number for a 0-d tensor). */
  toArray(): NestedArray {
    const flat = this.toFloat64Array();
    const shape = this.nd.shape;
    if (shape.length === 0) return flat[0];
    let o = 0;
    const build = (axis: number): NestedArray[] => {
      const out: NestedArray[] = new Array(shape[axis]);
      for (let i = 0; i < shape[axis]; i++) out[i] = axis === shape.length - 1 ? flat[o++] : build(axis + 1);
      return out;
    };
    return build(0);
  }

  /** The value of a one-element tensor, as PyTorch's `item()`. */
  item(): number {
    if (this.size !== 1) {
      throw new ShapeError('item', `only a tensor with one element can be converted to a number, got shape [${this.shape.join(',')}] (${this.size} elements)`);
    }
    return this.nd.data[this.nd.offset];
  }

  /** The values, printed PyTorch-style: `tensor([[1., 2.], [3., 4.]])`. */
  toString(): string {
    return formatTensor(this.shape, this.toFloat64Array());
  }

  /** Tensors are combined with their methods; a JavaScript operator on one is a mistake. */
  valueOf(): never {
    throw new TypeError('Tensor: a Tensor was used with a JavaScript operator (+, *, <, …); use its methods (x.add(y), x.mul(y), x.lt(y))');
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
