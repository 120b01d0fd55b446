/**
 * Guide 9: numerics — a softmax that does not overflow, a BCE that does not return ∞, BCE on
 * logits, and what the derivative is where a function has a kink.
 */
import { tensor, type Tensor } from '@ad/core';
import { derivative } from '@ad/forward';
import { grad, variable, type Var } from '@ad/reverse';
import { bce, bceWithLogits, logSoftmax, sigmoid, softmax } from '@ad/nn';

// #region softmax
/** softmax(z)ᵢ = exp(zᵢ) / Σⱼ exp(zⱼ), naively and as @ad computes it, at z = (1000, 0, −1000). */
export function stableSoftmax(): { naive: number[]; stable: number[]; logSoftmax: number[] } {
  const z = [1000, 0, -1000];
  const e = z.map(Math.exp); // exp(1000) = Infinity
  const total = e.reduce((a, b) => a + b, 0);
  return {
    naive: e.map((ei) => ei / total), // Infinity / Infinity = NaN
    stable: softmax(tensor(z)).toArray() as number[], // exp(zᵢ − max z) / Σ exp(zⱼ − max z)
    logSoftmax: logSoftmax(tensor(z)).toArray() as number[], // z − logsumexp(z), never log(0)
  };
}
// #endregion softmax

// #region bce
/** A confident wrong answer: p = 0 for a target t = 1. The log is clamped at −100. */
export function clampedBce(): { loss: number; gradient: number } {
  const p = variable(tensor([0]));
  const loss = bce(p, tensor([1])); // −log 0 would be ∞
  loss.backward();
  return { loss: loss.item(), gradient: (p.grad as Tensor).item() }; // 100, and a finite −1e12
}
// #endregion bce

// #region logits
/** A logit z = 1000 for a target t = 0: the true loss is log(1 + e¹⁰⁰⁰) ≈ 1000. */
export function bceOnLogits(): { viaSigmoid: number; withLogits: number; gradient: number } {
  const z = variable(tensor([1000]));
  const t = tensor([0]);
  const viaSigmoid = bce(sigmoid(tensor([1000])), t).item(); // σ(1000) rounds to 1: only the clamp's 100
  const loss = bceWithLogits(z, t); // max(z, 0) − z·t + log(1 + e^−|z|)
  loss.backward();
  return { viaSigmoid, withLogits: loss.item(), gradient: (z.grad as Tensor).item() }; // 100, 1000, σ(z) − t = 1
}
// #endregion logits

// #region kinks
/** relu and abs have no derivative at 0; @ad uses 0 there, in both modes, as PyTorch and JAX do. */
export function kinks(): { reluForward: number[]; reluReverse: number[]; absAtZero: number } {
  const at = [-1, 0, 1];
  return {
    reluForward: at.map((x) => derivative((v) => v.relu())(x)), // [0, 0, 1]
    reluReverse: at.map((x) => grad(([v]: Var[]) => v.relu())([x])[0]), // [0, 0, 1]
    absAtZero: derivative((v) => v.abs())(0), // 0
  };
}
// #endregion kinks
