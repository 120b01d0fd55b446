/**
 * det: the determinant of an ℓ × ℓ matrix A by expansion by minors along the first row, as
 * cmpad's det_by_minor: det M = Σⱼ (−1)ʲ M₀ⱼ det S₀ⱼ, where S₀ⱼ is M without its first row and
 * column j, down to 1 × 1 minors. The recursion is kept, with its O(ℓ!) operation count (no LU,
 * no memoised minors), but evaluated level by level as tensor ops instead of one scalar at a time.
 *
 * The recursion's call tree has, at depth d, one node per ordered choice of d columns (the
 * columns removed by the rows above): N_d = ℓ!/(ℓ − d)! nodes, each a minor of rows d … ℓ−1 and
 * its m = ℓ − d remaining columns in ascending order. Child j of node i is node i·m + j of depth
 * d + 1, so the children of a node are contiguous and the whole depth is one tensor:
 *
 *     v_d[i] = Σⱼ (−1)ʲ A[d, cᵢⱼ] · v_{d+1}[i·m + j]      (v_{ℓ−1}[i] = A[ℓ−1, cᵢ₀])
 *
 * that is `take(Â, I_d).reshape([N_d, m]).mul(v_{d+1}.reshape([N_d, m])).sum(1)`, where Â is A
 * and −A side by side (so the sign is folded into the index: no pass multiplies by ±1) and I_d,
 * the flat index of (−1)ʲ A[d, cᵢⱼ] in Â, depends on ℓ only: it is built once per ℓ, untimed, as
 * the eval's data. The multiplications are exactly the recursion's (e·ℓ! of them); a take, a
 * product and a sum per depth replace ~2·e·ℓ! scalar ops. The gradient is reverse mode over
 * that program: a level's backward is two element-wise products and take's transpose,
 * scatterAdd, which sums ∂det/∂A[d, c] over every node that used A[d, c].
 */
import { type Tensor, fromData, tensor } from '@ad/core';
import { type TensorVar, grad } from '@ad/reverse';
import { type EvalModule, type Runs, multipleRuns } from './runs.js';

/** One depth of the expansion: `nodes` minors of size m, `index` [nodes·m] into Â. */
interface Level {
  readonly index: Tensor;
  readonly nodes: number;
  readonly m: number;
}

/** The expansion's index tensors for ℓ: the leaves (depth ℓ − 1) and depths ℓ − 2 … 0. */
export interface Plan {
  readonly ell: number;
  readonly leaves: Tensor;
  readonly levels: readonly Level[];
}

/**
 * The call tree of expansion by minors for ℓ, depth by depth. `remaining` holds, for every node
 * of the current depth, its m remaining columns in ascending order ([nodes, m], row-major);
 * removing column j of node i gives child i·m + j.
 */
export function plan(ell: number): Plan {
  const levels: Level[] = [];
  let remaining = Int8Array.from({ length: ell }, (_, c) => c);
  let nodes = 1;
  for (let d = 0; ; d++) {
    const m = ell - d;
    const index = new Float64Array(nodes * m);
    // (−1)ʲ A[d, c] sits at d·ℓ + c in Â, and −A[d, c] ℓ² further on.
    for (let k = 0; k < index.length; k++) index[k] = d * ell + remaining[k] + ((k % m) % 2 === 1 ? ell * ell : 0);
    if (m === 1) return { ell, leaves: fromData(index, [nodes]), levels };
    levels.push({ index: fromData(index, [nodes * m]), nodes, m });
    const next = new Int8Array(nodes * m * (m - 1));
    let k = 0;
    for (let i = 0; i < nodes; i++) {
      for (let j = 0; j < m; j++) {
        for (let q = 0; q < m; q++) if (q !== j) next[k++] = remaining[i * m + q];
      }
    }
    remaining = next;
    nodes *= m;
  }
}

/** [[1], [−1]]: A's elements times this are Â, A and −A side by side. */
const PLUS_MINUS = tensor([[1], [-1]]);

/** det A for A: [ℓ, ℓ] (or its ℓ² elements row-major), a scalar tensor, by the plan for ℓ. */
export function determinant<T extends Tensor | TensorVar>(A: T, { leaves, levels }: Plan): T {
  const signed = A.reshape([1, -1]).mul(PLUS_MINUS).reshape([-1]) as T; // Â = [A, −A]: [2ℓ²]
  let v = signed.take(leaves) as T; // [ℓ!]
  for (let d = levels.length - 1; d >= 0; d--) {
    const { index, nodes, m } = levels[d];
    v = signed
      .take(index)
      .reshape([nodes, m])
      .mul(v.reshape([nodes, m]))
      .sum(1) as T; // [N_d]
  }
  return v.reshape([]) as T;
}

const gradient = (p: Plan) => grad((A: TensorVar) => determinant(A, p));

/** The plan for the last ℓ seen: the eval sends primal and gradient for one ℓ, then the next. */
let last: Plan | undefined;
function planFor(ell: number): Plan {
  if (last?.ell !== ell) {
    last = undefined; // drop the previous plan before building the next (ℓ = 11: ~0.9 GB)
    last = plan(ell);
  }
  return last;
}

interface Input extends Runs {
  A: number[];
  ell: number;
}

export const det: EvalModule = {
  primal: multipleRuns(
    ({ A, ell }: Input) => {
      const p = planFor(ell);
      const As = tensor(A);
      return () => determinant(As, p);
    },
    (y) => y.item(),
  ),
  gradient: multipleRuns(
    ({ A, ell }: Input) => {
      const f = gradient(planFor(ell));
      const As = tensor(A);
      return () => f(As);
    },
    (g) => g.toArray(),
  ),
};
