/**
 * The evaluation trace of an expression (its Wengert list, in Griewank's numbering: inputs
 * v₁₋ₙ … v₀, intermediates v₁, v₂, …), built from the graph reverse mode recorded: each node
 * with its op, its operands, its value, its tangent for one forward seed (dot) and its adjoint
 * for the reverse seed ȳ = 1 (bar).
 *
 * The recording gives the nodes (`graphNodes`, in creation order) and their values and
 * adjoints; the expression's evaluator reports which operands each op took; a second
 * evaluation on dual numbers, in the same order, gives each intermediate's tangent.
 */
import { Dual, newTag } from '@ad/forward';
import { graphNodes, variable, type Node, type Var } from '@ad/reverse';
import { evaluate, INFIX, type Applied, type ExprOp } from './expression.js';
import { UsageError } from './errors.js';
import type { PointedProgram } from './point.js';
import { subscript } from './point.js';

/** An operand in the trace: another entry, or a constant written in the expression. */
export type Operand = { kind: 'entry'; id: number } | { kind: 'const'; value: number };

export interface TraceEntry {
  /** Griewank's index: 1 − n … 0 for the inputs, 1, 2, … for the intermediates. */
  id: number;
  /** The input's name, for inputs. */
  input: string | null;
  /** The recorded op's name (`add`, `sin`, …), null for inputs. */
  op: string | null;
  operands: Operand[];
  value: number;
  dot: number;
  bar: number;
}

export interface Trace {
  entries: TraceEntry[];
  /** The id of the output entry. */
  output: number;
}

export function trace(p: PointedProgram, tangent: readonly number[]): Trace {
  const n = p.names.length;
  if (p.program.outputs.length !== 1) {
    throw new UsageError(`--fn gives ${p.program.outputs.length} expressions; ad graph draws one at a time`);
  }

  // Reverse mode: record, keep the graph, back-propagate the seed ȳ = 1.
  const leaves = p.x.map((v) => variable(v));
  const applied: Applied<Var>[] = [];
  const [y] = evaluate(p.program, new Map(p.names.map((name, i) => [name, leaves[i]])), (a) => applied.push(a));
  if (typeof y === 'number') throw new UsageError(`${JSON.stringify(p.program.source)} does not depend on ${p.names.join(', ')}: nothing is recorded`);
  const nodes = graphNodes(y);
  y.backward(1, { retainGraph: true });

  // Forward mode: the same evaluation on duals seeded with the tangent, ops in the same order.
  const tag = newTag();
  const duals = p.x.map((v, i) => Dual.of(tag, v, [tangent[i]]));
  const dots: number[] = [];
  evaluate(p.program, new Map(p.names.map((name, i) => [name, duals[i]])), (a: Applied<Dual>) => dots.push(tangentOf(a.result)));

  // Which input, or which evaluation step, made each recorded node.
  const leafOf = (node: Node) => leaves.findIndex((l) => l.is(node));
  const stepOf = (node: Node) => applied.findIndex((a) => typeof a.result !== 'number' && a.result.is(node));
  // Intermediates are numbered in the order the recording made them.
  const stepIds = new Map<number, number>();
  for (const node of nodes) if (leafOf(node) < 0) stepIds.set(stepOf(node), stepIds.size + 1);
  const idOf = (node: Node): number => {
    const leaf = leafOf(node);
    return leaf >= 0 ? leaf - n + 1 : stepIds.get(stepOf(node))!;
  };

  const entries: TraceEntry[] = nodes.map((node) => {
    const id = idOf(node);
    const leaf = leafOf(node);
    const step = stepOf(node);
    const operands: Operand[] =
      step < 0 ? [] : applied[step].args.map((arg): Operand => (typeof arg === 'number' ? { kind: 'const', value: arg } : { kind: 'entry', id: idOf(arg) }));
    return {
      id,
      input: leaf >= 0 ? p.names[leaf] : null,
      op: node.op?.name ?? null,
      operands,
      value: node.value as number,
      dot: leaf >= 0 ? tangent[leaf] : step >= 0 ? dots[step] : 0,
      bar: (node.grad as number | null) ?? 0,
    };
  });
  // Inputs that the expression does not use are still inputs of f (with adjoint 0).
  for (let i = 0; i < n; i++) {
    if (!entries.some((e) => e.input === p.names[i])) {
      entries.push({ id: i - n + 1, input: p.names[i], op: null, operands: [], value: p.x[i], dot: tangent[i], bar: 0 });
    }
  }
  entries.sort((a, b) => a.id - b.id);
  return { entries, output: idOf(y) };
}

function tangentOf(v: Dual | number): number {
  return v instanceof Dual ? (v.first as number) : 0;
}

/** `v₋₁`, `v₀`, `v₃`. */
export function entryName(id: number): string {
  return `v${id < 0 ? '₋' : ''}${subscript(Math.abs(id))}`;
}

/** How an entry was computed: `x` for an input, `v₁ · v₂`, `sin(v₁)`, `−v₁`. */
export function definition(e: TraceEntry): string {
  if (e.input !== null) return e.input;
  const args = e.operands.map((o) => (o.kind === 'entry' ? entryName(o.id) : String(o.value)));
  const infix = INFIX[e.op as ExprOp];
  if (infix !== undefined && args.length === 2) return `${args[0]} ${infix} ${args[1]}`;
  if (e.op === 'neg') return `−${args[0]}`;
  return `${e.op}(${args.join(', ')})`;
}
