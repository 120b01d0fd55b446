/**
 * `ad compare --sparse`: the compressed seeds of a sparse Jacobian. Columns that never share a
 * row can share one forward seed, rows that never share a column one reverse seed, so a
 * Jacobian whose every row reads a few inputs needs a few passes whatever its size. For a family
 * of sparse functions (--sparse NAME --n …): the pattern detected by tracing, the colors each way,
 * the time of the dense jacfwd against the compressed one, and a picture of the colored pattern.
 * With --fn: the same counts and the compressed seeds for one expression.
 */
import { randn, type Tensor } from '@ad/core';
import { jacfwd, type DualTensor } from '@ad/forward';
import { columnColoring, jacobianPattern, prepareJacobian, rowColoring, type SparsityPattern } from '@ad/sparse';
import { CommandError, UsageError } from './errors.js';
import { checkOutputPath, writeFileAtomic } from './files.js';
import { count, duration, err, vector } from './format.js';
import { coloredPatternSpec, renderSvg, type ColoredEntry } from './plot.js';
import { sparseFamilyNamed } from './sparse-families.js';
import type { Streams } from './streams.js';
import { table, type Column } from './table.js';
import { medianTime } from './timing.js';

export interface SparseOptions {
  family: string;
  n: number[];
  plot: string | null;
  seed: number;
}

/** Above this many inputs the dense Jacobian (n² float64s) is not built: 4096² is 134 MB. */
const DENSE_LIMIT = 4096;
/** The picture shows the pattern at the smallest size asked for, or at this size if that is larger. */
const PICTURE_LIMIT = 64;
/** Sparse and dense Jacobians must agree to this, relative to the largest entry. */
const TOLERANCE = 1e-12;

export async function compareSparse(options: SparseOptions, io: Streams): Promise<void> {
  const family = sparseFamilyNamed(options.family);
  if (options.plot !== null) checkOutputPath('--plot', options.plot);
  for (const n of options.n) {
    if (family.square === true && Math.round(Math.sqrt(n)) ** 2 !== n) {
      throw new UsageError(`--n ${n}: the family ${family.name} works on a √n × √n grid, so n must be a square (e.g. 16, 100, 10000)`);
    }
  }
  const print = (line = '') => io.stdout.write(`${line}\n`);
  print(`ad compare --sparse ${family.name}: ${family.formula}; the n × n Jacobian at a random x, seed ${options.seed}`);
  print('  pattern: detected by tracing f once (global: the entries that can be nonzero at any x)');
  print('  seeds: dense jacfwd pushes n forward seeds (eⱼ), jacrev pulls m reverse seeds (eᵢ);');
  print('         compressed, columns of one color share a forward seed, rows of one color a reverse seed;');
  print('         both ways (a bicoloring, mode: bidirectional), some entries from forward seeds and the rest from reverse ones');
  print();

  const rows: string[][] = [];
  for (const n of options.n) {
    const f = family.make(n) as (x: never) => unknown;
    const x = randn([n], { seed: options.seed + 7 });
    const t0 = performance.now();
    const pattern = jacobianPattern(f, x, 'ad compare --sparse');
    const detectMs = performance.now() - t0;
    const t1 = performance.now();
    const columns = columnColoring(pattern);
    const rowColors = rowColoring(pattern);
    const colorMs = performance.now() - t1;
    // auto picks forward or reverse; a bicoloring is taken where it needs fewer seeds (the arrowhead).
    const bidirectional = prepareJacobian(f, x, { pattern, mode: 'bidirectional' });
    const oneWay = prepareJacobian(f, x, { pattern });
    const both = bidirectional.seeds;
    const prepared = both < oneWay.seeds ? bidirectional : oneWay;
    const sparseMs = medianTime(() => prepared.jacobian(x));
    const sparse = prepared.jacobian(x);
    let denseMs: number | null = null;
    let worst: number | null = null;
    if (n <= DENSE_LIMIT) {
      const run = () => jacfwd(f as (v: DualTensor) => DualTensor)(x) as Tensor;
      denseMs = medianTime(run, 200, 1, 5);
      worst = largestDifference(sparse.toDense(), run().toFloat64Array(), n);
      if (worst > TOLERANCE * Math.max(1, ...sparse.values.map(Math.abs))) {
        throw new CommandError(`the compressed and dense Jacobians disagree at n = ${n}: largest difference ${err(worst)}`);
      }
    }
    const [m] = pattern.shape;
    rows.push([
      String(n),
      count(pattern.nnz),
      `${n} → ${columns.count}`,
      `${m} → ${rowColors.count}`,
      String(both),
      `${prepared.mode} (${prepared.seeds})`,
      duration(detectMs),
      duration(colorMs),
      denseMs === null ? '—' : duration(denseMs),
      duration(sparseMs),
      denseMs === null ? '—' : `×${(denseMs / sparseMs).toFixed(denseMs / sparseMs >= 100 ? 0 : 1)}`,
      worst === null ? '—' : err(worst),
    ]);
  }
  const right = (header: string): Column => ({ header, align: 'right' });
  print(
    table(
      [
        right('n'),
        right('nonzeros'),
        right('forward seeds n → colors'),
        right('reverse seeds m → colors'),
        right('both ways'),
        { header: 'chosen (passes)' },
        right('detect'),
        right('color'),
        right('dense jacfwd'),
        right('compressed'),
        right('speed-up'),
        right('max |Δ|'),
      ],
      rows,
    ),
  );
  print(
    `  dense jacfwd: n seeds in chunks (median of up to 5 runs; not built above n = ${DENSE_LIMIT}); compressed: pattern and colors prepared once, then one pass of width c`,
  );
  if (options.plot !== null) {
    const n = Math.min(options.n[0], family.square === true ? 64 : PICTURE_LIMIT);
    const pattern = jacobianPattern(family.make(n) as (x: never) => unknown, randn([n], { seed: options.seed + 7 }), 'ad compare --sparse');
    const spec = coloredPatternSpec(
      `ad compare --sparse ${family.name}: the Jacobian's pattern at n = ${n}, colored`,
      pattern.shape,
      ...coloredEntries(pattern),
    );
    writeFileAtomic(options.plot, await renderSvg(spec));
    print();
    print(`colored pattern (n = ${n}) in ${options.plot}`);
  }
}

/** Every entry of the pattern with the colors of its column and its row, and the color counts. */
function coloredEntries(pattern: SparsityPattern): [ColoredEntry[], { columns: number; rows: number }] {
  const columns = columnColoring(pattern);
  const rows = rowColoring(pattern);
  const entries: ColoredEntry[] = [];
  for (let i = 0; i < pattern.shape[0]; i++) {
    for (const j of pattern.row(i)) entries.push({ i, j, columnColor: columns.colors[j], rowColor: rows.colors[i] });
  }
  return [entries, { columns: columns.count, rows: rows.count }];
}

function largestDifference(sparse: number[][], dense: Float64Array, n: number): number {
  let worst = 0;
  sparse.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - dense[i * n + j])))));
  return worst;
}

/**
 * The compressed seeds of one expression's Jacobian (`ad compare --fn … --sparse`): its pattern,
 * the colors of its columns and rows, and the seeds they give, beside the n and m unit seeds.
 */
export function compressedSeeds(f: (xs: never) => unknown, x: readonly number[], names: readonly string[], print: (line?: string) => void): void {
  const pattern = jacobianPattern(f, x as number[], 'ad compare --sparse');
  const [m, n] = pattern.shape;
  const columns = columnColoring(pattern);
  const rows = rowColoring(pattern);
  print(`compressed seeds — the pattern of J (detected by tracing f once; · is an entry that is zero at every point):`);
  for (let i = 0; i < m; i++) print(`  ${Array.from({ length: n }, (_, j) => (pattern.has(i, j) ? '×' : '·')).join(' ')}`);
  const seedsOf = (colors: Int32Array, c: number, size: number) =>
    Array.from({ length: c }, (_, k) =>
      vector(
        Array.from({ length: size }, (__, j) => (colors[j] === k ? 1 : 0)),
        0,
      ),
    );
  print(
    `  forward: ${n} seed${n === 1 ? '' : 's'} → ${columns.count} (columns ${names.join(', ')} colored ${vector(
      Array.from(columns.colors, (c: number) => c + 1),
      0,
    )}): ${seedsOf(columns.colors, columns.count, n).join(' ')}`,
  );
  print(
    `  reverse: ${m} seed${m === 1 ? '' : 's'} → ${rows.count} (rows colored ${vector(
      Array.from(rows.colors, (c: number) => c + 1),
      0,
    )}): ${seedsOf(rows.colors, rows.count, m).join(' ')}`,
  );
}
