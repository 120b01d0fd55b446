/**
 * Expressions typed on the command line, `(x+y)*(x-y)`, parsed by mathjs's `parse` and mapped
 * onto @ad's ops, so the same expression runs on plain numbers, on forward-mode duals and on
 * reverse-mode graph nodes (core's `anyOps` dispatches on the operands' kinds). Anything that
 * is not one of our differentiable ops is refused with a message that lists what is.
 */
import type { Algebra } from '@ad/core';
import { anyOps, isScalarMethod, operandCount, table, type ScalarMethodName } from '@ad/core/engine';
import { parse, type MathNode } from 'mathjs/number';
import { UsageError } from './errors.js';

/** The ops an expression may use: the scalar functions of the op table, by the name it gives them. */
export type ExprOp = ScalarMethodName;

/** A parsed expression of `ad compare --fn` / `ad graph --fn`: a tree of inputs, constants and ops. */
export type Expr =
  | { readonly kind: 'const'; readonly value: number; readonly text: string }
  | { readonly kind: 'var'; readonly name: string; readonly text: string }
  | { readonly kind: 'op'; readonly op: ExprOp; readonly args: readonly Expr[]; readonly text: string };

/** Names mathjs users write for functions the table calls otherwise. */
const ALIASES: Readonly<Record<string, ExprOp>> = { max: 'maximum', min: 'minimum' };

/**
 * Functions by the name written in an expression, with their arity: every scalar function of
 * the op table (element-wise ops and scalar composites, read off the table, so an op added to
 * it is an expression function at once), and the aliases above.
 */
const FUNCTIONS: Readonly<Record<string, { op: ExprOp; arity: number }>> = (() => {
  const out: Record<string, { op: ExprOp; arity: number }> = {};
  for (const entry of Object.values(table)) {
    if (!isScalarMethod(entry)) continue;
    out[entry.name] = { op: entry.name as ExprOp, arity: operandCount(entry) };
  }
  for (const [alias, op] of Object.entries(ALIASES)) out[alias] = { op, arity: out[op].arity };
  return out;
})();

/** mathjs operator functions → our ops (element-wise and matrix forms mean the same on scalars). */
const OPERATORS: Readonly<Record<string, ExprOp | 'identity'>> = {
  add: 'add',
  subtract: 'sub',
  multiply: 'mul',
  dotMultiply: 'mul',
  divide: 'div',
  dotDivide: 'div',
  pow: 'pow',
  dotPow: 'pow',
  unaryMinus: 'neg',
  unaryPlus: 'identity',
};

const CONSTANTS: Readonly<Record<string, number>> = { pi: Math.PI, e: Math.E };

/** Infix symbols for printing a step the way it was written. */
export const INFIX: Partial<Record<ExprOp, string>> = { add: '+', sub: '−', mul: '·', div: '/', pow: '^' };

/** The functions an expression may call, for help texts and messages. */
export const FUNCTION_NAMES: readonly string[] = Object.keys(FUNCTIONS).sort();

/**
 * A table's own entry: names come from the user, and `constructor` or `__proto__` must not find
 * the object prototype's members (`x*__proto__` was NaN, `constructor` a function).
 */
function own<V>(table: Readonly<Record<string, V>>, name: string): V | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

/** A parsed expression: one or more outputs over named inputs. */
export interface Program {
  readonly source: string;
  readonly outputs: readonly Expr[];
  /** The variables the outputs use, in order of first appearance. */
  readonly variables: readonly string[];
}

/**
 * Parses `source` (one expression, or several as `[f1, f2]` or `f1; f2` for f: Rⁿ → Rᵐ).
 * `flag` names where it came from in messages.
 */
export function parseProgram(source: string, flag = '--fn'): Program {
  if (source.trim() === '') throw new UsageError(`${flag} is empty; give an expression such as "(x+y)*(x-y)"`);
  let root: MathNode;
  try {
    root = parse(source);
  } catch (e) {
    throw new UsageError(`cannot parse ${flag} ${JSON.stringify(source)}: ${(e as Error).message}`);
  }
  const tops = topLevel(root);
  if (tops.length === 0) throw new UsageError(`${flag} ${JSON.stringify(source)} has no expression`);
  const variables: string[] = [];
  const outputs = tops.map((n) => convert(n, flag, source, variables));
  return { source, outputs, variables };
}

/** The output expressions: the items of `[a, b]`, the statements of `a; b`, or the one expression. */
function topLevel(root: MathNode): MathNode[] {
  const node = unwrap(root);
  if (node.type === 'ArrayNode') return (node as unknown as { items: MathNode[] }).items;
  if (node.type === 'BlockNode') return (node as unknown as { blocks: { node: MathNode }[] }).blocks.map((b) => b.node);
  return [node];
}

function unwrap(node: MathNode): MathNode {
  let n = node;
  while (n.type === 'ParenthesisNode') n = (n as unknown as { content: MathNode }).content;
  return n;
}

function convert(node: MathNode, flag: string, source: string, variables: string[]): Expr {
  const text = node.toString();
  switch (node.type) {
    case 'ParenthesisNode':
      return convert((node as unknown as { content: MathNode }).content, flag, source, variables);
    case 'ConstantNode': {
      const value = (node as unknown as { value: unknown }).value;
      if (typeof value !== 'number') throw new UsageError(`${flag}: ${JSON.stringify(text)} is not a number`);
      return { kind: 'const', value, text };
    }
    case 'SymbolNode': {
      const name = (node as unknown as { name: string }).name;
      if (!variables.includes(name)) variables.push(name);
      return { kind: 'var', name, text };
    }
    case 'OperatorNode': {
      const { fn, op, args } = node as unknown as { fn: string; op: string; args: MathNode[] };
      const ours = own(OPERATORS, fn);
      if (ours === undefined) throw new UsageError(`${flag}: operator ${op} (${fn}) is not supported; use + - * / ^ and functions such as sin, exp, log`);
      const xs = args.map((a) => convert(a, flag, source, variables));
      if (ours === 'identity') return xs[0];
      return { kind: 'op', op: ours, args: xs, text };
    }
    case 'FunctionNode': {
      const { fn, args } = node as unknown as { fn: MathNode; args: MathNode[] };
      const name = fn.type === 'SymbolNode' ? (fn as unknown as { name: string }).name : fn.toString();
      const known = own(FUNCTIONS, name);
      if (known === undefined) throw new UsageError(`${flag}: unknown function ${name}(); known functions: ${FUNCTION_NAMES.join(', ')}`);
      if (args.length !== known.arity) {
        throw new UsageError(`${flag}: ${name} takes ${known.arity} argument${known.arity === 1 ? '' : 's'}, got ${args.length} in ${JSON.stringify(text)}`);
      }
      return { kind: 'op', op: known.op, args: args.map((a) => convert(a, flag, source, variables)), text };
    }
    default:
      throw new UsageError(
        `${flag}: ${JSON.stringify(text)} is not supported (${node.type.replace(/Node$/, '').toLowerCase()}); write arithmetic (+ - * / ^) and functions such as sin, exp, log`,
      );
  }
}

/** One op the evaluation applied: its expression, its operands (values of the mode) and its result. */
export interface Applied<T> {
  readonly expr: Extract<Expr, { kind: 'op' }>;
  readonly args: readonly (T | number)[];
  readonly result: T | number;
}

/**
 * Evaluates the outputs with `env` giving each variable's value (numbers, duals, graph nodes).
 * Named constants (pi, e) are numbers unless `env` gives them. `onApply` sees every op applied,
 * in evaluation order (operands before the op): the evaluation trace. A subexpression used twice
 * is written twice and so evaluated twice, as the expression says.
 */
export function evaluate<T>(program: Program, env: ReadonlyMap<string, T>, onApply?: (a: Applied<T>) => void): (T | number)[] {
  const o = anyOps as Algebra<T>;
  const run = (e: Expr): T | number => {
    if (e.kind === 'const') return e.value;
    if (e.kind === 'var') {
      const v = env.get(e.name);
      if (v !== undefined) return v;
      const c = own(CONSTANTS, e.name);
      if (c !== undefined) return c;
      throw new UsageError(`${program.source}: no value for ${e.name}`);
    }
    const args = e.args.map(run);
    const result = apply(o, e.op, args);
    onApply?.({ expr: e, args, result });
    return result;
  };
  return program.outputs.map(run);
}

function apply<T>(o: Algebra<T>, op: ExprOp, args: readonly (T | number)[]): T | number {
  // Every scalar function takes values of the mode or plain numbers (numbers are a kind too,
  // dispatched the same way), so one call serves them all.
  return (o[op] as (...xs: (T | number)[]) => T)(...args);
}

/** The variables of a program that `--at` must give, checked: every used variable needs a value. */
export function checkInputs(program: Program, names: readonly string[], flag = '--at'): void {
  const missing = program.variables.filter((v) => !names.includes(v) && !Object.hasOwn(CONSTANTS, v));
  if (missing.length > 0) {
    throw new UsageError(
      `${JSON.stringify(program.source)} uses ${missing.join(', ')}, which ${flag} does not give; add ${missing.map((m) => `${m}=…`).join(',')} to ${flag}`,
    );
  }
}
