/**
 * Typed errors. Every message names the op, what it got and what it needed, so a user reading
 * only the message can fix the call: `matmul: cannot multiply [2,3] by [4,5] (inner dimensions 3 ≠ 4)`.
 */

/** Base class of every error `@ad` throws on purpose. `op` names the function that refused. */
export class AdError extends Error {
  readonly op: string;

  constructor(op: string, message: string) {
    super(`${op}: ${message}`);
    this.op = op;
    this.name = new.target.name;
  }
}

/** Shapes that do not fit together: broadcasting, matmul, reshape, axes out of range. */
export class ShapeError extends AdError {}

/** A value of the wrong kind: a string where a number was needed, a ragged nested array. */
export class DTypeError extends AdError {}

/** A value of the right kind that is out of range: a negative size, an unknown option. */
export class ValueError extends AdError {}

/**
 * A kernel thread failed: a worker of the thread pool threw, died or did not finish its share
 * in time (see setNumThreads). The pool is stopped; the next call starts a new one.
 */
export class ThreadError extends AdError {}

/** Formats a shape the way messages print it: `[2,3]`, `[]` for a scalar. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
