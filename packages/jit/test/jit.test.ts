/**
 * jit's behaviour beyond agreement with eager mode (property-programs.test.ts): the generated
 * source (one statement per node, dead code gone, common subexpressions and constants folded),
 * control flow, the signature cache, the fallback where code generation is forbidden, the
 * typed errors, and a jitted MLP step against eager to 1e-12.
 */
import { DTypeError, type Tensor, ValueError, indexSelect, randn, tensor } from '@ad/core';
import { derivative, hessian as forwardHessian, jacfwd } from '@ad/forward';
import { grad, hessian, valueAndGrad, variable, vjp, type TensorVar, type Var } from '@ad/reverse';
import { TracingError, adjointProgram, jit } from '../src/index.js';

type S = Var;
const f = ([x, y]: S[]) => x.add(y).mul(x.sub(y));

/** The statements of a generated program (lines that assign a node). */
function statements(source: string): string[] {
  return source.split('\n').filter((l) => /^\s*const [vt]\d+(_bar)? = /.test(l) && !l.includes('// input'));
}

describe('the generated program', () => {
  test('f(x, y) = (x + y)(x − y): one statement per node, named v2, v3, v4, with the op as comment', () => {
    const jf = jit(f as never as (xs: number[]) => number);
    expect(jf([3, 2])).toBe(5);
    const s = jf.source;
    expect(statements(s)).toEqual(['  const v2 = v0 + v1; // add', '  const v3 = v0 - v1; // sub', '  const v4 = v2 * v3; // mul']);
    expect(s).toContain('const v0 = a0[0]; // input');
    expect(s).toContain('return v4;');
  });

  test('jit(grad(f)): the product nobody reads is gone (dead code), adjoints live in locals', () => {
    const jg = jit(grad(f));
    expect(jg([3, 2])).toEqual([6, -4]);
    const body = statements(jg.source);
    // x̄ = (x − y) + (x + y), ȳ = (x − y) − (x + y): add, sub, then three adjoint statements.
    expect(body).toHaveLength(5);
    expect(jg.source).not.toContain('// mul');
    expect(jg.source).not.toMatch(/new Float64Array|\[\]/);
  });

  test('the adjoint program written from the Wengert list names adjoints v0_bar, and is what jit(grad(f)) records with −t + u written u − t', () => {
    const written = adjointProgram(f as never, [3, 2]);
    expect(written.gradient([3, 2])).toEqual([6, -4]);
    expect(statements(written.source)).toEqual([
      '  const v2 = v0 + v1; // add',
      '  const v3 = v0 - v1; // sub',
      '  const v0_bar = v2 + v3; // add',
      '  const v1_bar = v3 - v2; // sub',
    ]);
    expect(written.source).toContain('return [v0_bar, v1_bar];');
    const recorded = statements(jit(grad(f)).lower([3, 2]).source);
    expect(recorded.map((l) => l.replace(/^.* = /, ''))).toEqual(['v0 + v1; // add', 'v0 - v1; // sub', '-v2; // neg', 'v2 + v3; // add', 'v3 + v4; // add']);
    expect(() => written.gradient([1, 2, 3])).toThrow('jit: this adjoint program was written for ([n,n])');
  });

  test('common subexpressions are computed once; x·1, x + (−0), x − 0 and known values fold away', () => {
    const g = jit((xs: number[]) => {
      const [x] = xs as unknown as S[];
      return x.sin().add(x.sin()).mul(1).add(-0).sub(0);
    });
    expect(g([0.5])).toBeCloseTo(2 * Math.sin(0.5), 15);
    expect(statements(g.source).filter((l) => l.includes('// sin'))).toHaveLength(1);
    expect(statements(g.source)).toHaveLength(2);
    // x + (+0) is not x at x = −0 (it is +0), so it stays in the program.
    expect(statements(jit((xs: number[]) => (xs[0] as unknown as S).add(0)).lower([0]).source)).toHaveLength(1);
    // The Hessian of a quadratic is known at trace time: the program returns constants.
    const h = jit(hessian(f));
    expect(h([3, 2])).toEqual([
      [2, 0],
      [0, -2],
    ]);
    expect(statements(h.source)).toHaveLength(0);
  });

  test('element-wise tensor chains fuse into one loop; matmul and reductions call the core kernels', () => {
    const w = randn([3, 4], { seed: 1 });
    const layer = jit((x: Tensor) => x.matmul(w).tanh().mul(2).add(1).sum());
    const x = randn([5, 3], { seed: 2 });
    const want = x.matmul(w).tanh().mul(2).add(1).sum();
    expect((layer(x) as Tensor).item()).toBeCloseTo(want.item(), 12);
    const s = layer.source;
    expect(s).toContain('op_matmul.primal(');
    expect(s).toContain('op_sum.primal(');
    expect(s).toContain('// fused tanh, mul, add over [5,4]');
    expect(s.match(/for \(/g)).toHaveLength(1);
  });
});

describe('control flow', () => {
  test('an `if` on a traced value throws a TracingError naming the op and pointing to where', () => {
    const branchy = jit((xs: number[]) => {
      const [x] = xs as unknown as S[];
      const s = x.sin();
      return (s as unknown as number) > 0 ? x : x.neg();
    });
    expect(() => branchy([1])).toThrow(TracingError);
    expect(() => branchy([1])).toThrow(/jit: the result of sin \(v1\) was read as a number .*where\(condition, a, b\)/);
    // …also under a transform, where the comparison reads the value of a Var.
    const inGrad = jit(grad(([x]: S[]) => ((x.value as unknown as number) > 0 ? x : x.neg())));
    expect(() => inGrad([1])).toThrow(TracingError);
    // where() is the traced choice.
    const chosen = jit(grad(([x]: S[]) => x.gt(0).mul(x.square()).add(x.le(0).mul(x))));
    expect(chosen([3])).toEqual([6]);
    expect(chosen([-3])).toEqual([1]);
  });

  test('loops over a fixed count unroll; a new input length retraces and the cache says so', () => {
    const sumSquares = jit(
      grad((xs: S[]) => {
        let s: S | number = 0;
        for (const x of xs) s = x.square().add(s);
        return s as S;
      }),
    );
    expect(sumSquares([1, 2])).toEqual([2, 4]);
    expect(sumSquares([1, 2])).toEqual([2, 4]);
    expect(sumSquares.stats.traces).toBe(1);
    expect(sumSquares([1, 2, 3])).toEqual([2, 4, 6]);
    expect(sumSquares.stats).toMatchObject({ traces: 2, signatures: ['([n,n])', '([n,n,n])'], lastRetrace: '([n,n]) → ([n,n,n])' });
    // Back to length 2: the cached program, no new trace.
    expect(sumSquares([5, 6])).toEqual([10, 12]);
    expect(sumSquares.stats.traces).toBe(2);
    // Tensor shapes are part of the signature too.
    const norm = jit((x: Tensor) => x.square().sum());
    norm(tensor([1, 2]));
    norm(tensor([[1, 2]]));
    expect(norm.stats.signatures).toEqual(['(T[2])', '(T[1,2])']);
  });
});

describe('arguments and results', () => {
  test('objects and arrays of numbers and tensors in and out; vjp inside; views as inputs', () => {
    const scaled = jit((p: { w: Tensor; k: number[] }) => ({ y: p.w.mul((p.k as unknown as S[])[0]), k2: (p.k as unknown as S[])[1].square() }));
    const w = tensor([
      [1, 2],
      [3, 4],
    ]);
    const out = scaled({ w, k: [2, 3] }) as unknown as { y: Tensor; k2: number };
    expect(out.y.toArray()).toEqual([
      [2, 4],
      [6, 8],
    ]);
    expect(out.k2).toBe(9);
    // A transposed view is read as the values it shows.
    const viaView = scaled({ w: w.transpose(), k: [1, 0] }) as { y: Tensor };
    expect(viaView.y.toArray()).toEqual([
      [1, 3],
      [2, 4],
    ]);
    const pullback = jit((xs: number[], c: number[]) => vjp(f as never, xs).vjp(c[0] as never));
    expect(pullback([3, 2], [2])).toEqual([12, -8]);
  });
});

describe('nesting and fallback', () => {
  test('jit inside jit traces through; jit called on values of a transform runs eagerly', () => {
    const inner = jit((xs: number[]) => (xs as unknown as S[])[0].exp());
    const outer = jit((xs: number[]) => (inner(xs) as unknown as S).mul(2));
    expect(outer([1])).toBeCloseTo(2 * Math.E, 14);
    expect(inner.stats.traces).toBe(0);
    const d = derivative((t) => inner([t as unknown as number]) as unknown as typeof t);
    expect(d(1)).toBeCloseTo(Math.E, 14);
    expect(jit(jacfwd(f as never))([3, 2])).toEqual([[6, -4]]);
    expect(jit(forwardHessian(f as never))([3, 2])).toEqual([
      [2, 0],
      [0, -2],
    ]);
  });

  test('a function that records its own graph with variable() and backward() — two tensor leaves, two passes on one graph — compiles', () => {
    // y₀ = Σ sin(a·b): ∂/∂a = b·cos(ab), ∂/∂b = a·cos(ab);  y₁ = Σ (a + eᵇ): ∂/∂a = 1, ∂/∂b = eᵇ.
    const passes = jit((a: Tensor, b: Tensor) => {
      const [av, bv] = [variable(a), variable(b)];
      const ab = av.mul(bv);
      const first = ab.sin().sum().backward(undefined, { retainGraph: true });
      const second = av.add(bv.exp()).sum().backward();
      return [first.get(av), first.get(bv), second.get(av), second.get(bv)] as Tensor[];
    });
    for (const [a, b] of [
      [
        [1, 2, 3],
        [0.5, 0.1, 0.2],
      ],
      [
        [-1, 0, 4],
        [2, -3, 0.25],
      ],
    ]) {
      const got = passes(tensor(a), tensor(b)).map((t) => t.toArray() as number[]);
      const cos = a.map((ai, i) => Math.cos(ai * b[i]));
      const want = [b.map((bi, i) => bi * cos[i]), a.map((ai, i) => ai * cos[i]), [1, 1, 1], b.map(Math.exp)];
      got.forEach((row, k) => row.forEach((v, i) => expect(v).toBeCloseTo(want[k][i], 14)));
    }
    expect(passes.stats.traces).toBe(1);
    expect(passes.source).toContain('Math.cos');
  });

  test('an index passed as an argument is read when the program runs: indexSelect picks other rows on the next call', () => {
    const picked = jit((x: Tensor, index: Tensor) => indexSelect(x, 0, index).mul(2));
    const x = tensor([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(picked(x, tensor([2, 0])).toArray()).toEqual([
      [10, 12],
      [2, 4],
    ]);
    expect(picked(x, tensor([1, 1])).toArray()).toEqual([
      [6, 8],
      [6, 8],
    ]);
    expect(picked.stats.traces).toBe(1);
    expect(() => picked(x, tensor([3, 0]))).toThrow(/indexSelect: index 3 is not an integer in \[0, 3\)/);
  });

  test('where new Function is forbidden (a strict Content-Security-Policy), jit runs fn eagerly and warns once', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const realFunction = globalThis.Function;
    // biome-ignore lint/complexity/useArrowFunction: it stands in for Function, which is called with `new`; an arrow function cannot be
    const forbidden = function () {
      throw new EvalError('Code generation from strings disallowed for this context');
    } as unknown as FunctionConstructor;
    globalThis.Function = forbidden;
    try {
      const jg = jit(valueAndGrad(f));
      expect(jg([3, 2])).toEqual({ value: 5, grad: [6, -4] });
      expect(jg([1, 1])).toEqual({ value: 0, grad: [2, -2] });
      expect(jit(grad(f))([3, 2])).toEqual([6, -4]);
      expect(jg.stats.traces).toBe(0);
      expect(() => jg.source).toThrow(/code generation is unavailable/);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0][0]).toMatch(/^jit: this page forbids generating code/);
    } finally {
      globalThis.Function = realFunction;
      warn.mockRestore();
    }
  });
});

describe('errors name jit', () => {
  test('a non-function', () => {
    expect(() => jit(42 as never)).toThrow(DTypeError);
    expect(() => jit(42 as never)).toThrow('jit: expected a function to compile, got number');
  });

  test('a function returning something that is not a number or a tensor', () => {
    const text = jit((() => 'text') as (xs: number[]) => unknown);
    expect(() => text([1])).toThrow(DTypeError);
    expect(() => text([1])).toThrow('jit: fn must return numbers or tensors (or arrays or plain objects of them), got string at the result');
    expect(() => jit((xs: number[]) => [xs[0], undefined])([1])).toThrow('got undefined at the result[1]');
  });

  test('inputs shorter than what fn reads, and inputs of the wrong kind', () => {
    const third = jit((xs: number[]) => (xs as unknown as S[])[2].exp());
    expect(() => third([1, 2])).toThrow(ValueError);
    expect(() => third([1, 2])).toThrow('jit: fn read x[2], but x has length 2');
    expect(() => jit(grad(([, , z]: S[]) => z.exp()))([1, 2])).toThrow(/^jit: tracing fn at \(\[n,n\]\) failed/);
    expect(() => jit(f as never as (xs: unknown[]) => number)(['a', 'b'])).toThrow(
      'jit: arguments must be numbers, tensors, or arrays or plain objects of them; argument 0[0] is string',
    );
    const jf = jit(f as never as (...a: unknown[]) => number);
    expect(() => jf([1], [2], [3], [4], [5])).toThrow('jit: a jitted function takes at most 4 arguments; pack more into an array');
    expect(() => jit(f).source).toThrow(/no program yet: call the jitted function once/);
  });

  test('shapes that do not fit are the op’s error, raised while tracing and naming jit', () => {
    const w = randn([3, 4], { seed: 1 });
    const bad = jit((x: Tensor) => x.matmul(w));
    expect(() => bad(randn([2, 5]))).toThrow(/^jit: tracing fn at \(T\[2,5\]\) failed: matmul: cannot multiply \[2,5\] by \[3,4\]/);
  });
});

describe('a jitted MLP', () => {
  // A 2-16-1 network's parameters packed into one vector: W1 [16,2], b1 [16], W2 [1,16], b2 [1].
  const sizes = [[16, 2], [16], [1, 16], [1]];
  const total = 32 + 16 + 16 + 1;
  const unpackParams = (theta: TensorVar): TensorVar[] => {
    let off = 0;
    return sizes.map((s) => {
      const n = s.reduce((a, b) => a * b, 1);
      const piece = theta.slice([off, off + n]).reshape(s);
      off += n;
      return piece;
    });
  };
  const loss = (theta: TensorVar, x: Tensor, y: Tensor): TensorVar => {
    const [W1, b1, W2, b2] = unpackParams(theta);
    const hidden = (x as unknown as TensorVar).matmul(W1.transpose()).add(b1).tanh(); // [batch, 16]
    const out = hidden.matmul(W2.transpose()).add(b2).sigmoid(); // [batch, 1]
    return out.sub(y).square().mean();
  };

  test('forward, loss and the gradient of the parameters match eager to 1e-12', () => {
    const theta = randn([total], { seed: 3 }).mul(0.5);
    const x = randn([8, 2], { seed: 4 });
    const y = tensor([[0], [1], [1], [0], [1], [0], [0], [1]]);
    const step = (p: Tensor, xb: Tensor, yb: Tensor) => valueAndGrad((t: TensorVar) => loss(t, xb, yb))(p);
    const eager = step(theta, x, y);
    const jitted = jit(step)(theta, x, y) as { value: Tensor; grad: Tensor };
    expect(Math.abs(jitted.value.item() - eager.value.item())).toBeLessThan(1e-12);
    const g = jitted.grad.toFloat64Array();
    eager.grad.toFloat64Array().forEach((v, i) => expect(Math.abs(g[i] - v)).toBeLessThan(1e-12));
  });
});

describe('long programs', () => {
  test('a gradient traced through 400 unrolled terms (~3,600 statements) matches eager', () => {
    const rosen = (xs: S[]) => {
      let s: S | number = 0;
      for (let i = 0; i + 1 < xs.length; i++) {
        const a = xs[i + 1].sub(xs[i].square());
        s = a.square().mul(100).add(xs[i].neg().add(1).square()).add(s);
      }
      return s as S;
    };
    const x = Array.from({ length: 400 }, (_, i) => Math.cos(i));
    const got = jit(grad(rosen))(x);
    const want = grad(rosen)(x);
    got.forEach((g, i) => expect(Math.abs(g - want[i])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want[i]))));
  });
});
