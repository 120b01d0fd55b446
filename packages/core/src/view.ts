/**
 * Strided views with scijs ndarray's interface (`NdArray<Float64Array>`: data, shape, stride,
 * offset, get/set, lo/hi/step/transpose/pick), so a Tensor's `nd` still works with the scijs
 * ecosystem (ndarray-ops and friends accept it).
 *
 * Why not `ndarray()` itself: it compiles a class per rank with `new Function`, which a page
 * with a strict Content-Security-Policy (`script-src 'self'`) refuses — every tensor made there
 * would throw EvalError. One class for all ranks does the same job; the kernels read `data`,
 * `stride` and `offset` directly, so nothing hot goes through its methods.
 */
import type { NdArray } from 'ndarray';

export class StridedView implements NdArray<Float64Array> {
  constructor(
    public data: Float64Array,
    public shape: number[],
    public stride: number[],
    public offset: number,
  ) {}

  get dtype(): 'float64' {
    return 'float64';
  }

  get dimension(): number {
    return this.shape.length;
  }

  get size(): number {
    let n = 1;
    for (const d of this.shape) n *= d;
    return n;
  }

  /** Axes by increasing |stride|, as ndarray's `order`. */
  get order(): number[] {
    return this.shape.map((_, i) => i).sort((a, b) => Math.abs(this.stride[a]) - Math.abs(this.stride[b]));
  }

  index(...i: number[]): number {
    let pos = this.offset;
    for (let d = 0; d < i.length; d++) pos += i[d] * this.stride[d];
    return pos;
  }

  get(...i: number[]): number {
    return this.data[this.index(...i)];
  }

  set(...args: number[]): number {
    const value = args[args.length - 1];
    this.data[this.index(...args.slice(0, -1))] = value;
    return value;
  }

  /** The view starting at index `lo` on each axis given (ndarray's `lo`). */
  lo(...lo: number[]): StridedView {
    const shape = this.shape.slice();
    let offset = this.offset;
    lo.forEach((l, d) => {
      if (typeof l === 'number' && l >= 0) {
        offset += this.stride[d] * l;
        shape[d] -= l;
      }
    });
    return new StridedView(this.data, shape, this.stride.slice(), offset);
  }

  /** The view ending before index `hi` on each axis given (ndarray's `hi`). */
  hi(...hi: number[]): StridedView {
    const shape = this.shape.map((n, d) => (typeof hi[d] === 'number' && hi[d] >= 0 ? Math.min(n, hi[d]) : n));
    return new StridedView(this.data, shape, this.stride.slice(), this.offset);
  }

  /** Every `step`-th element on each axis given, backwards for a negative step (ndarray's `step`). */
  step(...steps: number[]): StridedView {
    const shape = this.shape.slice();
    const stride = this.stride.slice();
    let offset = this.offset;
    steps.forEach((s, d) => {
      if (typeof s !== 'number' || s === 0 || !Number.isInteger(s)) return;
      if (s < 0) {
        offset += stride[d] * (shape[d] - 1);
        shape[d] = Math.ceil(-shape[d] / s);
      } else {
        shape[d] = Math.ceil(shape[d] / s);
      }
      stride[d] *= s;
    });
    return new StridedView(this.data, shape, stride, offset);
  }

  transpose(...perm: number[]): StridedView {
    const axes = this.shape.map((_, i) => (perm[i] === undefined ? i : perm[i]));
    return new StridedView(
      this.data,
      axes.map((a) => this.shape[a]),
      axes.map((a) => this.stride[a]),
      this.offset,
    );
  }

  /** Fixes the axes given an index (null keeps an axis), as ndarray's `pick`. */
  pick(...index: (number | null)[]): StridedView {
    const shape: number[] = [];
    const stride: number[] = [];
    let offset = this.offset;
    this.shape.forEach((n, d) => {
      const i = index[d];
      if (typeof i === 'number' && i >= 0) offset += this.stride[d] * i;
      else {
        shape.push(n);
        stride.push(this.stride[d]);
      }
    });
    return new StridedView(this.data, shape, stride, offset);
  }

  get T(): StridedView {
    return this.transpose(...this.shape.map((_, i) => this.shape.length - 1 - i));
  }
}
