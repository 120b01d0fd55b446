/**
 * ht: the hand-tracking residuals of ADBench. A hand model of B = 22 bones skins V vertices; the
 * pose θ (26 numbers) turns each bone by Euler angles, the bones compose along the parent chain,
 * and each residual is a measured point minus the model point it corresponds to:
 *
 *   Rᵦ = Rz(θz,ᵦ)·Rx(θx,ᵦ)                  the pose's angles of bone b (to_pose_params: 4 per
 *                                              finger, none for wrist, forearm and finger roots)
 *   Lᵦ = base_relativeᵦ · [Rᵦ 0; 0 1]         relative transform, 4 × 4
 *   Aᵦ = A_parent(b) · Lᵦ                      absolute transform, along the parent chain
 *   Tᵦ = Aᵦ · inverse_base_absoluteᵦ
 *   xᵥ = Σᵦ wᵥᵦ · (Tᵦ pᵥ)[0:3]                skinning of the base positions pᵥ (homogeneous)
 *   xᵥ ← diag(−1, 1, 1)·xᵥ if mirrored;  yᵥ = G·xᵥ + t    G from the angle-axis θ[0:3], t = θ[3:6]
 *   rᵢ = pointᵢ − (u₀ y_a + u₁ y_b + (1 − u₀ − u₁) y_c)   (a, b, c) the corners of triangle i
 *
 * ("simple" variant, `us` empty: rᵢ = pointᵢ − y_vertex(i)). As array math: the 22 rotations at
 * once (cos/sin of a [B, 2] angle tensor, each rotation one small matmul of constants), the chain
 * as one batched 4 × 4 product per tree depth (5 for the hand, not 22), and the skinning as one
 * matrix product: xᵥ = Σ_{b,k} (wᵥᵦ pᵥₖ)·Tᵦ[0:3, k], i.e. X = W·T with the constant
 * W: [V, 4B] and the stacked transforms T: [4B, 3].
 *
 * The Jacobian (3c × 28 complicated, 3c × 26 simple) is forward mode, each jvp carrying many
 * columns as directions (stacked: @ad/forward runs each rule once for all of them). One jvp
 * carries the 26 unit seeds of θ. The u columns take a second jvp with two compressed seeds:
 * residual i depends on its own u pair only (uᵢ enters rᵢ alone), so seeding every u₀ at once
 * gives in row i exactly ∂rᵢ/∂u₀ᵢ, and likewise for u₁ — two directions, not 2c.
 */
import { Tensor, concat, fromData } from '@ad/core';
import { type DualTensor, jvp } from '@ad/forward';
import { type EvalModule, type Runs, multipleRuns } from './runs.js';

interface Model {
  bone_count: number;
  bone_names: string[];
  parents: number[];
  base_relatives: number[][][];
  inverse_base_absolutes: number[][][];
  base_positions: number[][];
  weights: number[][];
  triangles: number[][];
  is_mirrored: boolean;
}

interface Input extends Runs {
  theta: number[];
  data: { model: Model; correspondences: number[]; points: number[][] };
  us: number[][];
}

type T = Tensor | DualTensor;

/** One tree depth of the bone chain: its bones, and each one's parent's place in the depth above. */
interface Depth {
  /** Flat indices into the relatives [B, 4, 4] of this depth's bones: [n, 4, 4]. */
  relatives: Tensor;
  /** Flat indices into the depth above's absolutes [m, 4, 4] of each bone's parent: [n, 4, 4]. */
  parents: Tensor | null;
}

/** The input's constants, laid out for the tensor program (built once, outside the timing). */
export interface Hand {
  /** [2B, 26]: θ → the angles (θx, θz) of each bone, as to_pose_params places them. */
  angles: Tensor;
  /** [2]: 0 and π/2, so cos(a − phase) is [cos a, sin a]. */
  phase: Tensor;
  /** [2, 16] and [16]: Rx as a 4 × 4 from [cos, sin] (and likewise Rz): E + [c, s]·C. */
  rx: Tensor;
  ex: Tensor;
  rz: Tensor;
  ez: Tensor;
  /** [B, 4, 4], bones in the input's order. */
  baseRelatives: Tensor;
  /** [B, 4, 4], bones in the order of the depths. */
  inverseBaseAbsolutes: Tensor;
  depths: Depth[];
  /** [V, 4B]: wᵥᵦ·pᵥₖ at column 4b + k, bones in the order of the depths. */
  skin: Tensor;
  /** [3]: −1, 1, 1 when mirrored: D = diag(mirror) scales the skinned x coordinate. */
  mirror: Tensor | null;
  /** [9, 3]: n → the cross-product matrix [n]ₓ (flattened). */
  cross: Tensor;
  /** [3, 3] identity. */
  eye: Tensor;
  /** Flat indices into the posed vertices [V, 3]: [3, c, 3] triangle corners (corner-major), or [c, 3] vertices. */
  corners: Tensor;
  /** [2, 3] and [3]: u → barycentric weights (u₀, u₁, 1 − u₀ − u₁) = u·Bu + bu. */
  bu: Tensor;
  bu0: Tensor;
  /** [c, 3]. */
  points: Tensor;
  complicated: boolean;
}

/** The angles (θx, θz) of each bone, in to_pose_params's order: [2B, 26] selecting from θ. */
function angleSelection(boneCount: number): Float64Array {
  const select = new Float64Array(2 * boneCount * 26);
  // Pose column 3 + b holds bone b; fingers start at column 5 and take 4 numbers of θ each:
  // (x, z) of their second bone, x of the third and fourth.
  let iTheta = 6;
  let column = 5;
  for (let finger = 0; finger < 5; finger++) {
    for (let i = 2; i <= 4; i++) {
      const bone = column - 3;
      select[2 * bone * 26 + iTheta++] = 1;
      if (i === 2) select[(2 * bone + 1) * 26 + iTheta++] = 1;
      column++;
    }
    column++;
  }
  return select;
}

const flat16 = (rows: number[][]): number[] => rows.flat();

export function prepare(input: Input): Hand {
  const { model, correspondences, points } = input.data;
  const B = model.bone_count;
  const V = model.base_positions.length;
  const c = correspondences.length;
  const complicated = input.us.length > 0;

  // Depth of each bone (parents come first in the order) and the bones of each depth.
  const depthOf = model.parents.map(() => 0);
  model.parents.forEach((p, b) => {
    depthOf[b] = p < 0 ? 0 : depthOf[p] + 1;
  });
  const byDepth: number[][] = [];
  depthOf.forEach((d, b) => {
    byDepth[d] ??= [];
    byDepth[d].push(b);
  });
  const order = byDepth.flat();
  const place = new Map<number, number>(byDepth.flatMap((bones) => bones.map((b, i) => [b, i] as [number, number])));
  const matrixIndices = (at: number[]): Tensor =>
    fromData(Float64Array.from(at.flatMap((i) => Array.from({ length: 16 }, (_, k) => i * 16 + k))), [at.length, 4, 4]);
  const depths = byDepth.map((bones, d) => ({
    relatives: matrixIndices(bones),
    parents: d === 0 ? null : matrixIndices(bones.map((b) => place.get(model.parents[b]) as number)),
  }));

  // Rx = E + cos·Cx + sin·Sx, Rz likewise, as 4 × 4 matrices (row-major, 16 entries).
  const rx = new Float64Array(32);
  const ex = new Float64Array(16);
  ex[0] = ex[15] = 1;
  rx[5] = rx[10] = 1; // cos at (1,1), (2,2)
  rx[16 + 9] = 1; // sin at (2,1)
  rx[16 + 6] = -1; // −sin at (1,2)
  const rz = new Float64Array(32);
  const ez = new Float64Array(16);
  ez[10] = ez[15] = 1;
  rz[0] = rz[5] = 1; // cos at (0,0), (1,1)
  rz[16 + 4] = 1; // sin at (1,0)
  rz[16 + 1] = -1; // −sin at (0,1)

  const skin = new Float64Array(V * 4 * B);
  for (let v = 0; v < V; v++) {
    order.forEach((b, j) => {
      const w = model.weights[v][b];
      for (let k = 0; k < 4; k++) skin[v * 4 * B + j * 4 + k] = w * model.base_positions[v][k];
    });
  }

  // [n]ₓ = [[0, −z, y], [z, 0, −x], [−y, x, 0]], flattened row-major, as a [9, 3] map of n.
  const cross = new Float64Array(27);
  const put = (entry: number, axis: number, sign: number) => (cross[entry * 3 + axis] = sign);
  put(1, 2, -1);
  put(2, 1, 1);
  put(3, 2, 1);
  put(5, 0, -1);
  put(6, 1, -1);
  put(7, 0, 1);

  // Corner-major, [3, c, 3]: each corner's [c, 3] block is contiguous for the weighted sum.
  const corners = complicated
    ? fromData(Float64Array.from([0, 1, 2].flatMap((j) => correspondences.flatMap((t) => [0, 1, 2].map((d) => model.triangles[t][j] * 3 + d)))), [3, c, 3])
    : fromData(Float64Array.from(correspondences.flatMap((v) => [v * 3, v * 3 + 1, v * 3 + 2])), [c, 3]);

  return {
    angles: fromData(angleSelection(B), [2 * B, 26]),
    phase: fromData(Float64Array.of(0, Math.PI / 2), [2]),
    rx: fromData(rx, [2, 16]),
    ex: fromData(ex, [16]),
    rz: fromData(rz, [2, 16]),
    ez: fromData(ez, [16]),
    baseRelatives: fromData(Float64Array.from(model.base_relatives.flatMap(flat16)), [B, 4, 4]),
    inverseBaseAbsolutes: fromData(Float64Array.from(order.flatMap((b) => flat16(model.inverse_base_absolutes[b]))), [B, 4, 4]),
    depths,
    skin: fromData(skin, [V, 4 * B]),
    mirror: model.is_mirrored ? fromData(Float64Array.of(-1, 1, 1), [3]) : null,
    cross: fromData(cross, [9, 3]),
    eye: fromData(Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1), [3, 3]),
    corners,
    bu: fromData(Float64Array.of(1, 0, -1, 0, 1, -1), [2, 3]),
    bu0: fromData(Float64Array.of(0, 0, 1), [3]),
    points: fromData(Float64Array.from(points.flat()), [c, 3]),
    complicated,
  };
}

/**
 * The bones' transforms with the mirroring and the global rotation folded in, G·D·Tᵦ[0:3, :]
 * (D = diag(−1, 1, 1) when mirrored), stacked for skinning: [4B, 3]. Both are linear maps of
 * the skinned positions, so they act on the 22 small transforms rather than on all V vertices.
 */
function boneTransforms<X extends T>(hand: Hand, theta: X): X {
  const B = hand.baseRelatives.shape[0];
  const angles = hand.angles.matmul(theta).reshape([B, 2, 1]); // [B, (x, z), 1]
  const trig = angles.sub(hand.phase).cos(); // [B, 2, (cos, sin)]
  const rx = trig.slice(null, 0).matmul(hand.rx).add(hand.ex).reshape([B, 4, 4]);
  const rz = trig.slice(null, 1).matmul(hand.rz).add(hand.ez).reshape([B, 4, 4]);
  const relatives = hand.baseRelatives.matmul(rz.matmul(rx)) as X; // [B, 4, 4]
  let above: X | null = null;
  const absolutes: X[] = [];
  for (const depth of hand.depths) {
    const own = relatives.take(depth.relatives) as X;
    above = (above === null || depth.parents === null ? own : above.take(depth.parents).matmul(own)) as X;
    absolutes.push(above);
  }
  const all = concat(absolutes as Tensor[], 0) as X; // [B, 4, 4], bones in the order of the depths
  const transforms = all.slice(null, [0, 3]).matmul(hand.inverseBaseAbsolutes); // [B, 3, 4]
  const rotation = angleAxis(hand, theta.slice([0, 3]) as X);
  const global = hand.mirror === null ? rotation : rotation.mul(hand.mirror); // G·D: [3, 3]
  return global
    .matmul(transforms)
    .permute([0, 2, 1])
    .reshape([4 * B, 3]) as X;
}

/** The global rotation of the angle-axis a: [3] (identity below 1e-4, as the reference). */
function angleAxis<X extends T>(hand: Hand, a: X): X | Tensor {
  const norm = a.square().sum().sqrt();
  if ((norm instanceof Tensor ? norm : norm.primal).item() < 1e-4) return hand.eye;
  const n = a.div(norm);
  const cos = norm.cos();
  const outer = n.reshape([3, 1]).mul(n.reshape([1, 3]));
  const cross = hand.cross.matmul(n).reshape([3, 3]);
  return hand.eye
    .mul(cos)
    .add(outer.mul(cos.neg().add(1)))
    .add(cross.mul(norm.sin())) as X;
}

/** The posed vertices y = skinned, mirrored, rotated and translated base positions: [V, 3]. */
export function vertices<X extends T>(hand: Hand, theta: X): X {
  return hand.skin.matmul(boneTransforms(hand, theta)).add(theta.slice([3, 6])) as X;
}

/**
 * The residuals r: [3c] from the posed vertices y: [V, 3] and u: [c, 2] (u unused in the simple
 * variant). y and u may be of different kinds (a jvp's dual and a constant tensor): methods
 * dispatch on their operands.
 */
export function fromVertices<X extends T, U extends T>(hand: Hand, y: X, us: U): T {
  const corners = y.take(hand.corners); // [3, c, 3] or [c, 3]
  if (!hand.complicated) return hand.points.sub(corners).reshape([-1]);
  // Minus corner j's weight, [c, 1] each: −u₀, −u₁, −(1 − u₀ − u₁) (negated on [c, 3], not on
  // the [c, 3] residuals of every direction). Three products and two sums on [c, 3] blocks: with
  // 26 directions that is 3× cheaper than a product over [c, 3, 3] and a sum over its middle
  // axis (measured at c = 51,200).
  const weights = us.matmul(hand.bu).add(hand.bu0).neg().transpose().reshape([3, -1, 1]) as U;
  const w = (j: number) => weights.slice(j) as T as X;
  const minusModel = corners
    .slice(0)
    .mul(w(0))
    .add(corners.slice(1).mul(w(1)))
    .add(corners.slice(2).mul(w(2)));
  return minusModel.add(hand.points).reshape([-1]);
}

/** The residuals' tensor inputs: θ: [26] and u: [c, 2] ([0, 2] in the simple variant). */
function inputs(input: Input): [Tensor, Tensor] {
  return [fromData(Float64Array.from(input.theta), [26]), fromData(Float64Array.from(input.us.flat()), [input.us.length, 2])];
}

/** The unit seeds of θ: 26 directions. */
function thetaSeeds(): Tensor[][] {
  return Array.from({ length: 26 }, (_, k) => [
    fromData(
      Float64Array.from({ length: 26 }, (_, i) => (i === k ? 1 : 0)),
      [26],
    ),
  ]);
}

/** The compressed seeds of u: every point's u₀ at once, then every u₁ (see the top of the file). */
function uSeeds(c: number): Tensor[][] {
  return [0, 1].map((j) => [
    fromData(
      Float64Array.from({ length: 2 * c }, (_, i) => (i % 2 === j ? 1 : 0)),
      [c, 2],
    ),
  ]);
}

/** The 3c × k Jacobian, row by row, from the k tangents (each [3c]) of the directions. */
function rows(tangents: Tensor[]): number[][] {
  const columns = tangents.map((t) => t.toFloat64Array());
  return Array.from({ length: columns[0].length }, (_, r) => columns.map((col) => col[r]));
}

export const ht: EvalModule = {
  objective: multipleRuns(
    (input: Input) => {
      const hand = prepare(input);
      const [theta, us] = inputs(input);
      return () => fromVertices(hand, vertices(hand, theta), us) as Tensor; // plain tensors in, a plain tensor out
    },
    (r) => Array.from(r.toFloat64Array()),
  ),
  jacobian: multipleRuns((input: Input) => {
    const hand = prepare(input);
    const [theta, us] = inputs(input);
    const byTheta = { directions: thetaSeeds() };
    const byU = { directions: uSeeds(us.shape[0]) };
    // Two passes: u held fixed for the 26 θ directions, θ held fixed for the two u directions,
    // so neither carries the other's zero tangents. The second reuses the first's posed
    // vertices (their primal): with θ fixed they are a constant.
    return () => {
      let posed: Tensor | null = null;
      const { tangent: byThetaColumns } = jvp(
        ([t]: DualTensor[]) => {
          const y = vertices(hand, t);
          posed = y.primal;
          return fromVertices(hand, y, us);
        },
        [theta],
        byTheta,
      );
      if (!hand.complicated) return byThetaColumns;
      const { tangent: byUColumns } = jvp(([u]: DualTensor[]) => fromVertices(hand, posed as Tensor, u), [us], byU);
      return [...byUColumns, ...byThetaColumns];
    };
  }, rows),
};
