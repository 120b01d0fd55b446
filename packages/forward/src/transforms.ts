/**
 * JAX-named transforms built on duals. Each call takes a fresh tag, so nested calls — a
 * derivative inside a derivative, a Hessian as the Jacobian of a gradient — never confuse their
 * perturbations. Given plain numbers they return plain numbers; given tensors, tensors.
 */
import { AdError, DTypeError, Tensor, ValueError, scalar, zeros } from '@ad/core';
import { isTagged, isTensorLike, liftLike, stackPieces } from '@ad/core/engine';
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
  if (typeof v !== 'number' && !(isTagged(v) && !isTensorLike(v))) {
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

/** What `jvp` returns: f's value and its tangent (J·v, or J·V for a seed matrix). */
export interface JvpResult<V, T> {
  value: V;
  tangent: T;
}

/**
 * The value of f and J·V in ONE pass. `tangents[i]` is input i's tangent: a number for one
 * direction, or a seed vector of k numbers for k directions at once (the seed matrix V, n × k).
 * For one direction the tangent has f's shape; for k it gains a last axis of k.
 */
export function jvp(f: (xs: Dual[]) => Scalar, primals: readonly number[], tangents: readonly number[]): JvpResult<number, number>;
export function jvp(f: (xs: Dual[]) => Scalar, primals: readonly number[], tangents: readonly (readonly number[])[]): JvpResult<number, number[]>;
export function jvp(f: (xs: Dual[]) => readonly Scalar[], primals: readonly number[], tangents: readonly number[]): JvpResult<number[], number[]>;
export function jvp(
  f: (xs: Dual[]) => readonly Scalar[],
  primals: readonly number[],
  tangents: readonly (readonly number[])[],
): JvpResult<number[], number[][]>;
export function jvp(f: VectorFunction, primals: readonly number[], tangents: readonly number[]): JvpResult<number | number[], number | number[]>;
export function jvp(
  f: VectorFunction,
  primals: readonly number[],
  tangents: readonly (readonly number[])[],
): JvpResult<number | number[], number[] | number[][]>;
export function jvp<X extends TaggedScalar>(f: (xs: Dual[]) => Scalar, primals: readonly (X | number)[], tangents: readonly (X | number)[]): JvpResult<X, X>;
export function jvp<X extends TaggedScalar>(
  f: (xs: Dual[]) => readonly Scalar[],
  primals: readonly (X | number)[],
  tangents: readonly (X | number)[],
): JvpResult<X[], X[]>;
export function jvp(f: (xs: DualTensor[]) => Value, primals: readonly Tensor[], tangents: readonly Tensor[]): JvpResult<Tensor, Tensor>;
export function jvp(f: (xs: DualTensor[]) => Value, primals: readonly Tensor[], tangents: readonly (readonly Tensor[])[]): JvpResult<Tensor, Tensor[]>;
export function jvp(
  f: ((xs: Dual[]) => unknown) | ((xs: DualTensor[]) => unknown),
  primals: readonly (number | Tensor)[],
  tangents: readonly unknown[],
): JvpResult<unknown, unknown> {
  checkFunction('jvp', f);
  if (!Array.isArray(primals) || !Array.isArray(tangents)) {
    throw new DTypeError('jvp', 'primals and tangents must be arrays (one entry per input)');
  }
  if (primals.length !== tangents.length) {
    throw new ValueError('jvp', `got ${primals.length} primals but ${tangents.length} tangents; give one tangent (or seed vector) per input`);
  }
  const tag = newTag();
  const batched = tangents.length > 0 && Array.isArray(tangents[0]);
  const seeds = tangents.map((t) => (batched ? (t as readonly unknown[]) : [t]));
  const k = seeds.length > 0 ? seeds[0].length : 1;
  seeds.forEach((s, i) => {
    if (!Array.isArray(s) || s.length !== k) {
      throw new ValueError('jvp', `input ${i} has a seed vector of width ${Array.isArray(s) ? s.length : 'none'}, input 0 of width ${k}`);
    }
  });

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
    return { value, tangent: batched ? out : out[0] };
  }

  const xs = primals.map((p, i) => {
    checkScalar('jvp', p, `primal ${i}`);
    const row = seeds[i] as number[];
    if (!row.every((v) => typeof v === 'number' || (isTagged(v) && !isTensorLike(v)))) {
      throw new DTypeError('jvp', `the seed vector of input ${i} must hold numbers`);
    }
    return Dual.of(tag, p as Scalar, row);
  });
  const y = (f as (xs: Dual[]) => unknown)(xs);
  // At values of an enclosing transform, results are values of its kind (constants lifted).
  const like = primals.find(isTagged);
  const lift = (v: Scalar) => liftLike(v, like);
  if (Array.isArray(y)) {
    const parts = y.map((yi) => scalarTangents('jvp', yi, tag, k).map(lift));
    return {
      value: y.map((yi: Scalar) => lift(scalarValue(yi, tag))),
      tangent: batched ? parts : parts.map((p) => p[0]),
    };
  }
  const t = scalarTangents('jvp', y, tag, k).map(lift);
  return { value: lift(scalarValue(y as Scalar, tag)), tangent: batched ? t : t[0] };
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
export function jacfwd(f: VectorFunction | TensorFunction, options: JacfwdOptions = {}): unknown {
  checkFunction('jacfwd', f);
  checkOptions('jacfwd', options);
  return (x: unknown) =>
    isTensorLike(x) ? jacfwdTensor(f as TensorFunction, x as Tensor, options) : jacfwdArray(f as VectorFunction, x as readonly number[], options);
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
    if (!Array.isArray(y) && isTensorLike(y)) {
      throw new DTypeError(
        'jacfwd',
        `f of an array must return a scalar or an array of scalars, got ${describe(y)}; pass a Tensor to differentiate a tensor function`,
      );
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
    const { value, tangents } = tensorParts('jacfwd', f(new DualTensor(tag, x, seeds)), tag, width);
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
export function hessian(f: ((xs: Dual[]) => Scalar) | TensorFunction, options: JacfwdOptions = {}): unknown {
  checkFunction('hessian', f);
  checkOptions('hessian', options);
  return (x: unknown) => {
    if (isTensorLike(x)) {
      const gradient = (v: DualTensor) => jacfwdNested(f as TensorFunction, v, options);
      return jacfwdTensor(gradient as unknown as TensorFunction, x as Tensor, options);
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
