/**
 * `ad compare --mlp 784,128,10`: the gradient of an MLP's loss with respect to its P parameters,
 * by reverse mode (one backward pass gives all P partials) and by forward mode (k parameter
 * directions per pass, so ⌈P/k⌉ passes). Forward mode is run on a subset of the parameters,
 * spread evenly over all layers, and its cost extrapolated to all P; the partials of the subset
 * are checked against reverse mode's.
 */
import { Generator, Tensor, randn, tensor } from '@ad/core';
import { dualTensor, newTag, type DualTensor } from '@ad/forward';
import { noGrad } from '@ad/reverse';
import { Linear, Sequential, crossEntropy, relu, takeRows, withParameters, type Module, type Parameter, type TensorLike } from '@ad/nn';
import { mnist } from '@ad/nn/node';
import { parseNumberList } from './args.js';
import { CommandError, UsageError } from './errors.js';
import { count, duration, err, num } from './format.js';
import type { Streams } from './streams.js';
import { countWork } from './op-count.js';
import { table } from './table.js';
import { medianTime } from './timing.js';

export interface MlpOptions {
  sizes: string;
  subset: number;
  batch: number;
  chunk: number;
  seed: number;
}

/** Forward- and reverse-mode partials must agree to this, relative to the largest. */
const TOLERANCE = 1e-9;

export async function compareMlp(options: MlpOptions, io: Streams): Promise<void> {
  const sizes = parseNumberList('--mlp', options.sizes, { integer: true, min: 1, max: 100_000 });
  if (sizes.length < 2)
    throw new UsageError(`--mlp needs at least two layer sizes (inputs and outputs), e.g. 784,128,10; got ${JSON.stringify(options.sizes)}`);
  const classes = sizes[sizes.length - 1];
  if (classes < 2) throw new UsageError('--mlp: the last size is the number of classes and must be at least 2');
  const layers: (Module | typeof relu)[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    if (i > 0) layers.push(relu);
    layers.push(new Linear(sizes[i], sizes[i + 1], { seed: options.seed * 1000 + i + 1 }));
  }
  const model = new Sequential(layers);
  const { x, y, source } = batchFor(sizes[0], classes, options.batch, options.seed);
  const named = model.namedParameters();
  const P = model.parameterCount();
  const loss = () => crossEntropy(model.forward(x), y);
  const print = (line = '') => io.stdout.write(`${line}\n`);
  print(`ad compare — MLP ${sizes.join('-')} (ReLU), cross-entropy on ${source}: P = ${count(P)} parameters`);
  print();

  // Reverse mode: one recording and one backward pass give every partial.
  const backward = () => {
    model.zeroGrad();
    (loss() as { backward(): unknown }).backward();
  };
  const reverseWork = countWork(backward).work;
  const reverseMs = medianTime(backward, 100);
  const gradient = new Map(named.map(([name, p]) => [name, (p.grad as Tensor).toFloat64Array()]));
  print(`reverse mode: 1 forward + 1 backward pass → all ${count(P)} partials in ${duration(reverseMs)} (work ${count(reverseWork)})`);

  // Forward mode on a subset of directions, k per pass.
  const subset = spread(named, Math.min(options.subset, P));
  const k = Math.min(options.chunk, subset.length);
  const passes = Math.ceil(subset.length / k);
  const forwardAll = (): number[] => {
    const out: number[] = [];
    for (let start = 0; start < subset.length; start += k) out.push(...forwardPass(model, subset.slice(start, start + k), x, y));
    return out;
  };
  const counted = countWork(forwardAll);
  const partials = counted.result;
  const forwardMs = medianTime(forwardAll, 200, 1, 5);
  const perPassMs = forwardMs / passes;
  const perPassWork = counted.work / passes;
  const fullPasses = Math.ceil(P / k);
  print(`forward mode: k = ${k} parameter direction${k === 1 ? '' : 's'} per pass → ⌈${count(P)} / ${k}⌉ = ${count(fullPasses)} passes for the full gradient`);
  print(
    `  measured on ${subset.length} parameters spread over all layers: ${passes} pass${passes === 1 ? '' : 'es'} in ${duration(forwardMs)} (${duration(perPassMs)} and work ${count(perPassWork)} per pass)`,
  );
  print(`  full gradient by forward mode ≈ ${count(fullPasses)} passes × ${duration(perPassMs)} ≈ ${duration(fullPasses * perPassMs)}`);
  print();
  print(
    `cost ratio, full gradient, forward ÷ reverse: ≈ ${ratio((fullPasses * perPassMs) / reverseMs)} by time, ≈ ${ratio((fullPasses * perPassWork) / reverseWork)} by work`,
  );

  let worst = 0;
  let scale = 0;
  const rows = subset.map((d, i) => {
    const r = gradient.get(d.name)![d.index];
    worst = Math.max(worst, Math.abs(partials[i] - r));
    scale = Math.max(scale, Math.abs(r));
    return { label: `${d.name}[${d.index}]`, forward: partials[i], reverse: r };
  });
  if (worst > TOLERANCE * Math.max(1, scale)) throw new CommandError(`forward and reverse partials disagree: largest difference ${err(worst)}`);
  print(`agreement on the ${subset.length} measured partials: largest |forward − reverse| = ${err(worst)}`);
  print();
  // The largest partials say most (many first-layer weights of MNIST's border pixels have none).
  const shown = [...rows].sort((a, b) => Math.abs(b.reverse) - Math.abs(a.reverse)).slice(0, 5);
  print(`the ${shown.length} largest of them:`);
  print(
    table(
      [{ header: 'parameter' }, { header: '∂loss/∂θ forward', align: 'right' }, { header: 'reverse', align: 'right' }],
      shown.map((r) => [r.label, num(r.forward, 8), num(r.reverse, 8)]),
    ),
  );
}

interface Direction {
  name: string;
  param: Parameter;
  /** Flat (row-major) index within the parameter. */
  index: number;
}

/** `count` directions evenly spaced over the flattened parameter vector, so every layer is represented. */
function spread(named: readonly [string, Parameter][], wanted: number): Direction[] {
  const total = named.reduce((n, [, p]) => n + p.data.length, 0);
  const out: Direction[] = [];
  for (let j = 0; j < wanted; j++) {
    let flat = Math.floor(((j + 0.5) * total) / wanted);
    for (const [name, param] of named) {
      if (flat < param.data.length) {
        out.push({ name, param, index: flat });
        break;
      }
      flat -= param.data.length;
    }
  }
  return out;
}

/**
 * One forward pass carrying one tangent per direction: each parameter that holds some of the
 * directions becomes a dual tensor whose tangents are one-hot in its own directions (zero in
 * the others), as functional_call does in PyTorch. Returns ∂loss/∂θ_d for each direction d.
 */
function forwardPass(model: Module, dirs: readonly Direction[], x: Tensor, y: Tensor): number[] {
  const tag = newTag();
  const values: Record<string, TensorLike> = {};
  for (const name of new Set(dirs.map((d) => d.name))) {
    const param = dirs.find((d) => d.name === name)!.param;
    const shape = param.value.shape;
    const tangents = dirs.map((d) => {
      const t = new Float64Array(param.data.length);
      if (d.name === name) t[d.index] = 1;
      return Tensor.fromData(t, shape);
    });
    values[name] = dualTensor(param.value, tangents, tag);
  }
  const out = noGrad(() => withParameters(model, values, () => crossEntropy(model.forward(x), y))) as unknown as DualTensor;
  return out.tangents.map((t) => (t instanceof Tensor ? t.item() : t.primal.item()));
}

/** MNIST digits when the net takes 784 inputs to 10 classes, random inputs and labels otherwise. */
function batchFor(inputs: number, classes: number, batch: number, seed: number): { x: Tensor; y: Tensor; source: string } {
  const g = new Generator(seed);
  if (inputs === 784 && classes === 10) {
    const ds = mnist();
    const rows = g.permutation(ds.x.shape[0]).slice(0, batch);
    return { x: takeRows(ds.x, rows), y: takeRows(ds.y, rows), source: `${batch} MNIST digits (seed ${seed})` };
  }
  const labels = Array.from({ length: batch }, () => g.int(classes));
  return { x: randn([batch, inputs], { seed }), y: tensor(labels), source: `${batch} random rows with random labels (seed ${seed})` };
}

function ratio(r: number): string {
  return r >= 100 ? `${count(r)}×` : `${r.toFixed(1)}×`;
}
