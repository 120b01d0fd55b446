/**
 * Crashes and checkpoints.
 *
 * 1. A training process (fixtures/checkpoint-writer.mjs, on the BUILT packages) that saves a
 *    checkpoint after every step and resumes from it is killed with SIGKILL at a random moment
 *    (seeded) while it runs, 100 times in a row on the same file. After every kill the
 *    checkpoint loads, holds a step at least as late as the last save the process reported
 *    complete, restores into a fresh model and optimizer, and its parts agree with each other.
 * 2. Damaged checkpoints are refused with a message that names the problem and leave the model
 *    and optimizer in memory untouched: every truncation length class, every single-bit flip of
 *    a small checkpoint (exhaustively), a shape mismatch, a wrong element count under a valid
 *    checksum, an optimizer of another kind.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Generator, ShapeError, ValueError, randn } from '@ad/core';
import { Adam, CheckpointError, Linear, SGD, Sequential, Tanh, mse, type Module, type Optimizer } from '../src/index.js';
import { load, restore, save } from '../src/node-only.js';

const pkg = join(__dirname, '..');
const KILLS = 100;

/** The writer's model and optimizer, built the same way (the weights are then restored). */
const writerModel = () => new Sequential([new Linear(32, 64, { seed: 1 }), new Tanh(), new Linear(64, 32, { seed: 2 })]);
/** Kills run in two lanes at once (two files, two writers), 50 each: half the wall time. */
const LANES = 2;

interface Kill {
  /** Last step the process reported saved before it died. */
  acked: number;
  /** Temporary files it left behind (it died inside save, before the rename). */
  orphans: number;
}

/**
 * Starts the writer, kills it `delay` ms after its first completed save, reports what it had
 * acked. With `inWrite` the writer's second save prints `in-write` and hangs before its rename
 * (fixtures/hang-before-rename.cjs), and the kill follows that line at once, inside a write for
 * certain (`delay` is then only a safety net).
 */
function runAndKill(path: string, delay: number, inWrite = false): Promise<Kill> {
  return new Promise((resolve, reject) => {
    const preload = inWrite ? ['--require', join(__dirname, 'fixtures', 'hang-before-rename.cjs')] : [];
    const child = spawn(process.execPath, [...preload, join(__dirname, 'fixtures', 'checkpoint-writer.mjs'), path], {
      cwd: pkg,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let acked = -1;
    let buffer = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        const m = /^saved (\d+)$/.exec(line);
        if (m) acked = Math.max(acked, Number(m[1]));
        if (line === 'in-write') child.kill('SIGKILL');
      }
      if (acked >= 0 && timer === undefined) timer = setTimeout(() => child.kill('SIGKILL'), delay);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer !== undefined) clearTimeout(timer);
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited with ${code} ${signal} before it was killed:\n${stderr}`));
      const dir = join(path, '..');
      const orphans = readdirSync(dir).filter((f) => f.startsWith('model.json.tmp-'));
      for (const f of orphans) unlinkSync(join(dir, f));
      resolve({ acked, orphans: orphans.length });
    });
  });
}

const stateOf = (m: Module) => Object.entries(m.stateDict()).map(([k, t]) => [k, Array.from(t.toFloat64Array())]);

describe(`SIGKILL during checkpoint writes, ${KILLS} times`, () => {
  test('the last good checkpoint always loads, and it is at least as late as the last save reported', async () => {
    if (!existsSync(join(pkg, 'dist', 'index.js'))) throw new Error('packages/nn/dist is missing: build first with `tsc -b` (the test script does)');
    const totals = { survived: 0, midWrite: 0, steps: 0 };
    /** One lane: a file of its own, killed KILLS / LANES times in a row, each writer resuming from it. */
    const lane = async (seed: number) => {
      const dir = mkdtempSync(join(tmpdir(), 'ad-crash-'));
      const path = join(dir, 'model.json');
      const g = new Generator(seed);
      let lastStep = -1;
      try {
        for (let k = 0; k < KILLS / LANES; k++) {
          // Every fifth kill is placed inside a write; the others at random moments.
          const inWrite = k % 5 === 4;
          const { acked, orphans } = await runAndKill(path, inWrite ? 5000 : g.uniform(0, 15), inWrite);
          if (orphans > 0) totals.midWrite++;
          const ckpt = load(path); // throws if the kill left a bad file
          const step = Number(ckpt.meta.step);
          expect(step).toBeGreaterThanOrEqual(acked);
          expect(step).toBeGreaterThanOrEqual(lastStep); // resumed, never went back
          lastStep = step;
          // The parts of the checkpoint belong together: Adam counted one step per training step.
          expect(ckpt.optimizer?.step).toBe(step + 1);
          const model = writerModel();
          const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
          restore(path, model, optimizer);
          expect(stateOf(model)).toEqual(Object.entries(ckpt.model).map(([key, t]) => [key, Array.from(t.toFloat64Array())]));
          totals.survived++;
        }
        totals.steps += lastStep + 1;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    await Promise.all(Array.from({ length: LANES }, (_, i) => lane(8 + i)));
    process.stdout.write(
      `crash: ${totals.survived}/${KILLS} kills survived, ${totals.midWrite} of them inside save (a temporary file was left), ${totals.steps} training steps in all\n`,
    );
    expect(totals.survived).toBe(KILLS);
    // The kills placed inside a write left their temporary file (and the checkpoint loaded).
    expect(totals.midWrite).toBeGreaterThanOrEqual(KILLS / 5);
  }, 110_000);
});

describe('damaged checkpoints are refused and the model in memory is untouched', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ad-damage-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const small = () => new Sequential([new Linear(3, 2, { seed: 1 }), new Tanh(), new Linear(2, 1, { seed: 2 })]);
  const x = randn([4, 3], { seed: 3 });

  /** A model and optimizer that have taken a step (so the optimizer has state), and a snapshot of both. */
  function subject(seed: number): { model: Sequential; opt: Adam; snapshot: () => string } {
    const model = new Sequential([new Linear(3, 2, { seed }), new Tanh(), new Linear(2, 1, { seed: seed + 1 })]);
    const opt = new Adam(model.parameters(), { lr: 0.1 });
    mse(model.forward(x), randn([4, 1], { seed: 4 })).backward();
    opt.step();
    return { model, opt, snapshot: () => JSON.stringify([stateOf(model), opt.stateDict()]) };
  }

  function goodFile(): { path: string; text: string } {
    const a = subject(10);
    const path = join(dir, 'good.json');
    save(a.model, path, { optimizer: a.opt, meta: { step: 1 } });
    return { path, text: readFileSync(path, 'utf8') };
  }

  /** restore must throw, with a message naming the problem, and change nothing. */
  function refused(path: string, message: RegExp): void {
    const b = subject(20);
    const before = b.snapshot();
    expect(() => restore(path, b.model, b.opt)).toThrow(message);
    expect(b.snapshot()).toBe(before);
  }

  test('truncated at every length class: refused as incomplete', () => {
    const { text } = goodFile();
    const path = join(dir, 'truncated.json');
    const cuts = [0, 1, 10, 100, text.length / 2, text.length - 2, text.length - 1].map(Math.floor);
    for (const cut of cuts) {
      writeFileSync(path, text.slice(0, cut));
      refused(path, /is not a complete checkpoint \(truncated or not JSON/);
    }
  });

  test('every single-bit flip of a small checkpoint is refused (exhaustive), none half-loads', () => {
    const model = small();
    const path = join(dir, 'flip.json');
    save(model, path, { meta: { step: 0 } });
    const bytes = readFileSync(path);
    const reasons = new Map<string, number>();
    const target = join(dir, 'flipped.json');
    for (let i = 0; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const damaged = Buffer.from(bytes);
        damaged[i] ^= 1 << bit;
        writeFileSync(target, damaged);
        try {
          load(target);
        } catch (e) {
          expect(e).toBeInstanceOf(CheckpointError);
          const reason = /checksum|not a complete|not an @ad\/nn|format version/.exec((e as Error).message)?.[0] ?? (e as Error).message;
          reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
          continue;
        }
        throw new Error(`a flip of bit ${bit} of byte ${i} (${JSON.stringify(bytes.subarray(Math.max(0, i - 10), i + 10).toString())}) was loaded`);
      }
    }
    const total = [...reasons.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(bytes.length * 8);
    process.stdout.write(`checkpoint bit flips: ${total} of ${total} refused (${[...reasons].map(([r, n]) => `${r}: ${n}`).join(', ')})\n`);
    // And a flip in the middle of the tensor data, restored into a model: untouched.
    const damaged = Buffer.from(readFileSync(goodFile().path));
    damaged[damaged.indexOf('data') + 30] ^= 4;
    writeFileSync(target, damaged);
    refused(target, /is corrupted: its checksum does not match its contents/);
  });

  test('a checkpoint of another shape names the key and both shapes', () => {
    const other = new Sequential([new Linear(3, 5, { seed: 1 }), new Tanh(), new Linear(5, 1, { seed: 2 })]);
    const path = join(dir, 'other-shape.json');
    save(other, path, { optimizer: new Adam(other.parameters()) });
    refused(path, /^loadStateDict: 0\.weight has shape \[5,3\] in the state dict, the model has \[2,3\]$/);
    const b = subject(30);
    expect(() => restore(path, b.model, b.opt)).toThrow(ShapeError);
  });

  test('a wrong element count under a valid checksum is refused by load', () => {
    const { text } = goodFile();
    const outer = JSON.parse(text) as { payload: string; sha256: string };
    const payload = JSON.parse(outer.payload) as { model: Record<string, { shape: number[]; data: string }> };
    payload.model['0.weight'].shape = [3, 2, 2];
    const body = JSON.stringify(payload);
    const path = join(dir, 'count.json');
    writeFileSync(path, JSON.stringify({ ...outer, payload: body, sha256: createHash('sha256').update(body).digest('hex') }));
    refused(path, /0\.weight holds 6 values, its shape \[3,2,2\] needs 12/);
  });

  test('an optimizer of another kind, or none, is refused and the model is put back', () => {
    const { path } = goodFile();
    const b = subject(40);
    const sgd = new SGD(b.model.parameters(), { lr: 0.1 });
    const before = JSON.stringify(stateOf(b.model));
    expect(() => restore(path, b.model, sgd as Optimizer)).toThrow(ValueError);
    expect(JSON.stringify(stateOf(b.model))).toBe(before);
    const bare = join(dir, 'bare.json');
    save(small(), bare);
    refused(bare, /holds no optimizer state/);
  });

  test('a missing file names the path', () => {
    refused(join(dir, 'nowhere.json'), /^restore: cannot read .*nowhere\.json/);
  });
});
