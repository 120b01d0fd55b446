/**
 * `ad compare --family NAME --n 1..N --m 1..M`: for each size (n, m), the Jacobian of a function
 * of the family by `jacfwd` (⌈n/k⌉ forward passes for each chunk width k) and by `jacrev` (one
 * recording, m backward passes), checked to agree, with the passes, the measured time and the
 * counted kernel work of each — and a picture of where forward mode stops being the cheaper one.
 */
import { type Tensor, randn } from '@ad/core';
import { jacfwd, type DualTensor } from '@ad/forward';
import { jacrev, type TensorVar } from '@ad/reverse';
import { CommandError } from './errors.js';
import { checkOutputPath, writeFileAtomic } from './files.js';
import { count, duration, err } from './format.js';
import { familyNamed } from './families.js';
import type { Streams } from './streams.js';
import { countWork } from './op-count.js';
import { crossoverSpec, renderSvg, type CrossoverCell } from './plot.js';
import { table, type Column } from './table.js';
import { medianTime } from './timing.js';

export interface FamilyOptions {
  family: string;
  n: number[];
  m: number[];
  chunks: number[];
  plot: string | null;
  seed: number;
}

/** Forward and reverse Jacobians must agree to this (relative to the largest entry). */
const TOLERANCE = 1e-10;

interface Cost {
  passes: number;
  ms: number;
  work: number;
}

export async function compareFamily(options: FamilyOptions, io: Streams): Promise<void> {
  const family = familyNamed(options.family);
  if (options.plot !== null) checkOutputPath('--plot', options.plot);
  const print = (line = '') => io.stdout.write(`${line}\n`);
  print(`ad compare — family ${family.name}: ${family.formula}; the m × n Jacobian at a random x, seed ${options.seed}`);
  print('  forward: jacfwd with chunk width k, ⌈n/k⌉ passes; reverse: jacrev, 1 recording + m backward passes');
  print('  time: median of repeated runs; work: scalar results of every kernel run (multiply-adds for matmul)');
  print();

  const rows: string[][] = [];
  const cells: CrossoverCell[] = [];
  for (const n of options.n) {
    for (const m of options.m) {
      const f = family.make(n, m, options.seed);
      const x = randn([n], { seed: options.seed + 7 });
      const reverse = measure(() => jacrev(f as (v: TensorVar) => TensorVar)(x), 1 + m);
      const forwards = options.chunks.map((k) => {
        const width = Math.min(k, n);
        return { k, cost: measure(() => jacfwd(f as (v: DualTensor) => DualTensor, { chunk: width })(x), Math.ceil(n / width)) };
      });
      let worst = 0;
      const scale = Math.max(1, ...reverse.value.toFloat64Array().map(Math.abs));
      for (const { cost } of forwards) worst = Math.max(worst, largestDifference(cost.value, reverse.value));
      if (worst > TOLERANCE * scale) {
        throw new CommandError(`jacfwd and jacrev disagree at n = ${n}, m = ${m}: largest difference ${err(worst)}`);
      }
      const best = forwards.reduce((a, b) => (b.cost.ms < a.cost.ms ? b : a));
      const leastWork = forwards.reduce((a, b) => (b.cost.work < a.cost.work ? b : a));
      const timeRatio = best.cost.ms / reverse.ms;
      cells.push({ n, m, timeRatio, workRatio: leastWork.cost.work / reverse.work });
      rows.push([
        String(n),
        String(m),
        ...forwards.flatMap(({ cost }) => [String(cost.passes), duration(cost.ms), count(cost.work)]),
        String(reverse.passes),
        duration(reverse.ms),
        count(reverse.work),
        err(worst),
        timeRatio < 1 ? `forward ×${(1 / timeRatio).toFixed(1)}` : `reverse ×${timeRatio.toFixed(1)}`,
      ]);
    }
  }
  const right = (header: string): Column => ({ header, align: 'right' });
  const columns: Column[] = [
    right('n'),
    right('m'),
    ...options.chunks.flatMap((k) => [right(`fwd k=${k} passes`), right('time'), right('work')]),
    right('rev passes'),
    right('time'),
    right('work'),
    right('max |Δ|'),
    { header: 'cheaper (time)' },
  ];
  print(table(columns, rows));
  if (options.plot !== null) {
    writeFileAtomic(options.plot, await renderSvg(crossoverSpec(`ad compare --family ${family.name}: forward ÷ reverse cost of the Jacobian`, cells)));
    print();
    print(`crossover picture in ${options.plot}`);
  }
}

/** Passes as given, the median time, and the counted work (of one extra, counted run). */
function measure(run: () => Tensor, passes: number): Cost & { value: Tensor } {
  const { result, work } = countWork(run);
  return { passes, ms: medianTime(run), work, value: result };
}

function largestDifference(a: Tensor, b: Tensor): number {
  const x = a.toFloat64Array();
  const y = b.toFloat64Array();
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
  return worst;
}
