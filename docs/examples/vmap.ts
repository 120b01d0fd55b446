/**
 * Guide 12: batching with vmap. A function written for one example — an MNIST MLP's prediction,
 * its loss, a Jacobian — run on a whole batch at once: per-example gradients with
 * vmap(grad(loss)), their norms, batched Jacobians, axes, and what vmap refuses.
 */
import './custom-op.js'; // page 9's straight-through estimator, `x.ste()`: an op with no batching rule
import { DTypeError, custom, eye, randn, registerOp, tensor, tree, type Tensor } from '@ad/core';
import { jit } from '@ad/jit';
import { Linear, Sequential, crossEntropy, functionalCall, logSoftmax, oneHot, parameterValues, relu } from '@ad/nn';
import { mnist } from '@ad/nn/node';
import { grad, jacrev, vjp, type TensorVar } from '@ad/reverse';
import { vmap } from '@ad/vmap';

/** The largest |a − b| over every leaf of two trees of tensors of the same structure. */
function maxDifference(a: tree.Tree<Tensor | TensorVar>, b: tree.Tree<Tensor | TensorVar>): number {
  const bs = tree.leaves(b);
  return Math.max(...tree.leaves(a).map((x, i) => x.sub(bs[i]).abs().max().item()));
}

// #region setup
// Page 7's network and 64 of its MNIST digits; the parameters as a tree by PyTorch key.
const model = new Sequential([new Linear(784, 128, { seed: 0 }), relu, new Linear(128, 10, { seed: 1 })]);
const params = parameterValues(model); // { '0.weight': [128, 784], '0.bias': [128], '2.weight': [10, 128], '2.bias': [10] }
const batch = mnist({ limit: 64 });
const images: Tensor = batch.x; // [64, 784]
const targets = oneHot(batch.y, 10); // [64, 10]

/** One image [784] to its ten scores [10]: written for ONE example. */
const predict = (p: Record<string, Tensor>, x: Tensor) => functionalCall(model, p, x);
// #endregion setup

// #region predict
/** predict on all 64 images at once, against the loop that calls it 64 times. */
export function predictBatch(): { shape: readonly number[]; againstLoop: number; againstForward: number } {
  const scores = vmap(predict, { inAxes: [null, 0] })(params, images); // [64, 10]
  const looped = Array.from({ length: 64 }, (_, b) => predict(params, images.slice(b))); // 64 × [10]
  return {
    shape: scores.shape,
    againstLoop: Math.max(...looped.map((s, b) => s.sub(scores.slice(b)).abs().max().item())),
    againstForward: maxDifference(scores, functionalCall(model, params, images)), // the batched forward pass
  };
}
// #endregion predict

// #region rules
/** Inside vmap, one example; underneath, the batch, and each op's rule for it. */
export function rulesAtWork(): { seen: string; shape: readonly number[]; elementwise: number; reduction: number; product: number } {
  const xs = randn([5, 3, 4], { seed: 3 }); // 5 examples of shape [3, 4]
  const scales = tensor([1, 2, 3, 4, 5]); // one number per example
  const M = randn([4, 2], { seed: 4 }); // shared by every example

  let seen = '';
  let shape: readonly number[] = [];
  vmap((x: Tensor) => {
    seen = String(x); // Batched(5 × [3,4])
    shape = x.shape; // [3, 4]: one example's
    return x;
  })(xs);

  // Element-wise: the per-example scalar s is [5] underneath, aligned to [5, 1, 1] behind the batch axis.
  const scaled = vmap((x: Tensor, s: Tensor) => x.mul(s))(xs, scales);
  // A reduction over the example's axis 0 is a reduction over the batch's axis 1.
  const summed = vmap((x: Tensor) => x.sum(0))(xs);
  // A product with a shared matrix: the 5 × 3 rows of every example in ONE [15, 4]·[4, 2] product.
  const product = vmap((x: Tensor) => x.matmul(M))(xs);

  return {
    seen,
    shape,
    elementwise: maxDifference(scaled, xs.mul(scales.reshape([5, 1, 1]))),
    reduction: maxDifference(summed, xs.sum(1)),
    product: maxDifference(product, xs.reshape([15, 4]).matmul(M).reshape([5, 3, 2])),
  };
}
// #endregion rules

// #region one-product
/** The matmul statements of a program jit writes. */
const matmulsOf = (source: string) => source.split('\n').filter((line) => line.endsWith('// matmul')).length;

/** The program jit writes for the vmapped predict: how many matrix products for 64 examples? */
export function oneProductPerLayer(): { source: string; matmuls: number; batchedMatmuls: number } {
  const program = jit(vmap(predict, { inAxes: [null, 0] }));
  program(params, images);
  // program.source, its reshapes left out (shapes added):
  // matmul                          [64, 784]·[784, 128]: the 64 images are its rows
  // fused add, relu over [64,128]   the bias and ReLU of every example in one loop
  // matmul                          [64, 128]·[128, 10]
  // add over [64,10]

  // Page 7's forward pass, written for the batch by hand, for comparison.
  const batched = jit((p: Record<string, Tensor>, xs: Tensor) => functionalCall(model, p, xs));
  batched(params, images);
  return { source: program.source, matmuls: matmulsOf(program.source), batchedMatmuls: matmulsOf(batched.source) }; // 2 and 2
}
// #endregion one-product

// #region per-example
/** One example's loss: the cross-entropy −Σ t·log softmax(scores) against its one-hot target t. */
const loss = (p: Record<string, TensorVar>, x: Tensor, t: Tensor) => {
  const logProbabilities = logSoftmax(functionalCall(model, p, x)); // [10]
  return logProbabilities.mul(t).sum().neg();
};

/** ∂loss/∂θ for each of the 64 examples, in one call: a gradient tree with a batch axis in front. */
export function perExampleGradients(): { shapes: Record<string, readonly number[]>; againstLoop: number; meanAgainstBatchGrad: number } {
  // params shared by every example (null), images and targets mapped over their first axis (0).
  const perExample: Record<string, Tensor> = vmap(grad(loss), { inAxes: [null, 0, 0] })(params, images, targets); // { '0.weight': [64, 128, 784], … }

  // The loop it replaces, on the first four examples.
  const looped = [0, 1, 2, 3].map((b) => grad(loss)(params, images.slice(b), targets.slice(b)));
  const exampleOf = (b: number) => tree.map((g: Tensor) => g.slice(b), perExample); // example b's gradient tree
  const againstLoop = Math.max(...looped.map((g, b) => maxDifference(g, exampleOf(b))));

  // Their mean is the gradient of the mean loss over the batch, which one batched grad gives.
  const meanLoss = (p: Record<string, TensorVar>) => crossEntropy(functionalCall(model, p, images), batch.y);
  const meanAgainstBatchGrad = maxDifference(
    tree.map((gs: Tensor) => gs.mean(0), perExample),
    grad(meanLoss)(params),
  );
  const shapes = Object.fromEntries(Object.entries(perExample).map(([key, g]) => [key, g.shape]));
  return { shapes, againstLoop, meanAgainstBatchGrad };
}
// #endregion per-example

// #region norms
/** ‖∂lossᵦ/∂θ‖ for each example b: the length of its whole gradient, all four tensors together. */
export function perExampleNorms(): { norms: number[]; largest: number; smallest: number } {
  const perExample: Record<string, Tensor> = vmap(grad(loss), { inAxes: [null, 0, 0] })(params, images, targets);
  const squares = tree.leaves(perExample).map((g) => g.reshape([64, -1]).square().sum(1)); // 4 × [64]
  const total = squares.reduce((a, b) => a.add(b)); // [64]: Σ of every squared entry, per example
  const norms = total.sqrt().toArray() as number[];
  return { norms, largest: Math.max(...norms), smallest: Math.min(...norms) };
}
// #endregion norms

// #region jacobians
// A small layer f(x) = tanh(Wx + b), R³ → R², and four points to take its Jacobian at.
const W = tensor([
  [0.5, -0.3, 0.2],
  [0.1, 0.4, -0.6],
]);
const bias = tensor([0.1, -0.2]);
const f = (x: TensorVar) => W.matmul(x).add(bias).tanh();
const points = tensor([
  [1, 2, 3],
  [0, 1, 2],
  [2, 0, 1],
  [-1, 1, 0],
]);

/** The Jacobian at each point: jacrev of the function of one point, vmapped over the points. */
export function batchedJacobian(): { jacobians: Tensor; rowsAtFirstPoint: Tensor } {
  const jacobianAt = (x: Tensor) => jacrev(f)(x); // [2, 3] at one point
  const jacobians = vmap(jacobianAt)(points); // [4, 2, 3]: one per point

  // jacrev itself: one recording of f at a point, then the pullback of every row eᵢ of the
  // identity — the reverse seeds of page 5 — pushed through together as one batch of seeds.
  const { vjp: pullback } = vjp(f, points.slice(0));
  const rowsAtFirstPoint = vmap(pullback)(eye(2)); // [2, 3]: row i is eᵢᵀJ
  return { jacobians, rowsAtFirstPoint };
}
// #endregion jacobians

// #region axes
/** inAxes: null for a shared input, a number for the batch axis; outAxes: where the batch goes. */
export function axes(): { scores: Tensor; columnsOut: Tensor; table: Tensor } {
  const w = tensor([1, 2, 3]);
  const xs = tensor([
    [1, 0, 2, 1],
    [0, 1, 0, 1],
    [1, 1, 1, 1],
  ]); // 4 examples, one per COLUMN
  const dot = (u: Tensor, v: Tensor) => u.mul(v).sum();
  const scores = vmap(dot, { inAxes: [null, 1] })(w, xs); // [4]: w·x for each column x

  // Each column scaled by its own score, returned as columns again: outAxes 1.
  const scaled = (x: Tensor) => x.mul(dot(w, x));
  const columnsOut = vmap(scaled, { inAxes: 1, outAxes: 1 })(xs); // [3, 4]

  // vmap of vmap: every pair (a, b) of rows of A and B, the outer batch shared by the inner map.
  const A = tensor([
    [1, 2],
    [3, 4],
  ]);
  const B = tensor([
    [1, 0],
    [0, 1],
    [1, 1],
  ]);
  const table = vmap((a: Tensor) => vmap((b: Tensor) => dot(a, b))(B))(A); // [2, 3] = A·Bᵀ
  return { scores, columnsOut, table };
}
// #endregion axes

// #region refused
/** What vmap refuses, by name, instead of running the function one example at a time. */
export function refused(): { noRule: string; branch: string; masked: Tensor } {
  const message = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      if (e instanceof DTypeError) return e.message;
    }
    return '';
  };
  const xs = tensor([
    [0.4, -1.6],
    [2, 1],
  ]);
  // Page 9's ste op was registered without a batching rule.
  const noRule = message(() => vmap((x: Tensor) => x.ste())(xs));
  // An `if` on a batched value would have to pick one branch for every example.
  const branch = message(() => vmap((x: Tensor) => ((x.sum() as unknown as number) > 0 ? x : x.neg()))(xs));
  // The same choice per example, with a comparison as a mask: [Σx > 0]·x − [Σx ≤ 0]·x.
  const masked = vmap((x: Tensor) => x.sum().gt(0).mul(x).sub(x.sum().le(0).mul(x)))(xs);
  return { noRule, branch, masked };
}
// #endregion refused

// #region own-rule
/** Page 9's straight-through estimator again, this time with a batching rule beside its other rules. */
const steBatched = registerOp(
  custom<undefined>({
    name: 'steBatched',
    arity: 1,
    primal: ([x]) => x.round(),
    jvp:
      () =>
      ([xDot]) =>
        xDot,
    vjp: () => (yBar, needs) => [needs[0] ? yBar : null],
    // One operand, element by element: the op on the whole batch is the batch of its results.
    batch: { how: 'element-wise', apply: (o, op, xs, _batched, params) => o.interpreter.apply(op, xs, params) },
  }),
);

/** steBatched on two examples at once: each rounded, by one call of the op on the batch. */
export function ownRule(): Tensor {
  const xs = tensor([
    [0.4, -1.6],
    [2, 1],
  ]);
  return vmap((x: Tensor) => steBatched(x))(xs); // [[0, −2], [2, 1]]
}
// #endregion own-rule
