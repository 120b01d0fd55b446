/**
 * `scan(f, init, xs, { length?, reverse? })`: JAX's `lax.scan`, a loop that carries a value from
 * step to step and stacks what each step emits.
 *
 *   carry₀ = init;   [carryₜ₊₁, yₜ] = f(carryₜ, xₜ)  for t = 0 … n − 1;   result [carryₙ, ys]
 *
 * with xₜ the t-th slice of every leaf of xs along its leading axis and ys every leaf of the yₜ
 * stacked along a new leading axis (ys[t] = yₜ; `reverse` runs t from n − 1 down to 0 and still
 * puts yₜ at ys[t]). carry, x and y are trees (numbers, tensors, arrays and plain objects of
 * them); the carry keeps its structure and shapes from step to step.
 *
 * Why a primitive of @ad/jit rather than an op of core's table: an op has one tensor output and
 * rules written over an algebra, while a scan has a tree of outputs and its rules are loops of
 * the body's own derivatives — a scan of `vjp(f)` backwards over the saved carries (reverse
 * mode), f and its tangent map side by side (forward mode), and under `jit` a body traced once
 * and emitted as a loop. Those rules need @ad/forward's duals, @ad/reverse's graph and @ad/jit's
 * tracer; jit is the one package that sees all three (core ← forward ← reverse ← jit). So scan
 * dispatches itself, like an op does: the rule of the innermost derivative among its inputs
 * runs, and calls scan again one level down.
 */
import { DTypeError, ShapeError, Tensor, ValueError, tree, type MapLeaves, type Structure } from '@ad/core';
import { anyOps, isScalarLike, isTagged, isTensorLike } from '@ad/core/engine';
import { isPlainObject } from './tree.js';

/** Options of `scan`. */
export interface ScanOptions {
  /** The number of steps; needed when xs has no leaves, else it must equal their leading length. */
  readonly length?: number;
  /** Runs the steps from the last to the first (ys[t] still belongs to xs[t]). Default false. */
  readonly reverse?: boolean;
}

/** The leaves of ys: each leaf of y stacked along a new leading axis (a number becomes a tensor). */
export type Stacked<Y> = MapLeaves<Y, number, Tensor>;

/** A leaf's shape for the carry checks: null for a scalar. */
export type LeafShape = readonly number[] | null;

/** A scan's inputs as leaves, checked: what every rule starts from. */
export interface ScanProblem {
  readonly f: (carry: unknown, x: unknown) => unknown;
  readonly carry: { readonly leaves: readonly unknown[]; readonly structure: Structure; readonly shapes: readonly LeafShape[] };
  readonly xs: { readonly leaves: readonly unknown[]; readonly structure: Structure };
  readonly length: number;
  readonly reverse: boolean;
}

/**
 * Runs a loop over the leading axis of xs, carrying a value: `f(carry, x)` returns
 * `[newCarry, y]`; the result is `[finalCarry, ys]`, ys the y's stacked along a new leading axis.
 * Works on every kind of value (numbers, tensors, duals, graph nodes, jit tracers), so every
 * transform differentiates through it; under `jit` the body is traced once and emitted as a loop.
 * @param f - the step: (carry, x) ↦ [carry, y], the new carry of the carry's structure and shapes
 * @param init - the first carry
 * @param xs - a tree whose leaves are tensors of one leading length (or null with `length`)
 * @typeParam C - the carry's type
 * @typeParam X - the type of xs (each step gets one slice of it)
 * @typeParam Y - the type of what each step emits
 */
export function scan<C, X, Y>(f: (carry: C, x: X) => readonly [C, Y], init: C, xs: X, options?: ScanOptions): [C, Stacked<Y>] {
  const problem = readProblem(f as (carry: unknown, x: unknown) => unknown, init, xs, options);
  return runScan(problem) as [C, Stacked<Y>];
}

/** Checks scan's arguments and flattens them. */
function readProblem(f: (carry: unknown, x: unknown) => unknown, init: unknown, xs: unknown, options: unknown): ScanProblem {
  if (typeof f !== 'function') throw new DTypeError('scan', `f must be a function (carry, x) => [carry, y], got ${describe(f)}`);
  let length: number | undefined;
  let reverse = false;
  if (options !== undefined) {
    if (!isPlainObject(options)) throw new DTypeError('scan', `options must be a plain object ({ length?, reverse? }), got ${describe(options)}`);
    for (const k of Object.keys(options)) {
      if (k !== 'length' && k !== 'reverse') throw new ValueError('scan', `unknown option ${JSON.stringify(k)}; the options are length and reverse`);
    }
    const o = options as ScanOptions;
    if (o.length !== undefined && (typeof o.length !== 'number' || !Number.isInteger(o.length) || o.length < 1)) {
      throw new ValueError('scan', `length must be an integer ≥ 1 (the number of steps), got ${typeof o.length === 'number' ? o.length : describe(o.length)}`);
    }
    if (o.reverse !== undefined && typeof o.reverse !== 'boolean') throw new DTypeError('scan', `reverse must be true or false, got ${describe(o.reverse)}`);
    length = o.length;
    reverse = o.reverse ?? false;
  }
  const c = tree.flatten(init as never);
  const carryPaths = c.structure.paths();
  const shapes = c.leaves.map((leaf, i) => leafShape(leaf, `init${carryPaths[i]}`));
  const x = tree.flatten(xs as never);
  const xPaths = x.structure.paths();
  let lead: { n: number; at: string } | undefined;
  x.leaves.forEach((leaf, i) => {
    const at = `xs${xPaths[i]}`;
    const shape = leafShape(leaf, at);
    if (shape === null || shape.length === 0) {
      throw new ShapeError(
        'scan',
        `every leaf of xs must be a tensor with a leading axis to scan over; ${at} is ${shape === null ? 'a scalar' : 'a 0-d tensor'}`,
      );
    }
    if (lead === undefined) lead = { n: shape[0], at };
    else if (shape[0] !== lead.n) {
      throw new ShapeError('scan', `the leaves of xs must have one leading length: ${lead.at} has ${lead.n}, ${at} has ${shape[0]}`);
    }
  });
  if (lead === undefined && length === undefined)
    throw new ValueError('scan', 'xs has no leaves, so the number of steps must be given: scan(f, init, null, { length })');
  if (lead !== undefined && length !== undefined && length !== lead.n) {
    throw new ValueError('scan', `length is ${length} but the leaves of xs have leading length ${lead.n} (${lead.at})`);
  }
  const n = lead?.n ?? (length as number);
  if (n === 0) throw new ValueError('scan', `xs has leading length 0 (${lead!.at}); a scan needs at least one step to know what f emits`);
  return { f, carry: { leaves: c.leaves, structure: c.structure, shapes }, xs: { leaves: x.leaves, structure: x.structure }, length: n, reverse };
}

/** The shape of a leaf (null for a scalar); anything but a number, a tensor or a value of a mode is refused. */
function leafShape(leaf: unknown, at: string): LeafShape {
  if (isTensorLike(leaf)) return leaf.shape;
  if (isScalarLike(leaf)) return null;
  throw new DTypeError('scan', `the leaves of init and xs must be numbers, tensors or values of a transform; ${at} is ${describe(leaf)}`);
}

/** Scan at the level of its inputs: each rule runs where its kind is the innermost (see rules.ts). */
function runScan(p: ScanProblem): [unknown, unknown] {
  for (const rule of rules) {
    const out = rule(p);
    if (out !== undefined) return out;
  }
  return loop(p);
}

/** A rule: the scan done for the kind it handles, or undefined when its kind is not the innermost. */
type ScanRule = (p: ScanProblem) => [unknown, unknown] | undefined;

const rules: ScanRule[] = [];

/** Adds a rule, tried before the plain loop (forward, reverse and tracing register theirs). */
export function addScanRule(rule: ScanRule): void {
  rules.push(rule);
}

/** Slice t of a leaf of xs along its leading axis: a view for a tensor, the `slice` op otherwise. */
function sliceAt(leaf: unknown, t: number): unknown {
  if (leaf instanceof Tensor) return Tensor.view(leaf.data, leaf.shape.slice(1), leaf.stride.slice(1), leaf.offset + t * leaf.stride[0]);
  return (anyOps as unknown as { slice(x: unknown, i: number): unknown }).slice(leaf, t);
}

/** The x of step t: every leaf of xs sliced at t, in xs's structure. */
function xAt(p: ScanProblem, t: number): unknown {
  return tree.unflatten(
    p.xs.structure,
    p.xs.leaves.map((leaf) => sliceAt(leaf, t)),
  );
}

/**
 * One step's result, checked: a pair [carry, y] whose carry has the initial carry's structure and
 * leaf shapes, and whose y has step 0's structure and shapes (`ys` null at step 0, which sets them).
 */
export function splitStep(
  p: ScanProblem,
  out: unknown,
  t: number,
  ys: { readonly structure: Structure; readonly shapes: readonly LeafShape[] } | null,
): { carry: unknown[]; y: unknown[]; yStructure: Structure; yShapes: LeafShape[] } {
  if (!Array.isArray(out) || out.length !== 2) {
    throw new DTypeError('scan', `f must return a pair [carry, y], got ${Array.isArray(out) ? `an array of ${out.length}` : describe(out)} at step ${t}`);
  }
  const c = tree.flatten(out[0] as never);
  if (!c.structure.equals(p.carry.structure)) {
    throw new ValueError('scan', `f returned a carry of structure ${c.structure} at step ${t}; the carry must keep init's structure ${p.carry.structure}`);
  }
  const paths = c.structure.paths();
  c.leaves.forEach((leaf, i) => {
    const got = stepShape(leaf, `the carry${paths[i]}`, t);
    const want = p.carry.shapes[i];
    if (!sameLeafShape(got, want)) {
      throw new ShapeError(
        'scan',
        `f returned the carry${paths[i]} as ${showShape(got)} at step ${t}; init${paths[i]} is ${showShape(want)}, and a carry keeps its shapes`,
      );
    }
  });
  const y = tree.flatten(out[1] as never);
  const yPaths = y.structure.paths();
  const yShapes = y.leaves.map((leaf, i) => stepShape(leaf, `y${yPaths[i]}`, t));
  if (ys !== null) {
    if (!y.structure.equals(ys.structure))
      throw new ValueError('scan', `f returned y of structure ${y.structure} at step ${t}, and ${ys.structure} at the first step`);
    yShapes.forEach((s, i) => {
      if (!sameLeafShape(s, ys.shapes[i])) {
        throw new ShapeError('scan', `f returned y${yPaths[i]} as ${showShape(s)} at step ${t}, and as ${showShape(ys.shapes[i])} at the first step`);
      }
    });
  }
  return { carry: c.leaves, y: y.leaves, yStructure: y.structure, yShapes };
}

function stepShape(leaf: unknown, at: string, t: number): LeafShape {
  if (isTensorLike(leaf)) return leaf.shape;
  if (isScalarLike(leaf)) return null;
  throw new DTypeError('scan', `f must return numbers, tensors or values of a transform; ${at} is ${describe(leaf)} at step ${t}`);
}

function sameLeafShape(a: LeafShape, b: LeafShape): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function showShape(s: LeafShape): string {
  return s === null ? 'a scalar' : `shape [${s.join(',')}]`;
}

/**
 * The plain loop: f run step by step on whatever the inputs are. On numbers and tensors that is
 * the scan itself; on values of a transform it records or carries every step, as a loop written
 * by hand would (the rules avoid that where they apply).
 */
export function loop(p: ScanProblem): [unknown, unknown] {
  let carry = tree.unflatten(p.carry.structure, p.carry.leaves);
  const perStep: unknown[][] = new Array(p.length);
  let ys: { structure: Structure; shapes: LeafShape[] } | null = null;
  for (let k = 0; k < p.length; k++) {
    const t = p.reverse ? p.length - 1 - k : k;
    const step = splitStep(p, p.f(carry, xAt(p, t)), t, ys);
    ys ??= { structure: step.yStructure, shapes: step.yShapes };
    carry = tree.unflatten(p.carry.structure, step.carry);
    perStep[t] = step.y;
  }
  const stacked = ys!.shapes.map((shape, i) =>
    stackLeaves(
      perStep.map((y) => y[i]),
      shape,
    ),
  );
  return [carry, tree.unflatten(ys!.structure, stacked)];
}

/** Values of one shape stacked along a new leading axis: one copy for numbers and tensors. */
function stackLeaves(values: readonly unknown[], shape: LeafShape): unknown {
  const n = values.length;
  if (!values.some(isTagged)) {
    const size = shape === null ? 1 : shape.reduce((a, b) => a * b, 1);
    const out = new Float64Array(n * size);
    values.forEach((v, t) => {
      if (typeof v === 'number') out[t] = v;
      else out.set((v as Tensor).toFloat64Array(), t * size);
    });
    return Tensor.fromData(out, [n, ...(shape ?? [])]);
  }
  const o = anyOps as unknown as {
    stack(xs: readonly unknown[], axis: number): unknown;
    concat(xs: readonly unknown[], axis: number): unknown;
    mul(a: unknown, b: unknown): unknown;
  };
  if (shape !== null) return o.stack(values, 0);
  // A scalar of a mode has no reshape to [1] (the number algebra refuses it); x·[1] is exact.
  const one = Tensor.fromData(new Float64Array([1]), [1]);
  return o.concat(
    values.map((v) => o.mul(v, one)),
    0,
  );
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'undefined';
  if (Array.isArray(x)) return `an array of ${x.length}`;
  if (isTagged(x)) return `a ${x.constructor.name}`;
  if (typeof x === 'object') return `a ${(x as object).constructor?.name ?? 'object'}`;
  return typeof x;
}
