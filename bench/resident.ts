/**
 * `npx tsx bench/index.ts resident [tree]`: what resident tensors (issue 27) save on the
 * 784-128-10 Adam step (batch 64), eager and compileStep, on 1 and 2 threads, measured in one
 * process with interleaved rounds (each round 10 steps of every cell, the cells' order reversed
 * every other round), as medians of the per-round ratios: robust to the load of a shared
 * machine, where absolute times are not.
 *
 * - "off" is this build with residents off: `setResidentCap(0)` while the model, the optimizer
 *   and the compiled step's buffers are made, so every array is plain and every product and
 *   update copies as before residents.
 * - "Adam split" is this build with the Adam update shared among the threads (setAdamSplit(
 *   ADAM_SPLIT) around each of its steps; off by default): only the compiled step's updates
 *   split (the eager step's gradients are not resident), and on one thread nothing does.
 * - With a path to another checkout whose packages are built (`tsc -b`), e.g. main's, that
 *   build is loaded beside this one (its own @ad/core, memory and threads) and timed too, and
 *   a last column gives every cell's ratio to it.
 *
 * Before timing, the first 20 losses of every side are checked bit for bit against this
 * build's: the same work.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randn, setNumThreads, tensor, type Tensor } from '@ad/core';
import { ADAM_SPLIT, setAdamSplit, setResidentCap } from '@ad/core/engine';
import * as nn from '@ad/nn';
import { printTable } from './_timing.js';

const ROUNDS = Number(process.env.ROUNDS ?? 31);
const REPS = 10;

/** The parts of @ad/core and @ad/nn a side needs (this build's, or another checkout's). */
interface Build {
  core: { randn: typeof randn; tensor: typeof tensor; setNumThreads: typeof setNumThreads };
  nn: Pick<typeof nn, 'Sequential' | 'Linear' | 'ReLU' | 'Adam' | 'compileStep' | 'crossEntropy'>;
}

/** One side's eager and compiled steps on its own model, from the same weights and batches. */
function side(b: Build, before?: () => void, after?: () => void): { eager: (k: number) => number; compiled: (k: number) => number } {
  before?.();
  const make = () => {
    const model = new b.nn.Sequential([new b.nn.Linear(784, 128, { seed: 1 }), new b.nn.ReLU(), new b.nn.Linear(128, 10, { seed: 2 })]);
    return { model, opt: new b.nn.Adam(model.parameters(), { lr: 1e-3 }) };
  };
  const xs = Array.from({ length: 8 }, (_, i) => b.core.randn([64, 784], { seed: 10 + i }));
  const ys = Array.from({ length: 8 }, (_, i) => b.core.tensor(Array.from({ length: 64 }, (_, j) => (i + 7 * j) % 10)));
  const e = make();
  const c = make();
  const step = b.nn.compileStep(c.model, b.nn.crossEntropy, c.opt);
  // The compiled step's buffers are made on its first runs.
  for (let k = 0; k < 3; k++) step(xs[k % 8], ys[k % 8] as Tensor);
  after?.();
  let compiledRuns = 3;
  return {
    eager: (k) => {
      e.opt.zeroGrad();
      const loss = b.nn.crossEntropy(e.model.forward(xs[k % 8]), ys[k % 8] as Tensor);
      loss.backward();
      e.opt.step();
      return loss.item();
    },
    compiled: () => {
      const k = compiledRuns++;
      return step(xs[k % 8], ys[k % 8] as Tensor);
    },
  };
}

/** A side's steps with the Adam split on while each runs. */
function withSplit(s: ReturnType<typeof side>): ReturnType<typeof side> {
  const on =
    (f: (k: number) => number) =>
    (k: number): number => {
      setAdamSplit(ADAM_SPLIT);
      try {
        return f(k);
      } finally {
        setAdamSplit(undefined);
      }
    };
  return { eager: on(s.eager), compiled: on(s.compiled) };
}

const tree = process.argv[3];
const builds: [string, Build][] = [['this build', { core: { randn, tensor, setNumThreads }, nn }]];
if (tree !== undefined) {
  const at = (p: string) => pathToFileURL(resolve(tree, 'packages', p, 'dist', 'index.js')).href;
  builds.push([`${tree}`, { core: (await import(at('core'))) as Build['core'], nn: (await import(at('nn'))) as Build['nn'] }]);
}

console.log(`Resident tensors: the 784-128-10 Adam step (batch 64), ${ROUNDS} interleaved rounds of ${REPS} steps; ratios to "off"`);
const rows: string[][] = [];
for (const threads of [1, 2]) {
  for (const [, b] of builds) b.core.setNumThreads(threads);
  const sides: [string, ReturnType<typeof side>][] = [
    [
      'off',
      side(
        builds[0][1],
        () => setResidentCap(0),
        () => setResidentCap(undefined),
      ),
    ],
    ['this build', side(builds[0][1])],
    ['Adam split', withSplit(side(builds[0][1]))],
    ...builds.slice(1).map(([name, b]): [string, ReturnType<typeof side>] => [name, side(b)]),
  ];
  // The eager losses of every side, step by step, and the compiled ones, are this build's bits.
  for (let k = 0; k < 20; k++) {
    const want = [sides[0][1].eager(k), sides[0][1].compiled(k)];
    for (const [name, s] of sides.slice(1)) {
      const got = [s.eager(k), s.compiled(k)];
      if (got[0] !== want[0] || got[1] !== want[1]) throw new Error(`${name}: step ${k} lost ${got} where "off" lost ${want}`);
    }
  }
  await new Promise((r) => setTimeout(r, 500));
  const cells = sides.flatMap(([name, s]) => (['eager', 'compiled'] as const).map((kind) => ({ name, kind, f: s[kind], ms: [] as number[] })));
  let k = 20;
  for (let round = 0; round < ROUNDS; round++) {
    for (const cell of round % 2 === 0 ? cells : [...cells].reverse()) {
      cell.f(k);
      const t0 = performance.now();
      for (let r = 0; r < REPS; r++) cell.f(k + r);
      cell.ms.push((performance.now() - t0) / REPS);
    }
    k += REPS;
  }
  const median = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1];
  const ratio = (cell: (typeof cells)[number], name: string) => {
    const to = cells.find((c) => c.name === name && c.kind === cell.kind) as (typeof cells)[number];
    return `${median(cell.ms.map((t, i) => t / to.ms[i])).toFixed(3)}×`;
  };
  for (const cell of cells) {
    const row = [String(threads), cell.kind, cell.name, median(cell.ms).toFixed(3), ratio(cell, 'off')];
    rows.push(tree === undefined ? row : [...row, ratio(cell, tree)]);
  }
}
const header = ['threads', 'step', 'side', 'ms (median)', 'to "off" (median of ratios)'];
printTable(tree === undefined ? header : [...header, `to ${tree} (median of ratios)`], rows);
