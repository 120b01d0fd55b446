/**
 * The optimizers' updates pinned to the bits of the implementation before the Adam update
 * moved onto @ad/core's kernel (issue 27): a 20-130-3 MLP trained 5 steps from fixed weights
 * and data, its parameters hashed (FNV-1a, two 32-bit lanes, over their bytes). The hashes
 * were printed by the previous code (@ad/nn's own JavaScript loop, gradients copied row-major);
 * both kernel paths must still give them, so the move changed no bit of any update.
 */
import { randn, setKernels, tensor } from '@ad/core';
import { Adam, AdamW, Linear, type Optimizer, type Parameter, relu, SGD, Sequential, crossEntropy } from '../src/index.js';

afterAll(() => setKernels('auto'));

function hash(params: readonly Parameter[]): string {
  let h = 0x811c9dc5;
  let k = 0x01000193 ^ 0x5bd1e995;
  for (const p of params) {
    for (const b of new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength)) {
      h = Math.imul(h ^ b, 0x01000193) >>> 0;
      k = Math.imul(k ^ b, 0x5bd1e995) >>> 0;
    }
  }
  return h.toString(16).padStart(8, '0') + k.toString(16).padStart(8, '0');
}

const cases: [string, (ps: Parameter[]) => Optimizer, string][] = [
  ['Adam', (ps) => new Adam(ps, { lr: 1e-2 }), '828baf49fd5cfc2c'],
  [
    'Adam, L2 decay, AMSGrad, other betas and eps',
    (ps) => new Adam(ps, { lr: 1e-2, weightDecay: 0.1, amsgrad: true, betas: [0.8, 0.99], eps: 1e-6 }),
    '0b3829dd50faeafe',
  ],
  ['AdamW', (ps) => new AdamW(ps, { lr: 1e-2 }), '6ae12aa6f5b851db'],
  ['SGD, Nesterov, weight decay', (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 }), 'eaf6c14cd060efdb'],
];

describe.each(['js', 'auto'] as const)('on the %s kernel path', (mode) => {
  beforeAll(() => setKernels(mode));

  test.each(cases)('%s: 5 steps give the previous bits', (_, make, expected) => {
    const model = new Sequential([new Linear(20, 130, { seed: 3 }), relu, new Linear(130, 3, { seed: 4 })]);
    const opt = make(model.parameters());
    const x = randn([16, 20], { seed: 5 });
    const y = tensor(Array.from({ length: 16 }, (_, i) => i % 3));
    for (let s = 0; s < 5; s++) {
      opt.zeroGrad();
      crossEntropy(model.forward(x), y).backward();
      opt.step();
    }
    // The weight gradients really are transposed views, the case the kernels now read in place.
    expect(model.parameters()[0].grad?.isContiguous).toBe(false);
    expect(hash(model.parameters())).toBe(expected);
  });
});
