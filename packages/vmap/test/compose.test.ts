/**
 * vmap with every other transform, in every order, each against the loop it replaces: per-example
 * gradients (vmap(grad)), of an MLP through functionalCall too; grad of a vmapped function;
 * jit(vmap) and vmap(jit); vmap of vmap; vmap of hessian and jacfwd; jacrev of a vmapped map;
 * trees of inputs and outputs with their axes; user ops (registerOp) with and without a rule.
 */
import { type BatchRule, DTypeError, type Tensor, custom, elementwise, manualSeed, randn, registerOp, stack, tensor, tree } from '@ad/core';
import { anyOps } from '@ad/core/engine';
import { hessian as fwdHessian, jacfwd } from '@ad/forward';
import { jit, scan } from '@ad/jit';
import { Linear, ReLU, Sequential, functionalCall, parameterValues } from '@ad/nn';
import { type TensorVar, grad, hessian, jacrev, valueAndGrad } from '@ad/reverse';
import { vmap } from '../src/index.js';

/** Equal to rounding (kernels over a batch may sum in another order). */
function near(got: unknown, want: unknown, rtol = 1e-10): void {
  const a = tree.leaves(got as tree.Tree<unknown>) as Tensor[];
  const b = tree.leaves(want as tree.Tree<unknown>) as Tensor[];
  expect(a.length).toBe(b.length);
  a.forEach((x, i) => {
    expect(anyOps.shape(x)).toEqual(anyOps.shape(b[i]));
    const u = typeof x === 'number' ? [x] : x.toFloat64Array();
    const v = typeof b[i] === 'number' ? [b[i] as unknown as number] : b[i].toFloat64Array();
    u.forEach((s, j) => expect(Math.abs(s - v[j])).toBeLessThanOrEqual(rtol * (1 + Math.abs(v[j]))));
  });
}

/** f on each example of xs (the first axis), stacked: what vmap(f)(xs) must equal. */
function loop<T>(f: (x: Tensor) => T, xs: Tensor): T {
  const outs = Array.from({ length: xs.shape[0] }, (_, b) => f(xs.slice(b)));
  return tree.map((...leaves: Tensor[]) => stack(leaves, 0), outs[0] as tree.Tree<Tensor>, ...outs.slice(1)) as T;
}

const W = (() => {
  manualSeed(3);
  return randn([3, 4]);
})();
const f = (x: Tensor) => anyOps.tanh(anyOps.matmul(W, x)) as Tensor;
const scalarF = (x: Tensor) => anyOps.sum(anyOps.mul(f(x), f(x))) as Tensor;

describe('vmap with grad, jvp, jit and itself', () => {
  manualSeed(11);
  const xs = randn([5, 4]);

  test('vmap(grad(f)) is the loop of grad(f)', () => {
    near(vmap(grad(scalarF))(xs), loop(grad(scalarF), xs));
  });

  test('grad of a vmapped function: grad(x ↦ Σ vmap(f)(x)) is the per-example gradients', () => {
    near(grad((x: Tensor) => anyOps.sum(vmap(scalarF)(x)) as Tensor)(xs), loop(grad(scalarF), xs));
  });

  test('valueAndGrad with hasAux under vmap: value, gradient and aux all per example', () => {
    const withAux = (x: Tensor) => [scalarF(x), { norm: anyOps.sum(anyOps.abs(x)) as Tensor }] as const;
    const out = vmap(valueAndGrad(withAux, { hasAux: true }))(xs) as unknown as { value: Tensor; grad: Tensor; aux: { norm: Tensor } };
    near(out.value, loop(scalarF, xs));
    near(
      out.aux.norm,
      loop((x) => anyOps.sum(anyOps.abs(x)) as Tensor, xs),
    );
    near(out.grad, loop(grad(scalarF), xs));
  });

  test('jit(vmap(f)) equals vmap(f), and vmap(jit(f)) too', () => {
    const want = vmap(f)(xs);
    near(jit(vmap(f))(xs), want);
    near(jit(vmap(f))(xs), want);
    near(vmap(jit(f))(xs), want);
    near(jit(vmap(grad(scalarF)))(xs), loop(grad(scalarF), xs));
  });

  test('vmap(vmap(f)) maps over two axes; inner and outer axes chosen independently', () => {
    manualSeed(12);
    const grid = randn([2, 3, 4]);
    const want = stack(
      [0, 1].map((i) => loop(f, grid.slice(i))),
      0,
    );
    near(vmap(vmap(f))(grid), want);
    // The outer batch on axis 1: [3, 2, 4] mapped over axis 1, then each [3, 4] over axis 0.
    near(vmap(vmap(f), { inAxes: 1 })(anyOps.permute(grid, [1, 0, 2]) as Tensor), want);
    // A shared operand inside: pairs (a, b) ↦ a·b for every a of the outer batch and b of the inner.
    const a = randn([2, 4]);
    const b = randn([3, 4]);
    const dot = (u: Tensor, v: Tensor) => anyOps.sum(anyOps.mul(u, v)) as Tensor;
    const table = vmap((u: Tensor) => vmap((v: Tensor) => dot(u, v))(b))(a);
    near(table, anyOps.matmul(a, anyOps.transpose(b)));
  });

  test('vmap of hessian (reverse and forward) and of jacfwd are the loops of them', () => {
    near(vmap(hessian(scalarF))(xs), loop(hessian(scalarF) as (x: Tensor) => Tensor, xs));
    near(vmap(fwdHessian(scalarF as never) as unknown as (x: Tensor) => Tensor)(xs), loop(hessian(scalarF) as (x: Tensor) => Tensor, xs));
    near(vmap(jacfwd(f as never) as unknown as (x: Tensor) => Tensor)(xs), loop(jacrev(f as never) as unknown as (x: Tensor) => Tensor, xs));
  });

  test('jacrev of a vmapped map is block-diagonal: each output row depends on its own example', () => {
    const J = jacrev(vmap(f) as unknown as (x: TensorVar) => TensorVar)(xs) as Tensor; // [5, 3, 5, 4]
    const blocks = loop(jacrev(f as never) as unknown as (x: Tensor) => Tensor, xs); // [5, 3, 4]
    for (let b = 0; b < 5; b++) {
      for (let c = 0; c < 5; c++) {
        const block = anyOps.slice(J, b, null, c) as Tensor;
        near(block, b === c ? blocks.slice(b) : anyOps.mul(blocks.slice(b), 0));
      }
    }
  });
});

describe('vmap of a loop (scan)', () => {
  // c ← c/2 + sin(xᵢ) over the elements of one example, then Σc: a scan per example.
  const looped = (x: Tensor) => {
    const [c] = scan(
      (c: Tensor, xi: Tensor) => [anyOps.add(anyOps.mul(c, 0.5), anyOps.sin(xi)) as Tensor, c] as const,
      anyOps.mul(x, 0) as Tensor,
      anyOps.reshape(x, [-1, 1]) as Tensor,
    );
    return anyOps.sum(c) as Tensor;
  };
  manualSeed(13);
  const xs = randn([3, 5]);

  test('vmap(scan), jit(vmap(scan)) and vmap(grad(scan)) equal the loops over examples', () => {
    near(vmap(looped)(xs), loop(looped, xs));
    near(jit(vmap(looped))(xs), loop(looped, xs));
    near(vmap(grad(looped))(xs), loop(grad(looped), xs));
  });
});

describe('trees, axes and outputs', () => {
  test('an object of inputs with an axis each (null: shared), an object of outputs with outAxes', () => {
    manualSeed(5);
    const w = randn([4]);
    const xs = randn([4, 6]); // the batch on axis 1
    const fn = ({ w, x }: { w: Tensor; x: Tensor }) => ({ dot: anyOps.sum(anyOps.mul(w, x)) as Tensor, scaled: anyOps.mul(w, x) as Tensor });
    const out = vmap(fn, { inAxes: [{ w: null, x: 1 }], outAxes: { dot: 0, scaled: 1 } })({ w, x: xs }) as unknown as { dot: Tensor; scaled: Tensor };
    near(out.dot, anyOps.matmul(w, xs));
    near(out.scaled, anyOps.mul(anyOps.reshape(w, [4, 1]), xs));
  });

  test('numbers and unbatched results are spread over the batch; outAxes null keeps a shared result as it is', () => {
    const xs = tensor([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const out = vmap((x: Tensor) => [3, W, anyOps.sum(x) as Tensor] as const)(xs) as unknown as Tensor[];
    expect(out[0].toArray()).toEqual([3, 3, 3]);
    expect(out[1].shape).toEqual([3, 3, 4]);
    expect(out[2].toArray()).toEqual([3, 7, 11]);
    const shared = vmap((x: Tensor) => [W, x] as const, { outAxes: [null, 0] })(xs) as unknown as Tensor[];
    expect(shared[0]).toBe(W);
  });

  test('per-example gradients of an MLP through functionalCall equal the loop of grad', () => {
    manualSeed(9);
    const model = new Sequential([new Linear(6, 8), new ReLU(), new Linear(8, 3)]);
    const params = parameterValues(model);
    const xs = randn([4, 6]);
    const targets = tensor([
      [1, 0, 0],
      [0, 0, 1],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    // One example's loss: cross-entropy against a one-hot target.
    const loss = (p: Record<string, TensorVar>, x: Tensor, t: Tensor) =>
      anyOps.neg(anyOps.sum(anyOps.mul(anyOps.logSoftmax(functionalCall(model, p, x as never) as never, -1), t))) as TensorVar;
    const perExample = vmap(grad(loss), { inAxes: [null, 0, 0] })(params, xs, targets) as unknown as Record<string, Tensor>;
    const looped = [0, 1, 2, 3].map((b) => grad(loss)(params, xs.slice(b), targets.slice(b)) as unknown as Record<string, Tensor>);
    for (const key of Object.keys(params)) {
      expect(perExample[key].shape).toEqual([4, ...params[key].shape]);
      near(
        perExample[key],
        stack(
          looped.map((g) => g[key]),
          0,
        ),
      );
    }
  });
});

describe('user ops', () => {
  test('an element-wise op made with elementwise() batches as the built-in ones do', () => {
    const cube = registerOp(elementwise({ name: 'vmapCube', inputs: ['x'], expr: 'x * x * x', partials: [(o, [x]) => o.mul(3, o.mul(x, x))] }));
    const xs = tensor([
      [1, 2],
      [3, 4],
    ]);
    near(vmap((x: Tensor) => cube(x) as Tensor)(xs), anyOps.mul(anyOps.mul(xs, xs), xs));
    near(vmap(grad((x: Tensor) => anyOps.sum(cube(x)) as Tensor))(xs), anyOps.mul(3, anyOps.mul(xs, xs)));
  });

  const rules = {
    arity: 1,
    primal: ([x]: readonly Tensor[]) => anyOps.mul(x, 2) as Tensor,
    jvp:
      <T>(o: { mul(a: T, b: number): T }) =>
      ([d]: readonly (T | null)[]) =>
        d === null ? null : o.mul(d, 2),
    vjp:
      <T>(o: { mul(a: T, b: number): T }) =>
      (g: T) => [o.mul(g, 2)],
  };

  test('a custom op without a batching rule is refused by name, never run one example at a time', () => {
    const twice = registerOp(custom<undefined>({ name: 'vmapTwiceNoRule', ...rules } as never));
    expect(() => vmap((x: Tensor) => twice(x) as Tensor)(tensor([[1, 2]]))).toThrow(DTypeError);
    expect(() => vmap((x: Tensor) => twice(x) as Tensor)(tensor([[1, 2]]))).toThrow(/^vmap: the op vmapTwiceNoRule has no batching rule/);
  });

  test('a custom op with a batching rule batches by it', () => {
    const twice = registerOp(
      custom<undefined>({
        name: 'vmapTwice',
        ...rules,
        batch: { how: 'element-wise', apply: (o, op, xs, _batched, params) => o.interpreter.apply(op, xs, params) } satisfies BatchRule<undefined>,
      } as never),
    );
    near(vmap((x: Tensor) => twice(x) as Tensor)(tensor([[1, 2]])), tensor([[2, 4]]));
  });

  test('control flow on a batched value is refused: every example would take one branch', () => {
    expect(() => vmap((x: Tensor) => ((anyOps.sum(x) as unknown as number) > 0 ? x : anyOps.neg(x)))(tensor([[1], [-1]]))).toThrow(
      /^vmap: a batched value of shape \[\] was read as a number/,
    );
  });
});
