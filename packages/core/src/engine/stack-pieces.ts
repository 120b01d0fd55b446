/**
 * Stacking the pieces of a Jacobian. jacfwd gets one column per input position, jacrev one row
 * per output position; both put piece i at flat position i of the other side's shape.
 */
import { Tensor } from '../tensor.js';
import { sizeOf, type Shape } from '../shape.js';
import { anyOps } from './dispatch.js';
import { isTagged } from './kind.js';

/**
 * Piece i (of `pieceShape`) placed at flat position i of `indexShape`: the result has shape
 * [...indexShape, ...pieceShape] with `indexFirst` (jacrev's rows), else
 * [...pieceShape, ...indexShape] (jacfwd's columns). Plain pieces are copied into place; when a
 * piece is a value of a mode (the transform ran at values of an enclosing one) the result is
 * built with ops, J = Σᵢ pieceᵢ ⊗ eᵢ, so the enclosing transform differentiates through it.
 */
export function stackPieces(pieces: readonly unknown[], pieceShape: Shape, indexShape: Shape, indexFirst: boolean): unknown {
  const m = sizeOf(pieceShape);
  const n = sizeOf(indexShape);
  const shape = indexFirst ? [...indexShape, ...pieceShape] : [...pieceShape, ...indexShape];
  if (!pieces.some(isTagged)) {
    const out = new Float64Array(m * n);
    pieces.forEach((p, i) => {
      const v = typeof p === 'number' ? new Float64Array(m).fill(p) : (p as Tensor).toFloat64Array();
      for (let r = 0; r < m; r++) out[indexFirst ? i * m + r : r * n + i] = v[r];
    });
    return Tensor.fromData(out, shape);
  }
  const ones = (k: number) => new Array<number>(k).fill(1);
  const pieceAs = indexFirst ? [...ones(indexShape.length), ...pieceShape] : [...pieceShape, ...ones(indexShape.length)];
  const unitAs = indexFirst ? [...indexShape, ...ones(pieceShape.length)] : [...ones(pieceShape.length), ...indexShape];
  let out: unknown = Tensor.fromData(new Float64Array(m * n), shape);
  pieces.forEach((p, i) => {
    const unit = new Float64Array(n);
    unit[i] = 1;
    const piece = typeof p === 'number' ? p : anyOps.reshape(p, pieceAs);
    out = anyOps.add(out, anyOps.mul(piece, Tensor.fromData(unit, unitAs)));
  });
  return out;
}
