/**
 * safetensors: a file written byte by byte in the test from the published format loads; a
 * model round-trips through bytes and through a file (F64 exactly, F32 to single precision);
 * a truncated file, lying header sizes and offsets, overlaps, holes and a non-finite header
 * size are refused with a CheckpointError and the model is left untouched; the earlier JSON
 * checkpoints still load.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randn, type Tensor } from '@ad/core';
import { noGrad } from '@ad/reverse';
import {
  Adam,
  BatchNorm1d,
  CheckpointError,
  Linear,
  Sequential,
  decodeSafetensors,
  encodeSafetensors,
  fromSafetensors,
  relu,
  toSafetensors,
} from '../src/index.js';
import { load, restore, save } from '../src/node-only.js';

const dir = mkdtempSync(join(tmpdir(), 'ad-safetensors-'));
const make = (seed: number) => new Sequential([new Linear(3, 4, { seed }), relu, new Linear(4, 2, { seed: seed + 1 })]);
const x = randn([5, 3], { seed: 9 });
const predict = (m: Sequential) => (noGrad(() => m.forward(x)).value as Tensor).toArray();

/** A safetensors file from its parts, as the format describes it: u64 LE header size, JSON header, data. */
function handWritten(header: string, data: number[]): Uint8Array {
  const json = Array.from(header, (c) => c.charCodeAt(0));
  const bytes = new Uint8Array(8 + json.length + data.length);
  let n = json.length;
  for (let i = 0; i < 8; i++, n = Math.floor(n / 256)) bytes[i] = n % 256;
  bytes.set(json, 8);
  bytes.set(data, 8 + json.length);
  return bytes;
}

/** The IEEE 754 little-endian bytes of a float64, written out by hand for the numbers used here. */
const F64: Record<string, number[]> = {
  '1': [0, 0, 0, 0, 0, 0, 0xf0, 0x3f],
  '-2': [0, 0, 0, 0, 0, 0, 0, 0xc0],
  '0.5': [0, 0, 0, 0, 0, 0, 0xe0, 0x3f],
};
/** float32: 1.5 is 0x3fc00000, −0.25 is 0xbe800000. */
const F32: Record<string, number[]> = { '1.5': [0, 0, 0xc0, 0x3f], '-0.25': [0, 0, 0x80, 0xbe] };

test('a file written by hand from the published format loads, F64 and F32 entries alike', () => {
  const header =
    '{"__metadata__":{"source":"hand"},"w":{"dtype":"F64","shape":[1,3],"data_offsets":[0,24]},"b":{"dtype":"F32","shape":[2],"data_offsets":[24,32]}}';
  const bytes = handWritten(header, [...F64['1'], ...F64['-2'], ...F64['0.5'], ...F32['1.5'], ...F32['-0.25']]);
  const { tensors, metadata } = decodeSafetensors(bytes);
  expect(metadata).toEqual({ source: 'hand' });
  expect(tensors.w.shape).toEqual([1, 3]);
  expect(tensors.w.toArray()).toEqual([[1, -2, 0.5]]);
  expect(tensors.b.toArray()).toEqual([1.5, -0.25]);
  // The same bytes as a model's weights: a Linear(3, 1) loads them under PyTorch's keys.
  const lin = new Linear(3, 1);
  const ckpt = fromSafetensors(
    handWritten('{"weight":{"dtype":"F64","shape":[1,3],"data_offsets":[0,24]},"bias":{"dtype":"F32","shape":[1],"data_offsets":[24,28]}}', [
      ...F64['1'],
      ...F64['-2'],
      ...F64['0.5'],
      ...F32['1.5'],
    ]),
  );
  lin.loadStateDict(ckpt.model);
  expect(ckpt.optimizer).toBeNull();
  expect((noGrad(() => lin.forward(randn([1, 3], { seed: 0 }).mul(0).add(1))).value as Tensor).item()).toBe(1 - 2 + 0.5 + 1.5);
});

test('what the library writes follows the format: size, JSON header padded to 8 bytes, little-endian data, a SHA-256 of the whole file first', () => {
  const bytes = encodeSafetensors({ a: randn([2], { seed: 1 }).mul(0).add(1) }, { metadata: { k: 'v' } });
  const n = bytes[0] + bytes[1] * 256;
  expect(Array.from(bytes.subarray(2, 8))).toEqual([0, 0, 0, 0, 0, 0]);
  expect((8 + n) % 8).toBe(0);
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  const header = JSON.parse(text);
  const sum: string = header.__metadata__.sha256;
  expect(header).toEqual({ __metadata__: { sha256: sum, format: '@ad/nn', k: 'v' }, a: { dtype: 'F64', shape: [2], data_offsets: [0, 16] } });
  expect(Array.from(bytes.subarray(8 + n))).toEqual([...F64['1'], ...F64['1']]);
  // The checksum sits first, and is Node's SHA-256 of the file with its own 64 digits read as '0'.
  const prefix = '{"__metadata__":{"sha256":"';
  expect(text.startsWith(`${prefix}${sum}"`)).toBe(true);
  const blanked = Buffer.from(bytes);
  blanked.fill('0', 8 + prefix.length, 8 + prefix.length + 64);
  expect(createHash('sha256').update(blanked).digest('hex')).toBe(sum);
});

test('a model, its optimizer and run metadata round-trip through bytes (F64 exact) and files', () => {
  const a = new Sequential([new Linear(3, 4, { seed: 1 }), new BatchNorm1d(4), relu, new Linear(4, 2, { seed: 2 })]);
  const opt = new Adam(a.parameters(), { lr: 0.01 });
  a.forward(x).square().mean().backward();
  opt.step();
  const bytes = toSafetensors(a, { optimizer: opt, meta: { epoch: 3, note: 'run' } });
  const ckpt = fromSafetensors(bytes);
  expect(Object.keys(ckpt.model)).toEqual([
    '0.weight',
    '0.bias',
    '1.weight',
    '1.bias',
    '1.running_mean',
    '1.running_var',
    '1.num_batches_tracked',
    '3.weight',
    '3.bias',
  ]);
  expect(ckpt.meta).toEqual({ epoch: 3, note: 'run' });
  const b = new Sequential([new Linear(3, 4, { seed: 7 }), new BatchNorm1d(4), relu, new Linear(4, 2, { seed: 8 })]);
  const optB = new Adam(b.parameters(), { lr: 0.01 });
  const path = join(dir, 'model.safetensors');
  save(a, path, { optimizer: opt, meta: { epoch: 3 } });
  restore(path, b, optB);
  a.eval();
  b.eval();
  expect(predict(b)).toEqual(predict(a));
  expect(optB.stateDict()).toEqual(opt.stateDict());
  // F32: half the bytes, every value rounded to single precision.
  const small = toSafetensors(a, { dtype: 'F32' });
  expect(small.length).toBeLessThan(bytes.length);
  const c = make(3);
  const single = fromSafetensors(encodeSafetensors(make(1).stateDict(), { dtype: 'F32' }));
  c.loadStateDict(single.model);
  const w = make(1).stateDict()['0.weight'].toFloat64Array();
  expect(Array.from(c.stateDict()['0.weight'].toFloat64Array())).toEqual(Array.from(w, Math.fround));
});

describe('corrupt files are refused with a CheckpointError, the model untouched', () => {
  const good = '{"w":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}';
  const data = [...F64['1'], ...F64['-2']];
  const cases: [string, Uint8Array, RegExp][] = [
    ['shorter than the size field', new Uint8Array([1, 2, 3]), /truncated: 3 bytes/],
    ['truncated data', handWritten(good, data).subarray(0, 8 + good.length + 10), /ends at byte 16 of the data, which has only 10/],
    [
      'a header size past the end',
      (() => {
        const b = handWritten(good, data);
        b[0] = 0xff;
        b[1] = 0x7f;
        return b;
      })(),
      /header size lies/,
    ],
    [
      'a header size that is not a safe integer',
      (() => {
        const b = handWritten(good, data);
        b.fill(0xff, 0, 8);
        return b;
      })(),
      /is not a usable number/,
    ],
    ['a header that is not JSON', handWritten('{"w":{"dtype":"F64",', data), /is not JSON/],
    [
      'offsets that disagree with the shape',
      handWritten('{"w":{"dtype":"F64","shape":[3],"data_offsets":[0,16]}}', data),
      /has 16 bytes, its shape \[3\] of F64 needs 24/,
    ],
    ['offsets out of range', handWritten('{"w":{"dtype":"F64","shape":[2],"data_offsets":[8,24]}}', data), /ends at byte 24 of the data, which has only 16/],
    [
      'overlapping offsets',
      handWritten('{"a":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"b":{"dtype":"F64","shape":[1],"data_offsets":[8,16]}}', data),
      /overlaps the entry before it/,
    ],
    ['a hole in the data', handWritten('{"w":{"dtype":"F64","shape":[1],"data_offsets":[8,16]}}', data), /bytes 0–8 of the data belong to no entry/],
    [
      'bytes after the last entry',
      handWritten('{"w":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}', data),
      /the data has 16 bytes but the entries cover 8/,
    ],
    ['an unknown dtype', handWritten('{"w":{"dtype":"Q7","shape":[2],"data_offsets":[0,16]}}', data), /dtype "Q7"/],
    ['negative offsets', handWritten('{"w":{"dtype":"F64","shape":[2],"data_offsets":[-16,0]}}', data), /not \[begin, end\]/],
    [
      'metadata that is not strings',
      handWritten('{"__metadata__":{"a":1},"w":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}', data),
      /__metadata__\.a is not a string/,
    ],
  ];
  test.each(cases)('%s', (_name, bytes, message) => {
    expect(() => decodeSafetensors(bytes, 'f.safetensors')).toThrow(CheckpointError);
    expect(() => decodeSafetensors(bytes, 'f.safetensors')).toThrow(message);
  });

  test('every single-bit flip anywhere in the file (size, header, data) is refused, and none half-loads', () => {
    const bytes = toSafetensors(new Linear(2, 2, { seed: 1 }));
    const model = new Linear(2, 2, { seed: 5 });
    const before = model.stateDict();
    const reasons = new Map<string, number>();
    for (let i = 0; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const flipped = bytes.slice();
        flipped[i] ^= 1 << bit;
        try {
          model.loadStateDict(fromSafetensors(flipped).model);
        } catch (e) {
          expect(e).toBeInstanceOf(CheckpointError);
          const reason =
            /SHA-256|not JSON|truncated|lies|not where|twice|no checksum|dtype|shape|unknown field|data_offsets|belong to no entry|cover|not a usable|cannot hold/.exec(
              (e as Error).message,
            )?.[0] ?? (e as Error).message;
          reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
          continue;
        }
        throw new Error(`a flip of bit ${bit} of byte ${i} was loaded`);
      }
    }
    expect([...reasons.values()].reduce((a, b) => a + b, 0)).toBe(bytes.length * 8);
    // Every flip in the data is caught by the checksum: those bytes have no other check.
    expect(reasons.get('SHA-256')).toBeGreaterThanOrEqual(Number(bytes.length - 8 - new DataView(bytes.buffer).getUint32(0, true)) * 8);
    expect(model.stateDict()).toEqual(before);
  });

  test('from a file: a truncated checkpoint leaves the model as it was', () => {
    const path = join(dir, 'cut.safetensors');
    save(make(1), path);
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 5));
    const b = make(50);
    const before = predict(b);
    expect(() => restore(path, b)).toThrow(CheckpointError);
    expect(() => load(path)).toThrow(/cut\.safetensors: .*truncated, or the offsets lie/);
    expect(predict(b)).toEqual(before);
  });
});

test('the earlier JSON checkpoints still load, and a .json path still writes them', () => {
  const a = make(1);
  const path = join(dir, 'old.json');
  save(a, path, { meta: { epoch: 1 } });
  expect(readFileSync(path, 'utf8').startsWith('{"format":"@ad/nn checkpoint"')).toBe(true);
  const b = make(9);
  expect(restore(path, b).meta).toEqual({ epoch: 1 });
  expect(predict(b)).toEqual(predict(a));
});
