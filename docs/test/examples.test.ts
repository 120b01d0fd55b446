/**
 * The guide's numbers. Every example the guide includes (docs/examples/*.ts) is run here, and
 * each number the text states is asserted: if the code or the library changes what an example
 * prints, this fails before the page can say something false.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as chainRule from '../examples/chain-rule.js';
import * as comingFrom from '../examples/coming-from.js';
import * as customOp from '../examples/custom-op.js';
import { crossoverTable } from '../examples/crossover.js';
import * as forwardMode from '../examples/forward-mode.js';
import * as higherOrder from '../examples/higher-order.js';
import * as jacobians from '../examples/jacobians.js';
import * as leastSquares from '../examples/least-squares.js';
import * as mlp from '../examples/mlp.js';
import * as numerics from '../examples/numerics.js';
import * as reverseMode from '../examples/reverse-mode.js';
import * as seeds from '../examples/seeds.js';
import * as sourceTransformation from '../examples/source-transformation.js';
import * as sparse from '../examples/sparse.js';
import * as vmapExamples from '../examples/vmap.js';
import { ops } from '@ad/core/engine';

/** Element-wise toBeCloseTo for arrays (nested or not) at `digits` decimals. */
function expectClose(actual: unknown, expected: unknown, digits = 10): void {
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual)).toBe(true);
    expect((actual as unknown[]).length).toBe(expected.length);
    expected.forEach((e, i) => expectClose((actual as unknown[])[i], e, digits));
  } else {
    expect(actual).toBeCloseTo(expected as number, digits);
  }
}

describe('1. gradient descent on least squares', () => {
  const gd = leastSquares.gradientDescent();
  const exact = leastSquares.closedForm();

  test('the cost falls from 455.91 to 1.1668 after one step', () => {
    expect(gd.history[0]).toBeCloseTo(455.91, 10);
    expect(gd.history[1]).toBeCloseTo(1.1668, 4);
  });

  test('after 2,000 steps θ = (1.006667, 2.002857) and J = 0.108190', () => {
    expect(gd.history).toHaveLength(2000);
    expectClose(gd.theta, [1.006667, 2.002857], 6);
    expect(gd.cost).toBeCloseTo(0.10819, 6);
  });

  test('the closed form gives the same, and the two agree to better than 1e-9', () => {
    expectClose(exact.theta, [1.006667, 2.002857], 6);
    expect(exact.cost).toBeCloseTo(0.10819, 6);
    for (let i = 0; i < 2; i++) expect(Math.abs(gd.theta[i] - exact.theta[i])).toBeLessThan(1e-9);
  });

  test("@ad's gradient at θ = (1, 1) is (−42.2, −182.8), as −2Xᵀ(y − Xθ) says", () => {
    const { ad, formula } = leastSquares.gradientAgainstFormula();
    expectClose(ad, [-42.2, -182.8]);
    expectClose(formula, [-42.2, -182.8]);
  });

  test('the curvatures are 191.81 and 2.19; η = 0.011 diverges past 1e6 in 200 steps', () => {
    const { largest, smallest } = leastSquares.curvature();
    expect(largest).toBeCloseTo(191.81, 2);
    expect(smallest).toBeCloseTo(2.19, 2);
    expect(2 / largest).toBeCloseTo(0.0104, 4);
    expect(1 - 0.005 * smallest).toBeCloseTo(0.989, 3);
    expect(leastSquares.gradientDescent(200, 0.011).cost).toBeGreaterThan(1e6);
  });
});

describe('2. the chain rule', () => {
  test('by hand: f = 5, ∂f/∂x = 6, ∂f/∂y = −4', () => {
    expect(chainRule.byHand()).toEqual({ f: 5, dfdx: 6, dfdy: -4 });
  });

  test('@ad gives the same gradient', () => {
    expect(chainRule.withAd()).toEqual([6, -4]);
  });

  test('the DOT source labels x with grad 6 and y with grad −4', () => {
    const dot = chainRule.graphAsDot();
    expect(dot).toContain('{ x | value 3 | grad 6 }');
    expect(dot).toContain('{ y | value 2 | grad -4 }');
  });
});

describe('3. forward mode', () => {
  test('a tiny dual: value 5, tangent 6', () => {
    expect(forwardMode.tinyDual()).toEqual({ value: 5, dot: 6 });
  });

  test('a seed vector: value 5, tangents (6, −4)', () => {
    expect(forwardMode.seedVector()).toEqual({ value: 5, tangent: [6, -4] });
  });

  test('the cost: J = 91.91, J̇ = −42.2 along (1, 0), and the rule Σ 2rₙṙₙ agrees', () => {
    const { J, JDot, JDotByRule } = forwardMode.costTangent([1, 0]);
    expect(J).toBeCloseTo(91.91, 10);
    expect(JDot).toBeCloseTo(-42.2, 10);
    expect(JDotByRule).toBeCloseTo(JDot, 10);
    const along2 = forwardMode.costTangent([0, 1]);
    expect(along2.JDot).toBeCloseTo(along2.JDotByRule, 10);
  });

  test('both partials of J in one pass: (−42.2, −182.8)', () => {
    expectClose(forwardMode.costGradientInOnePass(), [-42.2, -182.8]);
  });

  test('derivative of x sin x at 2 is 0.0770037537313969, exactly sin 2 + 2 cos 2', () => {
    const { ad, exact } = forwardMode.scalarDerivative();
    expect(ad).toBe(0.0770037537313969);
    expect(exact).toBe(0.0770037537313969);
  });
});

describe('4. reverse mode', () => {
  const adjoints = { f: 5, xBar: 6, yBar: -4, sumBar: 1, diffBar: 5 };

  test('the tiny closure graph: f = 5, x̄ = 6, ȳ = −4, adjoints 1 and 5 inside', () => {
    expect(reverseMode.tinyGraph()).toEqual(adjoints);
  });

  test("@ad's Var gives the same", () => {
    expect(reverseMode.withAd()).toEqual(adjoints);
  });

  test('θ̄ = (−42.2, −182.8) from r̄ₙ = 2rₙ; J + 100 gives the same θ̄; the seed 2 doubles it', () => {
    const r = reverseMode.costAdjoint();
    expect(r.J).toBeCloseTo(91.91, 10);
    expectClose(r.residualBars, [1.8, 4.2, 6.4, 7.6, 10.2, 12]);
    expectClose(r.thetaBar, [-42.2, -182.8]);
    expectClose(r.thetaBarFromResiduals, r.thetaBar);
    expect(r.thetaBarShifted).toEqual(r.thetaBar);
    expectClose(r.thetaBarSeed2, [-84.4, -365.6]);
  });

  test('the two-point cost: J = 5.22, r̄ = (1.8, 4.2), θ̄ = (−6, −10.2)', () => {
    const r = reverseMode.twoPointCost();
    expect(r.J).toBeCloseTo(5.22, 10);
    expectClose(r.residualBars, [1.8, 4.2]);
    expectClose(r.thetaBar, [-6, -10.2]);
  });
});

describe('5. seeds', () => {
  test('duals made by hand, seeded e₁ and e₂, carry (6, −4) in one pass', () => {
    expect(seeds.seedsByHand()).toEqual({ value: 5, tangent: [6, -4] });
  });

  test('forward seeds (1, 0), (0, 1), (1, 1) give 6, −4 and 2', () => {
    expect(seeds.forwardSeeds()).toEqual({ hOnly: 6, thetaOnly: -4, both: 2 });
  });

  test('three seeds in one pass give (6, −4, 2), written as directions or as seed vectors', () => {
    expect(seeds.threeDirectionsOnePass()).toEqual([6, -4, 2]);
    expect(seeds.threeSeedsOnePass()).toEqual([6, -4, 2]);
  });

  test('the square [[1, 1], [0, 0]]: as directions (2, 0), as seed vectors (6, 6)', () => {
    expect(seeds.squareBothWays()).toEqual({ asDirections: [2, 0], asSeeds: [6, 6] });
  });

  test('two outputs: a row per direction (k × m) or a row per output (m × k)', () => {
    expect(seeds.twoOutputsBothWays()).toEqual({
      byDirection: [
        [6, 2],
        [-4, 3],
        [2, 5],
      ],
      byOutput: [
        [6, -4, 2],
        [2, 3, 5],
      ],
    });
  });

  test('both seeds 1: the derivative along the line is 2, and so are the sum and the difference quotient', () => {
    const r = seeds.bothSeedsOne();
    expect(r.alongLine).toBe(2);
    expect(r.sumOfPartials).toBe(2);
    expect(r.centralDifference).toBeCloseTo(2, 8);
    expect(2 / Math.SQRT2).toBeCloseTo(Math.SQRT2, 12); // "along the unit vector it would be 2/√2"
  });

  test('reverse seeds (1, 0), (0, 1), (1, 1) give (6, −4), (2, 3), (8, −1)', () => {
    expect(seeds.reverseSeeds()).toEqual({ first: [6, -4], second: [2, 3], both: [8, -1] });
  });
});

describe('6. Jacobians', () => {
  const cos1 = Math.cos(1);

  test('columns from 3 forward passes: (2, −cos 1), (1, 0), (1, 6)', () => {
    const { columns, passes } = jacobians.columnsByForwardSeeds();
    expectClose(columns, [
      [2, -cos1],
      [1, 0],
      [1, 6],
    ]);
    expect(passes).toBe(3);
  });

  test('rows from 1 recording and 2 backward passes: (2, 1, 1), (−0.5403023058681398, 0, 6)', () => {
    const { rows, recordings, backwardPasses } = jacobians.rowsByReverseSeeds();
    expectClose(rows, [
      [2, 1, 1],
      [-0.5403023058681398, 0, 6],
    ]);
    expect(-cos1).toBe(-0.5403023058681398);
    expect(recordings).toBe(1);
    expect(backwardPasses).toBe(2);
  });

  test('jacfwd with chunk 1 takes 3 passes, with chunk 3 one; jacrev agrees', () => {
    const r = jacobians.bothTransforms();
    expect(r.passesChunk1).toBe(3);
    expect(r.passesChunk3).toBe(1);
    expectClose(r.forward, [
      [2, 1, 1],
      [-cos1, 0, 6],
    ]);
    expectClose(r.reverse, r.forward);
  });

  test('ad compare --family: the work in the table, and the ratios 43 and 51', async () => {
    const { rows } = await crossoverTable();
    const at = (n: number, m: number) => rows.find((r) => r.n === n && r.m === m)!;
    expect(at(1, 64)).toEqual({ n: 1, m: 64, forwardPasses: 1, forwardWork: 578, reversePasses: 65, reverseWork: 24_897 });
    expect(at(64, 1)).toEqual({ n: 64, m: 1, forwardPasses: 64, forwardWork: 16_832, reversePasses: 2, reverseWork: 327 });
    expect(at(64, 64)).toEqual({ n: 64, m: 64, forwardPasses: 64, forwardWork: 561_152, reversePasses: 65, reverseWork: 549_120 });
    expect(Math.floor(at(1, 64).reverseWork / at(1, 64).forwardWork)).toBe(43);
    expect(Math.floor(at(64, 1).forwardWork / at(64, 1).reverseWork)).toBe(51);
  });
});

describe('7. MLPs', () => {
  test('the README example: 101,770 parameters, losses 0.3289, 0.3191, 0.3104', () => {
    const { losses, parameters } = mlp.missionExample();
    expect(parameters).toBe(784 * 128 + 128 + 128 * 10 + 10);
    expect(parameters).toBe(101_770);
    expectClose(losses, [0.3289, 0.3191, 0.3104], 4);
  });

  test('two moons with Adam: epoch loss 0.6842 → 0.0009, 100 % of the test points', () => {
    const r = mlp.trainMoons();
    expect(r.firstLoss).toBeCloseTo(0.6842, 4);
    expect(r.firstLoss).toBeCloseTo(Math.log(2), 1);
    expect(r.lastLoss).toBeCloseTo(0.0009, 4);
    expect(r.testAccuracy).toBe(1);
  });

  test('two moons by a compiled step: the eager loop’s losses bit for bit, two batch shapes traced, 100 %', () => {
    const compiled = mlp.trainMoonsCompiled();
    const eager = mlp.trainMoonsCompiled({ eager: true });
    expect(compiled.epochLosses).toEqual(eager.epochLosses);
    expect(compiled.traces).toBe(2);
    expect(compiled.testAccuracy).toBe(1);
    expect(compiled.epochLosses[0]).toBeCloseTo(0.6842, 4);
    expect(compiled.epochLosses[39]).toBeCloseTo(0.0009, 4);
  });

  test('two moons with SGD and momentum: 100 %', () => {
    expect(mlp.trainMoonsWithSGD().testAccuracy).toBe(1);
  });

  test('MNIST subset: 1,500 / 500 digits, 88.8 % after 5 epochs', () => {
    const r = mlp.trainMnistSubset();
    expect(r.trainRows).toBe(1500);
    expect(r.testRows).toBe(500);
    expect(r.testAccuracy).toBeCloseTo(0.888, 3);
  });
});

describe('8. higher order', () => {
  test('both Hessians of x²y + y³ at (1, 2) are [[4, 2], [2, 12]]', () => {
    const r = higherOrder.hessians();
    expectClose(r.forwardOverForward, [
      [4, 2],
      [2, 12],
    ]);
    expectClose(r.forwardOverReverse, [
      [4, 2],
      [2, 12],
    ]);
  });

  test('Rosenbrock at (0.5, 0.5): H and three Hessian-vector products', () => {
    const r = higherOrder.hessianVectorProducts();
    expectClose(r.H, [
      [102, -200],
      [-200, 200],
    ]);
    expectClose(r.Hv1, [102, -200]);
    expectClose(r.Hv2, [-200, 200]);
    expectClose(r.Hv11, [-98, 0]);
  });

  test('d²/dx² sin at 2 is −0.9092974268256817', () => {
    const r = higherOrder.secondDerivative();
    expect(r.ad).toBe(-0.9092974268256817);
    expect(r.exact).toBe(-0.9092974268256817);
  });

  test('perturbation confusion: untagged duals say 2, @ad says 1', () => {
    expect(higherOrder.perturbationConfusion()).toEqual({ untagged: 2, tagged: 1 });
  });
});

describe('9. numerics', () => {
  test('softmax at (1000, 0, −1000): naive [NaN, 0, 0], stable [1, 0, 0], log [0, −1000, −2000]', () => {
    const r = numerics.stableSoftmax();
    expect(r.naive).toEqual([NaN, 0, 0]);
    expect(r.stable).toEqual([1, 0, 0]);
    expect(r.logSoftmax).toEqual([0, -1000, -2000]);
  });

  test('bce at p = 0, t = 1: loss 100, gradient −1e12', () => {
    expect(numerics.clampedBce()).toEqual({ loss: 100, gradient: -1e12 });
  });

  test('z = 1000, t = 0: 100 through the sigmoid, 1000 with logits, gradient 1', () => {
    expect(numerics.bceOnLogits()).toEqual({ viaSigmoid: 100, withLogits: 1000, gradient: 1 });
  });

  test('relu′ at −1, 0, 1 is [0, 0, 1] in both modes; |x|′(0) = 0', () => {
    expect(numerics.kinks()).toEqual({ reluForward: [0, 0, 1], reluReverse: [0, 0, 1], absAtZero: 0 });
  });
});

describe('10. coming from PyTorch, JAX, TensorFlow.js', () => {
  test("JAX's transforms on Rosenbrock at (0.5, 0.5)", () => {
    const r = comingFrom.jaxStyle();
    expect(r.grad).toEqual([-51, 50]);
    expect(r.valueAndGrad).toEqual({ value: 6.5, grad: [-51, 50] });
    expect(r.jvp).toBe(-1);
    expect(r.vjp).toEqual({ out: 6.5, cotangent2: [-102, 100] });
    expect(r.jacfwd).toEqual([[-51, 50]]);
    expect(r.jacrev).toEqual([[-51, 50]]);
    expectClose(r.hessian, [
      [102, -200],
      [-200, 200],
    ]);
  });

  test("PyTorch's autograd and nn names", () => {
    expect(comingFrom.torchStyle()).toEqual({
      xGrad: [2, 4, 6],
      detachedGrad: [1, 2, 3],
      weightShape: [8, 4],
      stateDictKeys: ['0.weight', '0.bias', '2.weight', '2.bias'],
      evaluatedRecords: false,
    });
  });
});

describe('11. source transformation', () => {
  test('jit(f): f(3, 2) = 5 from three statements, add, sub, mul', () => {
    const { value, source } = sourceTransformation.compiledF();
    expect(value).toBe(5);
    for (const line of ['const v2 = v0 + v1; // add', 'const v3 = v0 - v1; // sub', 'const v4 = v2 * v3; // mul']) expect(source).toContain(line);
  });

  test('jit(grad(f)): [6, −4] from five statements, the product f itself never computed', () => {
    const { gradient, source, statements } = sourceTransformation.compiledGradient();
    expect(gradient).toEqual([6, -4]);
    expect(statements).toBe(5);
    for (const line of ['const v4 = -v2; // neg', 'const v5 = v2 + v3; // add', 'const v6 = v3 + v4; // add', 'return [v5, v6];'])
      expect(source).toContain(line);
    expect(source).not.toContain('// mul');
  });

  test('a tensor layer: the tanh, mul, add chain is one loop and agrees with eager', () => {
    const { source, agrees } = sourceTransformation.fusedLayer();
    expect(agrees).toBe(true);
    expect(source).toContain('// fused tanh, mul, add over [5,4]');
  });

  test('an if on a traced value is a TracingError naming the op; masks give 6 and 1', () => {
    const { message, viaMask } = sourceTransformation.controlFlow();
    expect(message).toMatch(/^jit: input v0 was read as a number/);
    expect(message).toContain('where(condition, a, b)');
    expect(viaMask).toEqual([6, 1]);
  });

  test('scan: 100 Euler steps traced once, compiled to a loop and its reverse, the loop by hand’s gradient', () => {
    const { gradient, unrolled, source, traced } = sourceTransformation.scannedLoop();
    expectClose(gradient, unrolled, 12);
    expect(source).toContain('// scan: 100 steps, fused into one loop over [3] per step');
    expect(source).toContain('// scan: 100 steps, the last first, fused into one loop over [3] per step');
    expect(traced).toBeLessThan(30);
  });
});

describe('9. your own op: a straight-through estimator', () => {
  test('rounds forward, passes the gradient straight through, and nests', () => {
    const r = customOp.straightThrough();
    expect(r.rounded).toEqual([0, 2]);
    expectClose(r.gradient, [0.4, 3.6], 14);
    expect(r.tangent).toBe(1);
    expect(r.second).toBeCloseTo(7.6, 12);
  });
});

describe('12. batching with vmap', () => {
  test('inside vmap the function sees one example, Batched(5 × [3,4]); three rules equal the batched ops exactly', () => {
    const r = vmapExamples.rulesAtWork();
    expect(r.seen).toBe('Batched(5 × [3,4])');
    expect(r.shape).toEqual([3, 4]);
    expect([r.elementwise, r.reduction, r.product]).toEqual([0, 0, 0]);
  });

  test("the page quotes the op table's batching rules as they are", () => {
    expect(ops.add.batch?.how).toBe('element-wise: operands aligned behind the batch axis');
    expect(ops.sum.batch?.how).toBe('axes + 1');
    expect(ops.softmax.batch?.how).toBe('axis + 1');
    expect(ops.reshape.batch?.how).toBe('target shape with the batch size first');
    expect(Object.values(ops).filter((op) => op.batch === undefined)).toEqual([]);
    expect(ops.matmul.batch?.how).toBe('batch folded into the rows (shared right matrix) or columns (shared left matrix); else a batched product');
  });

  test('predict on 64 digits: [64, 10], the loop of 64 calls to rounding, the batched forward pass exactly', () => {
    const r = vmapExamples.predictBatch();
    expect(r.shape).toEqual([64, 10]);
    expect(r.againstLoop).toBeLessThan(1e-12);
    expect(r.againstForward).toBe(0);
  });

  test('jit(vmap(predict)) has two matrix products for 64 examples, one per layer; bias and ReLU fused over [64,128]', () => {
    const { source, matmuls, batchedMatmuls } = vmapExamples.oneProductPerLayer();
    expect(matmuls).toBe(2);
    expect(batchedMatmuls).toBe(2);
    expect(source).toContain('// fused add, relu over [64,128]');
    expect(source).toContain('// add over [64,10]');
    expect(source).toMatch(/input \[64,784\]/);
  });

  test('vmap(grad(loss)): a gradient per example, shapes [64, …θ], equal to the loop of grad; their mean is the batch gradient', () => {
    const r = vmapExamples.perExampleGradients();
    expect(r.shapes).toEqual({ '0.weight': [64, 128, 784], '0.bias': [64, 128], '2.weight': [64, 10, 128], '2.bias': [64, 10] });
    const numbers = Object.values(r.shapes).reduce((n, shape) => n + shape.reduce((a, b) => a * b, 1), 0);
    expect(numbers).toBe(64 * 101_770); // 64 gradients of 101,770 numbers
    expect(r.againstLoop).toBeLessThan(1e-12);
    expect(r.meanAgainstBatchGrad).toBeLessThan(1e-12);
  });

  test('per-example gradient norms range from 2.47 to 6.32', () => {
    const r = vmapExamples.perExampleNorms();
    expect(r.norms).toHaveLength(64);
    expect(r.smallest).toBeCloseTo(2.47, 2);
    expect(r.largest).toBeCloseTo(6.32, 2);
  });

  test('vmap(jacrev(f)) at four points is diag(1 − y²)·W at each; vmap of the pullback over eye(2) gives the first', () => {
    const { jacobians, rowsAtFirstPoint } = vmapExamples.batchedJacobian();
    expect(jacobians.shape).toEqual([4, 2, 3]);
    const W = [
      [0.5, -0.3, 0.2],
      [0.1, 0.4, -0.6],
    ];
    const b = [0.1, -0.2];
    const points = [
      [1, 2, 3],
      [0, 1, 2],
      [2, 0, 1],
      [-1, 1, 0],
    ];
    const formula = points.map((x) =>
      W.map((row, i) => {
        const y = Math.tanh(row.reduce((s, w, j) => s + w * x[j], b[i]));
        return row.map((w) => (1 - y * y) * w);
      }),
    );
    expectClose(jacobians.toArray(), formula, 14);
    expectClose(rowsAtFirstPoint.toArray(), formula[0], 14);
    expectClose(formula[0][0], [0.3557888812936113, -0.2134733287761668, 0.14231555251744452], 14);
  });

  test('axes: scores [4, 5, 5, 6] over columns; outAxes 1 keeps columns; vmap of vmap is A·Bᵀ', () => {
    const r = vmapExamples.axes();
    expect(r.scores.toArray()).toEqual([4, 5, 5, 6]);
    expect(r.columnsOut.toArray()).toEqual([
      [4, 0, 10, 6],
      [0, 5, 0, 6],
      [4, 5, 5, 6],
    ]);
    expect(r.table.toArray()).toEqual([
      [1, 2, 3],
      [3, 4, 7],
    ]);
  });

  test('refused: an op without a rule by name, an if on a batched value; the mask gives [−0.4, 1.6] and [2, 1]', () => {
    const r = vmapExamples.refused();
    // The page quotes both messages whole.
    expect(r.noRule).toBe(
      'vmap: the op ste has no batching rule, so vmap cannot run it over a batch (it never runs an op one example at a time); give it one where it is defined: batch: { how, apply } (see @ad/core batching rules)',
    );
    expect(r.branch).toBe(
      'vmap: a batched value of shape [] was read as a number (a JavaScript operator or an `if` on it); under vmap the function sees every example at once, so branch with `where` instead',
    );
    expectClose(r.masked.toArray(), [
      [-0.4, 1.6],
      [2, 1],
    ]);
  });

  test('the same op with a batching rule batches: [[0, −2], [2, 1]]', () => {
    expect(vmapExamples.ownRule().toArray()).toEqual([
      [0, -2],
      [2, 1],
    ]);
  });
});

describe('13. sparse Jacobians', () => {
  const band = [
    '× × · · · · · ·',
    '× × × · · · · ·',
    '· × × × · · · ·',
    '· · × × × · · ·',
    '· · · × × × · ·',
    '· · · · × × × ·',
    '· · · · · × × ×',
    '· · · · · · × ×',
  ];
  const page = readFileSync(join(__dirname, '..', 'guide', '13-sparse.md'), 'utf8');

  test('the dense Jacobian: 8 seeds, 22 of 64 entries nonzero, the band the page draws', () => {
    const r = sparse.denseJacobian();
    expect(r.seeds).toBe(8);
    expect(r.nonzeros).toBe(22);
    expect(r.picture).toEqual(band);
    expect(page).toContain(band.join('\n'));
  });

  test('one seed e₀ + e₃ + e₆ brings back the entries of columns 0, 3, 6 unmixed', () => {
    const r = sparse.oneSeedThreeColumns();
    expect(r.seed).toEqual([1, 0, 0, 1, 0, 0, 1, 0]);
    expect(r.tangent).toEqual(r.fromDense);
    expect(r.tangent[0]).toBeCloseTo(-2 * Math.cos(0.5), 15); // J₀₀, the −1.755… of the page
    expect(r.tangent[2]).toBe(0.5); // J₂₃ = 2x₃
  });

  test('the traced pattern is the band; a branch on a value is refused with the message the page quotes', () => {
    const r = sparse.detectedPattern();
    expect(r.picture).toEqual(band);
    expect(r.nonzeros).toBe(22);
    expect(page.replace(/\n/g, ' ')).toContain(r.refused);
  });

  test('3 colors repeating along the band, the seed matrix the page writes, 3 row colors', () => {
    const r = sparse.coloring();
    expect(r.colors).toEqual([0, 1, 2, 0, 1, 2, 0, 1]);
    expect(r.count).toBe(3);
    expect(r.seeds).toEqual([
      [1, 0, 0, 1, 0, 0, 1, 0],
      [0, 1, 0, 0, 1, 0, 0, 1],
      [0, 0, 1, 0, 0, 1, 0, 0],
    ]);
    expect(r.rowColors).toBe(3);
  });

  test('the compressed Jacobian: 3 seeds, 22 entries, the dense jacfwd to the last bit', () => {
    expect(sparse.compressed()).toEqual({ seeds: 3, nonzeros: 22, againstDense: 0 });
  });

  test('at n = 2,000 on tensors: still 3 seeds, 5,998 entries, ∂y₁₀₀₀/∂x₁₀₀₁ = 2x₁₀₀₁', () => {
    const r = sparse.large();
    expect([r.n, r.seeds, r.nonzeros]).toEqual([2000, 3, 5998]);
    expect(r.entry).toBeCloseTo(r.expected, 14);
  });

  test('the arrowhead: 8 colors for its columns, 8 for its rows, 3 seeds bidirectional, equal to jacfwd', () => {
    const r = sparse.arrowhead();
    expect([r.columns, r.rows, r.bidirectional]).toEqual([8, 8, 3]);
    expect(r.againstDense).toBeLessThan(1e-12);
  });

  test('the Hessian of the local terms: tridiagonal, 3 star colors, equal to the dense hessian', () => {
    const r = sparse.banded();
    expect(r.pattern).toEqual(band);
    expect(r.colors).toBe(3);
    expect(r.againstDense).toBeLessThan(1e-12);
  });
});
