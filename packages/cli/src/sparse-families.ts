/**
 * Families of sparse functions f: Rⁿ → Rⁿ for `ad compare --sparse`, each a few lines of
 * tensor code over core's dispatching ops, so the same f runs on dual tensors, graph nodes and
 * the sparsity tracer. Each element of the result reads a few neighbours of x, so most of the
 * Jacobian is structurally zero.
 */
import type { Algebra } from '@ad/core';
import { anyOps } from '@ad/core/engine';
import { UsageError } from './errors.js';
import type { VectorMap } from './families.js';

export interface SparseFamily {
  readonly name: string;
  readonly formula: string;
  /** Whether n must be a perfect square (a grid of √n × √n). */
  readonly square?: boolean;
  make(n: number): VectorMap;
}

const o = anyOps as Algebra<unknown>;

/** x shifted by k places along its last axis, zeros shifted in: (shift(x, k))ᵢ = xᵢ₋ₖ. */
function shift(x: unknown, k: number, n: number): unknown {
  if (Math.abs(k) >= n) return o.mul(x, 0);
  return k > 0 ? o.pad(o.slice(x, [0, n - k]), [[k, 0]]) : o.pad(o.slice(x, [-k, n]), [[0, -k]]);
}

export const SPARSE_FAMILIES: readonly SparseFamily[] = [
  {
    name: 'tridiagonal',
    formula: 'yᵢ = xᵢ₋₁ − 2 sin xᵢ + xᵢ₊₁²',
    make:
      (n) =>
      <T>(x: T) =>
        o.add(o.sub(shift(x, 1, n), o.mul(o.sin(x), 2)), o.square(shift(x, -1, n))) as T,
  },
  {
    name: 'pentadiagonal',
    formula: 'yᵢ = xᵢ₋₂·xᵢ₊₂ + xᵢ₋₁ − 2 sin xᵢ + xᵢ₊₁²',
    make:
      (n) =>
      <T>(x: T) =>
        o.add(o.mul(shift(x, 2, n), shift(x, -2, n)), o.add(o.sub(shift(x, 1, n), o.mul(o.sin(x), 2)), o.square(shift(x, -1, n)))) as T,
  },
  {
    name: 'arrowhead',
    formula: 'y₀ = Σⱼ xⱼ², yᵢ = x₀·xᵢ + sin xᵢ (i ≥ 1)',
    make:
      (n) =>
      <T>(x: T) => {
        const head = o.reshape(o.sum(o.square(x)), [1]);
        const x0 = o.slice(x, [0, 1]);
        const rest = o.slice(x, [1, n]);
        return o.concat([head, o.add(o.mul(x0, rest), o.sin(rest))], 0) as T;
      },
  },
  {
    name: 'stencil',
    formula: 'y = 4 tanh u − (the four neighbours of u), u = x as a √n × √n grid',
    square: true,
    make: (n) => {
      const s = Math.round(Math.sqrt(n));
      return <T>(x: T) => {
        const u = o.reshape(x, [s, s]);
        const rows = (k: number) =>
          k > 0
            ? o.pad(o.slice(u, [0, s - k]), [
                [k, 0],
                [0, 0],
              ])
            : o.pad(o.slice(u, [-k, s]), [
                [0, -k],
                [0, 0],
              ]);
        const cols = (k: number) =>
          k > 0
            ? o.pad(o.slice(u, null, [0, s - k]), [
                [0, 0],
                [k, 0],
              ])
            : o.pad(o.slice(u, null, [-k, s]), [
                [0, 0],
                [0, -k],
              ]);
        const neighbours = o.add(o.add(rows(1), rows(-1)), o.add(cols(1), cols(-1)));
        return o.reshape(o.sub(o.mul(o.tanh(u), 4), neighbours), [n]) as T;
      };
    },
  },
];

export function sparseFamilyNamed(name: string): SparseFamily {
  const f = SPARSE_FAMILIES.find((x) => x.name === name);
  if (f === undefined) throw new UsageError(`--sparse: unknown family ${JSON.stringify(name)}; known: ${SPARSE_FAMILIES.map((x) => x.name).join(', ')}`);
  return f;
}
