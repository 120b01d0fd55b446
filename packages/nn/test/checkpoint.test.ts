/** save → load → identical predictions; truncated, corrupted and mismatched files are refused. */
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randn, type Tensor } from '@ad/core';
import { noGrad } from '@ad/reverse';
import { Adam, CheckpointError, Linear, Sequential, loadBytes, relu, restoreBytes, saveBytes } from '../src/index.js';
import { load, restore, save } from '../src/node-only.js';

const dir = mkdtempSync(join(tmpdir(), 'ad-nn-'));
const make = (seed: number) => new Sequential([new Linear(4, 6, { seed }), relu, new Linear(6, 3, { seed: seed + 1 })]);
const x = randn([5, 4], { seed: 9 });
const predict = (m: Sequential) => (noGrad(() => m.forward(x)).value as Tensor).toArray();

test('save then restore gives bit-identical predictions and optimizer state', () => {
  const a = make(1);
  const opt = new Adam(a.parameters(), { lr: 0.01 });
  a.forward(x).square().mean().backward();
  opt.step();
  const path = join(dir, 'model.json');
  save(a, path, { optimizer: opt, meta: { epoch: 3 } });
  const b = make(100);
  const optB = new Adam(b.parameters(), { lr: 0.01 });
  const ckpt = restore(path, b, optB);
  expect(ckpt.meta).toEqual({ epoch: 3 });
  expect(predict(b)).toEqual(predict(a));
  expect(optB.stateDict()).toEqual(opt.stateDict());
  expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
});

test('a truncated file is refused and the model is untouched', () => {
  const a = make(1);
  const path = join(dir, 'truncated.json');
  save(a, path);
  const text = readFileSync(path, 'utf8');
  writeFileSync(path, text.slice(0, text.length / 2));
  const b = make(50);
  const before = predict(b);
  expect(() => restore(path, b)).toThrow(CheckpointError);
  expect(() => load(path)).toThrow(/is not a complete checkpoint \(truncated or not JSON/);
  expect(predict(b)).toEqual(before);
});

test('a flipped byte is caught by the checksum', () => {
  const path = join(dir, 'flipped.json');
  save(make(1), path);
  const text = readFileSync(path, 'utf8');
  const i = text.indexOf('data') + 20;
  writeFileSync(path, text.slice(0, i) + (text[i] === 'A' ? 'B' : 'A') + text.slice(i + 1));
  expect(() => load(path)).toThrow(/is corrupted: its checksum does not match its contents/);
});

test('a checkpoint of another architecture names the key and both shapes', () => {
  const path = join(dir, 'other.json');
  save(new Sequential([new Linear(4, 8), relu, new Linear(8, 3)]), path);
  const b = make(5);
  const before = predict(b);
  expect(() => restore(path, b)).toThrow('loadStateDict: 0.weight has shape [8,4] in the state dict, the model has [6,4]');
  expect(predict(b)).toEqual(before);
  expect(() => restore(join(dir, 'missing.json'), b)).toThrow(/^restore: cannot read .*missing\.json/);
  expect(existsSync(join(dir, 'missing.json'))).toBe(false);
});

test('saving into a missing directory is a CheckpointError', () => {
  expect(() => save(make(1), join(dir, 'no', 'such', 'dir', 'm.json'))).toThrow(/^save: cannot write .*m\.json: the directory does not exist \(ENOENT\)/);
});

describe('checkpoints as bytes (the browser-clean main entry)', () => {
  test('saveBytes → restoreBytes gives bit-identical predictions and optimizer state', () => {
    const a = make(1);
    const opt = new Adam(a.parameters(), { lr: 0.01 });
    a.forward(x).square().mean().backward();
    opt.step();
    const bytes = saveBytes(a, { optimizer: opt, meta: { epoch: 7 } });
    expect(bytes).toBeInstanceOf(Uint8Array);
    const b = make(100);
    const optB = new Adam(b.parameters(), { lr: 0.01 });
    expect(restoreBytes(bytes, b, optB).meta).toEqual({ epoch: 7 });
    expect(predict(b)).toEqual(predict(a));
    expect(optB.stateDict()).toEqual(opt.stateDict());
  });

  test('the bytes are exactly what save writes, so files and memory interchange', () => {
    const a = make(3);
    const path = join(dir, 'same.json');
    save(a, path, { meta: { note: 'x' } });
    expect(new Uint8Array(readFileSync(path))).toEqual(saveBytes(a, { meta: { note: 'x' }, format: 'json' }));
    const st = join(dir, 'same.safetensors');
    save(a, st, { meta: { note: 'x' } });
    expect(new Uint8Array(readFileSync(st))).toEqual(saveBytes(a, { meta: { note: 'x' } }));
    expect(loadBytes(readFileSync(path)).meta).toEqual({ note: 'x' });
  });

  test('truncated and flipped bytes are refused, the model untouched', () => {
    const bytes = saveBytes(make(1), { format: 'json' });
    const b = make(50);
    const before = predict(b);
    expect(() => restoreBytes(bytes.subarray(0, bytes.length >> 1), b)).toThrow(
      `restoreBytes: the checkpoint is not a complete checkpoint (truncated or not JSON, ${bytes.length >> 1} bytes)`,
    );
    const flipped = bytes.slice();
    const i = new TextDecoder().decode(bytes).indexOf('data') + 20;
    flipped[i] = flipped[i] === 65 ? 66 : 65;
    expect(() => restoreBytes(flipped, b)).toThrow('restoreBytes: the checkpoint is corrupted: its checksum does not match its contents');
    expect(() => loadBytes('not bytes' as unknown as Uint8Array)).toThrow('loadBytes: the checkpoint must be a Uint8Array, got string');
    expect(predict(b)).toEqual(before);
  });
});
