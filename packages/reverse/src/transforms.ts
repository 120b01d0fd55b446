/**
 * JAX-named transforms on the graph. Each call records on a fresh tag, so they nest with each
 * other and with forward mode: `hvp` is forward-over-reverse (the gradient of duals), and
 * `hessian` the forward-mode Jacobian of the reverse-mode gradient.
 */
import { AdError, DTypeError, Tensor, ValueError, ones, zeros } from '@ad/core';
import { isTagged, isTensorLike, liftLike, newTag, stackPieces, tagOf } from '@ad/core/engine';
import { Dual, DualTensor, jacfwd, type Scalar, type ArrayJacobian as ForwardArrayJacobian, type TensorJacobian as ForwardTensorJacobian } from '@ad/forward';
import { Node, type TensorVar, Var, leaf, type Primal } from './node.js';
import { endGraph, ownChunks } from './tape.js';
import { propagate } from './backward.js';
import { ambientTag } from './state.js';
import './methods.js';

/**
 * A reverse-mode leaf: `variable(3)` is a scalar `Var`, `variable(tensor)` a `TensorVar`. The
 * value may also be one of another kind — a dual, or a tracer while `jit` traces — so a function
 * that records its own graph with `variable` and `backward` differentiates under forward mode
 * and compiles under `jit`, as one written with `vjp` does.
 */
export function variable(value: number, options?: { requiresGrad?: boolean }): Var;
export function variable(value: Tensor, options?: { requiresGrad?: boolean }): TensorVar;
export function variable(value: number | Tensor | Dual | DualTensor, options: { requiresGrad?: boolean } = {}): Var | TensorVar {
  if (!(typeof value === 'number' || value instanceof Tensor || isTagged(value))) {
    throw new DTypeError('variable', `expected a number or a Tensor, got ${typeof value}`);
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new DTypeError(
      'variable',
      `options must be an object ({ requiresGrad?: boolean }), got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`,
    );
  }
  const requiresGrad: unknown = options.requiresGrad === undefined ? true : options.requiresGrad;
  // A string such as 'no' is truthy: taken as is it would silently record the graph.
  if (typeof requiresGrad !== 'boolean') {
    throw new DTypeError('variable', `requiresGrad must be true or false, got ${typeof requiresGrad} ${JSON.stringify(requiresGrad) ?? String(requiresGrad)}`);
  }
  return leaf(ambientTag(value), value, requiresGrad);
}

/** Clears `.grad` on each node. */
export function zeroGrad(nodes: Iterable<Node>): void {
  if (nodes === null || typeof (nodes as { [Symbol.iterator]?: unknown })?.[Symbol.iterator] !== 'function') {
    throw new DTypeError('zeroGrad', `expected an iterable of nodes (e.g. model.parameters()), got ${nodes === null ? 'null' : typeof nodes}`);
  }
  for (const n of nodes) {
    if (!(n instanceof Node)) throw new DTypeError('zeroGrad', `expected nodes, got ${typeof n}`);
    n.grad = null;
  }
}

function checkFunction(op: string, f: unknown): void {
  if (typeof f !== 'function') throw new DTypeError(op, `f must be a function, got ${typeof f}`);
}

function describe(y: unknown): string {
  if (Array.isArray(y)) return `an array of ${y.length}`;
  if (isTensorLike(y)) return `shape [${y.shape.join(',')}]`;
  return y === null ? 'null' : typeof y;
}

/** The output as a node of this graph, or null when it does not depend on the inputs. */
function outputNode(op: string, y: unknown, tag: number): Node | null {
  if (typeof y !== 'number' && !(y instanceof Tensor) && !isTagged(y)) {
    throw new DTypeError(op, `f returned ${describe(y)}, not a number, Var or TensorVar`);
  }
  if (tagOf(y) > tag) throw new AdError(op, `f returned a value from another derivative (tag ${tagOf(y)}, expected ${tag})`);
  return y instanceof Node && y.tag === tag && y.requiresGrad ? y : null;
}

/** The value of an output: unwrapped from this graph's node (or a constant node), else itself. */
function outputValue(y: unknown, tag: number): Primal {
  return y instanceof Node && (y.tag === tag || !y.requiresGrad) ? y.value : (y as Primal);
}

/**
 * Leaves for the inputs: an array of scalars, or one tensor. An input may be a value of an
 * enclosing transform (a Dual, a Var of an outer graph, a DualTensor, a TensorVar): the leaf
 * holds it as its value, so the ops on it are recorded by the enclosing transform too, and so
 * is the backward pass — the gradient comes out as a value of that transform (reverse over
 * reverse, reverse over forward).
 */
function leaves(op: string, x: unknown, tag: number): Node[] {
  if (isTensorLike(x)) return [leaf(tag, x as Primal, true)];
  if (!Array.isArray(x)) throw new DTypeError(op, `x must be an array of numbers or a Tensor, got ${describe(x)}`);
  return x.map((v, i) => {
    if (typeof v !== 'number' && !(isTagged(v) && !isTensorLike(v))) {
      throw new DTypeError(op, `x[${i}] must be a number (or a scalar value of an enclosing transform), got ${describe(v)}`);
    }
    return leaf(tag, v, true);
  });
}

/**
 * Calls f on the leaves, then ends the graph's own chunks if it has them (they live on while
 * referenced). Given a plain array, f receives an array of Vars; a tensor function then fails
 * on its first method call (`x.square is not a function`), which is said in our words.
 */
function callOn(op: string, tag: number, xs: Node[], x: unknown, f: (arg: never) => unknown): unknown {
  try {
    return isTensorLike(x) ? f(xs[0] as never) : f(xs as never);
  } catch (e) {
    if (Array.isArray(x) && e instanceof TypeError && / is not a function$/.test(e.message)) {
      throw new DTypeError(
        op,
        `f threw "${e.message}": given a plain array, f receives an array of Vars (one per number); for a function of a tensor, pass tensor([...])`,
      );
    }
    throw e;
  } finally {
    endGraph(tag);
  }
}

/** A zero of x's shape, as a value of x's kind. */
function zeroLike(x: unknown): unknown {
  return liftLike(isTensorLike(x) ? zeros(x.shape) : 0, x);
}

/**
 * The leaves' adjoints of the pass that just ran, zeros for leaves it did not reach; with
 * `reached` false (no pass ran) every leaf gets zeros.
 */
function gradientsOf(xs: readonly Node[], x: unknown, reached = true): unknown {
  const gs = xs.map((l) => {
    const a = reached ? l.adjoint : null;
    return a === null ? zeroLike(l.value) : liftLike(a, l.value);
  });
  return isTensorLike(x) ? gs[0] : gs;
}

/** The first input that is a value of an enclosing transform (results are lifted to its kind). */
function enclosing(x: unknown): unknown {
  return Array.isArray(x) ? x.find(isTagged) : x;
}

/** A scalar function of Vars, as grad, valueAndGrad, hvp and hessian take. */
export type ScalarFn = (xs: Var[]) => Var | EnclosingScalar | number;
/** A scalar function of one TensorVar. */
export type TensorFn = (x: TensorVar) => TensorVar | Tensor | number;
/** A function of Vars returning a scalar or an array of scalars, as vjp and jacrev take. */
export type VectorFn = (xs: Var[]) => Var | EnclosingScalar | number | readonly (Var | EnclosingScalar | number)[];

/** A scalar value of an enclosing transform (a Var of an outer graph, a Dual): an input when derivatives nest. */
export type EnclosingScalar = Var | Dual;
/** A tensor value of an enclosing transform (a TensorVar of an outer graph, a DualTensor): an input when derivatives nest. */
export type EnclosingTensor = TensorVar | DualTensor;

/**
 * The gradient of an array function: numbers for numbers; for inputs that are values of an
 * enclosing transform (nesting), values of that transform's kind, so they can be differentiated again.
 */
export interface ArrayGradient {
  (x: readonly number[]): number[];
  <X extends EnclosingScalar>(x: readonly (X | number)[]): X[];
}

/** The gradient of a tensor function: a tensor of x's shape, of x's kind. */
export interface TensorGradient {
  (x: Tensor): Tensor;
  <X extends EnclosingTensor>(x: X): X;
}

/** The value and the gradient of an array function (see ArrayGradient for nested inputs). */
export interface ArrayValueAndGradient {
  (x: readonly number[]): { value: number; grad: number[] };
  <X extends EnclosingScalar>(x: readonly (X | number)[]): { value: X; grad: X[] };
}

/** The value and the gradient of a tensor function. */
export interface TensorValueAndGradient {
  (x: Tensor): { value: Tensor; grad: Tensor };
  <X extends EnclosingTensor>(x: X): { value: X; grad: X };
}

/**
 * The value and the gradient of a scalar f in one forward and one backward pass.
 * An array input gives an array gradient; a tensor input a tensor of its shape.
 */
export function valueAndGrad(f: ScalarFn): ArrayValueAndGradient;
export function valueAndGrad(f: TensorFn): TensorValueAndGradient;
export function valueAndGrad(f: ScalarFn | TensorFn): unknown {
  checkFunction('valueAndGrad', f);
  return (x: unknown) => evaluateGrad('valueAndGrad', f, x);
}

/** The gradient of a scalar f: ∇f(x), by one backward pass from the seed ȳ = 1. */
export function grad(f: ScalarFn): ArrayGradient;
export function grad(f: TensorFn): TensorGradient;
export function grad(f: ScalarFn | TensorFn): unknown {
  checkFunction('grad', f);
  return (x: unknown) => evaluateGrad('grad', f, x).grad;
}

function evaluateGrad(op: string, f: ScalarFn | TensorFn, x: unknown): { value: unknown; grad: unknown } {
  const tag = newTag();
  const xs = leaves(op, x, tag);
  const y = callOn(op, tag, xs, x, f as (arg: never) => unknown);
  if (Array.isArray(y)) throw new DTypeError(op, `f must return a scalar, got an array of ${y.length}; did you mean jacrev?`);
  const shape = isTensorLike(y) ? y.shape : [];
  if (shape.length !== 0) throw new DTypeError(op, `f must return a scalar, got shape [${shape.join(',')}]; did you mean jacrev?`);
  const root = outputNode(op, y, tag);
  const value = liftLike(outputValue(y, tag), enclosing(x));
  if (root === null) return { value, grad: gradientsOf(xs, x, false) };
  propagate([root], [root instanceof Var ? 1 : ones([])]);
  return { value, grad: gradientsOf(xs, x) };
}

/** What `vjp` returns: f's value and the pullback of any cotangent through the one recorded graph. */
export interface VjpResult<V, C, G> {
  /** f at the primals. */
  value: V;
  /** Jᵀ·c for a cotangent c of f's shape; may be called many times on the one recorded graph. */
  vjp: (cotangent: C) => G;
}

/**
 * Records f once and returns its value and a function that back-propagates any cotangent
 * through that one graph: Jᵀc for many seeds c at the cost of one forward pass.
 */
export function vjp(f: (xs: Var[]) => Var | number, primals: readonly number[]): VjpResult<number, number, number[]>;
export function vjp(f: (xs: Var[]) => readonly (Var | number)[], primals: readonly number[]): VjpResult<number[], readonly number[], number[]>;
export function vjp<X extends EnclosingScalar>(f: (xs: Var[]) => Var | number, primals: readonly (X | number)[]): VjpResult<X, X | number, X[]>;
export function vjp<X extends EnclosingScalar>(
  f: (xs: Var[]) => readonly (Var | number)[],
  primals: readonly (X | number)[],
): VjpResult<X[], readonly (X | number)[], X[]>;
export function vjp(f: VectorFn, primals: readonly number[]): VjpResult<number | number[], number | readonly number[], number[]>;
export function vjp(f: TensorFn | ((x: TensorVar) => TensorVar), primals: Tensor): VjpResult<Tensor, Tensor, Tensor>;
export function vjp<X extends EnclosingTensor>(f: TensorFn | ((x: TensorVar) => TensorVar), primals: X): VjpResult<X, X | Tensor, X>;
export function vjp(f: ((xs: Var[]) => unknown) | TensorFn, primals: unknown): unknown {
  checkFunction('vjp', f);
  const tag = newTag();
  // The graph lives as long as the pullback and is never released: chunks of its own, so it
  // pins nothing of other graphs (tape.ts).
  ownChunks(tag);
  const xs = leaves('vjp', primals, tag);
  const y = callOn('vjp', tag, xs, primals, f as (arg: never) => unknown);
  const outs = Array.isArray(y) ? (y as unknown[]) : [y];
  const roots = outs.map((yi) => outputNode('vjp', yi, tag));
  const like = enclosing(primals);
  const value = Array.isArray(y) ? outs.map((yi) => liftLike(outputValue(yi, tag), like)) : liftLike(outputValue(y, tag), like);
  return {
    value,
    vjp: (cotangent: unknown) => {
      const cs = Array.isArray(y) ? (cotangent as unknown[]) : [cotangent];
      if (!Array.isArray(cs) || cs.length !== outs.length) {
        throw new ValueError('vjp', `f has ${outs.length} outputs; give a cotangent for each, got ${Array.isArray(cs) ? cs.length : typeof cotangent}`);
      }
      // A zero cotangent contributes nothing: its output is not seeded at all (a symbolic
      // zero, as in JAX), so jacrev's row i walks only the part of the graph output i uses.
      const live = roots.flatMap((r, i) => (r === null || cs[i] === 0 ? [] : [{ r, c: cs[i] as Primal }]));
      if (live.length === 0) return gradientsOf(xs, primals, false);
      propagate(
        live.map((l) => l.r),
        live.map((l) => l.c),
        { retainGraph: true },
      );
      return gradientsOf(xs, primals);
    },
  };
}

/** A Jacobian of reverse mode's transforms (forward's type, over the values they take). */
type ArrayJacobian = ForwardArrayJacobian<EnclosingScalar>;
type TensorJacobian = ForwardTensorJacobian<EnclosingTensor>;

/**
 * The Jacobian by reverse mode: row by row, one backward pass per output seed eᵢ on ONE
 * recorded graph, so m passes for m outputs. Arrays give an m × n array; a tensor function a
 * tensor of shape [...out, ...in].
 */
export function jacrev(f: VectorFn): ArrayJacobian;
export function jacrev(f: (x: TensorVar) => TensorVar | Tensor): TensorJacobian;
export function jacrev(f: ((xs: Var[]) => unknown) | ((x: TensorVar) => unknown)): unknown {
  checkFunction('jacrev', f);
  return (x: unknown) => {
    if (isTensorLike(x)) {
      const { value, vjp: pull } = vjp(f as TensorFn, x as Tensor);
      const outShape = (value as { shape: readonly number[] }).shape;
      const m = outShape.reduce((a, b) => a * b, 1);
      const rows: unknown[] = [];
      for (let i = 0; i < m; i++) {
        const seed = new Float64Array(m);
        seed[i] = 1;
        rows.push(pull(Tensor.fromData(seed, outShape)));
      }
      return stackPieces(rows, (x as Tensor).shape, outShape, true);
    }
    const { value, vjp: pull } = vjp(f as VectorFn, x as readonly number[]);
    if (!Array.isArray(value)) return [pull(1)];
    return value.map((_, i) => pull(value.map((__, j) => (i === j ? 1 : 0))));
  };
}

/** A Hessian-vector product of an array function (nested inputs give values of their kind). */
export interface ArrayHvp {
  (x: readonly number[], v: readonly number[]): number[];
  <X extends EnclosingScalar>(x: readonly (X | number)[], v: readonly (X | number)[]): X[];
}

/** A Hessian-vector product of a tensor function. */
export interface TensorHvp {
  (x: Tensor, v: Tensor): Tensor;
  <X extends EnclosingTensor>(x: X | Tensor, v: X | Tensor): X;
}

/**
 * Hessian-vector product H·v without forming H, by forward-over-reverse: the gradient of f at
 * duals x + εv; the tangent of each gradient entry is (H v)ᵢ. Costs a small constant times a
 * gradient.
 */
export function hvp(f: ScalarFn): ArrayHvp;
export function hvp(f: TensorFn): TensorHvp;
export function hvp(f: ScalarFn | TensorFn): unknown {
  checkFunction('hvp', f);
  return (x: unknown, v: unknown) => {
    const tag = newTag();
    if (isTensorLike(x)) {
      const shape = (x as Tensor).shape;
      if (!isTensorLike(v) || v.shape.join() !== shape.join()) {
        throw new ValueError('hvp', `v must be a tensor of x's shape [${shape.join(',')}]`);
      }
      const g = (grad(f as TensorFn) as (x: unknown) => unknown)(new DualTensor(tag, x as Tensor, [v as Tensor]));
      return g instanceof DualTensor && g.tag === tag ? liftLike(g.tangents[0], x) : zeroLike(x);
    }
    if (!Array.isArray(x)) throw new DTypeError('hvp', `x must be an array of numbers or a Tensor, got ${describe(x)}`);
    if (!Array.isArray(v) || v.length !== x.length) {
      throw new ValueError('hvp', `v must have one entry per input (${x.length}), got ${Array.isArray(v) ? v.length : typeof v}`);
    }
    x.forEach((xi, i) => {
      if (typeof xi !== 'number' && !(isTagged(xi) && !isTensorLike(xi))) throw new DTypeError('hvp', `x[${i}] must be a number, got ${describe(xi)}`);
    });
    const g = (grad(f as ScalarFn) as (x: unknown) => unknown[])(x.map((xi, i) => Dual.of(tag, xi as Scalar, [v[i] as Scalar])));
    return g.map((gi, i) => (gi instanceof Dual && gi.tag === tag ? liftLike(gi.first, x[i]) : zeroLike(x[i])));
  };
}

/** The Hessian of an array function (nested inputs give values of their kind). */
export interface ArrayHessian {
  (x: readonly number[]): number[][];
  <X extends EnclosingScalar>(x: readonly (X | number)[]): X[][];
}

/** Options of reverse mode's `hessian`. */
export interface HessianOptions {
  /**
   * How the second derivative is taken: 'forward-over-reverse' (default: jacfwd of grad, n/k
   * forward passes through one gradient, the cheapest) or 'reverse-over-reverse' (jacrev of
   * grad: one backward pass per input through the recorded gradient).
   */
  mode?: 'forward-over-reverse' | 'reverse-over-reverse';
}

/** The Hessian as the Jacobian of the reverse-mode gradient: forward-over-reverse by default. */
export function hessian(f: ScalarFn, options?: HessianOptions): ArrayHessian;
export function hessian(f: TensorFn, options?: HessianOptions): TensorJacobian;
export function hessian(f: ScalarFn | TensorFn, options: HessianOptions = {}): unknown {
  checkFunction('hessian', f);
  const mode = options?.mode ?? 'forward-over-reverse';
  if (mode !== 'forward-over-reverse' && mode !== 'reverse-over-reverse') {
    throw new ValueError('hessian', `mode must be 'forward-over-reverse' or 'reverse-over-reverse', got ${String(mode)}`);
  }
  return (x: unknown) => {
    // The gradient as a function of any kind of input: the outer transform passes its own values.
    const gradient = grad(f as ScalarFn) as unknown as VectorFn & ((xs: Dual[]) => Scalar[]);
    if (mode === 'reverse-over-reverse') return (jacrev(gradient) as (x: unknown) => unknown)(x);
    return (jacfwd(gradient) as (x: unknown) => unknown)(x);
  };
}
