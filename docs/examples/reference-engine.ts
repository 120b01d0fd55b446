/**
 * Guide 4: the reference engine. Reverse mode in about a hundred lines, as micrograd writes it:
 * a scalar `Value` keeps its number, its adjoint, its parents and a closure that sends its
 * adjoint to them; `backward()` orders the graph by a depth-first search and runs the closures
 * from the output back to the inputs. The ops are the scalar ops of @ad's random test programs,
 * with @ad's conventions at kinks, and docs/test/reference-engine.test.ts holds @ad/reverse's
 * `grad` to this engine on random programs.
 *
 * @ad/reverse computes the same adjoints from the same partials (core's op table states them
 * once for every mode). What it adds is engineering: nodes live in typed arrays (tape.ts),
 * creation order stands in for the sort, and a scalar node stores its partials as numbers when
 * it is recorded instead of keeping a closure (methods.ts, backward.ts).
 */

import { Special } from '@ad/core/engine';

// #region engine
/** A scalar in a recorded graph. */
export class Value {
  /** The adjoint v̄ = ∂f/∂v, filled in by backward(). */
  grad = 0;
  /** Sends this node's adjoint to its parents; set by the op that made the node. */
  pushBack: () => void = () => {};

  constructor(
    readonly data: number,
    readonly parents: readonly Value[] = [],
  ) {}

  /** Orders the graph (every node after its parents), seeds f̄ = 1, runs the closures backwards. */
  backward(): void {
    const order: Value[] = [];
    const seen = new Set<Value>();
    const visit = (v: Value): void => {
      if (seen.has(v)) return;
      seen.add(v);
      for (const p of v.parents) visit(p);
      order.push(v); // after all of its parents: a topological order
    };
    visit(this);
    this.grad = 1;
    // Each node passes its adjoint on once, after every node that uses it has added its share.
    for (let i = order.length - 1; i >= 0; i--) order[i].pushBack();
  }
}

/** An operand: a node, or a plain number (a constant). */
export type Operand = Value | number;
const lift = (v: Operand): Value => (v instanceof Value ? v : new Value(v));

/** The pattern, written out once: the result, and beside it the closure that sends z̄ back. */
function mul(x: Value, other: Operand): Value {
  const y = lift(other);
  const out = new Value(x.data * y.data, [x, y]);
  out.pushBack = () => {
    x.grad += y.data * out.grad; // x̄ += y·z̄
    y.grad += x.data * out.grad; // ȳ += x·z̄
  };
  return out;
}

/** y = f(x) from f′ in terms of x and y: x̄ += f′·ȳ. (What core's `elementwise` derives.) */
function unary(x: Value, y: number, dydx: (x: number, y: number) => number): Value {
  const out = new Value(y, [x]);
  out.pushBack = () => {
    x.grad += dydx(x.data, y) * out.grad;
  };
  return out;
}

/** z = f(x, y) from a rule that gives z, ∂z/∂x and ∂z/∂y at (x, y): x̄ += ∂z/∂x·z̄, ȳ += ∂z/∂y·z̄. */
function binary(x: Value, other: Operand, rule: (x: number, y: number) => [number, number, number]): Value {
  const y = lift(other);
  const [z, dzdx, dzdy] = rule(x.data, y.data);
  const out = new Value(z, [x, y]);
  out.pushBack = () => {
    x.grad += dzdx * out.grad;
    y.grad += dzdy * out.grad;
  };
  return out;
}

/** sign x ∈ {−1, 0, 1}, 0 at ±0 and NaN (as @ad's `sign`, unlike Math.sign). */
const sign = (x: number): number => (x > 0 ? 1 : x < 0 ? -1 : 0);
/** A comparison gives a mask of 1 and 0, a constant: no parents, so no adjoint flows through it. */
const mask = (test: boolean): Value => new Value(test ? 1 : 0);

/** The ops, one line each: the primal and its partials. */
export const ops = {
  neg: (x: Value) => unary(x, -x.data, () => -1),
  // @ad computes eˣ with its own kernel (Special.exp, within 2 ulp of Math.exp and faster): the same one here, bit for bit
  exp: (x: Value) => unary(x, Special.exp(x.data), (_x, y) => y),
  log: (x: Value) => unary(x, Math.log(x.data), (x) => 1 / x),
  log1p: (x: Value) => unary(x, Math.log1p(x.data), (x) => 1 / (1 + x)),
  expm1: (x: Value) => unary(x, Math.expm1(x.data), (_x, y) => y + 1),
  sin: (x: Value) => unary(x, Math.sin(x.data), (x) => Math.cos(x)),
  cos: (x: Value) => unary(x, Math.cos(x.data), (x) => -Math.sin(x)),
  tan: (x: Value) => unary(x, Math.tan(x.data), (_x, y) => 1 + y * y),
  tanh: (x: Value) => unary(x, Math.tanh(x.data), (_x, y) => 1 - y * y),
  sigmoid: (x: Value) => unary(x, 1 / (1 + Math.exp(-x.data)), (_x, y) => y * (1 - y)),
  // biome-ignore lint/complexity/useMathMinMax: @ad's relu is x < 0 ? 0 : x, bit for bit (Math.max(-0, 0) would be 0, not -0)
  relu: (x: Value) => unary(x, x.data < 0 ? 0 : x.data, (x) => (x > 0 ? 1 : 0)), // 0 at the kink, as PyTorch
  sqrt: (x: Value) => unary(x, Math.sqrt(x.data), (_x, y) => 0.5 / y),
  square: (x: Value) => unary(x, x.data * x.data, (x) => 2 * x),
  abs: (x: Value) => unary(x, Math.abs(x.data), sign), // sign(0) = 0 at the kink
  sign: (x: Value) => new Value(sign(x.data)), // piecewise constant: no parents

  add: (x: Value, y: Operand) => binary(x, y, (x, y) => [x + y, 1, 1]),
  sub: (x: Value, y: Operand) => binary(x, y, (x, y) => [x - y, 1, -1]),
  mul,
  div: (x: Value, y: Operand) => binary(x, y, (x, y) => [x / y, 1 / y, -(x / y) / y]),
  // 0·∞ is taken as 0, as PyTorch: d/dx x⁰ = 0 at x = 0, and ∂z/∂y = 0 at x = 0 for y ≥ 0.
  pow: (x: Value, y: Operand) =>
    binary(x, y, (x, y) => [Math.pow(x, y), x === 0 && y === 0 ? 0 : y * Math.pow(x, y - 1), x === 0 && y >= 0 ? 0 : Math.pow(x, y) * Math.log(x)]),
  // At a tie the derivative is split evenly, as JAX and PyTorch: maximum(x, x) has derivative 1.
  maximum: (x: Value, y: Operand) => binary(x, y, (x, y) => [Math.max(x, y), x > y ? 1 : x < y ? 0 : 0.5, x < y ? 1 : x > y ? 0 : 0.5]),
  minimum: (x: Value, y: Operand) => binary(x, y, (x, y) => [Math.min(x, y), x < y ? 1 : x > y ? 0 : 0.5, x > y ? 1 : x < y ? 0 : 0.5]),

  eq: (x: Value, y: Operand) => mask(x.data === lift(y).data),
  ne: (x: Value, y: Operand) => mask(x.data !== lift(y).data),
  lt: (x: Value, y: Operand) => mask(x.data < lift(y).data),
  le: (x: Value, y: Operand) => mask(x.data <= lift(y).data),
  gt: (x: Value, y: Operand) => mask(x.data > lift(y).data),
  ge: (x: Value, y: Operand) => mask(x.data >= lift(y).data),

  /** c ? x : y; the adjoint goes to the branch taken, none to the condition. */
  where: (c: Value, x: Operand, y: Operand): Value => {
    const [a, b] = [lift(x), lift(y)];
    const out = new Value(c.data !== 0 ? a.data : b.data, [a, b]);
    out.pushBack = () => {
      if (c.data !== 0) a.grad += out.grad;
      else b.grad += out.grad;
    };
    return out;
  },
};

/** ∇f(x) by one backward pass, as @ad/reverse's `grad`: a leaf per input, run f, backward. */
export function grad(f: (xs: Value[]) => Operand): (x: readonly number[]) => number[] {
  return (x) => {
    const leaves = x.map((v) => new Value(v));
    lift(f(leaves)).backward();
    return leaves.map((l) => l.grad);
  };
}
// #endregion engine
