/** The options of the sparse transforms, checked, and the pattern they read (given or detected). */
import { DTypeError, ShapeError, ValueError } from '@ad/core';
import { type ColoringOptions, checkOrder } from './coloring.js';
import { describe } from './compressed.js';
import { SparsityPattern } from './pattern.js';

/**
 * Which way a sparse Jacobian is computed: forward (columns colored), reverse (rows colored),
 * bidirectional (a bicoloring: some entries from forward seeds, the rest from reverse ones), or
 * auto: forward or reverse, whichever has fewer colors.
 */
export type SparseMode = 'forward' | 'reverse' | 'bidirectional' | 'auto';

/** A coloring chosen by vertex order, or given by hand (`colors[v]` of each column, or each row in reverse mode). */
export type ColoringChoice = ColoringOptions | { colors: ArrayLike<number> };

/**
 * A compiler of the compressed pass, as `jit` of @ad/jit: given a function it returns one that
 * computes the same (traced once, run many times).
 *
 * @typeParam F - the function compiled; the result has its type.
 */
export type Compile = <F extends (...args: never[]) => unknown>(fn: F) => F;

/** Options of `sparseJacobian` and `prepareJacobian`. */
export interface SparseJacobianOptions {
  /** The m × n pattern of J (m outputs, n inputs); detected by tracing f when absent. */
  pattern?: SparsityPattern;
  /** 'forward', 'reverse', 'bidirectional' or 'auto' (default: forward or reverse, whichever has fewer colors; forward on ties). */
  mode?: SparseMode;
  /** How to color: `{ order }` (default: the best of the orders) or `{ colors }` by hand (checked; needs mode 'forward' or 'reverse'). */
  coloring?: ColoringChoice;
  /**
   * Also compute J·v for one fixed pseudo-random v with a plain `jvp` and compare it with the
   * sparse J times v: a pattern that misses a nonzero is then refused instead of giving wrong
   * entries (one extra forward pass per evaluation).
   */
  check?: boolean;
  /**
   * Compile the compressed pass — the jvp of width c (or the recording and its pullbacks) — with
   * this function, e.g. `{ compile: jit }`; decompression stays outside it. @ad/sparse does not
   * depend on @ad/jit: the caller brings it.
   */
  compile?: Compile;
}

/** Options of `sparseHessian` and `prepareHessian`. */
export interface SparseHessianOptions {
  /** The n × n pattern of H (made symmetric: an entry implies its mirror); detected by tracing f when absent. */
  pattern?: SparsityPattern;
  /** How to star-color: `{ order }` (default: the best of the orders) or `{ colors }` by hand (checked). */
  coloring?: ColoringChoice;
  /** Also compare H·v (one plain Hessian-vector product) with the sparse H times v; see SparseJacobianOptions.check. */
  check?: boolean;
  /** Compile the compressed forward-over-reverse pass with this function, e.g. `{ compile: jit }`. */
  compile?: Compile;
}

const JACOBIAN_KEYS = ['pattern', 'mode', 'coloring', 'check', 'compile'];
const HESSIAN_KEYS = ['pattern', 'coloring', 'check', 'compile'];

/** The options object, with only known keys of the right kinds. */
export function checkOptions<O extends SparseJacobianOptions | SparseHessianOptions>(caller: string, options: unknown, hessian: boolean): O {
  if (options === undefined) return {} as O;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new DTypeError(caller, `options must be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  }
  const keys = hessian ? HESSIAN_KEYS : JACOBIAN_KEYS;
  for (const key of Object.keys(options)) {
    if (!keys.includes(key)) throw new ValueError(caller, `unknown option ${key}; the options are ${keys.join(', ')}`);
  }
  const o = options as SparseJacobianOptions;
  if (o.pattern !== undefined && !(o.pattern instanceof SparsityPattern)) {
    throw new DTypeError(caller, `pattern must be a SparsityPattern (SparsityPattern.fromCoordinates or fromDense), got ${describe(o.pattern)}`);
  }
  if (o.mode !== undefined && !['forward', 'reverse', 'bidirectional', 'auto'].includes(o.mode)) {
    throw new ValueError(caller, `mode must be 'forward', 'reverse', 'bidirectional' or 'auto', got ${String(o.mode)}`);
  }
  if (o.check !== undefined && typeof o.check !== 'boolean') throw new DTypeError(caller, `check must be a boolean, got ${typeof o.check}`);
  if (o.compile !== undefined && typeof o.compile !== 'function')
    throw new DTypeError(caller, `compile must be a function (as jit), got ${describe(o.compile)}`);
  const c = o.coloring;
  if (c !== undefined) {
    if (c === null || typeof c !== 'object') throw new DTypeError(caller, `coloring must be { order } or { colors }, got ${c === null ? 'null' : typeof c}`);
    if ('colors' in c) {
      if (!hessian && (o.mode ?? 'auto') === 'auto') {
        throw new ValueError(caller, "coloring by hand colors columns (mode 'forward') or rows (mode 'reverse'); say which with mode");
      }
    } else {
      checkOrder(c, caller);
    }
  }
  return o as O;
}

/** A given pattern, its columns checked against x's size (and its rows too for a Hessian). */
export function checkPattern(caller: string, pattern: SparsityPattern, n: number, square: boolean): SparsityPattern {
  const [m, cols] = pattern.shape;
  if (cols !== n || (square && m !== n)) {
    const needed = square ? `${n} × ${n}` : `m × ${n}`;
    throw new ShapeError(caller, `the pattern is ${m} × ${cols} but x has ${n} elements; it needs to be ${needed} (one column per element of x, row-major)`);
  }
  return pattern;
}
