/**
 * Parameters, optimizer state and a compiled step's buffers live in the kernels' shared memory
 * here (Node), and training over them gives the bits of training over plain arrays (the
 * copying path): 100 Adam and SGD steps, eager and compiled, with every parameter resident or
 * none (a cap of 0), and with the cap so small that only some are. Checkpoints and state
 * dicts read and write them as any array. In a process of its own (fixtures/resident-gc.mjs,
 * built packages): blocks come back when their owners are collected, and a loop that never
 * yields falls back to plain arrays at the cap.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { randn, setKernels, tensor } from '@ad/core';
import { isResident, residentBytes, setResidentCap } from '@ad/core/engine';
import { Adam, compileStep, crossEntropy, Linear, type Optimizer, type Parameter, ReLU, restoreBytes, saveBytes, Sequential, SGD } from '../src/index.js';

afterEach(() => {
  setResidentCap(undefined);
  setKernels('auto');
});

const xs = Array.from({ length: 4 }, (_, i) => randn([32, 20], { seed: 10 + i }));
const ys = Array.from({ length: 4 }, (_, i) => tensor(Array.from({ length: 32 }, (_, j) => (i + 3 * j) % 3)));

/** A 20-130-3 MLP (its products and Adam on the WebAssembly kernels under 'auto') and its optimizer, made under `cap`. */
function make(cap: number | undefined, optimizer: (ps: Parameter[]) => Optimizer) {
  setResidentCap(cap);
  const model = new Sequential([new Linear(20, 130, { seed: 3 }), new ReLU(), new Linear(130, 3, { seed: 4 })]);
  const opt = optimizer(model.parameters());
  setResidentCap(undefined);
  return { model, opt };
}

/** 100 steps, eager or compiled, each under `cap` (a compiled step's buffers are made on its first runs); the losses. */
function train(net: ReturnType<typeof make>, compiled: boolean, cap: number | undefined): number[] {
  const step = compiled ? compileStep(net.model, crossEntropy, net.opt) : undefined;
  const losses: number[] = [];
  for (let k = 0; k < 100; k++) {
    setResidentCap(cap);
    if (step !== undefined) losses.push(step(xs[k % 4], ys[k % 4]));
    else {
      net.opt.zeroGrad();
      const loss = crossEntropy(net.model.forward(xs[k % 4]), ys[k % 4]);
      loss.backward();
      net.opt.step();
      losses.push(loss.item());
    }
    setResidentCap(undefined);
  }
  return losses;
}

const bits = (ps: Parameter[]) => ps.map((p) => Array.from(p.data));

const optimizers: [string, (ps: Parameter[]) => Optimizer][] = [
  ['Adam (AMSGrad, L2 decay)', (ps) => new Adam(ps, { lr: 1e-2, amsgrad: true, weightDecay: 0.01 })],
  ['SGD with momentum', (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9 })],
];

describe.each(optimizers)('%s', (_, optimizer) => {
  test.each([false, true])('100 steps (compiled: %s) give the same bits with every array resident, none, or some', (compiled) => {
    const plain = make(0, optimizer);
    const resident = make(undefined, optimizer);
    // Room for the first layer's weight only.
    const some = make(residentBytes() + 8 * 20 * 130 + 16, optimizer);
    expect(plain.model.parameters().map((p) => isResident(p.data))).toEqual([false, false, false, false]);
    expect(resident.model.parameters().map((p) => isResident(p.data))).toEqual([true, true, true, true]);
    expect(some.model.parameters().map((p) => isResident(p.data))).toEqual([true, false, false, false]);
    const want = train(plain, compiled, 0);
    expect(train(resident, compiled, undefined)).toEqual(want);
    expect(train(some, compiled, undefined)).toEqual(want);
    expect(bits(resident.model.parameters())).toEqual(bits(plain.model.parameters()));
    expect(bits(some.model.parameters())).toEqual(bits(plain.model.parameters()));
    expect(resident.opt.stateDict()).toEqual(plain.opt.stateDict());
  });
});

test('the jit over resident buffers gives the eager bits, and on the js path nothing is resident', () => {
  const eager = make(undefined, (ps) => new Adam(ps, { lr: 1e-2 }));
  const compiled = make(undefined, (ps) => new Adam(ps, { lr: 1e-2 }));
  expect(train(compiled, true, undefined)).toEqual(train(eager, false, undefined));
  setKernels('js');
  const js = make(undefined, (ps) => new Adam(ps, { lr: 1e-2 }));
  expect(js.model.parameters().some((p) => isResident(p.data))).toBe(false);
});

test('checkpoints (safetensors with the optimizer state) read and write resident parameters and state', () => {
  const a = make(undefined, (ps) => new Adam(ps, { lr: 1e-2 }));
  train(a, false, undefined);
  const b = make(undefined, (ps) => new Adam(ps, { lr: 1e-2 }));
  restoreBytes(saveBytes(a.model, { optimizer: a.opt }), b.model, b.opt);
  expect(b.model.parameters().every((p) => isResident(p.data))).toBe(true);
  expect(bits(b.model.parameters())).toEqual(bits(a.model.parameters()));
  expect(train(b, false, undefined)).toEqual(train(a, false, undefined));
});

test('blocks come back once their owners are collected, and a loop that never yields falls back to plain arrays at the cap', () => {
  const pkg = join(__dirname, '..');
  const run = spawnSync(process.execPath, ['--expose-gc', join(__dirname, 'fixtures', 'resident-gc.mjs')], { cwd: pkg, encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`resident-gc.mjs exited with ${run.status} ${run.signal ?? ''}\n${run.stderr}`);
  const r = JSON.parse(run.stdout) as Record<string, number | boolean>;
  expect(r.firstResident).toBe(true);
  // The 300×200 weight and its bias (481,600 bytes), of which at most the bias is still referenced.
  expect(r.held).toBe(481_600);
  expect(r.afterDrop).toBeLessThanOrEqual(1600);
  expect(r.reused).toBe(true);
  // 400 weights of 802,816 bytes: about 167 fit under 128 MiB, the rest are plain.
  expect(r.plain).toBeGreaterThan(200);
  expect(r.full).toBeLessThanOrEqual(128 * 2 ** 20);
  expect(Math.abs(r.drained as number)).toBeLessThanOrEqual(1600);
  expect(r.residentAgain).toBe(true);
  expect(r.grownAfter).toBe(0);
});
