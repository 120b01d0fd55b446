/**
 * vmap(f): f written for one example, run on a batch. Each input's batch axis is moved to the
 * front and the input wrapped as a `Batched` value, which f sees as one example; every op f
 * applies runs its batching rule over the whole batch at once (one matmul for the batch, not
 * one per example), and each output gets its batch axis where `outAxes` says. It is a value
 * kind with its own tag, so it composes with every transform in any order: vmap(grad(f)) is
 * per-example gradients, grad of a vmapped loss differentiates through the batching rules,
 * jit(vmap(f)) traces the batched program once, vmap(vmap(f)) maps over two axes.
 */
import { DTypeError, ShapeError, ValueError, full, type MapLeaves, type Tensor, tree } from '@ad/core';
import { anyOps, isScalarLike, isTensorLike, newTag } from '@ad/core/engine';
import { type Axes, type Axis, checkAxes, describe, leafAxes, normalize } from './axes.js';
import { Batched } from './batched.js';

/** Where the batch lies in the inputs and outputs. */
export interface VmapOptions {
  /**
   * The batch axis of each input: one spec for every argument, or an array with one per
   * argument, each a number, null (not batched: the same for every example), or a tree
   * matching a prefix of that argument's. Default 0.
   */
  inAxes?: Axes;
  /** Where the batch axis goes in each output: a number, or a tree matching a prefix of the result's. Default 0. */
  outAxes?: Axes;
}

/** An argument of the vmapped function: what f takes, a number being allowed to come as a tensor of them. */
export type VmapArgs<A extends readonly unknown[]> = MapLeaves<A, number, number | Tensor>;

/** The vmapped function's result: f's, each number one per example (a tensor). */
export type VmapResult<R> = MapLeaves<R, number, Tensor>;

/**
 * What vmap returns for a function `F`: its arguments (numbers may come as tensors of them), its result batched.
 * @typeParam F - the function of one example.
 */
export type Vmapped<F extends (...args: never[]) => unknown> = (...args: VmapArgs<Parameters<F>>) => VmapResult<ReturnType<F>>;

/**
 * The function that maps f over a batch: `vmap(f)(xs)` equals stacking `f(x)` over the
 * examples x of xs, computed for all of them at once.
 *
 * ```ts
 * const perExample = vmap(grad(loss), { inAxes: [null, 0, 0] }); // (params, xs, ys) → a gradient per example
 * ```
 * @typeParam A - f's arguments (a generic f, as grad's result, keeps its own).
 * @typeParam R - f's result.
 */
export function vmap<A extends unknown[], R>(f: (...args: A) => R, options?: VmapOptions): (...args: VmapArgs<A>) => VmapResult<R>;
export function vmap(f: (...args: never[]) => unknown, options: VmapOptions = {}): (...args: unknown[]) => unknown {
  if (typeof f !== 'function') throw new DTypeError('vmap', `expected the function to map, got ${describe(f)}`);
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new DTypeError('vmap', `options must be an object ({ inAxes?, outAxes? }), got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (key !== 'inAxes' && key !== 'outAxes') throw new ValueError('vmap', `unknown option ${key}; the options are inAxes and outAxes`);
  }
  // null is an axis spec (no batch), so only an absent option takes the default.
  const inAxes = options.inAxes === undefined ? 0 : options.inAxes;
  const outAxes = options.outAxes === undefined ? 0 : options.outAxes;
  checkAxes('inAxes', inAxes);
  checkAxes('outAxes', outAxes);
  return (...args: unknown[]) => {
    const tag = newTag();
    const { leaves, structure } = tree.flatten(args as tree.Tree<unknown>);
    const axes = argumentAxes(inAxes, args);
    // Where each leaf sits, for messages only: worked out when one is needed.
    const path = pathsOf(structure, 'args');
    let size: number | undefined;
    let first = -1;
    let firstAxis = 0;
    const inputs = leaves.map((x, i) => {
      const axis = axes[i];
      if (axis === null) return x;
      if (!isTensorLike(x)) {
        throw new DTypeError(
          'vmap',
          `inAxes maps ${path(i)} over axis ${axis}, but it is ${describe(x)}, which has no axes; give it null to share it across the batch`,
        );
      }
      const shape = x.shape;
      const a = normalize('inAxes', axis, shape.length, path, i, shape);
      const n = shape[a];
      if (size === undefined) {
        size = n;
        first = i;
        firstAxis = a;
      } else if (n !== size) {
        throw new ShapeError(
          'vmap',
          `the inputs disagree on the batch size: ${path(first)} has ${size} along axis ${firstAxis}, ${path(i)} has ${n} along axis ${a}`,
        );
      }
      return new Batched(tag, a === 0 ? x : anyOps.permute(x, moveToFront(a, shape.length)), n);
    });
    if (size === undefined) {
      throw new ValueError(
        'vmap',
        'no input is mapped: inAxes gives every input null (or there are no tensor inputs), so there is no batch; give at least one input an axis',
      );
    }
    const result = f(...(tree.unflatten(structure, inputs) as never[]));
    return batchOut(result, outAxes, tag, size);
  };
}

/** Each argument leaf's batch axis: one spec for all, or one per argument. */
function argumentAxes(inAxes: Axes, args: readonly unknown[]): Axis[] {
  if (inAxes === null || typeof inAxes === 'number') return leafAxes('inAxes', inAxes, args, 'args');
  if (!Array.isArray(inAxes)) {
    throw new ValueError('vmap', 'inAxes must be an axis, null, or an array with one entry per argument; an object is an entry, as [{ w: 0, b: null }]');
  }
  if (inAxes.length !== args.length) {
    throw new ValueError('vmap', `inAxes has ${inAxes.length} entries but the function got ${args.length} arguments; give one entry per argument`);
  }
  return leafAxes('inAxes', inAxes, args, 'args');
}

/** f's result with each leaf's batch axis where outAxes says, unbatched leaves spread over the batch. */
function batchOut(result: unknown, outAxes: Axes, tag: number, size: number): unknown {
  const { leaves, structure } = tree.flatten(result as tree.Tree<unknown>);
  const axes = leafAxes('outAxes', outAxes, result, 'the result');
  const path = pathsOf(structure, 'the result');
  const out = leaves.map((y, i) => {
    const mine = y instanceof Batched && y.tag === tag;
    if (y instanceof Batched && y.tag > tag) {
      throw new DTypeError('vmap', `${path(i)} is a batched value of an inner vmap that escaped it (kept from inside it by a closure or a variable)`);
    }
    const axis = axes[i];
    if (axis === null) {
      if (mine) throw new ValueError('vmap', `outAxes gives ${path(i)} null, but it differs across the batch; give it an axis`);
      return y;
    }
    let v: unknown;
    if (mine) v = (y as Batched).examples;
    else if (typeof y === 'number') v = full([size], y);
    else if (isTensorLike(y)) v = anyOps.broadcastTo(y, [size, ...y.shape]);
    else if (isScalarLike(y)) v = anyOps.mul(full([size], 1), y);
    else throw new DTypeError('vmap', `${path(i)} is ${describe(y)}; a vmapped function returns numbers, tensors and arrays or objects of them`);
    const shape = anyOps.shape(v);
    const a = normalize('outAxes', axis, shape.length, path, i, shape);
    return a === 0 ? v : anyOps.permute(v, moveFromFront(a, shape.length));
  });
  return tree.unflatten(structure, out);
}

/** Leaf i's path under `root` (`args[0].w`), computed once on first use. */
function pathsOf(structure: tree.Structure, root: string): (i: number) => string {
  let paths: string[] | undefined;
  return (i) => {
    paths ??= structure.paths().map((p) => `${root}${p}`);
    return paths[i];
  };
}

/** The permutation bringing axis a to the front, the others in order. */
function moveToFront(a: number, rank: number): number[] {
  return [a, ...Array.from({ length: rank }, (_, i) => i).filter((i) => i !== a)];
}

/** The permutation taking the front axis to position a, the others in order. */
function moveFromFront(a: number, rank: number): number[] {
  const perm = Array.from({ length: rank - 1 }, (_, i) => i + 1);
  perm.splice(a, 0, 0);
  return perm;
}
