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
 * matrix product: xᵥ = Σ_{b,k} (wᵥᵦ pᵥₖ)·Tᵦ[0:3, k], i.e. Yᵀ = [T | t]·W with the constant
 * W: [4B + 1, V] and the transforms side by side, [3, 4B + 1]. Everything after the skinning is
 * coordinate-major ([3, V], [3, c]), so each op on c runs along a contiguous axis.
 *
 * The Jacobian (3c × 28 complicated, 3c × 26 simple) is forward mode, each jvp carrying many
 * columns as directions. One jvp carries the 26 unit seeds of θ to the posed vertices (stacked:
 * @ad/forward runs each rule once for all of them), a jitted one carries them on to the
 * residuals. The u columns take a third jvp with two compressed seeds: residual i depends on its
 * own u pair only (uᵢ enters rᵢ alone), so seeding every u₀ at once gives in row i exactly
 * ∂rᵢ/∂u₀ᵢ, and likewise for u₁ — two directions, not 2c.
 */
import { Tensor, concat, fromData } from '@ad/core';
import { type DualTensor, jvp } from '@ad/forward';
import { jit } from '@ad/jit';
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
  /**
   * [4B + 1, V]: wᵥᵦ·pᵥₖ at row 4b + k (bones in the order of the depths), and a last row of
   * ones that carries the translation (see boneTransforms).
   */
  skin: Tensor;
  /** [3]: −1, 1, 1 when mirrored: D = diag(mirror) scales the skinned x coordinate. */
  mirror: Tensor | null;
  /** [9, 3]: n → the cross-product matrix [n]ₓ (flattened). */
  cross: Tensor;
  /** [3, 3] identity. */
  eye: Tensor;
  /**
   * Flat indices into the posed vertices, coordinate-major [3, V]: one [3, c] block per
   * triangle corner (three in the complicated variant, the vertex itself in the simple one).
   */
  corners: Tensor[];
  /**
   * [3, 2] and [3, 1]: uᵀ → minus the barycentric weights, −(u₀, u₁, 1 − u₀ − u₁) = M·uᵀ + m,
   * one row per corner.
   */
  bu: Tensor;
  bu0: Tensor;
  /** [3, c], coordinate-major as the posed vertices. */
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

  const skin = new Float64Array((4 * B + 1) * V);
  for (let v = 0; v < V; v++) {
    order.forEach((b, j) => {
      const w = model.weights[v][b];
      for (let k = 0; k < 4; k++) skin[(j * 4 + k) * V + v] = w * model.base_positions[v][k];
    });
    skin[4 * B * V + v] = 1;
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

  // Coordinate-major [3, c] blocks: every later op on c runs along its contiguous last axis.
  const gather = (vertexOf: (i: number) => number): Tensor =>
    fromData(Float64Array.from([0, 1, 2].flatMap((d) => correspondences.map((_, i) => d * V + vertexOf(i)))), [3, c]);
  const corners = complicated ? [0, 1, 2].map((j) => gather((i) => model.triangles[correspondences[i]][j])) : [gather((i) => correspondences[i])];

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
    skin: fromData(skin, [4 * B + 1, V]),
    mirror: model.is_mirrored ? fromData(Float64Array.of(-1, 1, 1), [3]) : null,
    cross: fromData(cross, [9, 3]),
    eye: fromData(Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1), [3, 3]),
    corners,
    bu: fromData(Float64Array.of(-1, 0, 0, -1, 1, 1), [3, 2]),
    bu0: fromData(Float64Array.of(0, 0, -1), [3, 1]),
    points: fromData(Float64Array.from([0, 1, 2].flatMap((d) => points.map((p) => p[d]))), [3, c]),
    complicated,
  };
}

/**
 * The bones' transforms with the mirroring and the global rotation folded in, G·D·Tᵦ[0:3, :]
 * (D = diag(−1, 1, 1) when mirrored), side by side for skinning, and the translation t = θ[3:6]
 * as a last column: [3, 4B + 1]. Mirroring and rotation are linear maps of the skinned
 * positions, so they act on the 22 small transforms rather than on all V vertices; the
 * translation meets the skin's row of ones, so it is added inside the product, not on [3, V].
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
  const side = global
    .matmul(transforms)
    .permute([1, 0, 2])
    .reshape([3, 4 * B]);
  return concat([side, theta.slice([3, 6]).reshape([3, 1])] as Tensor[], 1) as X;
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

/**
 * The posed vertices y = skinned, mirrored, rotated and translated base positions, coordinate-
 * major: [3, V] = [G·D·T | t]·skin, one product ([78, 4B + 1]·[4B + 1, V] for 26 directions).
 */
export function vertices<X extends T>(hand: Hand, theta: X): X {
  return boneTransforms(hand, theta).matmul(hand.skin) as X;
}

/**
 * The residuals r: [c, 3] (a transposed view of the [3, c] result, whose row-major order is
 * the 3c residuals) from the posed vertices y: [3, V] and u: [c, 2] (u unused in the simple
 * variant). y and u may be of different kinds (a jvp's dual and a constant tensor): methods
 * dispatch on their operands.
 */
export function fromVertices<X extends T, U extends T>(hand: Hand, y: X, us: U): T {
  if (!hand.complicated) return hand.points.sub(y.take(hand.corners[0])).transpose();
  // Minus corner j's weight, a contiguous row of [3, c]: −u₀, −u₁, −(1 − u₀ − u₁) (negated on
  // the weights, not on the residuals of every direction). Each corner is its own [3, c]
  // gather, weighted along its contiguous c axis: per direction one loop over [3, c] reading
  // the tangent at the corners (a [3, c, 3] gather weighted on its last axis of 3 spent most of
  // its time in the strided kernels' index bookkeeping; weights read at a stride of 3 made the
  // loop 30 % slower).
  const weights = hand.bu.matmul(us.transpose()).add(hand.bu0) as U; // [3, c]
  const term = (j: number) => y.take(hand.corners[j]).mul(weights.slice(j) as T as X);
  return term(0).add(term(1)).add(term(2)).add(hand.points).transpose();
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
    // The θ columns are the pushforward through two functions, each by its own jvp: the posed
    // vertices y(θ) (eager, stacked: the 26 directions are one [78, 4B + 1]·[4B + 1, V]
    // product), then the residuals r(y) along the 26 tangents ẏⱼ. The second jvp is jitted per
    // input: per direction its gathers of ẏⱼ at the triangle corners and the weighting are one
    // loop over [3, c] (a gather read in the loop, see @ad/jit's emitter), so nothing of the
    // size of the three corners is stored, and the 26 loops share one compiled kernel. The u
    // columns are a third jvp in the same program: θ (so y) held fixed, the two compressed seeds.
    const residuals = jit((y: Tensor, yDots: Tensor[], u: Tensor) => {
      const { tangent: byThetaColumns } = jvp(([v]: DualTensor[]) => fromVertices(hand, v, u), [y], { directions: yDots.map((d) => [d]) });
      if (!hand.complicated) return byThetaColumns as Tensor[];
      const { tangent: byUColumns } = jvp(([w]: DualTensor[]) => fromVertices(hand, y, w), [u], byU);
      return [...(byUColumns as Tensor[]), ...(byThetaColumns as Tensor[])];
    });
    const jacobian = () => {
      const { value: posed, tangent: posedDots } = jvp(([t]: DualTensor[]) => vertices(hand, t), [theta], byTheta);
      return residuals(posed as Tensor, posedDots as Tensor[], us);
    };
    jacobian(); // traces the residuals' program for this input's shapes, untimed (as gmm's)
    return jacobian;
  }, rows),
};
