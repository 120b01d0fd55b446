/**
 * `ad train`'s random shifts: the batch written straight from the data set's rows into a reused
 * array is, pixel by pixel, each chosen image moved by its (dx, dy) with zeros shifted in, the
 * shifts drawn dx then dy per image in batch order; a reused array keeps no pixel of the batch
 * before it.
 */
import { Generator, Tensor, ValueError, rand } from '@ad/core';
import { shiftRows, shiftedBatches } from '../src/augment.js';

const SIDE = 28;

/** The shifted image by its definition: out(r, c) = in(r − dy, c − dx) inside the image, else 0. */
function shifted(image: Float64Array, dx: number, dy: number): Float64Array {
  const out = new Float64Array(SIDE * SIDE);
  for (let r = 0; r < SIDE; r++) {
    for (let c = 0; c < SIDE; c++) {
      const rs = r - dy;
      const cs = c - dx;
      if (rs >= 0 && rs < SIDE && cs >= 0 && cs < SIDE) out[r * SIDE + c] = image[rs * SIDE + cs];
    }
  }
  return out;
}

const images = rand([12, SIDE * SIDE], { seed: 3 }).toFloat64Array();

test.each([1, 2, 3, 8])('±%i px: each row is its image shifted by the next two draws of the generator', (s) => {
  const indices = Int32Array.from([5, 0, 11, 5, 7, 2, 9, 1, 3]);
  const out = new Float64Array(indices.length * SIDE * SIDE).fill(Number.NaN);
  const twin = new Generator(8);
  shiftRows(images, indices, s, new Generator(8), out);
  const seen = new Set<string>();
  indices.forEach((row, i) => {
    const dx = twin.int(2 * s + 1) - s;
    const dy = twin.int(2 * s + 1) - s;
    seen.add(`${dx},${dy}`);
    expect(out.subarray(i * SIDE * SIDE, (i + 1) * SIDE * SIDE)).toEqual(shifted(images.subarray(row * SIDE * SIDE, (row + 1) * SIDE * SIDE), dx, dy));
  });
  expect(seen.size).toBeGreaterThan(1);
});

test('shiftedBatches reuses one array per batch size and leaves nothing of the previous batch', () => {
  const x = Tensor.fromData(images, [12, SIDE * SIDE]);
  const make = shiftedBatches(x, 2, new Generator(4));
  const twin = new Generator(4);
  const reference = (indices: Int32Array) => {
    const out = new Float64Array(indices.length * SIDE * SIDE);
    shiftRows(images, indices, 2, twin, out);
    return out;
  };
  const batches = [Int32Array.from([0, 1, 2, 3]), Int32Array.from([4, 5, 6, 7]), Int32Array.from([8, 9]), Int32Array.from([10, 11, 0, 1])];
  const arrays: Float64Array[] = [];
  for (const indices of batches) {
    const t = make(indices);
    expect(t.shape).toEqual([indices.length, SIDE * SIDE]);
    expect(t.toFloat64Array()).toEqual(reference(indices));
    arrays.push(t.data);
  }
  expect(arrays[1]).toBe(arrays[0]);
  expect(arrays[3]).toBe(arrays[0]);
  expect(arrays[2]).not.toBe(arrays[0]);
});

test('shiftedBatches reads a view of the images as its values and refuses rows that are not 28×28 images', () => {
  const wide = Tensor.fromData(
    Float64Array.from({ length: 12 * 2 * SIDE * SIDE }, (_, i) => i),
    [12, 2 * SIDE * SIDE],
  );
  const view = wide.slice(null, [SIDE * SIDE, null]);
  const a = shiftedBatches(view, 1, new Generator(2))(Int32Array.from([3, 4]));
  const b = shiftedBatches(Tensor.fromData(view.toFloat64Array(), [12, SIDE * SIDE]), 1, new Generator(2))(Int32Array.from([3, 4]));
  expect(a.toFloat64Array()).toEqual(b.toFloat64Array());
  expect(() => shiftedBatches(rand([3, 100]), 2, new Generator(0))).toThrow(ValueError);
  expect(() => shiftedBatches(rand([3, 100]), 2, new Generator(0))).toThrow('shiftedBatches: random shifts move 28×28 images: x must be [n, 784], got [3,100]');
});
