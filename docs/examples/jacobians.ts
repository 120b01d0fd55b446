/**
 * Guide 6: the Jacobian of f: R³ → R² built column by column (forward seeds) and row by row
 * (reverse seeds), counting the passes each way.
 */
import { jacfwd, jvp, type Dual } from '@ad/forward';
import { jacrev, vjp, type Var } from '@ad/reverse';

// #region function
type Num = Var | Dual;
let evaluations = 0;

/** f(x, y, z) = (xy + z, z² − sin x), written once for both modes. */
const f = (xs: Num[]): Num[] => {
  evaluations++;
  const [x, y, z] = xs as Var[];
  return [x.mul(y).add(z), z.mul(z).sub(x.sin())];
};
const point = [1, 2, 3];
// #endregion function

// #region columns
/** Column j of J is J·eⱼ: one forward pass seeded with ẋ = eⱼ. n = 3 inputs, 3 passes. */
export function columnsByForwardSeeds(): { columns: number[][]; passes: number } {
  evaluations = 0;
  const columns = [0, 1, 2].map((j) => {
    const seed = [0, 0, 0];
    seed[j] = 1; // ẋ = eⱼ
    return jvp(f as (xs: Dual[]) => Dual[], point, seed).tangent as number[];
  });
  return { columns, passes: evaluations };
}
// #endregion columns

// #region rows
/** Row i of J is eᵢᵀ·J: one backward pass seeded with ȳ = eᵢ. m = 2 outputs, 2 passes. */
export function rowsByReverseSeeds(): { rows: number[][]; recordings: number; backwardPasses: number } {
  evaluations = 0;
  const { vjp: pull } = vjp(f as (xs: Var[]) => Var[], point); // f runs (and is recorded) once
  const rows = [
    [1, 0],
    [0, 1],
  ].map((seed) => pull(seed)); // one backward pass per seed ȳ = eᵢ
  return { rows, recordings: evaluations, backwardPasses: rows.length };
}
// #endregion rows

// #region transforms
/** `jacfwd` and `jacrev` do the same; `chunk` sets how many seeds one forward pass carries. */
export function bothTransforms(): { forward: number[][]; reverse: number[][]; passesChunk1: number; passesChunk3: number } {
  evaluations = 0;
  jacfwd(f as (xs: Dual[]) => Dual[], { chunk: 1 })(point);
  const passesChunk1 = evaluations; // ⌈3/1⌉ = 3
  evaluations = 0;
  const forward = jacfwd(f as (xs: Dual[]) => Dual[], { chunk: 3 })(point);
  const passesChunk3 = evaluations; // ⌈3/3⌉ = 1
  const reverse = jacrev(f as (xs: Var[]) => Var[])(point);
  return { forward, reverse, passesChunk1, passesChunk3 };
}
// #endregion transforms
