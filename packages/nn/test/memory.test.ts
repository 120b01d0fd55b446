/**
 * Memory that follows reachability, measured in a process of its own against the BUILT packages
 * (the test command runs `tsc -b` first): fixtures/memory.mjs makes and drops 1,000 784-128-10
 * models, each used for a forward pass and never back-propagated, then trains one for 300 steps
 * while computing a 1,000-row validation loss every step without noGrad. The ArrayBuffers
 * (where tensors live; V8's heap does not show them) are sampled after a full gc, and with them
 * the resident blocks in use (parameters and optimizer state in the kernels' shared memory,
 * which ArrayBuffers do not count; returned by finalizers once the event loop turns).
 * Before graphs followed reachability these reached 820 MB and 1.05 GB and kept growing.
 * `pnpm bench memory` prints the same figures.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const pkg = join(__dirname, '..');
const MB = 1024 * 1024;

interface Memory {
  models: number;
  dropped: number[];
  droppedPeak: number;
  steps: number;
  validation: number[];
  validationPeak: number;
  droppedResident: number[];
  validationResident: number[];
  sharedMemory: number;
}

let memory: Memory;

beforeAll(() => {
  if (!existsSync(join(pkg, 'dist', 'index.js'))) throw new Error('packages/nn/dist is missing: build first with `tsc -b` (the test script does)');
  const run = spawnSync(process.execPath, ['--expose-gc', join(__dirname, 'fixtures', 'memory.mjs'), '1000', '300'], {
    cwd: pkg,
    encoding: 'utf8',
    timeout: 110_000,
  });
  if (run.status !== 0) throw new Error(`memory.mjs exited with ${run.status} ${run.signal ?? ''}\n${run.stderr}`);
  memory = JSON.parse(run.stdout) as Memory;
  process.stdout.write(
    `memory: 1,000 dropped models peak ${(memory.droppedPeak / MB).toFixed(1)} MB; ` +
      `300 steps with an ungraded validation loss peak ${(memory.validationPeak / MB).toFixed(1)} MB; ` +
      `resident in use at most ${(Math.max(...memory.droppedResident, ...memory.validationResident) / MB).toFixed(1)} MB, kernel shared memory ${(memory.sharedMemory / MB).toFixed(1)} MB\n`,
  );
});

/** Flat: the last samples are no higher than the first, give or take 2 MB (no growth with time). */
function expectFlat(samples: number[]): void {
  const first = samples[0];
  for (const s of samples.slice(1)) expect(s - first).toBeLessThan(2 * MB);
}

test('1,000 models made and dropped: ArrayBuffers peak below 64 MB and stay flat', () => {
  expect(memory.dropped).toHaveLength(10);
  expect(memory.droppedPeak).toBeLessThan(64 * MB);
  expectFlat(memory.dropped);
});

test('resident blocks of dropped models come back: in use stays flat, the shared memory bounded by the cap', () => {
  // A sample before the models, then one per 100 models: each holds at most the live model's 101,770 parameters.
  expect(memory.droppedResident).toHaveLength(11);
  expectFlat(memory.droppedResident.slice(1));
  expect(Math.max(...memory.droppedResident)).toBeLessThan(2 * MB);
  // Parameters and Adam's moments of the trained model (3 × 814 kB), and no more while it trains.
  expect(memory.validationResident).toHaveLength(13);
  expectFlat(memory.validationResident);
  expect(memory.validationResident[0]).toBeLessThan(4 * MB);
  // 100 models' parameters (81 MB) between samples, under the 128 MiB cap, plus scratch.
  expect(memory.sharedMemory).toBeLessThan(160 * MB);
});

test('300 steps with a validation loss never back-propagated: peak below 160 MB, flat', () => {
  expect(memory.validation).toHaveLength(12);
  expect(memory.validationPeak).toBeLessThan(160 * MB);
  expectFlat(memory.validation);
});
