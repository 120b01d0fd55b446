/**
 * `pnpm bench soak [steps]`: long runs and memory. Runs packages/nn/test/fixtures/soak.mjs — the
 * script the soak test runs — in a child `node --expose-gc --stack-size=200` against the built
 * packages, and prints its figures:
 *   1. a small MLP (2-16-16-2, Adam, moons, batches of 16) trained for `steps` steps (20,000 by
 *      default) with zeroGrad / forward / loss / backward / step: live memory (V8 heap plus
 *      tensor ArrayBuffers, after a full gc) at warm-up and every 1,000 steps, and steps/s;
 *   2. a 1,000,000-node scalar chain and a 10,000-layer tensor chain back-propagated with a
 *      200 KB stack (no recursion), and the memory left after each is dropped.
 * Not a timed test: the memory bound is asserted by packages/nn/test/soak.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printTable } from './_timing.js';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '..', 'packages', 'nn');
const steps = Number(process.argv[3] ?? 20_000);
const warmup = Math.min(2_000, Math.floor(steps / 10));
if (!Number.isInteger(steps) || steps < 2_000) {
  process.stderr.write(`bench soak: steps must be an integer ≥ 2000, got ${process.argv[3]}\n`);
  process.exit(2);
}

interface Soak {
  steps: number;
  warmup: number;
  memoryWarm: number;
  memoryEnd: number;
  growth: number;
  maxGrowth: number;
  samples: [number, number][];
  stepsPerSecond: number;
  lastLoss: number;
  scalarChain: { nodes: number; grad: number; ms: number; memoryAfter: number };
  tensorChain: { layers: number; ops: number; gradFinite: boolean; ms: number; memoryAfter: number };
}

console.log('Soak (@ad/nn, built packages, one child process with --expose-gc --stack-size=200)');
console.log(`Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, load average ${loadavg()[0].toFixed(1)} at start\n`);

const t0 = performance.now();
const run = spawnSync(process.execPath, ['--expose-gc', '--stack-size=200', join(pkg, 'test', 'fixtures', 'soak.mjs'), String(steps), String(warmup)], {
  cwd: pkg,
  encoding: 'utf8',
});
if (run.status !== 0) {
  process.stderr.write(`soak.mjs exited with ${run.status} ${run.signal ?? ''}\n${run.stderr}`);
  process.exit(1);
}
const s = JSON.parse(run.stdout) as Soak;
const MB = (b: number) => `${b >= 0 ? '+' : ''}${(b / 1024 / 1024).toFixed(2)} MB`;

console.log(`1. Training loop: ${s.steps.toLocaleString('en')} steps, warm-up ${s.warmup.toLocaleString('en')} steps`);
console.log(`   ${Math.round(s.stepsPerSecond).toLocaleString('en')} steps/s after warm-up; last loss ${s.lastLoss.toExponential(3)}\n`);
printTable(
  ['step', 'live memory', 'since warm-up'],
  s.samples.map(([step, bytes]) => [step.toLocaleString('en'), `${(bytes / 1024 / 1024).toFixed(2)} MB`, MB(bytes - s.memoryWarm)]),
);
const ok = s.growth < 5 * 1024 * 1024 && s.maxGrowth < 5 * 1024 * 1024;
console.log(`\n   growth at the end ${MB(s.growth)}, largest ${MB(s.maxGrowth)} (bound 5 MB ${ok ? '✓' : '✗'})\n`);

console.log('2. Deep graphs, back-propagated with a 200 KB stack\n');
printTable(
  ['graph', 'size', 'record + backward', 'memory left after drop'],
  [
    [
      'scalar chain y ← 0.999999·y + x',
      `${s.scalarChain.nodes.toLocaleString('en')} nodes`,
      `${Math.round(s.scalarChain.ms)} ms`,
      MB(s.scalarChain.memoryAfter),
    ],
    [
      'tensor chain y ← 1.5·tanh(y·W), [8,4]',
      `${s.tensorChain.layers.toLocaleString('en')} layers (${s.tensorChain.ops.toLocaleString('en')} ops)`,
      `${Math.round(s.tensorChain.ms)} ms`,
      MB(s.tensorChain.memoryAfter),
    ],
  ],
);
console.log(`\nwall time ${((performance.now() - t0) / 1000).toFixed(1)} s`);
