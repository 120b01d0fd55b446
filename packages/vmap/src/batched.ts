/**
 * The value a vmapped function runs on: a whole batch of examples along the first axis of
 * `value`, seen by the function as ONE example — its `shape` is an example's shape. Every op
 * applied to it runs the op's batching rule (core's ops/batching.ts) on the whole batch at
 * once, so code written for one example never loops over the batch.
 *
 * Batched is a value kind like the modes' (a dual, a graph node, a jit tracer): it carries the
 * tag of its vmap, so nested vmaps and vmap mixed with grad, jvp or jit in any order each see
 * their own level, the innermost first (core's engine/dispatch.ts).
 */
import { DTypeError, ShapeError, type Tensor, type Op } from '@ad/core';
import { anyInterpreter, anyOps, installTensorMethods, registerKind, type Interpreter, type TensorMethods } from '@ad/core/engine';

/** A batch of examples along the first axis of `value` (a tensor or a value of an enclosing transform). */
export class Batched {
  constructor(
    /** The vmap this batch belongs to. */
    readonly tag: number,
    /**
     * Every example, along its first axis. Not named `value`: that is where the modes keep the
     * primal a derivative is taken at, which code walks down to read numbers (`primalOf`); the
     * batch is not a primal of this value, so such a walk stops here, at a value that refuses
     * to be read as one number.
     */
    readonly examples: unknown,
    /** How many examples. */
    readonly batchSize: number,
  ) {}

  /** One example's shape: the value's without the batch axis. */
  get shape(): readonly number[] {
    return anyInterpreter.shape(this.examples).slice(1);
  }

  /** Elements in one example. */
  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** A batch has no single number: reading one (an `if`, an operator) would pick one example silently. */
  valueOf(): never {
    throw new DTypeError(
      'vmap',
      `a batched value of shape [${this.shape.join(',')}] was read as a number (a JavaScript operator or an \`if\` on it); ` +
        'under vmap the function sees every example at once, so branch with `where` instead',
    );
  }

  /** Its values exist per example only through the vmapped function's result. */
  toArray(): never {
    throw new DTypeError('vmap', 'toArray() of a batched value: return it from the vmapped function to read every example');
  }

  /** As toArray(). */
  toFloat64Array(): never {
    throw new DTypeError('vmap', 'toFloat64Array() of a batched value: return it from the vmapped function to read every example');
  }

  /** As toArray(). */
  item(): never {
    throw new DTypeError('vmap', 'item() of a batched value: return it from the vmapped function to read every example');
  }

  /** `Batched(64 × [784])`: how many examples, and one example's shape. */
  toString(): string {
    return `Batched(${this.batchSize} × [${this.shape.join(',')}])`;
  }
}

declare module './batched.js' {
  interface Batched extends TensorMethods<Batched, Tensor> {}
}

/** The batching interpreter: an op on batched operands runs its batching rule on the whole batch. */
const batchInterpreter: Interpreter<unknown> = {
  apply<P>(op: Op<P>, xs: readonly unknown[], params: P): unknown {
    // The innermost vmap among the operands is this op's level; an outer one's batch is a
    // constant here, carried inside the values the rule computes with.
    let level: Batched | undefined;
    for (const x of xs) if (x instanceof Batched && (level === undefined || x.tag > level.tag)) level = x;
    const { tag, batchSize } = level as Batched;
    const rule = op.batch;
    if (rule === undefined) {
      throw new DTypeError(
        'vmap',
        `the op ${op.name} has no batching rule, so vmap cannot run it over a batch (it never runs an op one example at a time); ` +
          'give it one where it is defined: batch: { how, apply } (see @ad/core batching rules)',
      );
    }
    const batched = xs.map((x) => x instanceof Batched && x.tag === tag);
    const values = xs.map((x, i) => (batched[i] ? (x as Batched).examples : x));
    let y: unknown;
    try {
      y = rule.apply(anyOps, op, values, batched, params, batchSize);
    } catch (e) {
      // The op saw the whole batch: say which shapes the user's function had for one example.
      if (!(e instanceof ShapeError)) throw e;
      const shapes = xs.map((x, i) => `[${anyInterpreter.shape(x).join(',')}]${batched[i] ? '' : ' (shared)'}`).join(', ');
      throw new ShapeError(
        e.op,
        `${e.message.slice(e.op.length + 2)} — under vmap over a batch of ${batchSize}, where one example's operands have shapes ${shapes}`,
      );
    }
    const shape = anyInterpreter.shape(y);
    if (shape[0] !== batchSize) {
      throw new ShapeError(
        'vmap',
        `the batching rule of ${op.name} returned shape [${shape.join(',')}], which is not a batch of ${batchSize} along its first axis`,
      );
    }
    return new Batched(tag, y, batchSize);
  },
  constant: (c) => c,
  shape: (x) => (x as Batched).shape,
};

registerKind(Batched.prototype, { interpreter: batchInterpreter });
installTensorMethods(Batched.prototype, () => anyOps);
