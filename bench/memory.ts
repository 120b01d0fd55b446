/**
 * `pnpm bench memory [models] [steps]`: memory that follows reachability. Runs
 * packages/nn/test/fixtures/memory.mjs — the script the memory test runs — in a child
 * `node --expose-gc` against the built packages and prints the ArrayBuffers (where tensors live)
 * after a full gc:
 *   1. 784-128-10 models made and dropped (each used for a forward pass, never back-propagated),
 *      sampled every 100 models (targets: peak < 64 MB, flat);
 *   2. a 784-128-10 model trained while a 1,000-row validation loss is computed every step without
 *      noGrad, sampled every 25 steps (targets: peak < 160 MB, flat).
 * Not a timed test: packages/nn/test/memory.test.ts asserts the bounds.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printTable } from './_timing.js';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '..', 'packages', 'nn');
const models = Number(process.argv[3] ?? 1000);
const steps = Number(process.argv[4] ?? 300);
if (!Number.isInteger(models) || models < 100 || !Number.isInteger(steps) || steps < 25) {
  process.stderr.write(`bench memory: models must be an integer ≥ 100 and steps ≥ 25, got ${process.argv[3]} ${process.argv[4]}\n`);
  process.exit(2);
}

interface Memory {
  models: number;
  dropped: number[];
  droppedPeak: number;
  steps: number;
  validation: number[];
  validationPeak: number;
  /** Resident bytes in use: one sample before the models and one per row of each table. */
  droppedResident: number[];
  validationResident: number[];
  /** The kernels' shared memory at the end (its high-water mark). */
  sharedMemory: number;
}

console.log('Memory (@ad/nn, built packages, one child process with --expose-gc)');
console.log(`Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, load average ${loadavg()[0].toFixed(1)} at start\n`);
const run = spawnSync(process.execPath, ['--expose-gc', join(pkg, 'test', 'fixtures', 'memory.mjs'), String(models), String(steps)], {
  cwd: pkg,
  encoding: 'utf8',
});
if (run.status !== 0) {
  process.stderr.write(`memory.mjs exited with ${run.status} ${run.signal ?? ''}\n${run.stderr}`);
  process.exit(1);
}
const m = JSON.parse(run.stdout) as Memory;
const MB = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
const mark = (ok: boolean) => (ok ? '✓' : '✗');

console.log(`1. ${m.models.toLocaleString('en')} dropped 784-128-10 models (ArrayBuffers above the start)`);
printTable(
  ['models', 'ArrayBuffers', 'resident in use'],
  m.dropped.map((b, i) => [String((i + 1) * 100), MB(b), MB(m.droppedResident[i + 1])]),
);
console.log(`   peak ${MB(m.droppedPeak)} (target < 64 MB ${mark(m.droppedPeak < 64 * 1024 * 1024)})\n`);
console.log(`2. ${m.steps} training steps, each with a 1,000-row validation loss outside noGrad`);
printTable(
  ['step', 'ArrayBuffers', 'resident in use'],
  m.validation.map((b, i) => [String((i + 1) * 25), MB(b), MB(m.validationResident[i + 1])]),
);
console.log(`   peak ${MB(m.validationPeak)} (target < 160 MB ${mark(m.validationPeak < 160 * 1024 * 1024)})`);
console.log(`   the kernels' shared memory (resident blocks and scratch; never shrinks): ${MB(m.sharedMemory)}`);
