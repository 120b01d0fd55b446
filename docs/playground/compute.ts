/**
 * What the playground shows for one input — the expression, the point, the forward seeds ẋ and
 * the reverse seeds ȳ — computed with the toolkit itself: the evaluation trace (Wengert list)
 * with each node's value, its tangents for the forward seeds and its adjoints for the reverse
 * seeds; the tangents ẏ = J·ẋ (one forward pass carrying every seed) and the adjoints x̄ = Jᵀ·ȳ
 * (one recording, a backward pass per seed); the Jacobian both ways with the passes each took;
 * and the straight-line program @ad/jit generates. The expression language, its messages and
 * the trace's notation are the `ad` command's (@ad/cli/browser).
 *
 * Runs in the playground's Web Worker; plain data in, plain data out.
 */
import { Dual, jacfwd, jvp, newTag } from '@ad/forward';
import { adjointProgram, jit } from '@ad/jit';
import { grad, jacrev, variable, vjp, type Var } from '@ad/reverse';
import {
  UsageError,
  definition,
  entryName,
  evaluate,
  num,
  parseNumberList,
  parseProgram,
  pointed,
  signature,
  subscript,
  vector,
  type Applied,
  type Operand,
  type PointedProgram,
} from '@ad/cli/browser';

/** What the reader typed, as the URL carries it. */
export interface PlaygroundInput {
  /** The expression: `(x+y)*(x-y)`, or `[f1, f2]` for several outputs. */
  fn: string;
  /** The point: `x=3,y=2`. */
  at: string;
  /** Forward seeds ẋ, one entry per input, several seeds separated by `;`: `1,1` or `1,0; 0,1`. Empty: e₁. */
  seed: string;
  /** Reverse seeds ȳ, one entry per output, several separated by `;`. Empty: e₁ (ȳ = 1 for a scalar f). */
  rseed: string;
}

export type Field = keyof PlaygroundInput;

/** Bad input: which field, and the message the `ad` command gives for it. */
export interface FieldError {
  field: Field;
  message: string;
}

/** One line of the Wengert list. */
export interface Row {
  /** v₋₁, v₀, v₁, … */
  name: string;
  /** `x`, `v₋₁ + v₀`, `sin(v₁)`. */
  definition: string;
  /** The op's name, or `input`. */
  op: string;
  value: number;
  /** The node's tangent for each forward seed. */
  dots: number[];
  /** The node's adjoint for each reverse seed. */
  bars: number[];
  /** Which outputs this node is (f, or f₁, f₂, …). */
  outputs: string[];
  /** Entries this one was computed from (indices into the rows), and constants. */
  operands: Operand[];
  /** Griewank's index: 1 − n … 0 for inputs, 1, 2, … for intermediates. */
  id: number;
}

export interface PlaygroundResult {
  signature: string[];
  names: string[];
  x: number[];
  /** f(x): a number, or one per output. */
  value: number | number[];
  /** The forward seeds ẋ, each with one entry per input. */
  seeds: number[][];
  /** The reverse seeds ȳ, each with one entry per output. */
  cotangents: number[][];
  rows: Row[];
  /** ẏ = J·ẋ as `jvp` returns it: for one seed a number (scalar f) or one per output; for several, one entry per seed. */
  tangent: number | number[] | number[][];
  /** x̄ = Jᵀ·ȳ: one per input; for several reverse seeds, one such vector per seed. */
  adjoint: number[] | number[][];
  jacobianForward: number[][];
  jacobianReverse: number[][];
  passes: {
    /** Forward passes jacfwd made (each carries a chunk of seeds). */
    jacfwd: number;
    /** Times jacrev recorded f, and its backward passes (one per output). */
    jacrevRecordings: number;
    jacrevBackward: number;
    /** The chosen forward seeds: one pass carrying all of them. */
    tangent: number;
    /** The chosen reverse seeds: recordings of f (one), and one backward pass per seed. */
    adjointRecordings: number;
    adjoint: number;
  };
  /** The program @ad/jit generates for f's derivative, with what it is. */
  program: { title: string; source: string; note: string | null };
}

export type Outcome = { ok: true; result: PlaygroundResult } | { ok: false; error: FieldError };

/** What messages call each field: the page's own words (its readers type into fields, not the CLI's flags). */
export const LABELS: Readonly<Record<Field, string>> = { fn: 'f', at: 'the point', seed: 'forward seed', rseed: 'reverse seed' };

export function compute(input: PlaygroundInput): Outcome {
  let field: Field = 'fn';
  try {
    parseProgram(input.fn, LABELS.fn);
    field = 'at';
    const p = pointed(input.fn, input.at, LABELS);
    const n = p.names.length;
    const m = p.program.outputs.length;
    field = 'seed';
    const seeds = parseSeeds(input.seed, LABELS.seed, n, `f has ${n} input${n === 1 ? '' : 's'} (${p.names.join(', ')})`);
    field = 'rseed';
    const cotangents = parseSeeds(input.rseed, LABELS.rseed, m, `f has ${m} output${m === 1 ? '' : 's'}`);
    field = 'fn';
    return { ok: true, result: study(p, seeds, cotangents) };
  } catch (e) {
    return { ok: false, error: { field, message: e instanceof Error ? e.message : String(e) } };
  }
}

/** `1,1` → [[1, 1]]; `1,0; 0,1` → [[1, 0], [0, 1]]; empty → [e₁]. Each seed must have `width` entries. */
export function parseSeeds(text: string, flag: string, width: number, what: string): number[][] {
  if (text.trim() === '') return [Array.from({ length: width }, (_, i) => (i === 0 ? 1 : 0))];
  return text.split(';').map((part) => {
    const seed = parseNumberList(flag, part, {});
    if (seed.length !== width) throw new UsageError(`${flag} ${seed.join(',')} has ${seed.length} entr${seed.length === 1 ? 'y' : 'ies'}; ${what}`);
    return seed;
  });
}

type Fn = (xs: never[]) => unknown;

function study(p: PointedProgram, seeds: number[][], cotangents: number[][]): PlaygroundResult {
  const m = p.program.outputs.length;
  const x = [...p.x];
  // The transforms take f of one array; a single output is returned as a scalar.
  let calls = 0;
  const f = ((xs: readonly unknown[]) => {
    calls++;
    const ys = p.f(xs);
    return m === 1 ? ys[0] : ys;
  }) as Fn;
  const call = <T>(fn: () => T): [T, number] => {
    calls = 0;
    const out = fn();
    return [out, calls];
  };

  const values = p.f(x) as number[];
  // The seeds are directions (a row each, k × n); jvp's { seeds } form takes them a row per input
  // (input i carries [ẋ⁽¹⁾ᵢ, …, ẋ⁽ᵏ⁾ᵢ]) and returns a row per output, [output][seed], as shown.
  const V = p.x.map((_, i) => seeds.map((s) => s[i]));
  const [{ tangent }, tangentPasses] = call(
    () => (seeds.length === 1 ? jvp(f as never, x, seeds[0]) : jvp(f as never, x, { seeds: V })) as { tangent: number | number[] | number[][] },
  );
  const [pull, recordings] = call(() => vjp(f as never, x).vjp as (c: number | readonly number[]) => number[]);
  const adjoints = cotangents.map((c) => pull(m === 1 ? c[0] : c));
  const [jacobianForward, jacfwdPasses] = call(() => jacfwd(f as never)(x));
  const [jacobianReverse, jacrevRecordings] = call(() => jacrev(f as never)(x));

  return {
    signature: signature(p),
    names: [...p.names],
    x,
    value: m === 1 ? values[0] : values,
    seeds,
    cotangents,
    rows: wengertList(p, seeds, cotangents),
    tangent,
    adjoint: adjoints.length === 1 ? adjoints[0] : adjoints,
    jacobianForward,
    jacobianReverse,
    passes: { jacfwd: jacfwdPasses, jacrevRecordings, jacrevBackward: m, tangent: tangentPasses, adjointRecordings: recordings, adjoint: cotangents.length },
    program: program(f, x, m),
  };
}

/**
 * The Wengert list, in the `ad graph` command's numbering, for several seeds each way and
 * several outputs. Values come from one recording; the tangents from one evaluation on duals
 * carrying every forward seed, in the same order; the adjoints of reverse seed ȳ from a
 * recording back-propagated from each output yᵢ with seed ȳᵢ (every node keeps its summed
 * adjoint in `.grad`), so node v gets Σᵢ ȳᵢ·∂yᵢ/∂v.
 */
function wengertList(p: PointedProgram, seeds: number[][], cotangents: number[][]): Row[] {
  const n = p.names.length;
  const m = p.program.outputs.length;
  const record = () => {
    const leaves = p.x.map((v) => variable(v));
    const applied: Applied<Var>[] = [];
    const ys = evaluate(p.program, new Map(p.names.map((name, i) => [name, leaves[i]])), (a) => applied.push(a));
    return { leaves, applied, ys };
  };
  const { leaves, applied, ys } = record();

  // A row per input and per step that made a new node. A step whose result is a node already
  // listed (an op may hand back its operand) is that node's row.
  const rows: Row[] = [];
  const rowOf = new Map<Var, number>();
  const nodes: Var[] = [];
  const find = (v: Var): number => {
    const known = rowOf.get(v);
    if (known !== undefined) return known;
    const k = nodes.findIndex((u) => u.is(v));
    if (k >= 0) rowOf.set(v, k);
    return k;
  };
  const outputNames = (v: Var) => ys.flatMap((y, i) => (typeof y !== 'number' && y.is(v) ? [m === 1 ? 'f' : `f${subscript(i + 1)}`] : []));
  leaves.forEach((leaf, i) => {
    rowOf.set(leaf, rows.length);
    nodes.push(leaf);
    rows.push({
      id: i - n + 1,
      name: entryName(i - n + 1),
      definition: p.names[i],
      op: 'input',
      value: p.x[i],
      dots: seeds.map((s) => s[i]),
      bars: [],
      outputs: [],
      operands: [],
    });
  });
  const stepRow: number[] = [];
  for (const a of applied) {
    if (typeof a.result === 'number') {
      stepRow.push(-1); // constants only: nothing recorded
      continue;
    }
    const existing = find(a.result);
    if (existing >= 0) {
      stepRow.push(existing);
      continue;
    }
    const id = rows.length - n + 1;
    const operands = a.args.map((arg): Operand => (typeof arg === 'number' ? { kind: 'const', value: arg } : { kind: 'entry', id: rows[find(arg)].id }));
    const entry = { id, input: null, op: a.result.op?.name ?? a.expr.op, operands, value: a.result.value, dot: 0, bar: 0 };
    rowOf.set(a.result, rows.length);
    stepRow.push(rows.length);
    nodes.push(a.result);
    rows.push({ id, name: entryName(id), definition: definition(entry), op: entry.op, value: a.result.value, dots: [], bars: [], outputs: [], operands });
  }
  for (const [k, node] of nodes.entries()) rows[k].outputs = outputNames(node);
  const firstStep = new Map<number, number>();
  stepRow.forEach((k, s) => {
    if (k >= n && !firstStep.has(k)) firstStep.set(k, s);
  });

  // Tangents: the same evaluation on duals of width k (one per forward seed), step by step.
  const tag = newTag();
  const duals = p.x.map((v, i) =>
    Dual.of(
      tag,
      v,
      seeds.map((s) => s[i]),
    ),
  );
  let step = 0;
  evaluate(p.program, new Map(p.names.map((name, i) => [name, duals[i]])), (a: Applied<Dual>) => {
    const k = stepRow[step++];
    if (k >= n && rows[k].dots.length === 0) rows[k].dots = a.result instanceof Dual ? Array.from(a.result.tangent) : seeds.map(() => 0);
  });

  // Adjoints: a fresh recording per reverse seed, back-propagated from every output it weights.
  for (const c of cotangents) {
    const r = record();
    r.ys.forEach((y, i) => {
      if (typeof y !== 'number' && c[i] !== 0) y.backward(c[i], { retainGraph: true });
    });
    const barOf = (v: Var | number) => (typeof v === 'number' ? 0 : (v.grad ?? 0));
    rows.forEach((row, k) => row.bars.push(k < n ? barOf(r.leaves[k]) : barOf(r.applied[firstStep.get(k)!].result)));
  }
  return rows;
}

/**
 * The derivative program @ad/jit writes: for a scalar f the primal and adjoint program with
 * adjoints named after their primals (as `ad compile` prints it), for several outputs
 * jit(jacrev(f)). Only lowered — traced and emitted, never run — except that the named adjoint
 * program compiles itself; where the page forbids generating code, jit(grad(f)) is lowered
 * instead, which needs no eval.
 */
function program(f: Fn, x: number[], m: number): PlaygroundResult['program'] {
  try {
    if (m > 1) {
      return { title: 'jit(jacrev(f)): the primal, then one adjoint sweep per output', source: jit(jacrev(f as never)).lower(x).source, note: null };
    }
    try {
      return { title: 'the primal and adjoint program (jit(grad(f)); v_bar = ∂f/∂v, from f̄ = 1)', source: adjointProgram(f, x).source, note: null };
    } catch (e) {
      if (!(e instanceof EvalError)) throw e;
      return {
        title: 'jit(grad(f)): the primal and adjoint program',
        source: jit(grad(f as never)).lower(x).source,
        note: 'this page forbids generating code (CSP without unsafe-eval), so jitted functions run eagerly; the program is shown as jit writes it',
      };
    }
  } catch (e) {
    return { title: 'jit', source: '', note: `jit could not trace f: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** A vector or number for the page: `[6, -4]`, `2`. */
export function show(v: number | readonly number[]): string {
  return typeof v === 'number' ? num(v) : vector(v);
}
