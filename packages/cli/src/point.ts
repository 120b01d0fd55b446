/** An expression and the point it is differentiated at, as `--fn` and `--at` give them. */
import { parseAssignments } from './args.js';
import { evaluate, checkInputs, parseProgram, type Program } from './expression.js';

export interface PointedProgram {
  readonly program: Program;
  /** Input names, in --at order. */
  readonly names: readonly string[];
  /** Input values, in --at order. */
  readonly x: readonly number[];
  /** f as a function of one array of inputs (any kind: numbers, duals, graph nodes): the form the transforms take. */
  readonly f: <T>(xs: readonly T[]) => (T | number)[];
}

/**
 * f and its point, parsed. `names` says what messages call the two (the command's flags; the
 * playground passes the labels of its fields, whose readers never typed a flag).
 */
export function pointed(fn: string, at: string, names_: { fn: string; at: string } = { fn: '--fn', at: '--at' }): PointedProgram {
  const program = parseProgram(fn, names_.fn);
  const assignments = parseAssignments(names_.at, at);
  const names = assignments.map(([n]) => n);
  checkInputs(program, names, names_.at);
  return {
    program,
    names,
    x: assignments.map(([, v]) => v),
    f: <T>(xs: readonly T[]) => evaluate(program, new Map(names.map((n, i) => [n, xs[i]]))),
  };
}

/** `f(x, y) = (x + y) * (x - y)` (or `f₁ = …` lines for several outputs). */
export function signature(p: PointedProgram): string[] {
  const args = p.names.join(', ');
  if (p.program.outputs.length === 1) return [`f(${args}) = ${p.program.outputs[0].text}`];
  return p.program.outputs.map((o, i) => `f${subscript(i + 1)}(${args}) = ${o.text}`);
}

export function subscript(i: number): string {
  return String(i).replace(/\d/g, (d) => '₀₁₂₃₄₅₆₇₈₉'[Number(d)]);
}
