/**
 * JAX-named transforms built on duals. Each call takes a fresh tag, so nested calls — a
 * derivative inside a derivative, a Hessian as the Jacobian of a gradient — never confuse their
 * perturbations. Given plain numbers they return plain numbers; given tensors, tensors.
 */
import { AdError, DTypeError, type MapLeaves, Tensor, ValueError, scalar, tree, zeros } from '@ad/core';
import { isScalarLike, isTagged, isTensorLike, liftLike, stackPieces } from '@ad/core/engine';
import { Dual, DualTensor, newTag, tagOf, type Scalar, type Value } from './dual.js';
import { checkChunk, chunks, defaultChunk } from './seeds.js';
import './methods.js';

/** A dual from another (inner, finished) derivative came back: a perturbation escaped its scope. */
export class PerturbationError extends AdError {}

/**
 * A scalar function written with Dual methods. It may return a value of another mode (a `Var`),
 * so a function typed once for `Var | Dual` serves both modes.
 */
export type ScalarFunction = (x: Dual) => Scalar | TaggedScalar;
/** A function of one array of scalars, returning a scalar or an array of scalars. */
export type VectorFunction = (xs: Dual[]) => Scalar | TaggedScalar | readonly (Scalar | TaggedScalar)[];
/** A function of one tensor. */
export type TensorFunction = (x: DualTensor) => Value;

/** Inputs are numbers (or, nested, scalar values of an enclosing transform: a Dual, a Var). */
function checkScalar(op: string, v: unknown, what: string): void {
  if (!isScalarLike(v)) {
    throw new DTypeError(op, `${what} must be a number, got ${v === null ? 'null' : isTensorLike(v) ? `a tensor of shape [${v.shape.join(',')}]` : typeof v}`);
  }
}

function checkFunction(op: string, f: unknown): void {
  if (typeof f !== 'function') throw new DTypeError(op, `f must be a function, got ${typeof f}`);
}

function describe(y: unknown): string {
  if (Array.isArray(y)) return `an array of ${y.length}`;
  if (isTensorLike(y)) return `a tensor of shape [${y.shape.join(',')}]`;
  return y === null ? 'null' : typeof y;
}

/**
 * The k tangents of an output at `tag`: its partials if it carries the tag, zeros if it does not
 * depend on this derivative's input; an error if it carries a later derivative's tag.
 */
function scalarTangents(op: string, y: unknown, tag: number, k: number): Scalar[] {
  if (typeof y === 'number') return new Array<Scalar>(k).fill(0);
  if (!isTagged(y) || isTensorLike(y)) {
    throw new DTypeError(op, `f must return a scalar (a number or a Dual), got ${describe(y)}`);
  }
  if (y.tag > tag) {
    throw new PerturbationError(op, `f returned a Dual from another derivative (tag ${y.tag}, expected ${tag})`);
  }
  // A value of an enclosing transform (an outer Dual, a Var) is a constant here: zero tangents.
  if (y.tag < tag || !(y instanceof Dual)) return new Array<Scalar>(k).fill(0);
  return y.partials;
}

function scalarValue(y: Scalar, tag: number): Scalar {
  return y instanceof Dual && y.tag === tag ? y.value : y;
}

function tensorParts(op: string, y: unknown, tag: number, k: number): { value: Tensor | DualTensor; tangents: (Tensor | DualTensor)[] } {
  const out = typeof y === 'number' ? scalar(y) : y;
  if (!isTensorLike(out)) {
    throw new DTypeError(op, `f of a tensor must return a tensor, got ${describe(y)}`);
  }
  if (tagOf(out) > tag) {
    throw new PerturbationError(op, `f returned a DualTensor from another derivative (tag ${tagOf(out)}, expected ${tag})`);
  }
  if (out instanceof DualTensor && out.tag === tag) return { value: out.value, tangents: [...out.tangents] };
  return { value: out as Tensor, tangents: Array.from({ length: k }, () => zeros(out.shape)) };
}

/** A scalar value of an enclosing transform (a Dual, a reverse-mode Var, …): it carries a tag. */
export interface TaggedScalar {
  readonly tag: number;
}

/** A tensor value of an enclosing transform (a DualTensor, a TensorVar, …). */
export interface TaggedTensor {
  readonly tag: number;
  readonly shape: readonly number[];
}

/**
 * A derivative function: numbers in, numbers out; at a value of an enclosing transform it
 * returns a value of that transform's kind, so it can be differentiated again.
 */
export interface DerivativeFunction {
  (x: number): number;
  <X extends TaggedScalar>(x: X): X;
}

/**
 * d/dx f at a point, by one forward pass with the seed ẋ = 1. Nests to any depth:
 * `derivative((x) => derivative((y) => y.mul(y).mul(y))(x))(3)` is d²/dx² x³ = 18.
 * (When f closes over a value of an enclosing derivative, the result called at a plain number
 * is that derivative's value although typed `number`: combine it with methods of that value.)
 */
export function derivative(f: ScalarFunction): DerivativeFunction {
  checkFunction('derivative', f);
  return ((x: unknown) => {
    checkScalar('derivative', x, 'x');
    const tag = newTag();
    const y = f(new Dual(tag, x as Scalar, 1, null, typeof x === 'number'));
    if (Array.isArray(y) || isTensorLike(y)) {
      throw new DTypeError('derivative', `f must return a scalar, got ${describe(y)}; did you mean jacfwd?`);
    }
    return liftLike(scalarTangents('derivative', y, tag, 1)[0], x);
  }) as DerivativeFunction;
}

/** What `jvp` returns: f's value and its tangent (J·v for one direction; see `jvp` for k). */
export interface JvpResult<V, T> {
  value: V;
  tangent: T;
}

/**
 * k directions for `jvp`, one per row (k × n): `directions[j][i]` is input i's tangent in
 * direction j, so each row is what one-direction `jvp` takes — JAX's layout, as `vmap` of
 * `jvp` over a batch of tangents.
 */
export interface JvpDirections<T> {
  readonly directions: readonly (readonly T[])[];
}

/**
 * k directions for `jvp` as the seed matrix V, one row per input (n × k): `seeds[i]` is input
 * i's seed vector, its tangent in each direction — ForwardDiff.jl's partials, a `Dual`'s layout.
 */
export interface JvpSeeds<T> {
  readonly seeds: readonly (readonly T[])[];
}

/** Several directions, in one of the two named layouts. */
export type JvpBatch<T> = JvpDirections<T> | JvpSeeds<T>;

/**
 * The value of f and its tangents in ONE pass. `tangents` says which way the n inputs move:
 *
 * - a flat array, one tangent per input: one direction v, as `jax.jvp`; the tangent is J·v,
 *   of f's shape (a number for a scalar f, m numbers for m outputs);
 * - `{ directions: D }`, k × n, `D[j]` one direction over all inputs (as JAX's `vmap` of
 *   `jvp`): `tangent[j]` is J·D[j], so a vector f gives k × m (a scalar f, k numbers);
 * - `{ seeds: V }`, n × k, `V[i]` input i's seed vector (ForwardDiff's partials): the tangent is
 *   J·V, each output's row of k tangents, so a vector f gives m × k (a scalar f, k numbers).
 *
 * The rows of the tangent index what the rows of the seeds index: directions in, directions
 * out; inputs' seed vectors in, outputs' seed vectors out. Tensor inputs take tensors in place
 * of numbers, and their k directions give k tangent tensors of f's shape. A bare array of
 * arrays is refused: with k = n it reads both ways, and the two readings give different
 * answers, so it is never guessed.
 */
export function jvp(f: (xs: Dual[]) => Scalar, primals: readonly number[], tangents: readonly number[]): JvpResult<number, number>;
export function jvp(f: (xs: Dual[]) => Scalar, primals: readonly number[], tangents: JvpBatch<number>): JvpResult<number, number[]>;
export function jvp(f: (xs: Dual[]) => readonly Scalar[], primals: readonly number[], tangents: readonly number[]): JvpResult<number[], number[]>;
export function jvp(f: (xs: Dual[]) => readonly Scalar[], primals: readonly number[], tangents: JvpBatch<number>): JvpResult<number[], number[][]>;
export function jvp(f: VectorFunction, primals: readonly number[], tangents: readonly number[]): JvpResult<number | number[], number | number[]>;
export function jvp(f: VectorFunction, primals: readonly number[], tangents: JvpBatch<number>): JvpResult<number | number[], number[] | number[][]>;
export function jvp<X extends TaggedScalar>(f: (xs: Dual[]) => Scalar, primals: readonly (X | number)[], tangents: readonly (X | number)[]): JvpResult<X, X>;
export function jvp<X extends TaggedScalar>(f: (xs: Dual[]) => Scalar, primals: readonly (X | number)[], tangents: JvpBatch<X | number>): JvpResult<X, X[]>;
export function jvp<X extends TaggedScalar>(
  f: (xs: Dual[]) => readonly Scalar[],
  primals: readonly (X | number)[],
  tangents: readonly (X | number)[],
): JvpResult<X[], X[]>;
export function jvp<X extends TaggedScalar>(
  f: (xs: Dual[]) => readonly Scalar[],
  primals: readonly (X | number)[],
  tangents: JvpBatch<X | number>,
): JvpResult<X[], X[][]>;
export function jvp(f: (xs: DualTensor[]) => Value, primals: readonly Tensor[], tangents: readonly Tensor[]): JvpResult<Tensor, Tensor>;
export function jvp(f: (xs: DualTensor[]) => Value, primals: readonly Tensor[], tangents: JvpBatch<Tensor>): JvpResult<Tensor, Tensor[]>;
export function jvp<X, Y>(f: (x: never) => Y, primals: X, tangents: X): JvpResult<Primals<Y>, Primals<Y>>;
export function jvp(
  f: ((xs: Dual[]) => unknown) | ((xs: DualTensor[]) => unknown) | ((x: never) => unknown),
  primals: unknown,
  tangents: unknown,
): JvpResult<unknown, unknown> {
  checkFunction('jvp', f);
  if (!isFlat(primals)) return jvpTree(f as (x: never) => unknown, primals, tangents);
  const { layout, seeds, k } = seedMatrix(primals.length, tangents);
  const tag = newTag();

  if (primals.length > 0 && primals.every(isTensorLike)) {
    const xs = primals.map((p, i) => {
      const shape = (p as Tensor).shape;
      const ts = seeds[i] as Tensor[];
      ts.forEach((t, j) => {
        if (!isTensorLike(t) || !sameShape(t.shape, shape)) {
          throw new ValueError('jvp', `tangent ${j} of input ${i} must be a tensor of shape [${shape.join(',')}]`);
        }
      });
      return new DualTensor(tag, p as Tensor, ts);
    });
    const { value, tangents: out } = tensorParts('jvp', (f as (xs: DualTensor[]) => unknown)(xs), tag, k);
    return { value, tangent: layout === 'one' ? out[0] : out };
  }

  const xs = primals.map((p, i) => {
    checkScalar('jvp', p, `primal ${i}`);
    const row = seeds[i] as number[];
    const j = row.findIndex((v) => !isScalarLike(v));
    if (j >= 0) {
      const where = { one: `the tangent of input ${i}`, directions: `direction ${j}'s tangent of input ${i}`, seeds: `entry ${j} of input ${i}'s seed vector` };
      throw new DTypeError('jvp', `${where[layout]} must be a number, got ${describe(row[j])}`);
    }
    return Dual.of(tag, p as Scalar, row);
  });
  const y = (f as (xs: Dual[]) => unknown)(xs);
  // At values of an enclosing transform, results are values of its kind (constants lifted).
  const like = primals.find(isTagged);
  const lift = (v: Scalar) => liftLike(v, like);
  if (Array.isArray(y)) {
    const parts = y.map((yi) => scalarTangents('jvp', yi, tag, k).map(lift)); // m × k
    const value = y.map((yi: Scalar) => lift(scalarValue(yi, tag)));
    if (layout === 'one') return { value, tangent: parts.map((p) => p[0]) };
    if (layout === 'seeds') return { value, tangent: parts };
    return { value, tangent: Array.from({ length: k }, (_, j) => parts.map((p) => p[j])) }; // k × m
  }
  const t = scalarTangents('jvp', y, tag, k).map(lift);
  return { value: lift(scalarValue(y as Scalar, tag)), tangent: layout === 'one' ? t[0] : t };
}

/** A value f returned, as forward mode hands it back: Duals as numbers, DualTensors as tensors. */
export type Primals<Y> = MapLeaves<MapLeaves<Y, Dual, number>, DualTensor, Tensor>;

/**
 * The forms jvp and jacfwd have always taken: an array of scalars, or an array of tensors (jvp)
 * or one tensor (jacfwd). Anything else is a tree (tree.ts) and takes the tree paths.
 */
function isFlat(x: unknown): x is readonly (number | Tensor)[] {
  if (!Array.isArray(x)) return false;
  return x.every(isScalarLike) || (x.length > 0 && x.every(isTensorLike));
}

/** A tree's leaves, each a number (or an enclosing scalar) or a tensor: checked, with its path for messages. */
function treeLeaves(op: string, x: unknown, name: string): { leaves: unknown[]; structure: tree.Structure } {
  const { leaves, structure } = tree.flatten(x as tree.Tree<unknown>);
  leaves.forEach((v, i) => {
    if (typeof v !== 'number' && !isTagged(v) && !isTensorLike(v)) {
      throw new DTypeError(op, `${name}${structure.paths()[i]} must be a number or a Tensor (or a value of an enclosing transform), got ${describe(v)}`);
    }
  });
  return { leaves, structure };
}

/** The value and the k tangents of one output leaf (a number or a tensor). */
function leafParts(op: string, y: unknown, tag: number, k: number): { value: unknown; tangents: unknown[] } {
  if (isTensorLike(y)) return tensorParts(op, y, tag, k);
  return { value: scalarValue(y as Scalar, tag), tangents: scalarTangents(op, y, tag, k) };
}

/**
 * jvp on trees, as `jax.jvp`: the tangent has the primals' structure (a number for each number,
 * a tensor of the same shape for each tensor), f may return any tree, and the tangent out has
 * f's output structure. One direction; several directions are `{ directions }`/`{ seeds }` on
 * an array of scalars, or `jacfwd`.
 */
function jvpTree(f: (x: never) => unknown, primals: unknown, tangents: unknown): JvpResult<unknown, unknown> {
  const { leaves: xs, structure } = treeLeaves('jvp', primals, 'primals');
  const at = (i: number) => structure.paths()[i]; // for messages only
  const { leaves: vs, structure: given } = tree.flatten(tangents as tree.Tree<unknown>);
  if (!given.equals(structure)) throw new ValueError('jvp', `tangents must have the structure of primals, ${structure}, got ${given}`);
  const tag = newTag();
  const duals = xs.map((x, i) => {
    const v = vs[i];
    if (isTensorLike(x)) {
      if (!isTensorLike(v) || !sameShape(v.shape, x.shape)) throw new ValueError('jvp', `tangents${at(i)} must be a tensor of shape [${x.shape.join(',')}]`);
      return new DualTensor(tag, x as Tensor, [v as Tensor]);
    }
    if (!isScalarLike(v)) throw new DTypeError('jvp', `tangents${at(i)} must be a number, got ${describe(v)}`);
    return Dual.of(tag, x as Scalar, [v as Scalar]);
  });
  const y = (f as (x: unknown) => unknown)(tree.unflatten(structure, duals));
  const { leaves: ys, structure: out } = tree.flatten(y as tree.Tree<unknown>);
  const like = xs.find(isTagged);
  const parts = ys.map((yi) => leafParts('jvp', yi, tag, 1));
  return {
    value: tree.unflatten(
      out,
      parts.map((p) => liftLike(p.value, like)),
    ),
    tangent: tree.unflatten(
      out,
      parts.map((p) => liftLike(p.tangents[0], like)),
    ),
  };
}

/**
 * The Jacobian of a function between trees, as JAX's jacfwd: a tree of f's output structure
 * whose leaves are trees of x's structure, block (i, j) = ∂yᵢ/∂xⱼ of shape [...yᵢ, ...xⱼ] (a
 * number when both are scalars). The n = Σⱼ size(xⱼ) inputs are seeded k at a time, as for an
 * array: ⌈n/k⌉ passes.
 */
function jacfwdTree(f: (x: never) => unknown, x: unknown, options: JacfwdOptions): unknown {
  const { leaves: xs, structure } = treeLeaves('jacfwd', x, 'x');
  const shapes = xs.map((v) => (isTensorLike(v) ? v.shape : []));
  const sizes = shapes.map((sh) => sh.reduce((a, b) => a * b, 1));
  const offsets = sizes.map((_, j) => sizes.slice(0, j).reduce((a, b) => a + b, 0));
  const n = sizes.reduce((a, b) => a + b, 0);
  const k = Math.min(options.chunk ?? defaultChunk(n), Math.max(n, 1));
  let outStructure: tree.Structure | undefined;
  let columns: unknown[][] = []; // per output leaf, n tangents (one per input element)
  let outShapes: (readonly number[])[] = [];
  for (const { start, width } of chunks(Math.max(n, 1), k)) {
    const tag = newTag();
    const duals = xs.map((xj, j) => {
      // Leaf j's seeds: the unit directions of this chunk that fall on its elements.
      const seeds = Array.from({ length: width }, (_, c) => {
        const e = start + c - offsets[j];
        const inside = e >= 0 && e < sizes[j];
        if (!isTensorLike(xj)) return inside ? 1 : 0;
        const d = new Float64Array(sizes[j]);
        if (inside) d[e] = 1;
        return Tensor.fromData(d, shapes[j]);
      });
      return isTensorLike(xj) ? new DualTensor(tag, xj as Tensor, seeds as Tensor[]) : Dual.of(tag, xj as Scalar, seeds as number[]);
    });
    const y = (f as (x: unknown) => unknown)(tree.unflatten(structure, duals));
    const { leaves: ys, structure: out } = tree.flatten(y as tree.Tree<unknown>);
    if (outStructure !== undefined && !out.equals(outStructure)) throw new ValueError('jacfwd', `f returned ${out}, earlier ${outStructure}`);
    outStructure = out;
    const parts = ys.map((yi) => leafParts('jacfwd', yi, tag, width));
    outShapes = parts.map((p) => (isTensorLike(p.value) ? p.value.shape : []));
    if (columns.length === 0) columns = parts.map(() => []);
    parts.forEach((p, i) => {
      columns[i].push(...p.tangents.slice(0, Math.min(width, n - start)));
    });
  }
  const like = xs.find(isTagged);
  const blocks = columns.map((cols, i) =>
    tree.unflatten(
      structure,
      xs.map((_, j) => {
        const piece = cols.slice(offsets[j], offsets[j] + sizes[j]);
        if (shapes[j].length === 0 && outShapes[i].length === 0) return liftLike(piece[0], like);
        return liftLike(stackPieces(piece, outShapes[i], shapes[j], false), like);
      }),
    ),
  );
  return tree.unflatten(outStructure!, blocks);
}

type Layout = 'one' | 'directions' | 'seeds';

const AMBIGUOUS =
  'for k directions write { directions: D } (k × n: D[j] is one direction, a tangent per input, as in JAX) ' +
  "or { seeds: V } (n × k: V[i] is input i's seed vector, ForwardDiff's partials); for one direction pass a flat array, one tangent per input";

/**
 * `jvp`'s tangents as the seed matrix its duals are built from (n × k, row i = input i's k
 * tangents), checked in the layout the user wrote, so every message speaks of their rows.
 */
function seedMatrix(n: number, tangents: unknown): { layout: Layout; seeds: unknown[][]; k: number } {
  if (Array.isArray(tangents)) {
    if (tangents.some(Array.isArray)) {
      throw new DTypeError('jvp', `tangents is an array of arrays, which reads two ways (a row per input or a row per direction); ${AMBIGUOUS}`);
    }
    if (tangents.length !== n) throw new ValueError('jvp', `got ${n} primals but ${tangents.length} tangents; give one tangent per input`);
    return { layout: 'one', seeds: tangents.map((t) => [t]), k: 1 };
  }
  if (tangents === null || typeof tangents !== 'object' || isTagged(tangents) || isTensorLike(tangents)) {
    throw new DTypeError('jvp', `tangents must be an array (one tangent per input) or { directions } or { seeds }, got ${describe(tangents)}`);
  }
  const keys = Object.keys(tangents);
  if (keys.length !== 1 || (keys[0] !== 'directions' && keys[0] !== 'seeds')) {
    throw new ValueError('jvp', `tangents must have exactly one key, directions or seeds, got {${keys.join(', ')}}; ${AMBIGUOUS}`);
  }
  const layout = keys[0] as 'directions' | 'seeds';
  const rows = (tangents as Record<string, unknown>)[layout];
  if (!Array.isArray(rows) || !rows.every(Array.isArray)) {
    throw new DTypeError('jvp', `${layout} must be an array of arrays, got ${describe(rows)}`);
  }
  if (layout === 'directions') {
    if (rows.length === 0) throw new ValueError('jvp', 'directions is empty; give at least one direction');
    rows.forEach((d: unknown[], j) => {
      if (d.length !== n) {
        throw new ValueError(
          'jvp',
          `direction ${j} has ${d.length} entries but there are ${n} inputs; each direction gives one tangent per input (for input i's seed vector, use { seeds })`,
        );
      }
    });
    return { layout, seeds: Array.from({ length: n }, (_, i) => rows.map((d: unknown[]) => d[i])), k: rows.length };
  }
  if (rows.length !== n) {
    throw new ValueError(
      'jvp',
      `got ${n} primals but ${rows.length} seed vectors; seeds has one row per input (for one row per direction, use { directions })`,
    );
  }
  if (n === 0) throw new ValueError('jvp', 'seeds of no inputs cannot say how many directions; use { directions }');
  const k = rows[0].length;
  if (k === 0) throw new ValueError('jvp', "input 0's seed vector is empty; give at least one direction");
  rows.forEach((s: unknown[], i) => {
    if (s.length !== k) throw new ValueError('jvp', `input ${i} has a seed vector of width ${s.length}, input 0 of width ${k}`);
  });
  return { layout, seeds: rows as unknown[][], k };
}

/**
 * The Jacobian of an array function (jacfwd, jacrev, hessian): rows of numbers for numbers, of
 * the inputs' kind for values `S` of an enclosing transform, so it can be differentiated again.
 */
export interface ArrayJacobian<S = TaggedScalar> {
  (x: readonly number[]): number[][];
  <X extends S>(x: readonly (X | number)[]): X[][];
}

/** The Jacobian of a tensor function: shape [...out, ...in], of x's kind (`T`: the enclosing transforms' tensor values). */
export interface TensorJacobian<T = TaggedTensor> {
  (x: Tensor): Tensor;
  <X extends T>(x: X): X;
}

/** Options of `jacfwd` and `hessian`. */
export interface JacfwdOptions {
  /** Directions per pass (the seed vector's width); default as ForwardDiff.jl: ≤ 12, even split. */
  chunk?: number;
}

/**
 * The Jacobian by forward mode: column by column, k columns per pass from k unit seeds, so
 * ⌈n/k⌉ passes for n inputs. An array function gives an m × n array (m = 1 for a scalar f);
 * a tensor function gives a tensor of shape [...out, ...in], as JAX's jacfwd.
 */
export function jacfwd(f: VectorFunction, options?: JacfwdOptions): ArrayJacobian;
export function jacfwd(f: TensorFunction, options?: JacfwdOptions): TensorJacobian;
export function jacfwd(f: (x: never) => unknown, options?: JacfwdOptions): (x: unknown) => unknown;
export function jacfwd(f: VectorFunction | TensorFunction | ((x: never) => unknown), options: JacfwdOptions = {}): unknown {
  checkFunction('jacfwd', f);
  checkOptions('jacfwd', options);
  return (x: unknown) => {
    if (isTensorLike(x)) return jacfwdTensor(f as TensorFunction, x as Tensor, options);
    if (Array.isArray(x) && x.every(isScalarLike)) {
      return jacfwdArray(f as VectorFunction, x as readonly number[], options);
    }
    return jacfwdTree(f as (x: never) => unknown, x, options);
  };
}

function checkOptions(op: string, options: JacfwdOptions): void {
  if (options === null || typeof options !== 'object') throw new DTypeError(op, `options must be an object, got ${options === null ? 'null' : typeof options}`);
  if (options.chunk !== undefined) checkChunk(op, options.chunk);
}

function jacfwdArray(f: VectorFunction, x: readonly number[], options: JacfwdOptions): number[][] {
  if (!Array.isArray(x)) throw new DTypeError('jacfwd', `x must be an array of numbers or a Tensor, got ${describe(x)}`);
  x.forEach((v, i) => checkScalar('jacfwd', v as unknown, `x[${i}]`));
  const n = x.length;
  const k = Math.min(options.chunk ?? defaultChunk(n), Math.max(n, 1));
  let jac: Scalar[][] | undefined;
  for (const { start, width } of chunks(n, k)) {
    const tag = newTag();
    // Input i carries the unit seed e_(i − start) of this chunk, zeros outside it; built in
    // place (first tangent in its field, the rest shared when all zero).
    const zeros = width > 1 ? new Array<number>(width - 1).fill(0) : null;
    const y = f(
      x.map((xi, i) => {
        const c = i - start;
        const inChunk = c >= 0 && c < width;
        let rest = zeros;
        if (inChunk && c > 0) {
          rest = new Array<number>(width - 1).fill(0);
          rest[c - 1] = 1;
        }
        return new Dual(tag, xi as Scalar, inChunk && c === 0 ? 1 : 0, rest, typeof xi === 'number');
      }),
    );
    const outs = Array.isArray(y) ? (y as readonly Scalar[]) : [y as Scalar];
    // Scalars out give rows; a tree out (an object, tensors, one tensor) takes the tree path:
    // a tensor out gives one block ∂y/∂xⱼ per input, as jacrev and JAX's jacfwd do.
    if (
      start === 0 &&
      ((!Array.isArray(y) && (isTensorLike(y) || tree.isContainer(y))) || (Array.isArray(y) && y.some((v) => tree.isContainer(v) || isTensorLike(v))))
    ) {
      return jacfwdTree(f as (x: never) => unknown, x, options) as number[][];
    }
    jac ??= outs.map(() => new Array<Scalar>(n).fill(0));
    if (jac.length !== outs.length) throw new ValueError('jacfwd', `f returned ${outs.length} outputs, earlier ${jac.length}`);
    outs.forEach((yi, r) => {
      const t = scalarTangents('jacfwd', yi, tag, width);
      for (let c = 0; c < width; c++) jac![r][start + c] = t[c];
    });
  }
  if (jac === undefined) {
    const y = f([]);
    return (Array.isArray(y) ? y : [y]).map(() => []);
  }
  const like = x.find(isTagged);
  return (like === undefined ? jac : jac.map((row) => row.map((v) => liftLike(v, like)))) as number[][];
}

function jacfwdTensor(f: TensorFunction, x: Tensor, options: JacfwdOptions): Tensor {
  const n = x.size;
  const k = Math.min(options.chunk ?? defaultChunk(n), Math.max(n, 1));
  let columns: Value[] = [];
  let outShape: readonly number[] = [];
  for (const { start, width } of chunks(n, k)) {
    const tag = newTag();
    const seeds = unitTensorSeeds(x.shape, start, width);
    const y = f(new DualTensor(tag, x, seeds));
    // A tensor function of a tensor; one returning a tree takes the tree path.
    if (start === 0 && typeof y !== 'number' && !isTensorLike(y)) return jacfwdTree(f as (x: never) => unknown, x, options) as Tensor;
    const { value, tangents } = tensorParts('jacfwd', y, tag, width);
    outShape = value.shape;
    columns = columns.concat(tangents);
  }
  return liftLike(stackPieces(columns, outShape, x.shape, false), x) as Tensor;
}

/** The Hessian of an array function; nested inputs give entries of their kind. */
export type ArrayHessian = ArrayJacobian;

/**
 * The Hessian of a scalar f, as the forward-mode Jacobian of the forward-mode gradient: two
 * nested derivatives with different tags (forward-over-forward).
 */
export function hessian(f: (xs: Dual[]) => Scalar, options?: JacfwdOptions): ArrayHessian;
export function hessian(f: TensorFunction, options?: JacfwdOptions): TensorJacobian;
export function hessian(f: (x: never) => unknown, options?: JacfwdOptions): (x: unknown) => unknown;
export function hessian(f: ((xs: Dual[]) => Scalar) | TensorFunction | ((x: never) => unknown), options: JacfwdOptions = {}): unknown {
  checkFunction('hessian', f);
  checkOptions('hessian', options);
  return (x: unknown) => {
    if (isTensorLike(x)) {
      const gradient = (v: DualTensor) => jacfwdNested(f as TensorFunction, v, options);
      return jacfwdTensor(gradient as unknown as TensorFunction, x as Tensor, options);
    }
    if (!(Array.isArray(x) && x.every(isScalarLike))) {
      // A tree: the Jacobian of the gradient, blocks ∂²f/∂xᵢ∂xⱼ of shape [...xᵢ, ...xⱼ] in x's structure of x's.
      const gradientTree = (v: never) => jacfwdTree(f as (x: never) => unknown, v, options);
      return jacfwdTree(gradientTree, x, options);
    }
    const gradient = (xs: Dual[]) => {
      const j = jacfwdArray(f as VectorFunction, xs as unknown as number[], options);
      if (j.length !== 1) throw new DTypeError('hessian', `f must return a scalar, got an array of ${j.length}; did you mean jacfwd?`);
      return j[0] as unknown as Scalar[];
    };
    return jacfwdArray(gradient, x as readonly number[], options);
  };
}

/** The gradient of a scalar tensor function at a DualTensor point, keeping the enclosing tag. */
function jacfwdNested(f: TensorFunction, x: DualTensor, options: JacfwdOptions): Value {
  const n = x.size;
  const k = Math.min(options.chunk ?? defaultChunk(n), Math.max(n, 1));
  const pieces: Value[] = [];
  for (const { start, width } of chunks(n, k)) {
    const tag = newTag();
    const seeds = unitTensorSeeds(x.shape, start, width);
    const y = f(new DualTensor(tag, x, seeds));
    if (!isTensorLike(y) || y.shape.length !== 0) {
      throw new DTypeError('hessian', `f must return a 0-d tensor, got ${describe(y)}`);
    }
    const { tangents } = tensorParts('hessian', y, tag, width);
    for (const t of tangents) pieces.push(t);
  }
  // pieces[i] is ∂f/∂x_i as a 0-d value of the enclosing derivative; placed at i of x's shape.
  return stackPieces(pieces, [], x.shape, true) as Value;
}

/** The seeds of one chunk for a tensor input: one-hot tensors of its shape, e_start … e_(start+width−1). */
function unitTensorSeeds(shape: readonly number[], start: number, width: number): Tensor[] {
  const n = shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: width }, (_, c) => {
    const d = new Float64Array(n);
    d[start + c] = 1;
    return Tensor.fromData(d, shape);
  });
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
