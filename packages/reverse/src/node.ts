/**
 * Graph nodes. Every op result under reverse mode is a node that keeps its parents and how to
 * send its adjoint back to them: x̄ += ∂y/∂x·ȳ. Two ways, one meaning:
 *
 * - a scalar op on numbers records its local partials ∂y/∂a, ∂y/∂b as numbers (`da`, `db`),
 *   computed from the op's own rule when the node is made: backward is then a multiply-add;
 * - any other op records a closure, `pull`, that runs the op's reverse rule at backward time.
 *
 * `Var` holds a scalar, `TensorVar` a tensor; both share the machinery here and in backward.ts.
 * A node carries the tag of its graph: nodes of other (enclosing) derivatives are constants to it.
 */
import { Tensor, type Op } from '@ad/core';
import { Dual, DualTensor } from '@ad/forward';

/** Values a node can hold: plain, or values of an enclosing derivative (duals, outer nodes). */
export type Primal = number | Tensor | Dual | DualTensor | Node;

/** The pullback of a generic node: ȳ ↦ the adjoint of each parent slot (null for none). */
export type Pull = (yBar: Primal) => readonly (Primal | null)[];

export abstract class Node {
  /** The graph this node belongs to. */
  readonly tag: number;
  /** The primal value. */
  readonly value: Primal;
  /** Whether adjoints flow to this node (false for constants, detached nodes, noGrad results). */
  readonly requiresGrad: boolean;
  /** The accumulated gradient: set by backward(), summed across calls until zeroGrad(). */
  grad: Primal | null;

  /** The op that made this node (null for a leaf). */
  op: Op<never> | null;
  /** The first two parents (null where an operand was a constant); the rest, if any. */
  a: Node | null;
  b: Node | null;
  others: readonly (Node | null)[] | null;
  /** Local partials ∂y/∂a, ∂y/∂b of a scalar fast-path node (used when pull is null). */
  da: number;
  db: number;
  /** The closure that runs the op's reverse rule (generic nodes). */
  pull: Pull | null;
  /** Set once backward has freed this node's links (unless the graph was retained). */
  released: boolean;

  /** Adjoint of the backward pass in progress, and the pass that last visited the node. */
  adjoint: Primal | null;
  visit: number;

  constructor(tag: number, value: Primal, requiresGrad: boolean) {
    this.tag = tag;
    this.value = value;
    this.requiresGrad = requiresGrad;
    this.grad = null;
    this.op = null;
    this.a = null;
    this.b = null;
    this.others = null;
    this.da = 0;
    this.db = 0;
    this.pull = null;
    this.released = false;
    this.adjoint = null;
    this.visit = 0;
  }

  /** True for a node no op made: an input of the graph. */
  get isLeaf(): boolean {
    return this.op === null;
  }

  /** A node with the same value that records nothing and receives no gradient. */
  abstract detach(): Node;

  /** Clears the accumulated gradient. */
  zeroGrad(): void {
    this.grad = null;
  }
}

export class Var extends Node {
  declare readonly value: number | Dual;

  constructor(tag: number, value: number | Dual, requiresGrad = true) {
    super(tag, value, requiresGrad);
  }

  override detach(): Var {
    return new Var(this.tag, this.value, false);
  }

  override valueOf(): never {
    throw new TypeError('Var: a Var was used with a JavaScript operator (+, *, <, …); use its methods (x.add(y), x.mul(y)) so the graph is recorded');
  }

  override toString(): string {
    return `Var(${String(this.value)}${this.grad === null ? '' : `, grad=${String(this.grad)}`})`;
  }
}

export class TensorVar extends Node {
  declare readonly value: Tensor | DualTensor;

  constructor(tag: number, value: Tensor | DualTensor, requiresGrad = true) {
    super(tag, value, requiresGrad);
  }

  get shape(): readonly number[] {
    return this.value.shape;
  }

  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  get ndim(): number {
    return this.shape.length;
  }

  override detach(): TensorVar {
    return new TensorVar(this.tag, this.value, false);
  }

  /** The value of a one-element tensor node. */
  item(): number {
    const v = this.value;
    if (v instanceof Tensor) return v.item();
    return v.primal.item();
  }

  override valueOf(): never {
    throw new TypeError('TensorVar: a TensorVar was used with a JavaScript operator; use its methods');
  }

  override toString(): string {
    return `TensorVar(shape [${this.shape.join(',')}]${this.op === null ? '' : `, from ${this.op.name}`})`;
  }
}
