/**
 * scan's derivative rules. Each runs where its mode holds the innermost derivative among the
 * scan's inputs, and computes with scans one level down (so, under `jit`, with loops whose
 * bodies are traced once), never by unrolling the steps into its own graph.
 *
 * Reverse mode (a graph node among the inputs), as JAX transposes scan:
 *
 *   primal:   [c_{t+1}, y_t] = f(c_t, x_t), one level down, saving every c_t
 *   backward: c̄_n = ȳ(final carry);  for t = n − 1 … 0:  [c̄_t, x̄_t] = vjp(f, c_t, x_t)(c̄_{t+1}, ȳ_t)
 *
 * — one node per output, all fed by one pullback (@ad/reverse's recordMany) that is itself a
 * scan, of the body's vjp, in the opposite order. A carry leaf f passes through unchanged (a
 * parameter carried along) is not saved per step: it is the same at every step.
 *
 * Forward mode (a dual among the inputs): the tangent scan runs alongside the primal one, as
 * one scan one level down whose carry and xs hold each leaf's value and its k tangents:
 *
 *   [c_{t+1}, ċ_{t+1}, y_t, ẏ_t] = jvp(f)(c_t, x_t; ċ_t, ẋ_t)
 *
 * A body that closes over a value of the derivative in progress (not among the scan's inputs)
 * cannot be run one level down: such a scan runs its steps one by one at its own level, which is
 * right but unrolled; pass such values in the carry or xs.
 */
import { type Tensor, tree, zeros } from '@ad/core';
import { KIND, isTagged, type Tagged } from '@ad/core/engine';
import { Dual, DualTensor } from '@ad/forward';
import { Node, recordMany, vjp, type Primal } from '@ad/reverse';
import { Tracer, TensorTracer } from './tracer.js';
import { addScanRule, loop, scan, splitStep, type LeafShape, type ScanProblem } from './scan.js';

/** The body read a value of this level it was not given: the rule steps aside for the loop. */
class ClosesOver extends Error {}

/** The input leaf of the innermost derivative (the highest tag), or null for plain inputs. */
function topOf(p: ScanProblem): Tagged | null {
  let top: Tagged | null = null;
  for (const leaf of [...p.carry.leaves, ...p.xs.leaves]) if (isTagged(leaf) && (top === null || leaf.tag > top.tag)) top = leaf;
  return top;
}

/** Whether two values are one: the same object, or tracers of one node. */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return typeof a === 'object' && a !== null;
  return (a instanceof Tracer || a instanceof TensorTracer) && (b instanceof Tracer || b instanceof TensorTracer) && a.graph === b.graph && a.id === b.id;
}

function zerosOf(shape: LeafShape): number | Tensor {
  return shape === null ? 0 : zeros(shape);
}

function reverseRule(p: ScanProblem): [unknown, unknown] | undefined {
  const top = topOf(p);
  if (!(top instanceof Node) || top[KIND].inert?.(top) !== undefined) return undefined;
  // recordMany's outputs are tensors (see there): a scalar carry leaf takes the loop.
  if (p.carry.shapes.some((s) => s === null)) return undefined;
  const level = top.tag;
  const down = (v: unknown): unknown => (v instanceof Node && v.tag === level ? v.value : v);
  const carry0 = p.carry.leaves.map(down);
  const xs0 = p.xs.leaves.map(down);
  const m = carry0.length;
  // A value of this derivative or a later one (a jit tracer is of the level below, whatever its tag).
  const above = (v: unknown) => isTagged(v) && v.tag >= level && !(v instanceof Tracer || v instanceof TensorTracer);

  // The primal one level down, keeping each step's carry (but for the leaves passed through).
  let passes: boolean[] | null = null;
  let yStructure: ReturnType<typeof splitStep>['yStructure'] | null = null;
  let yShapes: LeafShape[] = [];
  let calls = 0;
  // The checks hold while the primal runs. An enclosing derivative may call primalStep again
  // later, on its own values (the lower scan's rule differentiates it): then it is a function.
  let primalRuns = true;
  const primalStep = (c: unknown[], x: unknown): [unknown[], [unknown[], unknown[]]] => {
    const step = splitStep(p, p.f(tree.unflatten(p.carry.structure, c), x), calls++, yStructure === null ? null : { structure: yStructure, shapes: yShapes });
    if (passes === null) {
      passes = step.carry.map((leaf, j) => same(leaf, c[j]));
      yStructure = step.yStructure;
      yShapes = step.yShapes;
    }
    if (primalRuns) {
      if (step.carry.some(above) || step.y.some(above)) throw new ClosesOver();
      if (step.carry.some((leaf, j) => passes![j] && !same(leaf, c[j]))) throw new ClosesOver();
    }
    return [step.carry, [step.y, c.filter((_, j) => !passes![j])]];
  };
  let final: unknown[];
  let ys: unknown[];
  let saved: unknown[];
  try {
    const [cT, [y, s]] = scan(primalStep, carry0, tree.unflatten(p.xs.structure, xs0), { length: p.length, reverse: p.reverse }) as unknown as [
      unknown[],
      [unknown[], unknown[]],
    ];
    [final, ys, saved] = [cT, y, s];
  } catch (e) {
    if (e instanceof ClosesOver) return loop(p);
    throw e;
  } finally {
    primalRuns = false;
  }
  const pass = passes! as boolean[];
  const parentOf = (v: unknown): Node | null => (v instanceof Node && v.tag === level && (v as unknown as Tagged)[KIND].inert?.(v) === undefined ? v : null);
  const parents = [...p.carry.leaves, ...p.xs.leaves].map(parentOf);
  const outStructure = yStructure!;
  if (parents.every((q) => q === null)) return [tree.unflatten(p.carry.structure, final), tree.unflatten(outStructure, ys)];

  // The backward pass: a scan of the body's vjp over the saved carries, the other way round.
  const pull = (bars: readonly (Primal | null)[]): (Primal | null)[] => {
    const cBarT = p.carry.shapes.map((s, j) => bars[j] ?? zerosOf(s));
    const yBars = yShapes.map((s, i) => bars[m + i] ?? zeros([p.length, ...(s ?? [])]));
    // The leaves passed through ride in the carry, unchanged, rather than being closed over: an
    // enclosing reverse derivative then sees them as inputs (reverse over reverse stays a scan).
    const pinned = carry0.filter((_, j) => pass[j]);
    const backStep = ([cBar, fixed]: [unknown[], unknown[]], [x, kept, yBar]: [unknown[], unknown[], unknown[]]): [[unknown[], unknown[]], unknown[]] => {
      let next = 0;
      let nextFixed = 0;
      const c = carry0.map((_, j) => (pass[j] ? fixed[nextFixed++] : kept[next++]));
      const body = ([cc, xx]: [unknown[], unknown[]]) => {
        const [c2, y] = p.f(tree.unflatten(p.carry.structure, cc), tree.unflatten(p.xs.structure, xx)) as [unknown, unknown];
        return [tree.flatten(c2 as never).leaves, tree.flatten(y as never).leaves];
      };
      const { vjp: back } = vjp(body as never, [c, x] as never) as unknown as { vjp: (ct: unknown) => [unknown[], unknown[]] };
      const [cb, xb] = back([cBar, yBar]);
      return [[cb, fixed], xb];
    };
    const [[cBar0], xBars] = scan(backStep, [cBarT, pinned], [xs0, saved, yBars], { length: p.length, reverse: !p.reverse }) as unknown as [
      [unknown[], unknown[]],
      unknown[],
    ];
    return [...cBar0, ...xBars].map((b, i) => (parents[i] === null ? null : (b as Primal)));
  };
  const nodes = recordMany(level, 'scan', parents, [...final, ...ys] as Primal[], pull);
  return [tree.unflatten(p.carry.structure, nodes.slice(0, m)), tree.unflatten(outStructure, nodes.slice(m))];
}

/** The k tangents of a leaf at derivative `level` (zeros for a leaf that is constant there). */
function tangentsOf(leaf: unknown, level: number, k: number, shape: LeafShape): unknown[] {
  if (leaf instanceof Dual && leaf.tag === level) return leaf.partials;
  if (leaf instanceof DualTensor && leaf.tag === level) return [...leaf.tangents];
  return Array.from({ length: k }, () => zerosOf(shape));
}

function primalAt(leaf: unknown, level: number): unknown {
  return (leaf instanceof Dual || leaf instanceof DualTensor) && leaf.tag === level ? leaf.value : leaf;
}

/** A dual of `level` from a value one level down and its k tangents. */
function dualOf(value: unknown, tangents: readonly unknown[], level: number, shape: LeafShape): Dual | DualTensor {
  return shape === null ? Dual.of(level, value as Dual, tangents as Dual[]) : new DualTensor(level, value as Tensor, tangents as Tensor[]);
}

function forwardRule(p: ScanProblem): [unknown, unknown] | undefined {
  const top = topOf(p);
  if (!(top instanceof Dual || top instanceof DualTensor)) return undefined;
  const level = top.tag;
  const k = top.width;
  const xShapes = p.xs.leaves.map((leaf) => (leaf as { shape: readonly number[] }).shape);
  const cs = p.carry.leaves;
  // One level down: each leaf as its value and its k tangents, side by side.
  const carry0 = [cs.map((leaf) => primalAt(leaf, level)), cs.map((leaf, j) => tangentsOf(leaf, level, k, p.carry.shapes[j]))];
  const xs0 = [p.xs.leaves.map((leaf) => primalAt(leaf, level)), p.xs.leaves.map((leaf, i) => tangentsOf(leaf, level, k, xShapes[i]))];
  const above = (v: unknown) => isTagged(v) && v.tag >= level && !(v instanceof Tracer || v instanceof TensorTracer);
  let yStructure: ReturnType<typeof splitStep>['yStructure'] | null = null;
  let yShapes: LeafShape[] = [];
  let calls = 0;
  // As in the reverse rule, the check holds while this scan runs, not when jvpStep is
  // differentiated later by an enclosing derivative.
  let running = true;
  const split = (leaves: readonly unknown[], shapes: readonly LeafShape[]): [unknown[], unknown[][]] => {
    const values: unknown[] = [];
    const tangents: unknown[][] = [];
    leaves.forEach((leaf, j) => {
      const v = primalAt(leaf, level);
      if (running && above(v)) throw new ClosesOver();
      values.push(v);
      tangents.push(tangentsOf(leaf, level, k, shapes[j]));
    });
    return [values, tangents];
  };
  const jvpStep = ([c, cDot]: [unknown[], unknown[][]], [x, xDot]: [unknown[], unknown[][]]): [[unknown[], unknown[][]], [unknown[], unknown[][]]] => {
    const carry = tree.unflatten(
      p.carry.structure,
      c.map((v, j) => dualOf(v, cDot[j], level, p.carry.shapes[j])),
    );
    const xt = tree.unflatten(
      p.xs.structure,
      x.map((v, i) => dualOf(v, xDot[i], level, xShapes[i].slice(1))),
    );
    const step = splitStep(p, p.f(carry, xt), calls++, yStructure === null ? null : { structure: yStructure, shapes: yShapes });
    if (yStructure === null) {
      yStructure = step.yStructure;
      yShapes = step.yShapes;
    }
    return [split(step.carry, p.carry.shapes), split(step.y, yShapes)];
  };
  let out: [[unknown[], unknown[][]], [unknown[], unknown[][]]];
  try {
    out = scan(jvpStep as never, carry0, xs0, { length: p.length, reverse: p.reverse }) as never;
  } catch (e) {
    if (e instanceof ClosesOver) return loop(p);
    throw e;
  } finally {
    running = false;
  }
  const [[c, cDot], [y, yDot]] = out;
  return [
    tree.unflatten(
      p.carry.structure,
      c.map((v, j) => dualOf(v, cDot[j], level, p.carry.shapes[j])),
    ),
    tree.unflatten(
      yStructure!,
      y.map((v, i) => dualOf(v, yDot[i], level, [p.length])),
    ),
  ];
}

addScanRule(reverseRule);
addScanRule(forwardRule);
