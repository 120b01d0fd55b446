/**
 * Edited checkpoints never load different weights without a word. A file this library wrote
 * (a model and Adam after a step) is edited in each of the ways issue 23's fuzzing found that
 * loaded silently — swapped offsets or names, dtypes relabelled F64→I64 and F32→I32, shapes
 * relabelled with the same element count, the checksum removed (with a changed byte or
 * without), a second `__metadata__`, extra empty tensors, tensors named `constructor`,
 * `__proto__` or "", edits of Adam's moments and hyper-parameters — and each edit must be
 * refused by loadBytes and by restoreBytes with a CheckpointError naming the problem, the
 * model and optimizer in memory untouched. Then the same edits on a file with no checksum at
 * all (as PyTorch writes them): what cannot be told from the file alone is refused on restore
 * by the model's shapes and dtypes.
 */
import { randn } from '@ad/core';
import { Adam, CheckpointError, Linear, Sequential, loadBytes, mse, relu, restoreBytes, saveBytes } from '../src/index.js';

const net = (seed: number) => new Sequential([new Linear(3, 4, { seed }), relu, new Linear(4, 2, { seed: seed + 1 })]);
const x = randn([5, 3], { seed: 9 });

/** A model and Adam after one step (so the moments are not zero), and a snapshot of both. */
function trained(seed: number) {
  const model = net(seed);
  const opt = new Adam(model.parameters(), { lr: 0.01 });
  mse(model.forward(x), randn([5, 2], { seed: 4 })).backward();
  opt.step();
  const snapshot = () => JSON.stringify([Object.entries(model.stateDict()).map(([k, t]) => [k, Array.from(t.toFloat64Array())]), opt.stateDict()]);
  return { model, opt, snapshot };
}

interface Parts {
  text: string;
  data: Uint8Array;
}

function split(bytes: Uint8Array): Parts {
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  return { text: new TextDecoder().decode(bytes.subarray(8, 8 + n)).trimEnd(), data: bytes.slice(8 + n) };
}

function join({ text, data }: Parts): Uint8Array {
  const json = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

type Header = Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> & { __metadata__: Record<string, string> };

/** The file with its header changed as an object (the key order, and so the checksum's place, kept). */
function edit(bytes: Uint8Array, change: (h: Header) => void, data?: (d: Uint8Array) => void): Uint8Array {
  const p = split(bytes);
  const h = JSON.parse(p.text) as Header;
  change(h);
  data?.(p.data);
  return join({ text: JSON.stringify(h), data: p.data });
}

/** The file with its header changed as text (for keys an object cannot hold: duplicates, `__proto__`). */
function editText(bytes: Uint8Array, change: (text: string) => string): Uint8Array {
  const p = split(bytes);
  return join({ text: change(p.text), data: p.data });
}

function swapOffsets(h: Header, a: string, b: string): void {
  [h[a].data_offsets, h[b].data_offsets] = [h[b].data_offsets, h[a].data_offsets];
}

function renameKeys(h: Header, from: string, to: string): Header {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k === from ? to : k === to ? from : k, v])) as Header;
}

const good = (() => {
  const { model, opt } = trained(1);
  return { f64: saveBytes(model, { optimizer: opt, meta: { step: 1 } }), f32: saveBytes(model, { optimizer: opt, dtype: 'F32' }) };
})();

const moments = 'optimizer.state.1.exp_avg';
const edits: [string, Uint8Array, RegExp][] = [
  ['offsets of 0.bias and an Adam moment of the same size swapped', edit(good.f64, (h) => swapOffsets(h, '0.bias', moments)), /do not match the SHA-256/],
  ['offsets of exp_avg and exp_avg_sq swapped', edit(good.f64, (h) => swapOffsets(h, moments, 'optimizer.state.1.exp_avg_sq')), /do not match the SHA-256/],
  [
    'names 0.bias and an Adam moment swapped',
    editText(good.f64, (t) => JSON.stringify(renameKeys(JSON.parse(t) as Header, '0.bias', moments))),
    /do not match the SHA-256/,
  ],
  [
    'names exp_avg and exp_avg_sq swapped',
    editText(good.f64, (t) => JSON.stringify(renameKeys(JSON.parse(t) as Header, moments, 'optimizer.state.1.exp_avg_sq'))),
    /do not match the SHA-256/,
  ],
  ['0.weight relabelled F64 → I64', edit(good.f64, (h) => (h['0.weight'].dtype = 'I64')), /do not match the SHA-256/],
  ['0.weight relabelled F32 → I32', edit(good.f32, (h) => (h['0.weight'].dtype = 'I32')), /do not match the SHA-256/],
  ['0.weight [4,3] relabelled [3,4]', edit(good.f64, (h) => (h['0.weight'].shape = [3, 4])), /do not match the SHA-256/],
  ['0.weight [4,3] relabelled [12]', edit(good.f64, (h) => (h['0.weight'].shape = [12])), /do not match the SHA-256/],
  ['0.weight [4,3] relabelled [2,6]', edit(good.f64, (h) => (h['0.weight'].shape = [2, 6])), /do not match the SHA-256/],
  ['the checksum removed', edit(good.f64, (h) => delete h.__metadata__.sha256), /carries no checksum/],
  [
    'the checksum removed and a weight byte changed',
    edit(
      good.f64,
      (h) => delete h.__metadata__.sha256,
      (d) => (d[3] ^= 0x10),
    ),
    /carries no checksum/,
  ],
  [
    'a weight byte changed',
    edit(
      good.f64,
      () => undefined,
      (d) => (d[3] ^= 0x10),
    ),
    /do not match the SHA-256/,
  ],
  ['a second __metadata__', editText(good.f64, (t) => `${t.slice(0, -1)},"__metadata__":{"format":"@ad/nn"}}`), /the key "__metadata__" twice/],
  [
    'a second entry of one name',
    editText(good.f64, (t) => t.replace('"0.bias":{"dtype":"F64"', '"0.bias":{"dtype":"F64","dtype":"F64"')),
    /the key "dtype" twice/,
  ],
  ['an extra empty tensor', edit(good.f64, (h) => (h.extra = { dtype: 'F64', shape: [0], data_offsets: [0, 0] })), /do not match the SHA-256/],
  [
    'an extra empty tensor of a known name’s prefix',
    edit(good.f64, (h) => (h['0.weight_orig'] = { dtype: 'F64', shape: [0, 3], data_offsets: [0, 0] })),
    /do not match the SHA-256/,
  ],
  ['a tensor named constructor', editText(good.f64, (t) => t.replace('"0.bias":', '"constructor":')), /named "constructor"/],
  ['a tensor named __proto__', editText(good.f64, (t) => t.replace('"0.bias":', '"__proto__":')), /named "__proto__"/],
  ['a tensor named ""', editText(good.f64, (t) => t.replace('"0.bias":', '"":')), /empty name/],
  ['a tensor named toString', editText(good.f64, (t) => t.replace('"0.bias":', '"toString":')), /named "toString"/],
  ['Adam’s step count edited', edit(good.f64, (h) => (h.__metadata__['optimizer.step'] = '7')), /do not match the SHA-256/],
  [
    'Adam’s learning rate edited',
    edit(good.f64, (h) => (h.__metadata__['optimizer.param_groups'] = h.__metadata__['optimizer.param_groups'].replace('"lr":0.01', '"lr":10'))),
    /do not match the SHA-256/,
  ],
  [
    'an Adam moment’s byte changed',
    edit(
      good.f64,
      () => undefined,
      (d) => (d[d.length - 20] ^= 1),
    ),
    /do not match the SHA-256/,
  ],
  ['an Adam moment relabelled [4] → [2,2]', edit(good.f64, (h) => (h[moments].shape = [2, 2])), /do not match the SHA-256/],
  ['an Adam moment relabelled F64 → I64', edit(good.f64, (h) => (h[moments].dtype = 'I64')), /do not match the SHA-256/],
  ['the meta edited', edit(good.f64, (h) => (h.__metadata__.meta = '{"step":2}')), /do not match the SHA-256/],
  [
    'the checksum moved after the format',
    editText(good.f64, (t) => t.replace(/^\{"__metadata__":\{("sha256":"[0-9a-f]+"),("format":"@ad\/nn")/, '{"__metadata__":{$2,$1')),
    /not where this library writes it/,
  ],
  ['an unknown dtype', edit(good.f64, (h) => (h['0.weight'].dtype = 'F8')), /dtype "F8"/],
  ['an unknown field in an entry', edit(good.f64, (h) => Object.assign(h['0.weight'], { scale: 2 })), /unknown field "scale"/],
];

describe('a file this library wrote, edited: refused by loadBytes and restoreBytes, nothing changed', () => {
  test('the unedited files load and restore', () => {
    for (const bytes of [good.f64, good.f32]) {
      const { model, opt } = trained(5);
      restoreBytes(bytes, model, opt);
      expect(loadBytes(bytes).verified).toBe('file');
    }
  });

  test.each(edits)('%s', (_name, bytes, message) => {
    expect(() => loadBytes(bytes)).toThrow(CheckpointError);
    expect(() => loadBytes(bytes)).toThrow(message);
    const { model, opt, snapshot } = trained(20);
    const before = snapshot();
    expect(() => restoreBytes(bytes, model, opt)).toThrow(CheckpointError);
    expect(() => restoreBytes(bytes, model, opt)).toThrow(new RegExp(`^restoreBytes: .*${message.source}`));
    expect(snapshot()).toBe(before);
    // No edit reached a prototype.
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).constructor).toBe(Object);
  });
});

describe('a file with no checksum (as PyTorch writes them): checked against the model on restore', () => {
  /** The model's weights alone, with this library's marks removed: a foreign writer's file. */
  const foreign = (dtype: 'F64' | 'F32') =>
    edit(saveBytes(net(1), { dtype }), (h) => {
      h.__metadata__ = { format: 'pt' };
    });

  test('it loads and restores, read as unverified', () => {
    const model = net(30);
    const ckpt = restoreBytes(foreign('F32'), model);
    expect(ckpt.verified).toBe('none');
    expect(Array.from(model.stateDict()['0.bias'].toFloat64Array())).toEqual(Array.from(net(1).stateDict()['0.bias'].toFloat64Array(), Math.fround));
  });

  const cases: [string, Uint8Array, RegExp][] = [
    [
      '0.weight relabelled F64 → I64',
      edit(foreign('F64'), (h) => (h['0.weight'].dtype = 'I64')),
      /^restoreBytes: .*0\.weight is stored as I64, the model's 0\.weight is floating point/,
    ],
    ['0.weight relabelled F32 → I32', edit(foreign('F32'), (h) => (h['0.weight'].dtype = 'I32')), /^restoreBytes: .*0\.weight is stored as I32/],
    [
      '0.weight [4,3] relabelled [3,4]',
      edit(foreign('F64'), (h) => (h['0.weight'].shape = [3, 4])),
      /0\.weight has shape \[3,4\] in the state dict, the model has \[4,3\]/,
    ],
    [
      '0.weight and 2.weight swapped',
      editText(foreign('F64'), (t) => JSON.stringify(renameKeys(JSON.parse(t) as Header, '0.weight', '2.weight'))),
      /0\.weight has shape \[2,4\]/,
    ],
    ['an extra empty tensor', edit(foreign('F64'), (h) => (h.extra = { dtype: 'F64', shape: [0], data_offsets: [0, 0] })), /unexpected keys extra/],
    ['a second __metadata__', editText(foreign('F64'), (t) => `${t.slice(0, -1)},"__metadata__":{}}`), /the key "__metadata__" twice/],
    ['a tensor named __proto__', editText(foreign('F64'), (t) => t.replace('"0.bias":', '"__proto__":')), /named "__proto__"/],
  ];
  test.each(cases)('%s: refused on restore, the model untouched', (_name, bytes, message) => {
    const { model, snapshot } = trained(40);
    const before = snapshot();
    expect(() => restoreBytes(bytes, model)).toThrow(message);
    expect(snapshot()).toBe(before);
  });

  /** A model and Adam's state with this library's marks removed. */
  const foreignWithAdam = () => {
    const { model, opt } = trained(1);
    return edit(saveBytes(model, { optimizer: opt }), (h) => {
      delete h.__metadata__.sha256;
      delete h.__metadata__.format;
    });
  };
  test.each([
    [
      'an Adam moment [4,3] relabelled [3,4]',
      (h: Header) => (h['optimizer.state.0.exp_avg'].shape = [3, 4]),
      /optimizer\.state\.0\.exp_avg has shape \[3,4\], its parameter has \[4,3\]/,
    ],
    [
      'an Adam moment relabelled F64 → I64',
      (h: Header) => (h['optimizer.state.0.exp_avg_sq'].dtype = 'I64'),
      /optimizer\.state\.0\.exp_avg_sq is stored as I64, not as floating point/,
    ],
  ])('%s: refused on restore, the model and Adam untouched', (_name, change, message) => {
    expect(restoreBytes(foreignWithAdam(), trained(50).model, trained(50).opt).verified).toBe('none');
    const bytes = edit(foreignWithAdam(), change);
    const { model, opt, snapshot } = trained(40);
    const before = snapshot();
    expect(() => restoreBytes(bytes, model, opt)).toThrow(CheckpointError);
    expect(() => restoreBytes(bytes, model, opt)).toThrow(message);
    expect(snapshot()).toBe(before);
  });
});
