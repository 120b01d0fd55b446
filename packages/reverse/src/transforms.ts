/**
 * JAX-named transforms on the graph. Each call records on a fresh tag, so they nest with each
 * other and with forward mode: `hvp` is forward-over-reverse (the gradient of duals), and
 * `hessian` the forward-mode Jacobian of the reverse-mode gradient.
 */
import { AdError, DTypeError, Tensor, ValueError, newTag, ones, tagOf, zeros } from '@ad/core';
import { Dual, DualTensor, jacfwd, type Scalar } from '@ad/forward';
import { Node, TensorVar, Var, leaf, type Primal } from './node.js';
import { endGraph } from './tape.js';
import { propagate } from './backward.js';
import { ambientTag } from './state.js';
import './methods.js';

/** A reverse-mode leaf: `variable(3)` is a scalar `Var`, `variable(tensor)` a `TensorVar`. */
export function variable(value: number, options?: { requiresGrad?: boolean }): Var;
export function variable(value: Tensor, options?: { requiresGrad?: boolean }): TensorVar;
export function variable(value: number | Tensor | Dual | DualTensor, options: { requiresGrad?: boolean } = {}): Var | TensorVar {
  if (!(typeof value === 'number' || value instanceof Tensor || value instanceof Dual || value instanceof DualTensor)) {
    throw new DTypeError('variable', `expected a number or a Tensor, got ${typeof value}`);
  }
  return leaf(ambientTag(value), value, options.requiresGrad ?? true);
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
  if (y instanceof TensorVar || y instanceof Tensor || y instanceof DualTensor) return `shape [${y.shape.join(',')}]`;
  return typeof y;
}

/** The output as a node of this graph, or null when it does not depend on the inputs. */
function outputNode(op: string, y: unknown, tag: number): Node | null {
  if (y instanceof Node) {
    if (y.tag > tag) throw new AdError(op, `f returned a node from another derivative (tag ${y.tag}, expected ${tag})`);
    return y.tag === tag && y.requiresGrad ? y : null;
  }
  if (typeof y === 'number' || y instanceof Tensor || y instanceof Dual || y instanceof DualTensor) {
    if (tagOf(y) > tag) throw new AdError(op, `f returned a value from another derivative (tag ${tagOf(y)}, expected ${tag})`);
    return null;
  }
  throw new DTypeError(op, `f returned ${describe(y)}, not a number, Var or TensorVar`);
}

/** The plain value of an output: unwrapped from this graph's node, or from a constant node. */
function valueOf(y: unknown, tag: number): Primal {
  return y instanceof Node && (y.tag === tag || !y.requiresGrad) ? y.value : (y as Primal);
}

function zeroOf(x: Primal): Primal {
  return typeof x === 'number' || x instanceof Dual ? 0 : zeros((x as Tensor).shape);
}

/** Leaves for the inputs: an array of scalars, or one tensor. */
function leaves(op: string, x: unknown, tag: number): Node[] {
  if (x instanceof Tensor || x instanceof DualTensor) return [leaf(tag, x, true)];
  if (!Array.isArray(x)) throw new DTypeError(op, `x must be an array of numbers or a Tensor, got ${typeof x}`);
  return x.map((v, i) => {
    if (typeof v !== 'number' && !(v instanceof Dual)) throw new DTypeError(op, `x[${i}] must be a number, got ${typeof v}`);
    return leaf(tag, v, true);
  });
}

/** Calls f on the leaves, then closes the graph's recording (its chunks live on while referenced). */
function callOn(xs: Node[], x: unknown, f: (arg: never) => unknown): unknown {
  try {
    return x instanceof Tensor || x instanceof DualTensor ? f(xs[0] as never) : f(xs as never);
  } finally {
    if (xs.length > 0) endGraph(xs[0].tag);
  }
}

/**
 * The leaves' adjoints of the pass that just ran, zeros for leaves it did not reach; with
 * `unreached` (no pass ran) every leaf gets zeros.
 */
function gradientsOf(xs: readonly Node[], x: unknown, unreached: readonly Node[] = []): unknown {
  const gs = [...xs.map((l) => l.adjoint ?? zeroOf(l.value)), ...unreached.map((l) => zeroOf(l.value))];
  return x instanceof Tensor || x instanceof DualTensor ? gs[0] : gs;
}

type ScalarFn = (xs: Var[]) => Var | number;
type TensorFn = (x: TensorVar) => TensorVar | Tensor | number;

/**
 * The value and the gradient of a scalar f in one forward and one backward pass.
 * An array input gives an array gradient; a tensor input a tensor of its shape.
 */
export function valueAndGrad(f: ScalarFn): (x: readonly number[]) => { value: number; grad: number[] };
export function valueAndGrad(f: TensorFn): (x: Tensor) => { value: Tensor; grad: Tensor };
export function valueAndGrad(f: ScalarFn | TensorFn): unknown {
  checkFunction('valueAndGrad', f);
  return (x: readonly number[] | Tensor) => evaluateGrad('valueAndGrad', f, x);
}

/** The gradient of a scalar f: ∇f(x), by one backward pass from the seed ȳ = 1. */
export function grad(f: ScalarFn): (x: readonly number[]) => number[];
export function grad(f: TensorFn): (x: Tensor) => Tensor;
export function grad(f: ScalarFn | TensorFn): unknown {
  checkFunction('grad', f);
  return (x: readonly number[] | Tensor) => evaluateGrad('grad', f, x).grad;
}

function evaluateGrad(op: string, f: ScalarFn | TensorFn, x: unknown): { value: unknown; grad: unknown } {
  const tag = newTag();
  const xs = leaves(op, x, tag);
  const y = callOn(xs, x, f as (arg: never) => unknown);
  if (Array.isArray(y)) throw new DTypeError(op, `f must return a scalar, got an array of ${y.length}; did you mean jacrev?`);
  const shape = y instanceof TensorVar || y instanceof Tensor ? y.shape : [];
  if (shape.length !== 0) throw new DTypeError(op, `f must return a scalar, got shape [${shape.join(',')}]; did you mean jacrev?`);
  const root = outputNode(op, y, tag);
  if (root === null) return { value: valueOf(y, tag), grad: gradientsOf([], x, xs) };
  propagate([root], [root instanceof Var ? 1 : ones([])]);
  return { value: valueOf(y, tag), grad: gradientsOf(xs, x) };
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
export function vjp(f: (xs: Var[]) => Var | number | readonly (Var | number)[], primals: readonly number[]): VjpResult<number | number[], number | readonly number[], number[]>;
export function vjp(f: TensorFn, primals: Tensor): VjpResult<Tensor, Tensor, Tensor>;
export function vjp(f: ((xs: Var[]) => unknown) | TensorFn, primals: readonly number[] | Tensor): unknown {
  checkFunction('vjp', f);
  const tag = newTag();
  const xs = leaves('vjp', primals, tag);
  const y = callOn(xs, primals, f as (arg: never) => unknown);
  const outs = Array.isArray(y) ? (y as unknown[]) : [y];
  const roots = outs.map((yi) => outputNode('vjp', yi, tag));
  const value = Array.isArray(y) ? outs.map((yi) => valueOf(yi, tag)) : valueOf(y, tag);
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
      if (live.length === 0) return gradientsOf([], primals, xs);
      propagate(live.map((l) => l.r), live.map((l) => l.c), { retainGraph: true });
      return gradientsOf(xs, primals);
    },
  };
}

/**
 * The Jacobian by reverse mode: row by row, one backward pass per output seed eᵢ on ONE
 * recorded graph, so m passes for m outputs. Arrays give an m × n array; a tensor function a
 * tensor of shape [...out, ...in].
 */
export function jacrev(f: (xs: Var[]) => Var | number | readonly (Var | number)[]): (x: readonly number[]) => number[][];
export function jacrev(f: (x: TensorVar) => TensorVar | Tensor): (x: Tensor) => Tensor;
export function jacrev(f: ((xs: Var[]) => unknown) | ((x: TensorVar) => unknown)): unknown {
  checkFunction('jacrev', f);
  return (x: readonly number[] | Tensor) => {
    if (x instanceof Tensor) {
      const { value, vjp: pull } = vjp(f as TensorFn, x);
      const m = value.size;
      const rows: Float64Array[] = [];
      for (let i = 0; i < m; i++) {
        const seed = new Float64Array(m);
        seed[i] = 1;
        rows.push(pull(Tensor.fromData(seed, value.shape)).toFloat64Array());
      }
      const out = new Float64Array(m * x.size);
      rows.forEach((r, i) => out.set(r, i * x.size));
      return Tensor.fromData(out, [...value.shape, ...x.shape]);
    }
    const { value, vjp: pull } = vjp(f as (xs: Var[]) => Var, x);
    if (!Array.isArray(value)) return [pull(1)];
    return value.map((_, i) => pull(value.map((__, j) => (i === j ? 1 : 0))));
  };
}

/**
 * Hessian-vector product H·v without forming H, by forward-over-reverse: the gradient of f at
 * duals x + εv; the tangent of each gradient entry is (H v)ᵢ. Costs a small constant times a
 * gradient.
 */
export function hvp(f: ScalarFn): (x: readonly number[], v: readonly number[]) => number[];
export function hvp(f: TensorFn): (x: Tensor, v: Tensor) => Tensor;
export function hvp(f: ScalarFn | TensorFn): unknown {
  checkFunction('hvp', f);
  return (x: readonly number[] | Tensor, v: readonly number[] | Tensor) => {
    const tag = newTag();
    if (x instanceof Tensor) {
      if (!(v instanceof Tensor) || v.shape.join() !== x.shape.join()) {
        throw new ValueError('hvp', `v must be a tensor of x's shape [${x.shape.join(',')}]`);
      }
      const g = grad(f as TensorFn)(new DualTensor(tag, x, [v]) as never) as unknown;
      return g instanceof DualTensor && g.tag === tag ? (g.tangents[0] as Tensor) : zeros(x.shape);
    }
    if (!Array.isArray(v) || v.length !== x.length) {
      throw new ValueError('hvp', `v must have one entry per input (${x.length}), got ${Array.isArray(v) ? v.length : typeof v}`);
    }
    const g = grad(f as ScalarFn)(x.map((xi, i) => new Dual(tag, xi, v[i], null, true)) as never) as unknown as Scalar[];
    return g.map((gi) => (gi instanceof Dual && gi.tag === tag ? (gi.first as number) : 0));
  };
}

/** The Hessian as the forward-mode Jacobian of the reverse-mode gradient (forward-over-reverse). */
export function hessian(f: ScalarFn): (x: readonly number[]) => number[][];
export function hessian(f: TensorFn): (x: Tensor) => Tensor;
export function hessian(f: ScalarFn | TensorFn): unknown {
  checkFunction('hessian', f);
  return (x: readonly number[] | Tensor) => {
    if (x instanceof Tensor) return jacfwd((d: DualTensor) => grad(f as TensorFn)(d as never) as never)(x);
    return jacfwd((d: Dual[]) => grad(f as ScalarFn)(d as never) as never)(x);
  };
}
