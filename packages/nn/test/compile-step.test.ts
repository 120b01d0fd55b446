/**
 * compileStep against the eager loop it replaces (`loss.backward(); optimizer.step();
 * optimizer.zeroGrad()`): the same losses and parameters, bit for bit, over 100 steps of
 * Linear/ReLU and Linear/tanh MLPs with SGD (momentum, Nesterov), Adam (L2, AMSGrad) and AdamW,
 * with a scheduler changing the learning rate, and across a change of batch size; no array
 * allocated per step once warm; and what it cannot compile refused by name.
 */
import { Generator, randn, tensor, type Tensor } from '@ad/core';
import {
  Adam,
  AdamW,
  BatchNorm1d,
  Dropout,
  Linear,
  type Module,
  type Optimizer,
  type Parameter,
  SGD,
  Sequential,
  StepLR,
  bceWithLogits,
  compileStep,
  crossEntropy,
  relu,
  tanh,
  type TensorLike,
} from '../src/index.js';

/** 20-130-3: the first weight (2,600 values) takes the WebAssembly Adam kernel, its gradient a transposed view. */
const classifier = () => new Sequential([new Linear(20, 130, { seed: 3 }), relu, new Linear(130, 3, { seed: 4 })]);
const xs = [0, 1, 2].map((s) => randn([16, 20], { seed: 10 + s }));
const labels = [0, 1, 2].map((s) => tensor(Array.from({ length: 16 }, (_, i) => (i * (s + 1) + s) % 3)));
const ce = <T extends TensorLike>(out: T, y: Tensor): T => crossEntropy(out, y);

/** Runs `steps` eager steps and `steps` compiled ones on two copies; returns both losses and parameters. */
function both(
  model: () => Module,
  optimizer: (ps: Parameter[]) => Optimizer,
  loss: <T extends TensorLike>(out: T, y: Tensor) => T,
  batch: (i: number) => { x: Tensor; y: Tensor },
  steps: number,
  schedule?: (o: Optimizer) => { step(): void },
) {
  const run = (compiled: boolean) => {
    const m = model();
    const opt = optimizer(m.parameters());
    const scheduler = schedule?.(opt);
    const step = compileStep(m, loss, opt);
    const losses: number[] = [];
    for (let i = 0; i < steps; i++) {
      const { x, y } = batch(i);
      if (compiled) losses.push(step(x, y));
      else {
        const l = loss(m.forward(x), y);
        l.backward();
        opt.step();
        opt.zeroGrad();
        losses.push(l.item());
      }
      scheduler?.step();
    }
    return { losses, params: m.parameters().map((p) => Array.from(p.data)), traces: step.traces };
  };
  return { eager: run(false), compiled: run(true) };
}

const optimizers: [string, (ps: Parameter[]) => Optimizer][] = [
  ['SGD with momentum', (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9 })],
  ['SGD, Nesterov, weight decay', (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 })],
  ['Adam', (ps) => new Adam(ps, { lr: 1e-2 })],
  ['Adam, L2 decay, AMSGrad', (ps) => new Adam(ps, { lr: 1e-2, weightDecay: 1e-2, amsgrad: true })],
  ['AdamW', (ps) => new AdamW(ps, { lr: 1e-2 })],
];

test.each(optimizers)('%s: 100 compiled steps give the eager losses and parameters bit for bit', (_, optimizer) => {
  const { eager, compiled } = both(classifier, optimizer, ce, (i) => ({ x: xs[i % 3], y: labels[i % 3] }), 100);
  expect(compiled.losses).toEqual(eager.losses);
  expect(compiled.params).toEqual(eager.params);
  expect(compiled.traces).toBe(1);
  // The training moved: the comparison is not of two untouched models.
  expect(compiled.losses[99]).toBeLessThan(compiled.losses[0]);
});

test('a tanh MLP under bceWithLogits with Adam, bit for bit', () => {
  const model = () => new Sequential([new Linear(2, 16, { seed: 1 }), tanh, new Linear(16, 1, { seed: 2 })]);
  const x = randn([32, 2], { seed: 5 });
  const y = tensor(Array.from({ length: 32 }, (_, i) => [i % 2]));
  const { eager, compiled } = both(
    model,
    (ps) => new Adam(ps, { lr: 1e-2 }),
    bceWithLogits,
    () => ({ x, y }),
    100,
  );
  expect(compiled.losses).toEqual(eager.losses);
  expect(compiled.params).toEqual(eager.params);
});

test('the learning rate is read at every step: StepLR halving it gives the eager numbers', () => {
  const { eager, compiled } = both(
    classifier,
    (ps) => new Adam(ps, { lr: 1e-2 }),
    ce,
    (i) => ({ x: xs[i % 3], y: labels[i % 3] }),
    30,
    (o) => new StepLR(o, { stepSize: 10, gamma: 0.5 }),
  );
  expect(compiled.losses).toEqual(eager.losses);
  expect(compiled.params).toEqual(eager.params);
});

test('Dropout in training mode: the masks of the layers’ own generators, the eager numbers bit for bit; eval mode is another program', () => {
  // The two layers share one generator (as `ad train`'s do): the masks must be drawn in the forward's order.
  const model = () => {
    const generator = new Generator(7);
    return new Sequential([
      new Linear(20, 130, { seed: 3 }),
      relu,
      new Dropout(0.3, { generator }),
      new Linear(130, 16, { seed: 4 }),
      new Dropout(0.1, { generator }),
      new Linear(16, 3, { seed: 5 }),
    ]);
  };
  const small = { x: randn([9, 20], { seed: 21 }), y: tensor([2, 1, 0, 0, 1, 2, 2, 1, 0]) };
  // Steps 10–14 in eval mode (no masks drawn), then training mode again.
  const evalFrom = (m: Module, i: number) => (i >= 10 && i < 15 ? m.eval() : m.train());
  const run = (compiled: boolean) => {
    const m = model();
    const opt = new AdamW(m.parameters(), { lr: 1e-2 });
    const step = compileStep(m, ce, opt);
    const losses: number[] = [];
    for (let i = 0; i < 30; i++) {
      evalFrom(m, i);
      const x = i % 7 === 6 ? small.x : xs[i % 3];
      const y = i % 7 === 6 ? small.y : labels[i % 3];
      if (compiled) losses.push(step(x, y));
      else {
        const l = ce(m.forward(x), y);
        l.backward();
        opt.step();
        opt.zeroGrad();
        losses.push(l.item());
      }
    }
    return { losses, params: m.parameters().map((p) => Array.from(p.data)), traces: step.traces };
  };
  const eager = run(false);
  const compiled = run(true);
  expect(compiled.losses).toEqual(eager.losses);
  expect(compiled.params).toEqual(eager.params);
  // Two modes × two batch shapes (the 9-row batch: steps 6, 20, 27 in training mode, 13 in eval mode).
  expect(compiled.traces).toBe(4);
});

test('a smaller last batch is traced once more and trained the same', () => {
  const small = { x: randn([5, 20], { seed: 20 }), y: tensor([0, 2, 1, 1, 0]) };
  const { eager, compiled } = both(
    classifier,
    (ps) => new Adam(ps, { lr: 1e-2 }),
    ce,
    (i) => (i % 4 === 3 ? small : { x: xs[i % 3], y: labels[i % 3] }),
    12,
  );
  expect(compiled.losses).toEqual(eager.losses);
  expect(compiled.params).toEqual(eager.params);
  expect(compiled.traces).toBe(2);
});

/** Float64Array and ArrayBuffer constructions while fn runs (views on a buffer count too). */
function arraysMadeBy(fn: () => void): number {
  const g = globalThis as { Float64Array: Float64ArrayConstructor; ArrayBuffer: ArrayBufferConstructor };
  const saved = [g.Float64Array, g.ArrayBuffer] as const;
  let made = 0;
  const counting = <C extends object>(c: C): C =>
    new Proxy(c, {
      construct(target, args, newTarget) {
        made++;
        return Reflect.construct(target as never, args, newTarget);
      },
    });
  g.Float64Array = counting(saved[0]);
  g.ArrayBuffer = counting(saved[1]);
  try {
    fn();
  } finally {
    [g.Float64Array, g.ArrayBuffer] = saved;
  }
  return made;
}

test.each([
  ['Adam', (ps: Parameter[]) => new Adam(ps, { lr: 1e-2 })],
  ['SGD with momentum', (ps: Parameter[]) => new SGD(ps, { lr: 0.05, momentum: 0.9 })],
])('%s: 50 compiled steps after warm-up allocate no array (the eager steps do)', (_, optimizer) => {
  const model = classifier();
  const opt = optimizer(model.parameters());
  const step = compileStep(model, ce, opt);
  for (let i = 0; i < 3; i++) step(xs[i], labels[i]);
  expect(
    arraysMadeBy(() => {
      for (let i = 0; i < 50; i++) step(xs[i % 3], labels[i % 3]);
    }),
  ).toBe(0);
  // The counter sees the eager loop's arrays: the zero above is a measurement.
  expect(
    arraysMadeBy(() => {
      for (let i = 0; i < 5; i++) {
        ce(model.forward(xs[i % 3]), labels[i % 3]).backward();
        opt.step();
        opt.zeroGrad();
      }
    }),
  ).toBeGreaterThan(50);
});

describe('what compileStep refuses', () => {
  const adam = (m: Module) => new Adam(m.parameters(), { lr: 1e-2 });

  test('a Dropout layer applied twice in one forward', () => {
    const drop = new Dropout(0.2);
    const model = new Sequential([new Linear(20, 20, { seed: 1 }), drop, new Linear(20, 20, { seed: 2 }), drop, new Linear(20, 3, { seed: 3 })]);
    const step = compileStep(model, ce, adam(model));
    expect(() => step(xs[0], labels[0])).toThrow(/^compileStep: layer 1 \(Dropout\) runs twice in one forward/);
  });

  test('BatchNorm1d tracking running statistics in training mode', () => {
    const model = new Sequential([new Linear(20, 8, { seed: 1 }), new BatchNorm1d(8), new Linear(8, 3, { seed: 2 })]);
    const step = compileStep(model, ce, adam(model));
    expect(() => step(xs[0], labels[0])).toThrow(/^compileStep: layer 1 \(BatchNorm1d\) is in training mode, where it updates its running statistics/);
  });

  test('tied weights, parameters outside the model, a gradient left from a backward', () => {
    const a = new Linear(4, 4, { seed: 1 });
    const b = new Linear(4, 4, { seed: 2 });
    b.weight = a.weight;
    const tied = new Sequential([a, relu, b]);
    expect(() => compileStep(tied, ce, adam(tied))).toThrow(/^compileStep: parameter 0\.weight is also 2\.weight \(tied weights\)/);
    const model = classifier();
    expect(() => compileStep(model, ce, adam(classifier()))).toThrow(/^compileStep: the optimizer's parameter 0 is not a parameter of the model/);
    const opt = adam(model);
    const step = compileStep(model, ce, opt);
    ce(model.forward(xs[0]), labels[0]).backward();
    expect(() => step(xs[0], labels[0])).toThrow(
      /^compileStep: parameter 0\.weight holds a gradient from an earlier backward; call optimizer\.zeroGrad\(\) first/,
    );
    opt.zeroGrad();
    expect(Number.isFinite(step(xs[0], labels[0]))).toBe(true);
  });

  test('a parameter replaced after compiling', () => {
    const model = classifier();
    const step = compileStep(model, ce, adam(model));
    step(xs[0], labels[0]);
    (model.layers[2] as Linear).bias = new Linear(130, 3, { seed: 9 }).bias;
    expect(() => step(xs[0], labels[0])).toThrow(/^compileStep: parameter 2\.bias was replaced after compileStep; compile the step again/);
  });

  test('a label out of range is refused on the run that meets it, not trained on', () => {
    const model = classifier();
    const step = compileStep(model, ce, adam(model));
    step(xs[0], labels[0]);
    const before = model.parameters().map((p) => Array.from(p.data));
    const bad = tensor(Array.from({ length: 16 }, (_, i) => (i === 7 ? 3 : 0)));
    expect(() => step(xs[0], bad)).toThrow(/^compileStep: indexSelect: index 3 is not an integer in \[0, 3\)/);
    expect(model.parameters().map((p) => Array.from(p.data))).toEqual(before);
  });
});
