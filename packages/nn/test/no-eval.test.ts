/**
 * No eval required: the built packages load and run with code generation from strings
 * forbidden (`node --disallow-code-generation-from-strings`, what a strict Content-Security-Policy
 * does to a page), because every kernel and fast-path method comes from the generated.ts files.
 * The same scenario on the sources, in this process, gives the same numbers. Runs node on dist/,
 * so `tsc -b` must run first (the test command does).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as core from '@ad/core';
import * as forward from '@ad/forward';
import * as reverse from '@ad/reverse';
import * as nn from '../src/index.js';

interface Scenario {
  accuracy: number;
  losses: number[];
  checkpoint: { samePredictions: boolean; sameOptimizer: boolean; meta: unknown };
  reverseGrad: number[];
  forwardGrad: number[];
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { scenario } = require('./fixtures/scenario.cjs') as { scenario: (libs: object) => Scenario };

test('the built packages run the scenario with eval forbidden, with the numbers of the sources', () => {
  if (!existsSync(join(__dirname, '..', 'dist', 'index.js'))) throw new Error('packages/nn/dist is missing: build first with `tsc -b`');
  const run = spawnSync(process.execPath, ['--disallow-code-generation-from-strings', join(__dirname, 'fixtures', 'no-eval.mjs')], {
    cwd: join(__dirname, '..'),
    encoding: 'utf8',
  });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  const built = JSON.parse(run.stdout) as Scenario;
  expect(built.accuracy).toBeGreaterThanOrEqual(0.97);
  expect(built.checkpoint).toEqual({ samePredictions: true, sameOptimizer: true, meta: { steps: 150 }, bytes: expect.any(Number) });
  built.forwardGrad.forEach((g, i) => expect(g).toBeCloseTo(built.reverseGrad[i], 12));
  const sources = JSON.parse(JSON.stringify(scenario({ core, forward, reverse, nn }))) as Scenario;
  expect(built).toEqual(sources);
});
