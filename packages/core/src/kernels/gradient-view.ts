/**
 * A gradient as an optimizer kernel reads it. The reverse rule of a transpose hands back a
 * view, so `Linear`'s weight gradient W̄ = (xᵀȳ)ᵀ arrives as a [out, in] view with strides
 * [1, out]: copying it row-major with `toFloat64Array()` was a strided pass and a fresh
 * 800 KB array per step for a 784×128 weight. The kernels read it in place instead, in θ's
 * row-major order, a block at a time.
 */

/** Element (i, j) of a rows × cols matrix at data[offset + i·rs + j·cs], read in row-major order. */
export interface GradientView {
  readonly data: Float64Array;
  readonly offset: number;
  readonly rows: number;
  readonly cols: number;
  readonly rs: number;
  readonly cs: number;
}

/** A contiguous gradient, or a 2-D view of one. */
export type Gradient = Float64Array | GradientView;

/**
 * Square tiles of the gather: a 32×32 tile of a transposed view reads 32 columns of 32
 * consecutive values, so every cache line it touches is used whole while the tile runs.
 */
const TILE = 32;

/** Writes g's values in row-major order into out[at …]. */
export function gatherRowMajor(g: GradientView, out: Float64Array, at: number): void {
  const { data, offset, rows, cols, rs, cs } = g;
  for (let i0 = 0; i0 < rows; i0 += TILE) {
    const i1 = Math.min(rows, i0 + TILE);
    for (let j0 = 0; j0 < cols; j0 += TILE) {
      const j1 = Math.min(cols, j0 + TILE);
      for (let i = i0; i < i1; i++) {
        let src = offset + i * rs + j0 * cs;
        let dst = at + i * cols + j0;
        for (let j = j0; j < j1; j++) {
          out[dst++] = data[src];
          src += cs;
        }
      }
    }
  }
}
