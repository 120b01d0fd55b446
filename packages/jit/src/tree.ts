/**
 * Walking the arguments and results of a jitted function: numbers and tensors in arrays and
 * plain objects, to any depth. One loop with an explicit stack, never recursion per node, so a
 * 10⁴-deep nested array is walked as easily as a flat one; a structure that contains itself is
 * refused by name instead of walked forever.
 */
import { DTypeError } from '@ad/core';

/** Where a value sits, as a chain to its root: read it with `whereOf` (only when a message needs it). */
export interface Place {
  readonly parent: Place | null;
  /** `x` or `argument 1` at a root, `[3]` or `.key` below. */
  readonly label: string;
}

/** A place as messages print it: `x[1].w[0]`. */
export function whereOf(at: Place): string {
  const parts: string[] = [];
  for (let p: Place | null = at; p !== null; p = p.parent) parts.push(p.label);
  return parts.reverse().join('');
}

/** An object literal's kind: Object.prototype or no prototype (not a class instance, not an array). */
export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null) return false;
  const p = Object.getPrototypeOf(x);
  return p === Object.prototype || p === null;
}

/**
 * The entry test of a compiled program for an object argument: a plain object whose own
 * enumerable keys are `keys`, in that order (a key added, removed or moved is another signature).
 */
export function keysAre(o: unknown, keys: readonly string[]): boolean {
  if (!isPlainObject(o)) return false;
  let i = 0;
  for (const k in o) {
    if (!Object.hasOwn(o, k)) continue;
    if (k !== keys[i]) return false;
    i++;
  }
  return i === keys.length;
}

/** What a walk calls, in depth-first order, children left to right. */
export interface TreeVisitor {
  /** A value that is not an array or a plain object; `index` is its position among its siblings. */
  leaf(x: unknown, at: Place, index: number): void;
  /** An array (`keys` null) or a plain object (its own keys), before its children. */
  enter(x: readonly unknown[] | Record<string, unknown>, keys: readonly string[] | null, at: Place, index: number): void;
  /** After the children of the container entered last. */
  exit(): void;
}

type Item = { readonly x: unknown; readonly at: Place; readonly index: number } | { readonly done: object };

/** Walks `roots` (at `places`) depth first without recursion. */
export function walkTree(roots: readonly unknown[], places: readonly Place[], visitor: TreeVisitor): void {
  const open = new Set<object>();
  const stack: Item[] = [];
  for (let i = roots.length - 1; i >= 0; i--) stack.push({ x: roots[i], at: places[i], index: i });
  while (stack.length > 0) {
    const item = stack.pop()!;
    if ('done' in item) {
      open.delete(item.done);
      visitor.exit();
      continue;
    }
    const { x, at, index } = item;
    const array = Array.isArray(x);
    if (!array && !isPlainObject(x)) {
      visitor.leaf(x, at, index);
      continue;
    }
    const container = x as object;
    if (open.has(container)) throw new DTypeError('jit', `${whereOf(at)} contains itself; a circular structure cannot be traced`);
    open.add(container);
    const keys = array ? null : Object.keys(container);
    visitor.enter(x as unknown[] | Record<string, unknown>, keys, at, index);
    stack.push({ done: container });
    if (keys === null) {
      const xs = x as readonly unknown[];
      for (let i = xs.length - 1; i >= 0; i--) stack.push({ x: xs[i], at: { parent: at, label: `[${i}]` }, index: i });
    } else {
      const o = x as Record<string, unknown>;
      for (let i = keys.length - 1; i >= 0; i--) stack.push({ x: o[keys[i]], at: { parent: at, label: `.${keys[i]}` }, index: i });
    }
  }
}

/**
 * The same structure with every leaf replaced by `leaf(x, at)`: arrays become new arrays (passed
 * through `wrapArray` when given), plain objects new plain objects with the same keys in order.
 */
export function mapTree(
  roots: readonly unknown[],
  places: readonly Place[],
  leaf: (x: unknown, at: Place) => unknown,
  wrapArray?: (xs: unknown[], at: Place) => unknown[],
): unknown[] {
  const out = new Array<unknown>(roots.length);
  const open: { target: unknown[] | Record<string, unknown>; keys: readonly string[] | null }[] = [];
  const put = (v: unknown, index: number): void => {
    if (open.length === 0) {
      out[index] = v;
      return;
    }
    const { target, keys } = open[open.length - 1];
    if (keys === null) (target as unknown[])[index] = v;
    // defineProperty, not assignment: a key named __proto__ is an own property, as in the input.
    else Object.defineProperty(target, keys[index], { value: v, enumerable: true, writable: true, configurable: true });
  };
  walkTree(roots, places, {
    leaf: (x, at, index) => put(leaf(x, at), index),
    enter: (x, keys, at, index) => {
      const target = keys === null ? new Array<unknown>((x as readonly unknown[]).length) : {};
      put(keys === null && wrapArray !== undefined ? wrapArray(target as unknown[], at) : target, index);
      open.push({ target, keys });
    },
    exit: () => {
      open.pop();
    },
  });
  return out;
}
