/**
 * The op table: every function of @ad, by name. It is the only list — the `Algebra` type, the
 * methods of every kind, the free functions, the scalar fast paths, the CLI's functions and the
 * tests' op pools are all read off it. Each module below exports its definitions and nothing
 * else, so an op defined there is in the table, and adding an op is its definition (and its
 * line in the spec table the tests check it with).
 *
 * - `ops`: the primitives, each with its primal and both rules (define.ts).
 * - `composites`: functions written with other functions of the table (transpose, gelu, concat),
 *   which every mode differentiates through.
 */
import * as unary from './unary.js';
import * as binary from './binary.js';
import * as reduce from './reduce.js';
import * as nn from './nn.js';
import * as shape from './shape.js';
import * as linalg from './linalg.js';
import * as activations from './activations.js';
import * as conv from './conv.js';
import * as indexing from './indexing.js';
import * as views from './views.js';
import * as compositeMath from './composite-math.js';
import type { Composite, Op } from './define.js';
import type { Entry, MethodImpl } from './signature.js';

/** Every primitive op by name, each with its primal, forward rule and reverse rule. */
export const ops = { ...unary, ...binary, ...reduce, ...nn, ...shape, ...linalg, ...activations, ...conv, ...indexing };

/** Every composite function by name. */
export const composites = { ...views, ...compositeMath };

/** The name of a primitive op. */
export type OpName = keyof typeof ops;

/** The table built into @ad, as a type (signature.ts's OpTable extends it). */
export type BuiltinTable = typeof ops & typeof composites;

/** Every entry by name, the registered ones included (registerOp adds to it). */
export const table: Record<string, Entry> = { ...ops, ...composites };

/** True for a primitive op (it has rules), false for a composite. */
export function isOp(entry: Entry): entry is Op<unknown, unknown> {
  return !('composite' in entry);
}

export type { Composite, Entry, MethodImpl };
