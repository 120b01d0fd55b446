/**
 * Trees of random structure (arrays and objects, nested, with numbers and tensors of random
 * shapes as leaves, and null): flatten/unflatten round trips, and the transforms on trees —
 * the gradient has the argument's structure and equals the analytic one; reverse mode's and
 * forward mode's Jacobians of a tree-to-tree function agree block by block; hvp is the
 * Hessian's product. fast-check; replay a failure with AD_PROPERTY_SEED (test-support).
 */
import { type Tensor, tensor, tree } from '@ad/core';
import { jacfwd } from '@ad/forward';
import { fcParams } from '@ad/test-support/properties';
import fc from 'fast-check';
import { type TensorVar, type Var, grad, hvp, jacrev } from '../src/index.js';

type Leaf = number | Tensor;

const value = fc.double({ min: -2, max: 2, noNaN: true });
const leafArb: fc.Arbitrary<Leaf> = fc.oneof(
  value,
  fc
    .array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 })
    .chain((shape) =>
      fc.array(value, { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) }).map((data) => tensor(data).reshape(shape)),
    ),
);
const { node: treeArb } = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.constant(null),
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'b', 'w', 'bias', 'z'), tie('node'), { maxKeys: 3 }),
  ),
}));
/** Trees with at least one leaf: the transforms have something to differentiate. */
const withLeaves = treeArb.filter((t) => tree.leaves(t as tree.Tree<Leaf>).length > 0);

const numbers = (x: Leaf): number[] => (typeof x === 'number' ? [x] : Array.from(x.toFloat64Array()));
/** Σ over a traced leaf's elements: a scalar leaf (a Var, or a Dual under jacfwd) is its own sum. */
const total = (l: Var | TensorVar): Var | TensorVar => (Array.isArray((l as { shape?: unknown }).shape) ? (l as TensorVar).sum() : l);
const sumOf = (p: unknown, g: (l: Var | TensorVar) => Var | TensorVar) =>
  (tree.leaves(p as tree.Tree<Var | TensorVar>) as (Var | TensorVar)[]).map((l) => total(g(l))).reduce((a, b) => a.add(b as never) as Var | TensorVar);
const sumOfSquares = (p: unknown) => sumOf(p, (l) => l.square() as Var | TensorVar);

describe('trees of random structure', () => {
  test('flatten then unflatten gives the tree back, leaves and nulls in place', () => {
    fc.assert(
      fc.property(treeArb, (t) => {
        const { leaves, structure } = tree.flatten(t as tree.Tree<Leaf>);
        expect(structure.size).toBe(leaves.length);
        expect(structure.paths()).toHaveLength(leaves.length);
        expect(tree.unflatten(structure, leaves)).toEqual(t);
      }),
      fcParams(300),
    );
  });

  test('grad of Σ‖leaf‖² is 2·leaf, in the argument’s structure', () => {
    fc.assert(
      fc.property(withLeaves, (t) => {
        const g = grad(sumOfSquares as (p: never) => TensorVar)(t);
        const { leaves, structure } = tree.flatten(g as tree.Tree<Leaf>);
        expect(structure.equals(tree.structure(t as tree.Tree<Leaf>))).toBe(true);
        const xs = tree.leaves(t as tree.Tree<Leaf>);
        leaves.forEach((gl, i) => {
          expect(typeof gl).toBe(typeof xs[i]);
          const want = numbers(xs[i]).map((v) => 2 * v);
          numbers(gl).forEach((v, k) => expect(v).toBeCloseTo(want[k], 12));
        });
      }),
      fcParams(150),
    );
  });

  test('jacrev and jacfwd of a tree-to-tree function agree block by block', () => {
    // f(p) = { s: Σ‖leaf‖², each: sin of every leaf times s }: every output block depends on every input leaf.
    const f = (p: unknown) => {
      const s = sumOfSquares(p);
      return { s, each: tree.map((l: Var | TensorVar) => l.sin().mul(s as never), p as tree.Tree<Var | TensorVar>) };
    };
    fc.assert(
      fc.property(withLeaves, (t) => {
        const r = tree.leaves(jacrev(f as (x: never) => unknown)(t) as tree.Tree<Leaf>);
        const w = tree.leaves(jacfwd(f as (x: never) => unknown)(t) as tree.Tree<Leaf>);
        expect(r.length).toBe(w.length);
        r.forEach((block, i) => {
          const b = numbers(w[i]);
          numbers(block).forEach((v, k) => expect(v).toBeCloseTo(b[k], 10));
        });
      }),
      fcParams(100),
    );
  });

  test('hvp of Σ‖leaf‖⁴ is 12·leaf²·v (H diagonal), in the argument’s structure', () => {
    const quartic = (p: unknown) => sumOf(p, (l) => l.square().square() as Var | TensorVar);
    fc.assert(
      fc.property(withLeaves, (t) => {
        const v = tree.map((l: Leaf) => (typeof l === 'number' ? 1 : (l as Tensor).mul(0).add(1)), t as tree.Tree<Leaf>);
        const Hv = tree.leaves(hvp(quartic as (x: never) => TensorVar)(t, v) as tree.Tree<Leaf>);
        const xs = tree.leaves(t as tree.Tree<Leaf>);
        Hv.forEach((h, i) => {
          const want = numbers(xs[i]).map((x) => 12 * x * x);
          numbers(h).forEach((val, k) => expect(val).toBeCloseTo(want[k], 10));
        });
      }),
      fcParams(100),
    );
  });
});
