/**
 * Guide 5: two inputs h and θ, and the seeds that pick what one pass computes — in forward mode
 * (tangents of the inputs) and in reverse mode (adjoints of the outputs).
 */
import { derivative, dual, jvp, type Dual } from '@ad/forward';
import { vjp, type Var } from '@ad/reverse';

// #region by-hand
/** Seeds by hand: a dual per input, seeded e₁ and e₂; by-hand duals share one level, so they combine. */
export function seedsByHand(): { value: number; tangent: number[] } {
  const h = dual(3, [1, 0]); // h = 3, seed e₁
  const theta = dual(2, [0, 1]); // θ = 2, seed e₂
  const J = h.add(theta).mul(h.sub(theta)); // (h + θ)(h − θ)
  return { value: J.value as number, tangent: Array.from(J.tangent) }; // 5 and (∂J/∂h, ∂J/∂θ) = (6, −4)
}
// #endregion by-hand

// #region forward-seeds
/** J(h, θ) = (h + θ)(h − θ) = h² − θ², so ∂J/∂h = 2h and ∂J/∂θ = −2θ. */
const J = ([h, theta]: Dual[]) => h.add(theta).mul(h.sub(theta));

/** J̇ at (h, θ) = (3, 2) for three seeds, one pass each. */
export function forwardSeeds(): { hOnly: number; thetaOnly: number; both: number } {
  return {
    hOnly: jvp(J, [3, 2], [1, 0]).tangent, // ḣ = 1, θ̇ = 0  →  ∂J/∂h = 6
    thetaOnly: jvp(J, [3, 2], [0, 1]).tangent, // ḣ = 0, θ̇ = 1  →  ∂J/∂θ = −4
    both: jvp(J, [3, 2], [1, 1]).tangent, // ḣ = 1, θ̇ = 1  →  6 + (−4) = 2
  };
}
// #endregion forward-seeds

// #region one-pass
/** The three seeds as directions, a row each (k × n): three directional derivatives in one pass. */
export function threeDirectionsOnePass(): number[] {
  return jvp(J, [3, 2], {
    directions: [
      [1, 0], // (ḣ, θ̇) = e₁
      [0, 1], // e₂
      [1, 1], // (1, 1)
    ],
  }).tangent; // [6, −4, 2]
}

/** The same three as seed vectors, a row per input (n × k): the columns are the directions. */
export function threeSeedsOnePass(): number[] {
  return jvp(J, [3, 2], {
    seeds: [
      [1, 0, 1], // h's seed vector: ḣ in each direction
      [0, 1, 1], // θ's seed vector
    ],
  }).tangent; // [6, −4, 2]
}
// #endregion one-pass

// #region square
/** k = n = 2: the same four numbers read as directions and as seed vectors give different answers. */
export function squareBothWays(): { asDirections: number[]; asSeeds: number[] } {
  const M = [
    [1, 1],
    [0, 0],
  ];
  return {
    asDirections: jvp(J, [3, 2], { directions: M }).tangent, // along (1, 1), then along (0, 0): [2, 0]
    asSeeds: jvp(J, [3, 2], { seeds: M }).tangent, // h moves in both directions, θ in neither: [6, 6]
  };
}
// #endregion square

// #region outputs
/** Two outputs: the tangent has a row per direction for directions (k × m), a row per output for seeds (m × k). */
export function twoOutputsBothWays(): { byDirection: number[][]; byOutput: number[][] } {
  const G = ([h, theta]: Dual[]) => [h.add(theta).mul(h.sub(theta)), h.mul(theta)]; // (J, hθ)
  return {
    byDirection: jvp(G, [3, 2], {
      directions: [
        [1, 0],
        [0, 1],
        [1, 1],
      ],
    }).tangent, // [[6, 2], [−4, 3], [2, 5]]: row j is (J̇, (hθ)˙) along direction j
    byOutput: jvp(G, [3, 2], {
      seeds: [
        [1, 0, 1],
        [0, 1, 1],
      ],
    }).tangent, // [[6, −4, 2], [2, 3, 5]]: row i is output i's seed vector, J·V
  };
}
// #endregion outputs

// #region both-ones
/** Three readings of "J̇ with both seeds 1": the derivative of t ↦ J(3 + t, 2 + t) at t = 0. */
export function bothSeedsOne(): { alongLine: number; sumOfPartials: number; centralDifference: number } {
  const alongLine = derivative((t) => J([t.add(3), t.add(2)]))(0);
  const plain = (t: number) => (3 + t + (2 + t)) * (3 + t - (2 + t));
  const eps = 1e-6;
  return {
    alongLine, // 2
    sumOfPartials: 2 * 3 + -2 * 2, // ∂J/∂h·1 + ∂J/∂θ·1 = 2
    centralDifference: (plain(eps) - plain(-eps)) / (2 * eps), // ≈ 2
  };
}
// #endregion both-ones

// #region reverse-seeds
/** g(h, θ) = (J, hθ): two outputs, so reverse mode is seeded at the outputs with (J̄, ḡ₂). */
const g = ([h, theta]: Var[]) => [h.add(theta).mul(h.sub(theta)), h.mul(theta)];

export function reverseSeeds(): { first: number[]; second: number[]; both: number[] } {
  const { vjp: pull } = vjp(g, [3, 2]); // records g once
  return {
    first: pull([1, 0]), // J̄ = 1, ḡ₂ = 0  →  (∂J/∂h, ∂J/∂θ) = (6, −4): row 1 of the Jacobian
    second: pull([0, 1]), // J̄ = 0, ḡ₂ = 1  →  (θ, h) = (2, 3): row 2
    both: pull([1, 1]), // both seeds 1  →  the sum of the rows, (8, −1)
  };
}
// #endregion reverse-seeds
