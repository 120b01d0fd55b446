/**
 * `ad compare --fn … --at …`: the seeds' example. Each forward seed ẋ (e₁, e₂, …, and the
 * all-ones direction) is one forward pass and yields the tangent ẏ = J·ẋ; each reverse seed ȳ
 * is one backward pass over ONE recording and yields the adjoints x̄ = Jᵀ·ȳ. The Jacobian is then
 * built both ways (jacfwd: columns, jacrev: rows) and compared.
 */
import { jacfwd, jvp, type Dual } from '@ad/forward';
import { jacrev, vjp, type Var } from '@ad/reverse';
import { CommandError, UsageError } from './errors.js';
import { err, matrix, num, unitName, vector } from './format.js';
import type { Streams } from './streams.js';
import { pointed, signature, subscript } from './point.js';
import { table } from './table.js';

export async function compareSeeds(
  fn: string,
  at: string,
  extraTangents: readonly number[][],
  extraCotangents: readonly number[][],
  io: Streams,
  sparse = false,
): Promise<void> {
  const p = pointed(fn, at);
  const n = p.x.length;
  const m = p.program.outputs.length;
  for (const t of extraTangents)
    if (t.length !== n) throw new UsageError(`--tangent ${t.join(',')} has ${t.length} entries; f has ${n} inputs (${p.names.join(', ')})`);
  for (const c of extraCotangents)
    if (c.length !== m) throw new UsageError(`--cotangent ${c.join(',')} has ${c.length} entries; f has ${m} output${m === 1 ? '' : 's'}`);

  // The transforms take f of one array; a single output is returned as a scalar.
  let calls = 0;
  const fDual = (xs: Dual[]) => {
    calls++;
    const ys = p.f(xs);
    return m === 1 ? ys[0] : ys;
  };
  const fVar = (xs: Var[]) => {
    calls++;
    const ys = p.f(xs);
    return (m === 1 ? ys[0] : ys) as Var | number | (Var | number)[];
  };
  const print = (line = '') => io.stdout.write(`${line}\n`);

  const value = p.f(p.x) as number[];
  for (const line of signature(p)) print(line);
  print(`at ${p.names.map((name, i) => `${name} = ${num(p.x[i])}`).join(', ')}:  ${m === 1 ? `f = ${num(value[0])}` : `f = ${vector(value)}`}`);
  print();

  // Forward mode: one pass per seed.
  const forwardSeeds: [string, number[]][] = p.x.map((_, j) => [unitName(j), p.x.map((__, i) => (i === j ? 1 : 0))]);
  if (n > 1) forwardSeeds.push(['ones', p.x.map(() => 1)]);
  // An extra seed that is already listed (e₁, …, the ones direction) is shown once.
  const listed = (seeds: [string, number[]][], v: readonly number[]) => seeds.some(([, s]) => s.every((x, i) => x === v[i]));
  for (const t of extraTangents) if (!listed(forwardSeeds, t)) forwardSeeds.push(['', t]);
  const forwardRows = forwardSeeds.map(([name, seed]) => {
    const { tangent } = jvp(fDual, p.x, seed);
    return [name === '' || name === 'ones' ? vector(seed) : `${name} = ${vector(seed)}`, m === 1 ? num(tangent as number) : vector(tangent as number[])];
  });
  print(`forward mode — one pass per seed ẋ (a direction in the ${n} inputs ${p.names.join(', ')}); the pass carries the tangent ẏ = J·ẋ`);
  print(table([{ header: 'seed ẋ' }, { header: `tangent ẏ${m === 1 ? '' : ` (${outputNames(m)})`}` }], forwardRows));
  print();

  // Reverse mode: f recorded once, one backward pass per seed on that recording.
  calls = 0;
  const { vjp: pull } = vjp(fVar, p.x);
  const recordings = calls;
  const reverseSeeds: [string, number[]][] = Array.from({ length: m }, (_, i) => [
    m === 1 ? '' : unitName(i),
    Array.from({ length: m }, (__, r) => (r === i ? 1 : 0)),
  ]);
  if (m > 1) reverseSeeds.push(['ones', new Array<number>(m).fill(1)]);
  for (const c of extraCotangents) if (!listed(reverseSeeds, c)) reverseSeeds.push(['', c]);
  const reverseRows = reverseSeeds.map(([name, seed]) => {
    const adjoints = pull(m === 1 ? seed[0] : seed);
    return [m === 1 && name === '' ? num(seed[0]) : name === '' || name === 'ones' ? vector(seed) : `${name} = ${vector(seed)}`, vector(adjoints)];
  });
  print(
    `reverse mode — f recorded ${recordings === 1 ? 'once' : `${recordings} times`}; one backward pass per seed ȳ (a weighting of the ${m} output${m === 1 ? '' : 's'}); it yields the adjoints x̄ = Jᵀ·ȳ`,
  );
  print(table([{ header: 'seed ȳ' }, { header: `adjoints x̄ (${p.names.join(', ')})` }], reverseRows));
  print();

  // The whole Jacobian, both ways.
  calls = 0;
  const jf = jacfwd(fDual)(p.x);
  const forwardPasses = calls;
  calls = 0;
  const jr = jacrev(fVar)(p.x);
  const reverseRecordings = calls;
  // Finite entries are compared by their difference; a non-finite entry must be the same
  // non-finite value in both (0·∞ = NaN in forward mode where reverse mode has ±∞ is a disagreement).
  let largest = 0;
  let scale = 0;
  const nonFinite: string[] = [];
  jf.forEach((row, i) =>
    row.forEach((v, j) => {
      const w = jr[i][j];
      if (Number.isFinite(v) && Number.isFinite(w)) {
        largest = Math.max(largest, Math.abs(v - w));
        scale = Math.max(scale, Math.abs(v), Math.abs(w));
      } else if (!Object.is(v, w)) nonFinite.push(`J[${i}][${j}]: forward ${num(v)}, reverse ${num(w)}`);
    }),
  );
  print(`Jacobian J = ∂(${m === 1 ? 'f' : outputNames(m)})/∂(${p.names.join(', ')}), ${m} × ${n}`);
  const fwdLabel = `forward (jacfwd: columns J·eⱼ, ${forwardPasses} pass${forwardPasses === 1 ? '' : 'es'} carrying ${n} seed${n === 1 ? '' : 's'})`;
  const revLabel = `reverse (jacrev: rows eᵢᵀ·J, ${reverseRecordings} recording, ${m} backward pass${m === 1 ? '' : 'es'})`;
  const width = Math.max(fwdLabel.length, revLabel.length);
  print(`  ${fwdLabel.padEnd(width)}   ${matrix(jf)}`);
  print(`  ${revLabel.padEnd(width)}   ${matrix(jr)}`);
  print(`  largest |forward − reverse| = ${err(largest)}${nonFinite.length > 0 ? ' over the finite entries' : ''}`);
  if (nonFinite.length > 0) {
    throw new CommandError(
      `forward and reverse mode disagree on non-finite entries (a zero tangent or adjoint times an infinite partial is NaN in one mode): ${nonFinite.join('; ')}`,
    );
  }
  if (largest > AGREEMENT * Math.max(1, scale)) throw new CommandError(`forward and reverse Jacobians disagree: largest difference ${err(largest)}`);
  if (sparse) {
    print();
    (await import('./compare-sparse.js')).compressedSeeds((xs: never) => p.f(xs), p.x, p.names, print);
  }
}

/** Forward and reverse Jacobians must agree to this, relative to the largest entry. */
const AGREEMENT = 1e-9;

function outputNames(m: number): string {
  return Array.from({ length: m }, (_, i) => `f${subscript(i + 1)}`).join(', ');
}
