/**
 * Families of functions f: Rⁿ → Rᵐ for `ad compare --family`, each with random weights drawn from
 * a seed. They are tensor code over core's dispatching ops, so the same f runs on dual tensors
 * (jacfwd) and on graph nodes (jacrev).
 */
import { randn, type Algebra, type Tensor } from '@ad/core';
import { anyOps } from '@ad/core/engine';
import { UsageError } from './errors.js';

/** A tensor function of a vector [n] returning a vector [m], on any tensor kind. */
export type VectorMap = <T>(x: T) => T;

export interface Family {
  readonly name: string;
  readonly formula: string;
  make(n: number, m: number, seed: number): VectorMap;
}

const o = anyOps as Algebra<unknown>;
const HIDDEN = 32;

function weights(rows: number, cols: number, seed: number): Tensor {
  // Scaled so tanh sees arguments of order one whatever the fan-in.
  return randn([rows, cols], { seed }).mul(1 / Math.sqrt(cols));
}

export const FAMILIES: readonly Family[] = [
  {
    name: 'tanh-layer',
    formula: 'f(x) = tanh(W x + b), W ∈ Rᵐˣⁿ',
    make: (n, m, seed) => {
      const W = weights(m, n, seed);
      const b = randn([m], { seed: seed + 1 }).mul(0.1);
      return <T>(x: T) => o.tanh(o.add(o.matmul(W, x), b)) as T;
    },
  },
  {
    name: 'tanh-mlp',
    formula: `f(x) = W₂ tanh(W₁ x + b₁) + b₂, ${HIDDEN} hidden units`,
    make: (n, m, seed) => {
      const W1 = weights(HIDDEN, n, seed);
      const b1 = randn([HIDDEN], { seed: seed + 1 }).mul(0.1);
      const W2 = weights(m, HIDDEN, seed + 2);
      const b2 = randn([m], { seed: seed + 3 }).mul(0.1);
      return <T>(x: T) => o.add(o.matmul(W2, o.tanh(o.add(o.matmul(W1, x), b1))), b2) as T;
    },
  },
];

export function familyNamed(name: string): Family {
  const f = FAMILIES.find((x) => x.name === name);
  if (f === undefined) throw new UsageError(`--family: unknown family ${JSON.stringify(name)}; known: ${FAMILIES.map((x) => x.name).join(', ')}`);
  return f;
}
