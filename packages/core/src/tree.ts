/**
 * Trees of values ("pytrees", as JAX calls them): the inputs and outputs of the transforms. A
 * tree is an array or a plain object of trees, `null`/`undefined` (a node with no leaves, as
 * JAX's None), or a leaf — anything else: a number, a tensor, a value of a transform. A
 * transform flattens its argument to leaves, differentiates with respect to them, and puts the
 * derivatives back in the argument's shape: `grad(f)({ w, b })` is `{ w: ∂f/∂w, b: ∂f/∂b }`.
 *
 * An object's keys are visited in sorted order (JAX's rule for dicts), so `{ w, b }` and
 * `{ b, w }` have the same structure and the same leaf order. Only arrays and plain objects
 * (prototype Object or null) are containers: a Map, a class instance or a tensor is a leaf, so
 * a model's parameters go in as `model.parameters()` or a plain object of tensors.
 */
import { DTypeError, ValueError } from './errors.js';

/** A tree whose leaves are of type L. */
export type Tree<L> = L | null | undefined | readonly Tree<L>[] | { readonly [key: string]: Tree<L> };

/**
 * T with each leaf of type From replaced by To, arrays and objects kept (tuples stay tuples):
 * the type of a tree after a transform maps its leaves.
 */
export type MapLeaves<T, From, To> = T extends From
  ? To
  : T extends null | undefined
    ? T
    : T extends readonly unknown[]
      ? { -readonly [K in keyof T]: MapLeaves<T[K], From, To> }
      : T extends Record<string, unknown>
        ? { -readonly [K in keyof T]: MapLeaves<T[K], From, To> }
        : T;

/** Whether v is a container of the tree (an array or a plain object), not a leaf. */
export function isContainer(v: unknown): v is readonly unknown[] | Record<string, unknown> {
  if (Array.isArray(v)) return true;
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

type Node =
  | { readonly kind: 'leaf' }
  | { readonly kind: 'none'; readonly value: null | undefined }
  | { readonly kind: 'array'; readonly children: readonly Node[] }
  | { readonly kind: 'object'; readonly keys: readonly string[]; readonly children: readonly Node[] };

/** The shape of a tree without its leaves: what `unflatten` needs to rebuild it. */
export class Structure {
  /** How many leaves the tree has. */
  readonly size: number;

  /** @internal `flat`: the node is an array of leaves, rebuilt by copying the leaves. */
  constructor(
    private readonly node: Node,
    private readonly flat = false,
  ) {
    this.size = flat ? (node as { children: readonly Node[] }).children.length : count(node);
  }

  /** Where each leaf sits, in leaf order: `''` for a lone leaf, else like `[0]`, `.w`, `.layers[1].b`. */
  paths(): string[] {
    const out: string[] = [];
    const walk = (n: Node, at: string): void => {
      if (n.kind === 'leaf') out.push(at);
      else if (n.kind === 'array') n.children.forEach((c, i) => walk(c, `${at}[${i}]`));
      else if (n.kind === 'object') n.children.forEach((c, i) => walk(c, `${at}${pathKey(n.keys[i])}`));
    };
    walk(this.node, '');
    return out;
  }

  /** Whether two trees have the same containers, keys and leaf positions. */
  equals(other: Structure): boolean {
    return this.toString() === other.toString();
  }

  /** `*` for a leaf, as JAX prints a PyTreeDef: `{b: *, w: [*, *]}`. */
  toString(): string {
    const show = (n: Node): string => {
      if (n.kind === 'leaf') return '*';
      if (n.kind === 'none') return String(n.value);
      if (n.kind === 'array') return `[${n.children.map(show).join(', ')}]`;
      return `{${n.keys.map((k, i) => `${JSON.stringify(k)}: ${show(n.children[i])}`).join(', ')}}`;
    };
    return show(this.node);
  }

  /** @internal */
  rebuild(leaves: readonly unknown[], op: string): unknown {
    if (leaves.length !== this.size) throw new ValueError(op, `the structure ${this} has ${this.size} leaves, got ${leaves.length}`);
    if (this.flat) return leaves.slice();
    let next = 0;
    const build = (n: Node): unknown => {
      if (n.kind === 'leaf') return leaves[next++];
      if (n.kind === 'none') return n.value;
      if (n.kind === 'array') return n.children.map(build);
      const out: Record<string, unknown> = {};
      n.children.forEach((c, i) => {
        out[n.keys[i]] = build(c);
      });
      return out;
    };
    return build(this.node);
  }
}

/** Every leaf's node: one object, not one per leaf (grad of n scalars flattens n leaves). */
const LEAF: Node = { kind: 'leaf' };

function count(n: Node): number {
  if (n.kind === 'leaf') return 1;
  if (n.kind === 'none') return 0;
  return n.children.reduce((s, c) => s + count(c), 0);
}

function pathKey(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** The leaves of a tree in order, and its structure; `unflatten(structure, leaves)` undoes it. */
export function flatten<L = unknown>(tree: Tree<L>): { leaves: L[]; structure: Structure } {
  // The common case, an array of leaves (grad of n scalars), without the walk.
  if (Array.isArray(tree) && tree.every((v) => v !== null && v !== undefined && !isContainer(v))) {
    return { leaves: tree.slice() as L[], structure: new Structure({ kind: 'array', children: new Array<Node>(tree.length).fill(LEAF) }, true) };
  }
  const leaves: L[] = [];
  const seen = new Set<object>();
  const walk = (v: unknown, at: string): Node => {
    if (v === null || v === undefined) return { kind: 'none', value: v };
    if (!isContainer(v)) {
      leaves.push(v as L);
      return LEAF;
    }
    // A tree is finite: a container met again on its own path would never end.
    if (seen.has(v)) throw new ValueError('tree.flatten', `the tree contains itself at ${at === '' ? 'its root' : at}`);
    seen.add(v);
    let node: Node;
    if (Array.isArray(v)) node = { kind: 'array', children: v.map((c, i) => walk(c, `${at}[${i}]`)) };
    else {
      const keys = Object.keys(v).sort();
      const record = v as Record<string, unknown>;
      node = { kind: 'object', keys, children: keys.map((k) => walk(record[k], `${at}${pathKey(k)}`)) };
    }
    seen.delete(v);
    return node;
  };
  const structure = new Structure(walk(tree, ''));
  return { leaves, structure };
}

/** The tree of `structure` with the given leaves in order. */
export function unflatten<L = unknown>(structure: Structure, leaves: readonly L[]): Tree<L> {
  if (!(structure instanceof Structure))
    throw new DTypeError('tree.unflatten', `expected a Structure from tree.flatten or tree.structure, got ${typeof structure}`);
  if (!Array.isArray(leaves)) throw new DTypeError('tree.unflatten', `leaves must be an array, got ${typeof leaves}`);
  return structure.rebuild(leaves, 'tree.unflatten') as Tree<L>;
}

/** The leaves of a tree, in order (arrays by index, objects by sorted key). */
export function leaves<L = unknown>(tree: Tree<L>): L[] {
  return flatten(tree).leaves;
}

/** The structure of a tree (its containers and leaf positions). */
export function structure(tree: Tree<unknown>): Structure {
  return flatten(tree).structure;
}

/**
 * f applied to each leaf, in a tree of the same structure; with several trees (all of the first
 * one's structure), f gets the leaves at the same position: `map((p, g) => p.sub(g.mul(lr)), params, grads)`.
 */
export function map<T, R>(f: (leaf: T, ...rest: never[]) => R, tree: Tree<T>, ...rest: Tree<unknown>[]): Tree<R> {
  if (typeof f !== 'function') throw new DTypeError('tree.map', `f must be a function, got ${typeof f}`);
  const first = flatten(tree);
  const others = rest.map((t, i) => {
    const o = flatten(t);
    if (!o.structure.equals(first.structure)) {
      throw new ValueError('tree.map', `tree ${i + 2} has structure ${o.structure}, not the first tree's ${first.structure}`);
    }
    return o.leaves;
  });
  const apply = f as (leaf: T, ...rest: unknown[]) => R;
  return first.structure.rebuild(
    first.leaves.map((leaf, k) => apply(leaf, ...others.map((o) => o[k]))),
    'tree.map',
  ) as Tree<R>;
}
