/**
 * Random shifts of 28 × 28 digit images, the cheapest augmentation that helps an MLP on a small
 * MNIST: each image of a batch moves by (dx, dy), each uniform in [−s, s] pixels, with zeros
 * shifted in. A plain MLP has no translation invariance of its own, and with 8,000 training
 * digits it otherwise memorises positions (test accuracy stalls near 95.7 %).
 */
import { type Generator, Tensor } from '@ad/core';

const SIDE = 28;

export function shiftImages(x: Tensor, maxShift: number, generator: Generator): Tensor {
  if (maxShift === 0) return x;
  const [b, d] = x.shape;
  const src = x.toFloat64Array();
  const out = new Float64Array(src.length);
  const span = 2 * maxShift + 1;
  for (let i = 0; i < b; i++) {
    const dx = generator.int(span) - maxShift;
    const dy = generator.int(span) - maxShift;
    const base = i * d;
    // Output pixel (r, c) takes input pixel (r − dy, c − dx) when that lies inside the image.
    const r0 = Math.max(0, dy);
    const r1 = Math.min(SIDE, SIDE + dy);
    const c0 = Math.max(0, dx);
    const c1 = Math.min(SIDE, SIDE + dx);
    for (let r = r0; r < r1; r++) {
      const to = base + r * SIDE;
      const from = base + (r - dy) * SIDE - dx;
      out.set(src.subarray(from + c0, from + c1), to + c0);
    }
  }
  return Tensor.fromData(out, [b, d]);
}
