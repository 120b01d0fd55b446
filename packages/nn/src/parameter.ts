/**
 * A Parameter is a reverse-mode leaf that a module owns and an optimizer updates in place.
 * Its value is a contiguous Tensor of its own (copied on creation), so optimizers can write
 * straight into its Float64Array. That array is resident in the kernels' memory where there is
 * one (allocateResident): products read the weights where they lie and the Adam kernel updates
 * them in place.
 */
import { Tensor, ValueError } from '@ad/core';
import { allocateResident } from '@ad/core/engine';
import { TensorVar, ambientTag, leafEntry } from '@ad/reverse';

export class Parameter extends TensorVar {
  constructor(value: Tensor) {
    if (!(value instanceof Tensor)) throw new ValueError('Parameter', 'the value must be a Tensor');
    const data = allocateResident(value.size);
    data.set(value.toFloat64Array());
    const own = Tensor.fromData(data, value.shape);
    const [chunk, index] = leafEntry(ambientTag(own), own, true);
    super(chunk, index);
  }

  /** The parameter's tensor (updated in place by optimizers). */
  override get value(): Tensor {
    return super.value as Tensor;
  }

  /** Its numbers, row-major: what optimizers update. */
  get data(): Float64Array {
    return this.value.data;
  }

  /** `Parameter(shape [out,in])`; console.log adds the values and the gradient. */
  override toString(): string {
    return `Parameter(shape [${this.shape.join(',')}])`;
  }

  /** The gradient as a Tensor, or null before the first backward (`.grad` is undefined then). */
  get gradTensor(): Tensor | null {
    return this.grad ?? null;
  }
}
