/**
 * What a checkpoint holds and what it refuses to hold: the optimizer's state as tensors in the
 * body under PyTorch's optimizer state_dict names (the header stays small), `meta` that JSON
 * cannot give back refused by its path, float32 overflow refused, a JSON checkpoint whose
 * payload is null or not JSON refused by name, and optimizer states that would step into NaN
 * refused by loadStateDict.
 */
import { createHash } from 'node:crypto';
import { DTypeError, ValueError, randn } from '@ad/core';
import {
  Adam,
  CheckpointError,
  Linear,
  SGD,
  Sequential,
  decodeSafetensors,
  encodeSafetensors,
  loadBytes,
  mse,
  relu,
  restoreBytes,
  saveBytes,
  toSafetensors,
  type OptimizerState,
} from '../src/index.js';

const net = (seed = 1) => new Sequential([new Linear(3, 4, { seed }), relu, new Linear(4, 2, { seed: seed + 1 })]);

function adamAfterStep(model: Sequential, options: { amsgrad?: boolean } = {}): Adam {
  const opt = new Adam(model.parameters(), { lr: 0.01, weightDecay: 0.1, ...options });
  mse(model.forward(randn([5, 3], { seed: 9 })), randn([5, 2], { seed: 4 })).backward();
  opt.step();
  return opt;
}

const headerLength = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);

describe('the optimizer state is in the body, under PyTorch’s names', () => {
  test('Adam: exp_avg, exp_avg_sq (max_exp_avg_sq with AMSGrad) shaped as the parameter, step a scalar; hyper-parameters as param_groups', () => {
    const model = net();
    const opt = adamAfterStep(model, { amsgrad: true });
    const { tensors, metadata, dtypes } = decodeSafetensors(saveBytes(model, { optimizer: opt }));
    expect(Object.keys(tensors).filter((k) => k.startsWith('optimizer.'))).toEqual(
      [0, 1, 2, 3].flatMap((i) => ['step', 'exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'].map((b) => `optimizer.state.${i}.${b}`)),
    );
    expect(tensors['optimizer.state.0.exp_avg'].shape).toEqual([4, 3]);
    expect(tensors['optimizer.state.3.exp_avg_sq'].shape).toEqual([2]);
    expect(tensors['optimizer.state.0.step'].shape).toEqual([]);
    expect(tensors['optimizer.state.0.step'].item()).toBe(1);
    expect(dtypes['optimizer.state.0.exp_avg']).toBe('F64');
    const state = opt.stateDict();
    expect(Array.from(tensors['optimizer.state.2.exp_avg'].toFloat64Array())).toEqual(state.buffers[2].m);
    expect(Array.from(tensors['optimizer.state.2.exp_avg_sq'].toFloat64Array())).toEqual(state.buffers[2].v);
    expect(metadata['optimizer.kind']).toBe('Adam');
    expect(metadata['optimizer.step']).toBe('1');
    expect(JSON.parse(metadata['optimizer.param_groups'])).toEqual([
      { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.1, amsgrad: true, params: [0, 1, 2, 3] },
    ]);
    expect(metadata.optimizer).toBeUndefined();
  });

  test('SGD with momentum: momentum_buffer; the state round-trips exactly', () => {
    const model = net();
    const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    mse(model.forward(randn([5, 3], { seed: 9 })), randn([5, 2], { seed: 4 })).backward();
    opt.step();
    const bytes = saveBytes(model, { optimizer: opt });
    expect(Object.keys(decodeSafetensors(bytes).tensors)).toContain('optimizer.state.1.momentum_buffer');
    const b = net(7);
    const optB = new SGD(b.parameters(), { lr: 0.1, momentum: 0.9 });
    restoreBytes(bytes, b, optB);
    expect(optB.stateDict()).toEqual(opt.stateDict());
  });

  test('an MNIST-sized model (784-128-10) and Adam after a step: the header is under 2 kB, the file its numbers’ bytes', () => {
    const model = new Sequential([new Linear(784, 128, { seed: 1 }), relu, new Linear(128, 10, { seed: 2 })]);
    const opt = new Adam(model.parameters());
    mse(model.forward(randn([2, 784], { seed: 3 })), randn([2, 10], { seed: 4 })).backward();
    opt.step();
    const bytes = saveBytes(model, { optimizer: opt });
    const values = model.parameterCount();
    expect(values).toBe(101_770);
    expect(headerLength(bytes)).toBeLessThan(2048);
    // Weights, two moments per weight, and a step per parameter tensor, as float64: nothing else.
    expect(bytes.length - 8 - headerLength(bytes)).toBe(3 * values * 8 + 4 * 8);
    process.stdout.write(`MNIST checkpoint (784-128-10, Adam, F64): ${bytes.length} bytes, header ${headerLength(bytes)}\n`);
  });

  test('a moment restored is the moment saved, bit for bit; an edited one is refused (the checksum)', () => {
    const model = net();
    const opt = adamAfterStep(model);
    const bytes = saveBytes(model, { optimizer: opt });
    const restored = loadBytes(bytes).optimizer as OptimizerState;
    expect(restored).toEqual(opt.stateDict());
    const edited = bytes.slice();
    edited[edited.length - 9] ^= 0x01; // inside the last tensor: exp_avg_sq of the last parameter
    const b = net(3);
    const optB = new Adam(b.parameters(), { lr: 0.01, weightDecay: 0.1 });
    const before = JSON.stringify(optB.stateDict());
    expect(() => restoreBytes(edited, b, optB)).toThrow(/^restoreBytes: the checkpoint: is corrupted or was edited/);
    expect(JSON.stringify(optB.stateDict())).toBe(before);
  });
});

describe('meta that JSON cannot hold is refused by its path', () => {
  const cycle: Record<string, unknown> = { a: 1 };
  cycle.self = cycle;
  const cases: [string, unknown, RegExp, typeof DTypeError | typeof ValueError][] = [
    ['NaN', { loss: Number.NaN }, /^saveBytes: meta\.loss is NaN, which JSON cannot hold \(it would load as null\)$/, ValueError],
    ['Infinity deep inside', { hist: [1, { x: Number.POSITIVE_INFINITY }] }, /^saveBytes: meta\.hist\[1\]\.x is Infinity/, ValueError],
    ['a BigInt', { step: 10n }, /^saveBytes: meta\.step is the BigInt 10n, which JSON cannot hold$/, DTypeError],
    ['a cycle', cycle, /^saveBytes: meta\.self refers back to an object that contains it \(a cycle\)/, ValueError],
    ['a function', { f: () => 1 }, /^saveBytes: meta\.f is a function/, DTypeError],
    ['undefined', { u: undefined }, /^saveBytes: meta\.u is undefined/, DTypeError],
    ['a Date', { when: new Date(0) }, /^saveBytes: meta\.when is a Date; only plain objects and arrays/, DTypeError],
    ['5', 5, /^saveBytes: meta must be a plain object of JSON values, got number 5$/, DTypeError],
    ['an array', [1, 2], /^saveBytes: meta must be a plain object of JSON values, got an array$/, DTypeError],
    ['null', null, /^saveBytes: meta must be a plain object of JSON values, got null$/, DTypeError],
    ['a Map', new Map(), /^saveBytes: meta must be a plain object of JSON values, got a Map$/, DTypeError],
  ];
  test.each(cases)('%s', (_name, meta, message, type) => {
    for (const format of ['safetensors', 'json'] as const) {
      const call = () => saveBytes(net(), { meta: meta as Record<string, unknown>, format });
      expect(call).toThrow(type);
      expect(call).toThrow(message);
    }
    expect(() => toSafetensors(net(), { meta: meta as Record<string, unknown> })).toThrow(new RegExp(message.source.replace('saveBytes', 'toSafetensors')));
  });

  test('JSON values round-trip as they were', () => {
    const meta = { step: 3, loss: 0.25, ok: true, none: null, tags: ['a', 'b'], nested: { x: [1, [2]] }, bare: Object.assign(Object.create(null), { k: 'v' }) };
    expect(loadBytes(saveBytes(net(), { meta })).meta).toEqual(meta);
  });
});

test('a float32 save of values beyond float32’s range is refused, naming the tensor; F64 keeps them', () => {
  const model = new Linear(2, 1, { seed: 1 });
  model.weight.data[1] = 1e39;
  expect(() => saveBytes(model, { dtype: 'F32' })).toThrow(ValueError);
  expect(() => saveBytes(model, { dtype: 'F32' })).toThrow(
    /^saveBytes: weight holds 1e\+39 \(element 1\), beyond float32's range ±3.4028235e\+38: as F32 it would load as Infinity; save with dtype 'F64'$/,
  );
  expect(loadBytes(saveBytes(model)).model.weight.toFloat64Array()[1]).toBe(1e39);
  // The largest float32 itself, and values that round down to it, are fine; infinities stay infinities.
  model.weight.data[1] = 3.4028235e38;
  model.weight.data[0] = Number.NEGATIVE_INFINITY;
  expect(Array.from(loadBytes(saveBytes(model, { dtype: 'F32' })).model.weight.toFloat64Array())).toEqual([
    Number.NEGATIVE_INFINITY,
    Math.fround(3.4028235e38),
  ]);
  expect(() => saveBytes(model, { dtype: 'F16' as 'F32' })).toThrow("saveBytes: dtype must be 'F64' or 'F32', got F16");
});

describe('a JSON checkpoint whose payload is not { model, optimizer, meta } is refused by name', () => {
  const signed = (payload: string) => {
    const sha256 = createHash('sha256').update(payload).digest('hex');
    return new TextEncoder().encode(JSON.stringify({ format: '@ad/nn checkpoint', version: 2, sha256, payload }));
  };
  test.each([
    ['null', 'null', /payload is not \{ model, optimizer, meta \}/],
    ['not JSON', '{"model":', /its payload is not JSON/],
    ['a number', '5', /payload is not \{ model, optimizer, meta \}/],
    ['meta null', '{"model":{},"optimizer":null,"meta":null}', /payload is not \{ model, optimizer, meta \}/],
    ['a tensor named __proto__', '{"model":{"__proto__":{"shape":[1],"data":"AAAAAAAA8D8="}},"optimizer":null,"meta":{}}', /named "__proto__"/],
  ])('%s', (_name, payload, message) => {
    expect(() => loadBytes(signed(payload))).toThrow(CheckpointError);
    expect(() => loadBytes(signed(payload))).toThrow(new RegExp(`^loadBytes: the checkpoint.*${message.source}`));
  });
});

describe('Adam.loadStateDict refuses states that would step into NaN or lie about their steps', () => {
  const base = () => ({ opt: adamAfterStep(net()), state: adamAfterStep(net(5)).stateDict() });
  const mutate = (state: OptimizerState, f: (s: { step: number; buffers: Record<string, number[]>[] }) => void): OptimizerState => {
    const copy = JSON.parse(JSON.stringify(state));
    f(copy);
    return copy;
  };
  test.each([
    [
      'a negative second moment',
      (s: { buffers: Record<string, number[]>[] }) => (s.buffers[0].v[0] = -1),
      /buffer v of parameter 0 holds a negative second moment/,
    ],
    [
      'a fractional step',
      (s: { buffers: Record<string, number[]>[] }) => (s.buffers[1].step = [1.5]),
      /buffer step of parameter 1 must be one non-negative integer, got \[1.5\]/,
    ],
    ['a negative step', (s: { buffers: Record<string, number[]>[] }) => (s.buffers[1].step = [-1]), /must be one non-negative integer/],
    [
      'more parameter steps than optimizer steps',
      (s: { buffers: Record<string, number[]>[] }) => (s.buffers[1].step = [5]),
      /has taken 5 steps, more than the optimizer's 1/,
    ],
    [
      'an unknown buffer',
      (s: { buffers: Record<string, number[]>[] }) => (s.buffers[0].exp_avg = [0]),
      /parameter 0 has a buffer exp_avg, which Adam does not keep/,
    ],
  ])('%s', (_name, f, message) => {
    const { opt, state } = base();
    const before = JSON.stringify(opt.stateDict());
    expect(() => opt.loadStateDict(mutate(state, f))).toThrow(ValueError);
    expect(() => opt.loadStateDict(mutate(state, f))).toThrow(message);
    expect(JSON.stringify(opt.stateDict())).toBe(before);
  });
  test('SGD refuses a buffer it does not keep', () => {
    const opt = new SGD(net().parameters(), { lr: 0.1, momentum: 0.9 });
    const state = opt.stateDict();
    expect(() => opt.loadStateDict({ ...state, buffers: state.buffers.map(() => ({ m: [0] })) })).toThrow(
      /parameter 0 has a buffer m, which SGD does not keep/,
    );
  });
});

test('encodeSafetensors keeps a format the caller names (transformers reads format "pt"), and the file still verifies', () => {
  const bytes = encodeSafetensors({ w: randn([2, 2], { seed: 1 }) }, { metadata: { format: 'pt' } });
  const { metadata, verified } = decodeSafetensors(bytes);
  expect(metadata.format).toBe('pt');
  expect(verified).toBe('file');
  // This file imports no Node file layer: the checksum came from the portable SHA-256, and is Node's digest all the same.
  const blanked = Buffer.from(bytes);
  const at = 8 + '{"__metadata__":{"sha256":"'.length;
  blanked.fill('0', at, at + 64);
  expect(createHash('sha256').update(blanked).digest('hex')).toBe(metadata.sha256);
  expect(() => encodeSafetensors({}, { metadata: { sha256: 'x' } })).toThrow(
    "encodeSafetensors: metadata key sha256 is the writer's own (the file's checksum)",
  );
});
