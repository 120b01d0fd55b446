/**
 * Determinism: the same seed and the same data give bit-identical losses and weights — two runs
 * in one process, two fresh processes on the BUILT packages, and the sources (this process,
 * through ts-jest) against the build. The loop is fixtures/train-loop.cjs, written once and run
 * both ways; it seeds the data, the weights, the dropout masks and the batch order.
 *
 * (The `ad train` command of issue 6 must give the same bits as this library loop for the same
 * seed and data: that check belongs with the CLI's tests once it lands.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as core from '@ad/core';
import * as nn from '../src/index.js';

interface Run {
  losses: number[];
  weights: Record<string, number[]>;
  lossSha256: string;
  weightSha256: string;
  defaultDraw: number[];
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { trainLoop } = require('./fixtures/train-loop.cjs') as {
  trainLoop: (lib: { core: unknown; nn: unknown }, options?: { seed?: number; epochs?: number }) => Run;
};

const pkg = join(__dirname, '..');

/** A fresh run of the loop in this process, with the default generator as a fresh process has it. */
function here(seed: number): Run {
  core.manualSeed(0);
  return trainLoop({ core, nn }, { seed });
}

function inChild(seed: number): Run {
  const run = spawnSync(process.execPath, [join(__dirname, 'fixtures', 'train-loop.cjs'), String(seed)], { cwd: pkg, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`train-loop.cjs exited with ${run.status}:\n${run.stderr}`);
  return JSON.parse(run.stdout) as Run;
}

test('two runs in one process: bit-identical losses and weights', () => {
  const a = here(1);
  const b = here(1);
  expect(a.losses.length).toBe(24); // 3 epochs of 8 batches
  expect(b.losses).toEqual(a.losses); // toEqual compares numbers with Object.is: bit for bit (and −0 ≠ 0)
  expect(b.weights).toEqual(a.weights);
  expect([b.lossSha256, b.weightSha256]).toEqual([a.lossSha256, a.weightSha256]);
});

test('the run does not depend on what ran before it in the process', () => {
  const a = here(1);
  // Unrelated random work, a reseeded default generator, other models and graphs.
  core.randn([100]);
  core.manualSeed(12345);
  core.rand([10]);
  const other = new nn.Sequential([new nn.Linear(2, 3), nn.relu, new nn.Linear(3, 1)]);
  other
    .forward(core.randn([4, 2]))
    .sum()
    .backward();
  const b = trainLoop({ core, nn }, { seed: 1 });
  expect(b.losses).toEqual(a.losses);
  expect(b.weightSha256).toBe(a.weightSha256);
});

test('another seed gives other numbers (the comparison is not vacuous)', () => {
  const a = here(1);
  const b = here(2);
  expect(b.lossSha256).not.toBe(a.lossSha256);
  expect(b.weightSha256).not.toBe(a.weightSha256);
});

test('two fresh processes on the built packages and the sources in this process: the same bits', () => {
  if (!existsSync(join(pkg, 'dist', 'index.js'))) throw new Error('packages/nn/dist is missing: build first with `tsc -b` (the test script does)');
  const a = inChild(1);
  const b = inChild(1);
  const c = here(1);
  expect(b).toEqual(a);
  expect(c.losses).toEqual(a.losses);
  expect(c.weights).toEqual(a.weights);
  expect([c.lossSha256, c.weightSha256, c.defaultDraw]).toEqual([a.lossSha256, a.weightSha256, a.defaultDraw]);
});
