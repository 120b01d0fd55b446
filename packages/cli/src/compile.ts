/**
 * `ad compile --fn … [--mode reverse|forward] [--at …]`: source transformation shown on one
 * expression. Prints the Wengert list jit records for f, the straight-line program it emits
 * for f's derivative (the primal and the adjoint statements together in reverse mode, the
 * primal and the tangents in forward mode), what it computes at the point, and the measured
 * cost of the derivative program against the compiled function itself (the cheap-gradient
 * principle: a small constant factor), beside the eager transform.
 */
import { jacfwd } from '@ad/forward';
import { adjointProgram, jit } from '@ad/jit';
import { grad, jacrev } from '@ad/reverse';
import { UsageError } from './errors.js';
import { num, vector } from './format.js';
import type { Streams } from './streams.js';
import { pointed, signature } from './point.js';
import { parseProgram } from './expression.js';

export interface CompileFlags {
  fn: string;
  at?: string;
  mode?: 'reverse' | 'forward';
}

type Vec = (xs: number[]) => unknown;

export function compile(flags: CompileFlags, io: Streams): void {
  const mode = flags.mode ?? 'reverse';
  // Without --at, the inputs are 1, 2, 3, … in order of appearance: the program does not depend on them.
  const at =
    flags.at ??
    parseProgram(flags.fn, '--fn')
      .variables.map((v, i) => `${v}=${i + 1}`)
      .join(',');
  const p = pointed(flags.fn, at);
  const m = p.program.outputs.length;
  if (p.names.length === 0) throw new UsageError(`--fn ${JSON.stringify(flags.fn)} has no variables: there is nothing to differentiate`);
  const x = [...p.x];
  const f = ((xs: number[]) => (m === 1 ? p.f(xs)[0] : p.f(xs))) as Vec;

  const primal = jit(f);
  const lowered = primal.lower(x);
  let eager: Vec;
  let title: string;
  if (mode === 'forward') {
    eager = jacfwd(f as never) as Vec;
    title = 'jit(jacfwd(f)): the primal and its tangents, one seed per input, in one pass';
  } else if (m === 1) {
    eager = grad(f as never) as Vec;
    title = 'the primal and adjoint program (jit(grad(f)); adjoints named after their primals, v0_bar = ∂f/∂v0, from f̄ = 1)';
  } else {
    eager = jacrev(f as never) as Vec;
    title = 'jit(jacrev(f)): the primal, then one adjoint sweep per output';
  }
  const derivative = jit(eager as never) as Vec;
  // In reverse mode the program is written from the Wengert list directly, so that each adjoint
  // carries its primal's name; it is the computation jit(grad(f)) compiles through @ad/reverse.
  const program =
    mode === 'reverse' && m === 1
      ? adjointProgram(f as never, x)
      : (derivative as unknown as { lower(x: number[]): { source: string; statements: number } }).lower(x);

  const value = primal(x);
  const d = derivative(x);
  const ratio = (slow: number, fast: number) => `${(slow / fast).toFixed(1)}×`;
  // Each timed twice, interleaved, keeping the faster: the first rounds also warm the engine up.
  const best = (fn: () => unknown, before: number) => Math.min(before, perCall(fn));
  let tPrimal = Infinity;
  let tDerivative = Infinity;
  let tEager = Infinity;
  for (let round = 0; round < 2; round++) {
    tPrimal = best(() => primal(x), tPrimal);
    tDerivative = best(() => derivative(x), tDerivative);
    tEager = best(() => eager(x), tEager);
  }

  const lines = [
    ...signature(p),
    '',
    `Wengert list of f (jit traces it once; inputs ${p.names.map((n, i) => `${n} = v${i}`).join(', ')}):`,
    indent(lowered.wengert),
    '',
    `${title}:`,
    indent(program.source),
    '',
    `at ${p.names.map((n, i) => `${n} = ${num(x[i])}`).join(', ')}: f = ${format(value)}, ${mode === 'forward' ? 'J (jacfwd)' : m === 1 ? '∇f' : 'J (jacrev)'} = ${format(d)}`,
    '',
    `cost per call on this machine: compiled f ${time(tPrimal)}, compiled derivative ${time(tDerivative)} (${ratio(tDerivative, tPrimal)} f), eager ${mode === 'forward' ? 'jacfwd' : m === 1 ? 'grad' : 'jacrev'} ${time(tEager)} (${ratio(tEager, tDerivative)} the compiled derivative)`,
    `statements: f ${lowered.statements}, derivative ${program.statements}`,
  ];
  io.stdout.write(`${lines.join('\n')}\n`);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

function format(v: unknown): string {
  if (typeof v === 'number') return num(v);
  if (Array.isArray(v) && v.every((e) => typeof e === 'number')) return vector(v as number[]);
  if (Array.isArray(v)) return `[${v.map(format).join(', ')}]`;
  return String(v);
}

function time(seconds: number): string {
  return seconds < 1e-6 ? `${(seconds * 1e9).toFixed(1)} ns` : `${(seconds * 1e6).toFixed(2)} µs`;
}

/** Seconds per call: the median of 7 batches, each long enough (≥ 2 ms) for the clock. */
function perCall(fn: () => unknown): number {
  let sink = 0;
  const run = (k: number) => {
    const t0 = performance.now();
    for (let i = 0; i < k; i++) if (fn() === sink) sink++;
    return performance.now() - t0;
  };
  let reps = 1;
  while (run(reps) < 2) reps *= 2;
  const samples = Array.from({ length: 7 }, () => run(reps) / 1000 / reps).sort((a, b) => a - b);
  return samples[3];
}
