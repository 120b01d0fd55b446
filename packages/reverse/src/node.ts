/**
 * Graph nodes as users see them. Every op result under reverse mode is a node that keeps its
 * parents and how to send its adjoint back to them, x̄ += ∂y/∂x·ȳ, in one of two ways:
 *
 * - a scalar op on numbers records its local partials ∂y/∂a, ∂y/∂b as numbers, computed from
 *   the op's own rule when the node is made: backward is then a multiply-add;
 * - any other op records a closure that runs the op's reverse rule at backward time.
 *
 * `Var` holds a scalar and `TensorVar` a tensor. Both are small handles onto an entry of the
 * graph's tape (tape.ts explains why the entries live in typed arrays).
 */
import { DTypeError, Tensor, ValueError, type NestedArray, type Op } from '@ad/core';
import { primalOf } from '@ad/core/engine';
import { Dual, type DualTensor } from '@ad/forward';
import {
  type Chunk,
  DA_NUMBER,
  DB_NUMBER,
  DUALS,
  HAS_GRAD,
  INERT,
  NUMERIC,
  REQUIRES_GRAD,
  chunkFor,
  currentPass,
  demote,
  dualsEntry,
  entryValue,
  laneAdjoint,
  slotOf,
  soloChunk,
  writeDual,
  type Ext,
  type Primal,
} from './tape.js';

export type { Primal, Pull } from './tape.js';

/** A node of a recorded graph: the common part of Var and TensorVar. */
export abstract class Node {
  /** The tape chunk and index of this node's entry. */
  readonly chunk: Chunk;
  readonly index: number;
  /**
   * The value of a non-numeric node, held by the handle too: backward releases the tape's
   * copy (tensor activations would otherwise live as long as the chunk), while a handle the
   * user kept, such as the loss, still reads its value.
   */
  protected readonly held: Primal | undefined;

  constructor(chunk: Chunk, index: number, held?: Primal) {
    this.chunk = chunk;
    this.index = index;
    this.held = held;
  }

  /** The graph this node belongs to. */
  get tag(): number {
    return this.chunk.tags[this.index];
  }

  /** The primal value. */
  get value(): Primal {
    const c = this.chunk;
    if (c.flags[this.index] & NUMERIC) return c.val[this.index];
    return this.held !== undefined ? this.held : (entryValue(c, this.index) as Primal);
  }

  /** Whether adjoints flow to this node (false for constants, detached nodes, noGrad results). */
  get requiresGrad(): boolean {
    return (this.chunk.flags[this.index] & REQUIRES_GRAD) !== 0;
  }

  /** The op that made this node, null for a leaf (an input of the graph). */
  get op(): Op<never> | null {
    return this.chunk.op[this.index];
  }

  get isLeaf(): boolean {
    return this.op === null;
  }

  /**
   * The accumulated gradient: set by backward(), summed across calls until zeroGrad();
   * undefined before the first backward (PyTorch's None).
   */
  get grad(): Primal | undefined {
    return this.readGrad();
  }

  set grad(g: Primal | null | undefined) {
    this.writeGrad(g);
  }

  /** @internal The accumulated gradient, for the typed accessors of Var and TensorVar. */
  protected readGrad(): Primal | undefined {
    const c = this.chunk;
    const k = this.index;
    if (!(c.flags[k] & HAS_GRAD)) return undefined;
    return c.flags[k] & NUMERIC ? c.grad[k] : (c.ext[k]!.grad ?? undefined);
  }

  /** @internal Sets or (with null or undefined) clears the accumulated gradient. */
  protected writeGrad(g: Primal | null | undefined): void {
    const c = this.chunk;
    const k = this.index;
    if (c.flags[k] & DUALS) demote(c, k);
    if (g === null || g === undefined) {
      c.flags[k] &= ~HAS_GRAD;
      if (!(c.flags[k] & NUMERIC)) c.ext[k]!.grad = null;
      return;
    }
    if (c.flags[k] & NUMERIC) {
      if (typeof g !== 'number') throw new DTypeError('grad', `a scalar node takes a number as its gradient, got ${typeof g}`);
      c.grad[k] = g;
    } else c.ext[k]!.grad = g;
    c.flags[k] |= HAS_GRAD;
  }

  /** This node's adjoint in the most recent backward pass (null if that pass did not reach it). */
  get adjoint(): Primal | null {
    const c = this.chunk;
    const k = this.index;
    if (c.pass[k] !== currentPass()) return null;
    return c.flags[k] & NUMERIC ? c.adj[k] : c.flags[k] & DUALS ? laneAdjoint(c, k) : c.ext[k]!.adjoint;
  }

  /** Clears the accumulated gradient. */
  zeroGrad(): void {
    this.writeGrad(undefined);
  }

  /** True if both handles denote the same node. */
  is(other: Node): boolean {
    return this.chunk === other.chunk && this.index === other.index && (this.chunk !== INERT || this.held === other.held);
  }

  /** A new leaf with the same value that records nothing and receives no gradient. */
  detach(): Node {
    return leaf(this.tag, this.value, false);
  }
}

export class Var extends Node {
  /** The value (a number; a Dual of an enclosing forward derivative when nested). */
  override get value(): number {
    const c = this.chunk;
    const k = this.index;
    if (c.flags[k] & NUMERIC) return c.val[k];
    return (this.held !== undefined ? this.held : entryValue(c, k)) as number;
  }

  /**
   * The accumulated gradient ∂root/∂this of the backward passes so far; undefined before the
   * first. (A node nested in forward mode, whose value is a Dual, holds a Dual here.)
   */
  override get grad(): number | undefined {
    return this.readGrad() as number | undefined;
  }

  override set grad(g: number | null | undefined) {
    this.writeGrad(g);
  }

  /**
   * The innermost value as a number, through every enclosing derivative (`value` is one level
   * down: a Dual or a Var of an outer graph when nested). For control flow, as `if (x.primal > 0)`.
   */
  get primal(): number {
    return primalOf(this.value);
  }

  override detach(): Var {
    return super.detach() as Var;
  }

  override valueOf(): never {
    throw new ValueError('Var', 'a Var was used with a JavaScript operator (+, *, <, …); use its methods (x.add(y), x.mul(y)) so the graph is recorded');
  }

  override toString(): string {
    const g = this.grad;
    return `Var(${String(this.value)}${g === undefined ? '' : `, grad=${String(g)}`})`;
  }
}

export class TensorVar extends Node {
  override get value(): Tensor | DualTensor {
    return (this.held !== undefined ? this.held : this.chunk.ext[this.index]!.value) as Tensor | DualTensor;
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

  /**
   * The accumulated gradient, a tensor of this node's shape; undefined before the first
   * backward. (A node nested in forward mode, whose value is a DualTensor, holds one here.)
   */
  override get grad(): Tensor | undefined {
    return this.readGrad() as Tensor | undefined;
  }

  override set grad(g: Tensor | null | undefined) {
    this.writeGrad(g);
  }

  override detach(): TensorVar {
    return super.detach() as TensorVar;
  }

  /** The primal tensor (the innermost one, when nested in forward mode). */
  get primal(): Tensor {
    const v = this.value;
    return v instanceof Tensor ? v : v.primal;
  }

  /** The value of a one-element tensor node. */
  item(): number {
    return this.primal.item();
  }

  /** The values as nested arrays, like Tensor's. */
  toArray(): NestedArray {
    return this.primal.toArray();
  }

  /** The values row-major in a fresh Float64Array, like Tensor's. */
  toFloat64Array(): Float64Array {
    return this.primal.toFloat64Array();
  }

  override valueOf(): never {
    throw new ValueError(
      'TensorVar',
      'a TensorVar was used with a JavaScript operator (+, *, <, …); use its methods (x.add(y), x.matmul(w)) so the graph is recorded',
    );
  }

  override toString(): string {
    const op = this.op;
    return `TensorVar(shape [${this.shape.join(',')}]${op === null ? '' : `, from ${op.name}`})`;
  }
}

/** True for values held by a scalar node: numbers and scalar values of enclosing derivatives. */
export function isScalarValue(value: Primal): boolean {
  return typeof value === 'number' || !(value instanceof Tensor || (value as { shape?: unknown }).shape !== undefined);
}

/** A handle of the right kind for an entry. */
export function handle(chunk: Chunk, index: number, value: Primal): Var | TensorVar {
  return isScalarValue(value) ? new Var(chunk, index, value) : new TensorVar(chunk, index, value);
}

/** A constant node: a handle on the shared inert entry, holding its value. */
export function inertHandle(value: Primal): Var | TensorVar {
  return isScalarValue(value) ? new Var(INERT, 0, value) : new TensorVar(INERT, 0, value);
}

/** Records a leaf (an input of the graph). */
export function leaf(tag: number, value: Primal, requiresGrad: boolean): Var | TensorVar {
  const [c, k] = leafEntry(tag, value, requiresGrad);
  return handle(c, k, value);
}

/** Records a leaf entry and returns where it is (for handle classes of other packages). */
export function leafEntry(tag: number, value: Primal, requiresGrad: boolean): [Chunk, number] {
  if (requiresGrad && value instanceof Dual && value.numeric && value.tag < tag) {
    // A first-order Dual (forward over reverse's input) in the columns: its adjoint's shares add up there.
    const w = value.width;
    const c = dualsEntry(tag, null, value.tag, w);
    const k = c.n - w - 1;
    writeDual(c.val, k, value);
    c.flags[k + 1] = DA_NUMBER | DB_NUMBER;
    return [c, k];
  }
  const c = isScalarValue(value) ? chunkFor(tag) : soloChunk();
  const k = c.n++;
  c.tags[k] = tag;
  c.op[k] = null;
  if (typeof value === 'number') {
    c.flags[k] = NUMERIC | (requiresGrad ? REQUIRES_GRAD : 0);
    c.val[k] = value;
  } else {
    c.flags[k] = requiresGrad ? REQUIRES_GRAD : 0;
    c.ext[k] = { value, pull: null, da: null, db: null, others: null, adjoint: null, grad: null } satisfies Ext;
  }
  return [c, k];
}

/**
 * Records a scalar fast-path node: value `out`, parents (ca, ia) and (cb, ib) with local
 * partials da and db (a null chunk for no parent).
 */
export function recordScalar(tag: number, op: Op<never>, out: number, ca: Chunk | null, ia: number, da: number, cb: Chunk | null, ib: number, db: number): Var {
  const c = chunkFor(tag);
  const k = c.n++;
  c.tags[k] = tag;
  c.flags[k] = NUMERIC | REQUIRES_GRAD;
  c.val[k] = out;
  c.op[k] = op;
  c.liveOps++;
  c.sa[k] = ca === null ? 0 : ca === c ? 1 : slotOf(c, ca);
  c.ia[k] = ia;
  c.da[k] = da;
  c.sb[k] = cb === null ? 0 : cb === c ? 1 : slotOf(c, cb);
  c.ib[k] = ib;
  c.db[k] = db;
  return new Var(c, k);
}
