/**
 * JAX-named transforms on the graph. Each call records on a fresh tag, so they nest with each
 * other and with forward mode: `hvp` is forward-over-reverse (the gradient of duals), and
 * `hessian` the forward-mode Jacobian of the reverse-mode gradient.
 */
import { AdError, DTypeError, type MapLeaves, type Structure, Tensor, ValueError, ones, tree, zeros } from '@ad/core';
import { isScalarLike, isTagged, isTensorLike, liftLike, newTag, stackPieces, tagOf } from '@ad/core/engine';
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
 * Leaves for the inputs: x is a tree (tree.ts) of numbers and tensors — a number, a tensor, an
 * array of scalars, an object of tensors — and each of its leaves becomes a node. A leaf may be
 * a value of an enclosing transform (a Dual, a Var of an outer graph, a DualTensor, a
 * TensorVar): the node holds it as its value, so the ops on it are recorded by the enclosing
 * transform too, and so is the backward pass — the gradient comes out as a value of that
 * transform (reverse over reverse, reverse over forward). `name` is what the messages call x.
 */
function leaves(op: string, x: unknown, tag: number, name = 'x'): { nodes: Node[]; structure: Structure } {
  const { leaves: values, structure } = tree.flatten(x);
  const nodes = values.map((v, i) => {
    if (typeof v !== 'number' && !isTagged(v) && !isTensorLike(v)) {
      // Paths are written only for the message: grad of n scalars makes no n strings.
      throw new DTypeError(op, `${name}${structure.paths()[i]} must be a number or a Tensor (or a value of an enclosing transform), got ${describe(v)}`);
    }
    return leaf(tag, v as Primal, true);
  });
  return { nodes, structure };
}

/**
 * Calls f on its arguments (the differentiated ones already replaced by their nodes), then ends
 * the graph's own chunks if it has them (they live on while referenced). Given a plain array, f
 * receives an array of Vars; a tensor function then fails on its first method call
 * (`x.square is not a function`), which is said in our words.
 */
function callOn(op: string, tag: number, args: readonly unknown[], given: readonly unknown[], f: (...args: never[]) => unknown): unknown {
  try {
    return (f as (...args: unknown[]) => unknown)(...args);
  } catch (e) {
    if (given.some((x) => Array.isArray(x)) && e instanceof TypeError && / is not a function$/.test(e.message)) {
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
 * The leaves' adjoints of the pass that just ran, in x's structure, zeros for leaves it did not
 * reach; with `reached` false (no pass ran) every leaf gets zeros.
 */
function gradientsOf(xs: readonly Node[], structure: Structure, reached = true): unknown {
  const gs = xs.map((l) => {
    const a = reached ? l.adjoint : null;
    return a === null ? zeroLike(l.value) : liftLike(a, l.value);
  });
  return tree.unflatten(structure, gs);
}

/** The first input that is a value of an enclosing transform (results are lifted to its kind). */
function enclosing(xs: readonly Node[]): unknown {
  return xs.find((l) => isTagged(l.value))?.value;
}

/** A value f returned beside its output (hasAux): this graph's nodes become their values. */
function auxValue(aux: unknown, tag: number): unknown {
  return tree.map((v: unknown) => (v instanceof Node && v.tag === tag ? v.value : v), aux as tree.Tree<unknown>);
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

/** Options of `grad` and `valueAndGrad`, as JAX's `jax.grad`. */
export interface GradOptions {
  /**
   * Which positional arguments are differentiated: one index (default 0; the gradient has that
   * argument's structure) or several (a tuple of gradients, one per index, in that order). The
   * other arguments are passed to f as they are, as constants.
   */
  argnums?: number | readonly number[];
  /**
   * f returns a pair `[output, aux]`: the output is differentiated and aux comes back beside the
   * gradient (`[grad, aux]` from grad, `{ value, grad, aux }` from valueAndGrad), its values of
   * this derivative turned into plain ones.
   */
  hasAux?: boolean;
}

/** The type of a gradient: x's structure, a number for each number and a Tensor for each tensor; values of an enclosing transform stay of their kind. */
export type Gradient<X> = X extends number
  ? number
  : X extends EnclosingScalar | EnclosingTensor
    ? X
    : X extends Tensor
      ? Tensor
      : X extends null | undefined
        ? X
        : X extends readonly unknown[]
          ? { -readonly [K in keyof X]: Gradient<X[K]> }
          : X extends object
            ? { -readonly [K in keyof X]: Gradient<X[K]> }
            : never;

/** A value f returned, as the transform hands it back: this graph's Vars as numbers, TensorVars as tensors. */
export type Returned<Y> = MapLeaves<MapLeaves<Y, Var, number>, TensorVar, Tensor>;

/** What a differentiated function returns: a scalar (a number, a Var, a shape-[] tensor or TensorVar, a scalar of an enclosing transform). */
export type ScalarOutput = Var | TensorVar | Tensor | Dual | DualTensor | number;

type Indices = readonly number[];
type GradientsAt<A extends readonly unknown[], N extends Indices> = { -readonly [K in keyof N]: Gradient<A[N[K] & number]> };

/**
 * The value and the gradient of a scalar f in one forward and one backward pass. The argument
 * may be any tree of numbers and tensors (see grad); with `hasAux`, f returns `[output, aux]`.
 */
export function valueAndGrad(f: ScalarFn): ArrayValueAndGradient;
export function valueAndGrad(f: TensorFn): TensorValueAndGradient;
export function valueAndGrad<Y extends ScalarOutput, const N extends number = 0>(
  f: (...args: never[]) => Y,
  options?: GradOptions & { argnums?: N; hasAux?: false },
): <A extends unknown[]>(...args: A) => { value: Returned<Y>; grad: Gradient<A[N]> };
export function valueAndGrad<Y extends ScalarOutput, const N extends Indices>(
  f: (...args: never[]) => Y,
  options: GradOptions & { argnums: N; hasAux?: false },
): <A extends unknown[]>(...args: A) => { value: Returned<Y>; grad: GradientsAt<A, N> };
export function valueAndGrad<Y extends ScalarOutput, Aux, const N extends number = 0>(
  f: (...args: never[]) => readonly [Y, Aux],
  options: GradOptions & { argnums?: N; hasAux: true },
): <A extends unknown[]>(...args: A) => { value: Returned<Y>; grad: Gradient<A[N]>; aux: Returned<Aux> };
export function valueAndGrad<Y extends ScalarOutput, Aux, const N extends Indices>(
  f: (...args: never[]) => readonly [Y, Aux],
  options: GradOptions & { argnums: N; hasAux: true },
): <A extends unknown[]>(...args: A) => { value: Returned<Y>; grad: GradientsAt<A, N>; aux: Returned<Aux> };
export function valueAndGrad(f: (...args: never[]) => unknown, options?: GradOptions): unknown {
  checkFunction('valueAndGrad', f);
  const { argnums, hasAux } = gradOptions('valueAndGrad', options);
  return (...args: unknown[]) => {
    const r = evaluateGrad('valueAndGrad', f, args, argnums, hasAux);
    return hasAux ? r : { value: r.value, grad: r.grad };
  };
}

/**
 * The gradient of a scalar f: ∇f(x), by one backward pass from the seed ȳ = 1. x may be any
 * tree of numbers and tensors — a number, a tensor, an array of scalars, an object or array of
 * tensors — and the gradient has its structure: `grad(f)({ w, b })` is `{ w: ∂f/∂w, b: ∂f/∂b }`,
 * f receiving `{ w: TensorVar, b: TensorVar }`. With several arguments, `argnums` says which are
 * differentiated (default the first); with `hasAux`, f returns `[output, aux]` and grad returns
 * `[gradient, aux]`, as JAX's `jax.grad`.
 */
export function grad(f: ScalarFn): ArrayGradient;
export function grad(f: TensorFn): TensorGradient;
export function grad<const N extends number = 0>(
  f: (...args: never[]) => ScalarOutput,
  options?: GradOptions & { argnums?: N; hasAux?: false },
): <A extends unknown[]>(...args: A) => Gradient<A[N]>;
export function grad<const N extends Indices>(
  f: (...args: never[]) => ScalarOutput,
  options: GradOptions & { argnums: N; hasAux?: false },
): <A extends unknown[]>(...args: A) => GradientsAt<A, N>;
export function grad<Aux, const N extends number = 0>(
  f: (...args: never[]) => readonly [ScalarOutput, Aux],
  options: GradOptions & { argnums?: N; hasAux: true },
): <A extends unknown[]>(...args: A) => [Gradient<A[N]>, Returned<Aux>];
export function grad<Aux, const N extends Indices>(
  f: (...args: never[]) => readonly [ScalarOutput, Aux],
  options: GradOptions & { argnums: N; hasAux: true },
): <A extends unknown[]>(...args: A) => [GradientsAt<A, N>, Returned<Aux>];
export function grad(f: (...args: never[]) => unknown, options?: GradOptions): unknown {
  checkFunction('grad', f);
  const { argnums, hasAux } = gradOptions('grad', options);
  return (...args: unknown[]) => {
    const r = evaluateGrad('grad', f, args, argnums, hasAux);
    return hasAux ? [r.grad, r.aux] : r.grad;
  };
}

/** The options, checked: argnums as given (an index or a list of distinct indices), hasAux a boolean. */
function gradOptions(op: string, options: GradOptions | undefined, known = ['argnums', 'hasAux']): { argnums: number | readonly number[]; hasAux: boolean } {
  if (options === undefined) return { argnums: 0, hasAux: false };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new DTypeError(op, `options must be an object ({ ${known.map((k) => `${k}?`).join(', ')} }), got ${describe(options)}`);
  }
  const unknown = Object.keys(options).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new ValueError(op, `unknown option ${unknown.join(', ')}; the options are ${known.join(' and ')}`);
  const argnums = options.argnums ?? 0;
  const isIndex = (i: unknown) => Number.isInteger(i) && (i as number) >= 0;
  if (Array.isArray(argnums)) {
    if (argnums.length === 0 || !argnums.every(isIndex))
      throw new ValueError(op, `argnums must be a non-negative integer or a non-empty array of them, got [${argnums.join(', ')}]`);
    if (new Set(argnums).size !== argnums.length) throw new ValueError(op, `argnums must not repeat an index, got [${argnums.join(', ')}]`);
  } else if (!isIndex(argnums)) {
    throw new ValueError(op, `argnums must be a non-negative integer or a non-empty array of them, got ${String(argnums)}`);
  }
  const hasAux = options.hasAux ?? false;
  if (typeof hasAux !== 'boolean') throw new DTypeError(op, `hasAux must be true or false, got ${describe(hasAux)}`);
  return { argnums, hasAux };
}

/** The differentiated part of the arguments: one argument's tree, or the tuple of several. */
function selected(op: string, args: readonly unknown[], argnums: number | readonly number[]): { x: unknown; name: string } {
  const indices = typeof argnums === 'number' ? [argnums] : argnums;
  for (const i of indices) {
    if (i >= args.length) {
      throw new ValueError(op, `argnums asks for argument ${i}, but f was called with ${args.length} argument${args.length === 1 ? '' : 's'}`);
    }
  }
  if (typeof argnums !== 'number') return { x: argnums.map((i) => args[i]), name: 'args' };
  return { x: args[argnums], name: argnums === 0 && args.length === 1 ? 'x' : `args[${argnums}]` };
}

/** The arguments f is called with: the differentiated ones replaced by their traced trees. */
function withTraced(args: readonly unknown[], argnums: number | readonly number[], traced: unknown): unknown[] {
  const out = [...args];
  if (typeof argnums === 'number') out[argnums] = traced;
  else
    argnums.forEach((i, k) => {
      out[i] = (traced as unknown[])[k];
    });
  return out;
}

function evaluateGrad(
  op: string,
  f: (...args: never[]) => unknown,
  args: readonly unknown[],
  argnums: number | readonly number[],
  hasAux: boolean,
): { value: unknown; grad: unknown; aux?: unknown } {
  const { x, name } = selected(op, args, argnums);
  const tag = newTag();
  const { nodes: xs, structure } = leaves(op, x, tag, name);
  let y = callOn(op, tag, withTraced(args, argnums, tree.unflatten(structure, xs)), args, f);
  let aux: unknown;
  if (hasAux) {
    if (!Array.isArray(y) || y.length !== 2) throw new DTypeError(op, `with hasAux, f must return a pair [output, aux], got ${describe(y)}`);
    [y, aux] = y;
    aux = auxValue(aux, tag);
  }
  if (Array.isArray(y))
    throw new DTypeError(
      op,
      `f must return a scalar, got an array of ${y.length}; did you mean jacrev?${hasAux ? '' : ' (or hasAux: true, for f returning [output, aux])'}`,
    );
  const shape = isTensorLike(y) ? y.shape : [];
  if (shape.length !== 0) throw new DTypeError(op, `f must return a scalar, got shape [${shape.join(',')}]; did you mean jacrev?`);
  const root = outputNode(op, y, tag);
  const value = liftLike(outputValue(y, tag), enclosing(xs));
  if (root === null) return { value, grad: gradientsOf(xs, structure, false), aux };
  propagate([root], [root instanceof Var ? 1 : ones([])]);
  return { value, grad: gradientsOf(xs, structure), aux };
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
export function vjp<X, Y>(f: (x: never) => Y, primals: X, options?: { hasAux?: false }): VjpResult<Returned<Y>, Returned<Y>, Gradient<X>>;
export function vjp<X, Y, Aux>(
  f: (x: never) => readonly [Y, Aux],
  primals: X,
  options: { hasAux: true },
): VjpResult<Returned<Y>, Returned<Y>, Gradient<X>> & { aux: Returned<Aux> };
export function vjp(f: (x: never) => unknown, primals: unknown, options?: { hasAux?: boolean }): unknown {
  checkFunction('vjp', f);
  const { hasAux } = gradOptions('vjp', options, ['hasAux']);
  const tag = newTag();
  // The graph lives as long as the pullback and is never released: chunks of its own, so it
  // pins nothing of other graphs (tape.ts).
  ownChunks(tag);
  const { nodes: xs, structure } = leaves('vjp', primals, tag, 'primals');
  let y = callOn('vjp', tag, [tree.unflatten(structure, xs)], [primals], f as (arg: never) => unknown);
  let aux: unknown;
  if (hasAux) {
    if (!Array.isArray(y) || y.length !== 2) throw new DTypeError('vjp', `with hasAux, f must return a pair [output, aux], got ${describe(y)}`);
    [y, aux] = y;
    aux = auxValue(aux, tag);
  }
  // f's output is a tree too: one root per leaf, and the cotangent a tree of the same structure.
  const { leaves: outs, structure: outStructure } = tree.flatten(y);
  const roots = outs.map((yi) => outputNode('vjp', yi, tag));
  const like = enclosing(xs);
  const value = tree.unflatten(
    outStructure,
    outs.map((yi) => liftLike(outputValue(yi, tag), like)),
  );
  const pull = (cotangent: unknown) => {
    const { leaves: cs, structure: given } = tree.flatten(cotangent);
    if (!given.equals(outStructure)) {
      throw new ValueError('vjp', `the cotangent must have the structure of f's output, ${outStructure} (${outs.length} outputs), got ${given}`);
    }
    // A zero cotangent contributes nothing: its output is not seeded at all (a symbolic
    // zero, as in JAX), so jacrev's row i walks only the part of the graph output i uses.
    const live = roots.flatMap((r, i) => (r === null || cs[i] === 0 ? [] : [{ r, c: cs[i] as Primal }]));
    if (live.length === 0) return gradientsOf(xs, structure, false);
    propagate(
      live.map((l) => l.r),
      live.map((l) => l.c),
      { retainGraph: true },
    );
    return gradientsOf(xs, structure);
  };
  return hasAux ? { value, vjp: pull, aux } : { value, vjp: pull };
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
export function jacrev(f: (x: never) => unknown): (x: unknown) => unknown;
export function jacrev(f: ((xs: Var[]) => unknown) | ((x: TensorVar) => unknown) | ((x: never) => unknown)): unknown {
  checkFunction('jacrev', f);
  return (x: unknown) => {
    if (isTensorLike(x)) {
      const { value, vjp: pull } = vjp(f as TensorFn, x as Tensor);
      // A tensor function of a tensor; one returning a tree takes the tree path.
      if (!isTensorLike(value)) return treeJacobian(f as (x: never) => unknown, x);
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
    if (Array.isArray(x) && x.every(isScalarLike)) {
      const { value, vjp: pull } = vjp(f as VectorFn, x as readonly number[]);
      // A scalar or an array of scalars out gives rows; any other tree out takes the tree path.
      if (!(isScalarLike(value) || (Array.isArray(value) && value.every(isScalarLike)))) return treeJacobian(f as (x: never) => unknown, x);
      if (!Array.isArray(value)) return [pull(1)];
      return value.map((_, i) => pull(value.map((__, j) => (i === j ? 1 : 0))));
    }
    return treeJacobian(f as (x: never) => unknown, x);
  };
}

/**
 * The Jacobian of a function between trees, as JAX's jacrev: a tree of f's output structure whose
 * leaves are trees of x's structure; block (i, j) is ∂yᵢ/∂xⱼ of shape [...yᵢ.shape, ...xⱼ.shape]
 * (a number when both are scalars). One backward pass per output element, on one recording:
 * the cotangent is 1 at that element and 0 elsewhere.
 */
function treeJacobian(f: (x: never) => unknown, x: unknown): unknown {
  const { value, vjp: pull } = vjp(f, x as never);
  const { leaves: ys, structure: yStructure } = tree.flatten(value as tree.Tree<unknown>);
  const { leaves: xs, structure: xStructure } = tree.flatten(x as tree.Tree<unknown>);
  const shapeOf = (v: unknown): readonly number[] => (isTensorLike(v) ? v.shape : []);
  const rows = ys.map((yi, i) => {
    const shape = shapeOf(yi);
    const m = shape.reduce((a, b) => a * b, 1);
    const pulled: unknown[][] = [];
    for (let e = 0; e < m; e++) {
      let seed: unknown = 1;
      if (isTensorLike(yi)) {
        const data = new Float64Array(m);
        data[e] = 1;
        seed = Tensor.fromData(data, shape);
      }
      pulled.push(
        tree.leaves(
          pull(
            tree.unflatten(
              yStructure,
              ys.map((_, k) => (k === i ? seed : 0)),
            ) as never,
          ) as tree.Tree<unknown>,
        ),
      );
    }
    const blocks = xs.map((xj, j) =>
      isTensorLike(yi)
        ? stackPieces(
            pulled.map((g) => g[j]),
            shapeOf(xj),
            shape,
            true,
          )
        : pulled[0][j],
    );
    return tree.unflatten(xStructure, blocks);
  });
  return tree.unflatten(yStructure, rows);
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
export function hvp(f: (x: never) => ScalarOutput): <X>(x: X, v: X) => Gradient<X>;
export function hvp(f: ScalarFn | TensorFn | ((x: never) => ScalarOutput)): unknown {
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
    if (Array.isArray(x) && (!Array.isArray(v) || v.length !== x.length)) {
      throw new ValueError('hvp', `v must have one entry per input (${x.length}), got ${Array.isArray(v) ? v.length : typeof v}`);
    }
    // Any tree: each leaf of x becomes a dual carrying the matching leaf of v as its tangent.
    const { leaves: xs, structure } = tree.flatten(x as tree.Tree<unknown>);
    const { leaves: vs, structure: vStructure } = tree.flatten(v as tree.Tree<unknown>);
    if (!vStructure.equals(structure)) throw new ValueError('hvp', `v must have the structure of x, ${structure}, got ${vStructure}`);
    const at = (i: number) => structure.paths()[i]; // for messages only
    const duals = xs.map((xi, i) => {
      if (isTensorLike(xi)) {
        const vi = vs[i];
        if (!isTensorLike(vi) || vi.shape.join() !== xi.shape.join())
          throw new ValueError('hvp', `v${at(i)} must be a tensor of x${at(i)}'s shape [${xi.shape.join(',')}]`);
        return new DualTensor(tag, xi as Tensor, [vi as Tensor]);
      }
      if (typeof xi !== 'number' && !isTagged(xi)) throw new DTypeError('hvp', `x${at(i)} must be a number or a Tensor, got ${describe(xi)}`);
      if (!isScalarLike(vs[i])) throw new DTypeError('hvp', `v${at(i)} must be a number, got ${describe(vs[i])}`);
      return Dual.of(tag, xi as Scalar, [vs[i] as Scalar]);
    });
    const g = tree.leaves((grad(f as ScalarFn) as (x: unknown) => unknown)(tree.unflatten(structure, duals)) as tree.Tree<unknown>);
    return tree.unflatten(
      structure,
      g.map((gi, i) => {
        if (gi instanceof Dual && gi.tag === tag) return liftLike(gi.first, xs[i]);
        if (gi instanceof DualTensor && gi.tag === tag) {
          // A number's adjoint can arrive as a shape-[] tensor (it met tensors); it goes back a number.
          const t = gi.tangents[0];
          return liftLike(!isTensorLike(xs[i]) && t instanceof Tensor ? t.item() : t, xs[i]);
        }
        return zeroLike(xs[i]);
      }),
    );
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
export function hessian(f: (x: never) => ScalarOutput, options?: HessianOptions): (x: unknown) => unknown;
export function hessian(f: ScalarFn | TensorFn | ((x: never) => ScalarOutput), options: HessianOptions = {}): unknown {
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
