/**
 * Long runs and memory, measured in a process of its own against the BUILT packages (the test
 * command runs `tsc -b` first): fixtures/soak.mjs trains a small MLP for 20,000 steps with the
 * usual loop and samples live memory (V8's heap plus the ArrayBuffers behind tensors, after a
 * full gc) from warm-up on; then back-propagates a 2,000,001-node scalar chain (1,000,000 steps of y ← c·y + x) and a
 * 10,000-layer tensor chain, with the stack cut to 200 KB (a fifth of Node's default) so that
 * any recursion over the graph would overflow. `pnpm bench soak` prints the same figures.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const pkg = join(__dirname, '..');
const MB = 1024 * 1024;

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

let soak: Soak;

beforeAll(() => {
  if (!existsSync(join(pkg, 'dist', 'index.js'))) throw new Error('packages/nn/dist is missing: build first with `tsc -b` (the test script does)');
  const run = spawnSync(process.execPath, ['--expose-gc', '--stack-size=200', join(__dirname, 'fixtures', 'soak.mjs'), '20000', '2000'], {
    cwd: pkg,
    encoding: 'utf8',
    timeout: 110_000,
  });
  if (run.status !== 0) throw new Error(`soak.mjs exited with ${run.status} ${run.signal ?? ''}\n${run.stderr}`);
  soak = JSON.parse(run.stdout) as Soak;
  process.stdout.write(
    `soak: ${soak.steps} steps at ${Math.round(soak.stepsPerSecond)} steps/s, memory growth after warm-up ` +
      `${(soak.growth / MB).toFixed(2)} MB (max ${(soak.maxGrowth / MB).toFixed(2)} MB); ` +
      `2,000,001-node chain ${Math.round(soak.scalarChain.ms)} ms, 10,000-layer tensor chain ${Math.round(soak.tensorChain.ms)} ms\n`,
  );
});

test('20,000 training steps: memory grows by less than 5 MB after warm-up (graphs and closures are released)', () => {
  expect(soak.steps).toBe(20_000);
  expect(soak.samples.length).toBe(19);
  expect(soak.growth).toBeLessThan(5 * MB);
  expect(soak.maxGrowth).toBeLessThan(5 * MB);
  expect(Number.isFinite(soak.lastLoss)).toBe(true);
});

test('a 2,000,001-node scalar chain back-propagates with a 200 KB stack, and its memory is returned', () => {
  // y ← 0.999999·y + x, a million times: dy/dx = Σ cⁱ = (1 − c^(N+1)) / (1 − c).
  const c = 0.999999;
  const want = (1 - Math.pow(c, 1_000_001)) / (1 - c);
  expect(Math.abs(soak.scalarChain.grad - want) / want).toBeLessThan(1e-9);
  expect(soak.scalarChain.memoryAfter).toBeLessThan(5 * MB);
});

test('a 10,000-layer tensor chain back-propagates with a 200 KB stack, and its memory is returned', () => {
  expect(soak.tensorChain.gradFinite).toBe(true);
  expect(soak.tensorChain.memoryAfter).toBeLessThan(5 * MB);
});
