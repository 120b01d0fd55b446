/**
 * `inAxes` and `outAxes`: where the batch lies in each input and output. As JAX's in_axes and
 * out_axes, an axis spec is a number (the batch axis), null (no batch: shared by every example)
 * or a tree that is a prefix of the values' tree — a number or null there covers everything
 * under it. `inAxes` is one spec for all arguments or an array with one per argument.
 */
import { DTypeError, ValueError, tree } from '@ad/core';

/** The batch axis of one value, or null for none. */
export type Axis = number | null;

/** Axes for a tree of values: one for all its leaves, or a tree of them matching a prefix of its structure. */
export type Axes = Axis | readonly Axes[] | { readonly [key: string]: Axes };

/** A value as messages name it. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object') {
    if (tree.isContainer(v)) return 'an object';
    const shape = (v as { shape?: unknown }).shape;
    return Array.isArray(shape) ? `a tensor of shape [${shape.join(',')}]` : `a ${v.constructor?.name ?? 'value'}`;
  }
  if (typeof v === 'number') return `the number ${v}`;
  return `a ${typeof v}`;
}

/** Every spec in an axes tree is an integer or null: checked once, where vmap is made. */
export function checkAxes(what: string, axes: unknown, path = ''): void {
  if (axes === null) return;
  if (typeof axes === 'number') {
    if (!Number.isInteger(axes)) throw new ValueError('vmap', `${what}${path} must be an integer axis or null, got ${axes}`);
    return;
  }
  if (Array.isArray(axes)) {
    axes.forEach((a, i) => checkAxes(what, a, `${path}[${i}]`));
    return;
  }
  if (tree.isContainer(axes)) {
    for (const key of Object.keys(axes)) checkAxes(what, (axes as Record<string, unknown>)[key], `${path}.${key}`);
    return;
  }
  throw new DTypeError('vmap', `${what}${path} must be an integer axis, null, or an array or object of them, got ${describe(axes)}`);
}

/**
 * The axis of each leaf of `value`, in tree.flatten's leaf order, from `axes` (a prefix of
 * `value`'s structure). `where` names the value in messages (`args[1]`, `the result`).
 */
export function leafAxes(what: string, axes: Axes, value: unknown, where: string, out: Axis[] = []): Axis[] {
  if (axes === null || typeof axes === 'number') {
    const n = tree.leaves(value as tree.Tree<unknown>).length;
    for (let i = 0; i < n; i++) out.push(axes);
    return out;
  }
  if (Array.isArray(axes)) {
    if (!Array.isArray(value) || value.length !== axes.length) {
      throw new ValueError('vmap', `${what} has an array of ${axes.length} for ${where}, which is ${describe(value)}; its structure must match the value's`);
    }
    axes.forEach((a: Axes, i) => leafAxes(what, a, value[i], `${where}[${i}]`, out));
    return out;
  }
  const specs = axes as Record<string, Axes>;
  const keys = Object.keys(specs).sort();
  const have = tree.isContainer(value) && !Array.isArray(value) ? Object.keys(value).sort() : null;
  if (have === null || have.length !== keys.length || have.some((k, i) => k !== keys[i])) {
    throw new ValueError(
      'vmap',
      `${what} has an object with keys {${keys.join(', ')}} for ${where}, which is ${describe(value)}${have === null ? '' : ` with keys {${have.join(', ')}}`}; its structure must match the value's`,
    );
  }
  // Sorted keys: the order tree.flatten visits an object's leaves in.
  for (const key of keys) leafAxes(what, specs[key], (value as Record<string, unknown>)[key], `${where}.${key}`, out);
  return out;
}

/** An axis in [−rank, rank) as a non-negative one, or a ValueError naming the value (leaf i at `path(i)`). */
export function normalize(what: string, axis: number, rank: number, path: (i: number) => string, i: number, shape: readonly number[]): number {
  if (axis < -rank || axis >= rank) {
    throw new ValueError('vmap', `${what}: axis ${axis} is out of range for ${path(i)}, of shape [${shape.join(',')}] (axes −${rank}…${rank - 1})`);
  }
  return axis < 0 ? axis + rank : axis;
}
