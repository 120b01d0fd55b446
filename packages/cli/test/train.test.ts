/** `ad train` and `ad eval` end to end, as child processes, on small settings. */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { load } from '@ad/nn/node';
import { ad, checkSvg, ensureBuilt, scratch } from './run.js';

beforeAll(ensureBuilt);

const EPOCH_LINE = /^epoch +\d+\/\d+  train loss \d+\.\d{4}  test loss \d+\.\d{4}  test acc +\d+\.\d{2}%  \S+ (s|ms|µs)$/;

/** A checkpoint as plain data (safetensors, or the earlier JSON for a .json name), read by @ad/nn's own loader. */
function readCheckpoint(path: string): {
  model: Record<string, { shape: number[]; data: number[] }>;
  optimizer: { step: number } | null;
  meta: { epoch: number; history: unknown[]; config: { epochs: number } };
} {
  const c = load(path);
  const model = Object.fromEntries(Object.entries(c.model).map(([k, t]) => [k, { shape: [...t.shape], data: Array.from(t.toFloat64Array()) }]));
  return { model, optimizer: c.optimizer, meta: c.meta as { epoch: number; history: unknown[]; config: { epochs: number } } };
}

test('ad train --data xor: a line per epoch, 100 % test accuracy, a checkpoint and the learning curves', async () => {
  const dir = scratch();
  const r = await ad(['train', '--data', 'xor'], dir);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines[0]).toMatch(
    /^ad train — xor: 300 train \/ 100 test \(seed 0\) · 2-8-1 tanh \(33 parameters\), binary cross-entropy · Adam lr 0\.02, batch 32 · 60 epochs$/,
  );
  const epochs = lines.filter((l) => l.startsWith('epoch'));
  expect(epochs).toHaveLength(60);
  for (const l of epochs) expect(l).toMatch(EPOCH_LINE);
  expect(epochs[59]).toContain('test acc 100.00%');
  expect(lines[lines.length - 1]).toMatch(
    /^saved xor\.safetensors \(epoch 60, test accuracy 100\.00%\); learning curves in curves\.svg; \d+\.\d s of training$/,
  );

  // safetensors: an 8-byte header size, then a JSON header naming each tensor F64 under PyTorch's keys.
  const bytes = readFileSync(join(dir, 'xor.safetensors'));
  const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8'));
  expect(header['0.weight']).toEqual({ dtype: 'F64', shape: [8, 2], data_offsets: [0, 128] });
  expect(Object.keys(JSON.parse(header.__metadata__.meta))).toEqual(['kind', 'config', 'epoch', 'history', 'generators']);
  const ckpt = readCheckpoint(join(dir, 'xor.safetensors'));
  expect(Object.keys(ckpt.model)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
  expect(ckpt.model['0.weight'].shape).toEqual([8, 2]);
  expect(ckpt.optimizer?.step).toBe(60 * 10);
  expect(ckpt.meta.epoch).toBe(60);
  expect(ckpt.meta.history).toHaveLength(60);
  const svg = readFileSync(join(dir, 'curves.svg'), 'utf8');
  checkSvg(svg);
  expect(svg).toContain('test accuracy per epoch');
});

test('ad train --resume continues to exactly the weights of an uninterrupted run', async () => {
  const dir = scratch();
  const base = ['train', '--data', 'moons', '--limit', '200', '--hidden', '16', '--dropout', '0.1', '--no-plot'];
  const whole = await ad([...base, '--epochs', '6', '--out', 'whole.json'], dir);
  expect(whole.code).toBe(0);
  const first = await ad([...base, '--epochs', '3', '--out', 'part.json'], dir);
  expect(first.code).toBe(0);
  const resumed = await ad(['train', '--resume', 'part.json', '--epochs', '6', '--no-plot'], dir);
  expect(resumed.stderr).toBe('');
  expect(resumed.code).toBe(0);
  expect(resumed.stdout).toContain('resuming at epoch 4 of 6');
  expect(resumed.stdout.split('\n').filter((l) => l.startsWith('epoch'))).toHaveLength(3);
  const a = readCheckpoint(join(dir, 'whole.json'));
  const b = readCheckpoint(join(dir, 'part.json'));
  expect(b.meta.epoch).toBe(6);
  expect(b.meta.history).toHaveLength(6);
  // Same batches, dropout masks and Adam state: bit-identical weights.
  expect(b.model).toEqual(a.model);
  expect(b.optimizer).toEqual(a.optimizer);
  // The per-epoch scores of the resumed half equal the uninterrupted run's.
  const last = (s: string) =>
    s
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('epoch'))
      .pop()!
      .replace(/  \S+ (s|ms|µs)$/, '');
  expect(last(resumed.stdout)).toBe(last(whole.stdout));

  const done = await ad(['train', '--resume', 'part.json', '--no-plot'], dir);
  expect(done.code).toBe(2);
  expect(done.stderr).toBe('ad train: part.json has already trained 6 of 6 epochs; give --epochs above 6 to train further\n');
  const changed = await ad(['train', '--resume', 'part.json', '--epochs', '8', '--hidden', '32'], dir);
  expect(changed.code).toBe(2);
  expect(changed.stderr).toMatch(/^ad train: --hidden 32 differs from part\.json, which was trained with 16; .*\n$/);
});

test('a tiny MNIST run: the default network on a few hundred digits', async () => {
  const dir = scratch();
  const r = await ad(['train', '--limit', '300', '--epochs', '1', '--batch', '64', '--plot', 'c.svg', '--out', 'm.json'], dir);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(
    /^ad train — mnist: 225 train \/ 75 test \(seed 0\) · 784-256-10 relu, dropout 0\.2 \(203,530 parameters\), cross-entropy · Adam lr 0\.002 \(cosine decay\), batch 64, random shifts ±2 px · 1 epoch\n/,
  );
  expect(r.stdout.split('\n')[1]).toMatch(EPOCH_LINE);
  checkSvg(readFileSync(join(dir, 'c.svg'), 'utf8'));
  expect(statSync(join(dir, 'm.json')).size).toBeGreaterThan(203_530 * 8);
});

test('ad eval prints the accuracy on the held-out rows and the confusion matrix', async () => {
  const dir = scratch();
  expect((await ad(['train', '--data', 'iris', '--no-plot'], dir)).code).toBe(0);
  // Bare `ad eval` reads the checkpoint `ad train` just wrote (named after its data set).
  const r = await ad(['eval'], dir);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines[0]).toBe('iris.safetensors: iris, 4-16-3 tanh, trained 30 epochs');
  expect(lines[1]).toMatch(/^iris test split \(seed 0\): 38 rows · loss \d\.\d{4} · accuracy \d+\.\d{2}% \(\d+ \/ 38\)$/);
  expect(lines[3]).toBe('confusion matrix (rows: true class, columns: predicted class)');
  expect(lines[4]).toMatch(/^ {2}true \\ pred +setosa +versicolor +virginica +rows +recall$/);
  const rows = lines.slice(6);
  expect(rows).toHaveLength(3);
  // Each row of the matrix adds up to its class's test rows (stratified: 13, 13, 12 or so), 38 in all.
  const totals = rows.map((l) => Number(l.trim().split(/\s+/)[4]));
  expect(totals.reduce((a, b) => a + b, 0)).toBe(38);
  const accuracy = Number(/accuracy (\d+\.\d+)%/.exec(lines[1])![1]);
  expect(accuracy).toBeGreaterThanOrEqual(89);

  const all = await ad(['eval', '--checkpoint', 'iris.safetensors', '--split', 'all'], dir);
  expect(all.code).toBe(0);
  expect(all.stdout).toMatch(/iris all rows \(seed 0\): 150 rows/);
  const other = await ad(['eval', '--checkpoint', 'iris.safetensors', '--data', 'xor'], dir);
  expect(other.code).toBe(2);
  expect(other.stderr).toBe('ad eval: iris.safetensors takes 4 features per row, but xor has 2\n');
});

test('ad train --model cnn: a short run of the CNN, then ad summary and ad eval on its checkpoint', async () => {
  const dir = scratch();
  const r = await ad(['train', '--model', 'cnn', '--limit', '200', '--epochs', '2', '--no-plot'], dir);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines[0]).toMatch(
    /^ad train — mnist: 150 train \/ 50 test \(seed 0\) · cnn 28×28 → conv5×5 8, pool 2 → conv5×5 16, pool 2 → 10 \(5,994 parameters\), cross-entropy · Adam lr 0\.002 \(cosine decay\), batch 64, random shifts ±2 px · 2 epochs$/,
  );
  for (const l of lines.filter((x) => x.startsWith('epoch'))) expect(l).toMatch(EPOCH_LINE);
  const ckpt = readCheckpoint(join(dir, 'mnist.safetensors'));
  expect(Object.entries(ckpt.model).map(([k, t]) => `${k} [${t.shape.join(',')}]`)).toEqual([
    '1.weight [8,1,5,5]',
    '1.bias [8]',
    '4.weight [16,8,5,5]',
    '4.bias [16]',
    '8.weight [10,256]',
    '8.bias [10]',
  ]);

  const s = await ad(['summary', '--checkpoint', 'mnist.safetensors'], dir);
  expect(s.stderr).toBe('');
  expect(s.code).toBe(0);
  const rows = s.stdout.trim().split('\n');
  expect(rows[0]).toBe('mnist.safetensors: mnist, cnn 28×28 → conv5×5 8, pool 2 → conv5×5 16, pool 2 → 10, trained 2 epochs');
  expect(rows[1]).toBe('input [1, 784]');
  const table = rows.filter((l) => /^ {2}\d /.test(l)).map((l) => l.trim().split(/ {2,}/));
  expect(table).toEqual([
    ['0 Unflatten', '[1, 1, 28, 28]', '0'],
    ['1 Conv2d', '[1, 8, 24, 24]', '208'],
    ['2 MaxPool2d', '[1, 8, 12, 12]', '0'],
    ['3 ReLU', '[1, 8, 12, 12]', '0'],
    ['4 Conv2d', '[1, 16, 8, 8]', '3,216'],
    ['5 MaxPool2d', '[1, 16, 4, 4]', '0'],
    ['6 ReLU', '[1, 16, 4, 4]', '0'],
    ['7 Flatten', '[1, 256]', '0'],
    ['8 Linear', '[1, 10]', '2,570'],
  ]);
  expect(rows).toContain('Total params: 5,994');

  const e = await ad(['eval', '--checkpoint', 'mnist.safetensors'], dir);
  expect(e.code).toBe(0);
  expect(e.stdout.split('\n')[1]).toMatch(/^mnist test split \(seed 0\): 50 rows/);
  const wrong = await ad(['train', '--model', 'cnn', '--data', 'iris'], dir);
  expect(wrong.code).toBe(2);
  expect(wrong.stderr).toBe('ad train: --model cnn takes 28×28 images: mnist only, not iris\n');
});

test('each data set has its own default checkpoint, bare ad eval reads the newest, and --model in ad eval points to --checkpoint', async () => {
  const dir = scratch();
  const none = await ad(['eval'], dir);
  expect(none.code).toBe(2);
  expect(none.stderr).toBe(
    'ad eval: no checkpoint named and none of mnist.safetensors, iris.safetensors, xor.safetensors, moons.safetensors, spirals.safetensors is in this folder; pass --checkpoint <file> (ad train writes one)\n',
  );
  expect((await ad(['train', '--data', 'xor', '--epochs', '2', '--no-plot'], dir)).code).toBe(0);
  const xor = readFileSync(join(dir, 'xor.safetensors'));
  expect((await ad(['train', '--data', 'moons', '--epochs', '2', '--no-plot'], dir)).code).toBe(0);
  // Training on moons wrote moons.safetensors and left xor's checkpoint as it was.
  expect(readFileSync(join(dir, 'xor.safetensors')).equals(xor)).toBe(true);
  const e = await ad(['eval'], dir);
  expect(e.code).toBe(0);
  expect(e.stdout.split('\n')[0]).toBe('moons.safetensors: moons, 2-32-32-2 relu, trained 2 epochs');
  const s = await ad(['summary'], dir);
  expect(s.stdout.split('\n')[0]).toBe('moons.safetensors: moons, 2-32-32-2 relu, trained 2 epochs');
  const old = await ad(['eval', '--model', 'xor.safetensors'], dir);
  expect(old.code).toBe(2);
  expect(old.stderr).toBe('ad eval: ad eval reads a checkpoint with --checkpoint xor.safetensors (--model names an architecture in ad train)\n');
  expect((await ad(['eval', '--help'], dir)).stdout).not.toContain('--model');
});
